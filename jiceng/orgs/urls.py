from django.urls import path

from . import views, views_excel

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/new/", views.create, name="create"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/dissolve/", views.dissolve, name="dissolve"),
    path("<int:pk>/terms-due/", views.terms_due, name="terms_due"),
    path("<int:pk>/election/", views.election, name="election"),
    path(
        "<int:pk>/self-government/",
        views.self_government_election,
        name="self_government",
    ),
    path("<int:pk>/export.xlsx", views_excel.organization_export, name="export"),
    path("import/", views_excel.organization_import, name="import"),
    path("import/template.xlsx", views_excel.organization_import_template, name="import_template"),
]
