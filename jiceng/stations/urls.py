from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("", views.finder_page, name="finder"),
    path("map.json", views.finder_map, name="finder_map"),
    path("<int:pk>/", views.station_page, name="station"),
    path("v/<str:code>/", views.scan, name="scan"),
    path("registry/", views.registry, name="registry"),
    path("registry/new/", views.register, name="register"),
    path("registry/<int:pk>/", views.edit, name="edit"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/", views.keep, name="keep"),
]
