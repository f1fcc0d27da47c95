from django.urls import path

from . import views

app_name = "development"
urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("new/", views.register, name="register"),
    path("<int:pk>/", views.applicant_page, name="applicant"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/print/<slug:form>/", views.print_form, name="print"),
    path("org/<int:org>/plan/", views.plan, name="plan"),
    path("org/<int:org>/rules/", views.add_rule, name="add_rule"),
]
