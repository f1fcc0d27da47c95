from django.urls import path

from . import views

app_name = "grid"
urlpatterns = [
    path("", views.grid_map, name="map"),
    path("export.geojson", views.export_grids, name="export"),
    path("import/", views.import_grids, name="import"),
    path("patrol/", views.patrol, name="patrol"),
]
