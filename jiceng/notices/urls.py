from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<str:source>/<int:pk>/read/", views.mark_read, name="read"),
]
