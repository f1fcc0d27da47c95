from django.urls import path

from . import views

app_name = "federation"
urlpatterns = [
    path("", views.provinces, name="provinces"),
    path("<str:province>/<int:local_id>/", views.organization, name="organization"),
]
