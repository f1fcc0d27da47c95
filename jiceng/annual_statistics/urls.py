from django.urls import path

from . import views

app_name = "statistics"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:org>/", views.organization_report, name="organization"),
    path("org/<int:org>/export.xlsx", views.export, name="export"),
    path("org/<int:org>/list/<str:key>/", views.figure_list, name="list"),
]
