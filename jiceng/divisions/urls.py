from django.urls import path

from . import views

app_name = "divisions"
urlpatterns = [
    path("shapes/import/", views.import_shapes, name="import_shapes"),
]
