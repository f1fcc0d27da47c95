from django.urls import path

from . import address_views, views

app_name = "grid"
urlpatterns = [
    path("", views.grid_map, name="map"),
    path("export.geojson", views.export_grids, name="export"),
    path("import/", views.import_grids, name="import"),
    path("patrol/", views.patrol, name="patrol"),
    path("addresses/", address_views.addresses, name="addresses"),
    path("addresses/template.xlsx", address_views.addresses_template, name="addresses_template"),
]
