from django.urls import path

from . import views, views_excel

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/export.xlsx", views_excel.organization_export, name="export"),
    path("import/", views_excel.organization_import, name="import"),
    path("import/template.xlsx", views_excel.organization_import_template, name="import_template"),
]
