from django.urls import path

from . import views

app_name = "rectification"
urlpatterns = [
    path("", views.detected_list, name="detected"),
    path("org/<int:org>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/", views.detail, name="detail"),
    path("rules/", views.rules_page, name="rules"),
]
