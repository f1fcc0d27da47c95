from django.urls import path

from . import views

app_name = "points"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("org/", views.overview, name="overview"),
    path("org/<int:org>/", views.organization, name="organization"),
    path("org/<int:org>/rules/", views.rules, name="rules"),
    path("member/<int:pk>/", views.member, name="member"),
    path("member/<int:pk>/award/", views.award, name="award"),
    path("entries/<int:pk>/reverse/", views.reverse_entry, name="reverse"),
]
