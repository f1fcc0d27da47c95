from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("org/<int:org>/", views.dashboard, name="organization"),
]
