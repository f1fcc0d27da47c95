from django.urls import path

from . import views

app_name = "appraisal"
urlpatterns = [
    path("", views.grades, name="grades"),
    path("org/<int:pk>/", views.checklist, name="checklist"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("models/", views.models, name="models"),
    path("models/org/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("models/<int:pk>/decide/", views.decide, name="decide"),
]
