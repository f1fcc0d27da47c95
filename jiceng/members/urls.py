from django.urls import path

from . import views, views_excel

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/status/", views.member_status, name="status"),
    path("<int:pk>/personal-data/", views.member_personal_data, name="personal_data"),
    path("import/", views_excel.member_import, name="import"),
    path("import/template.xlsx", views_excel.member_import_template, name="import_template"),
    path("export.xlsx", views_excel.member_export, name="export"),
]
