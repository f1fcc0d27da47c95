from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("second-factor/", views.verify, name="second_factor"),
    path("second-factor/enroll/", views.enroll, name="enroll"),
]
