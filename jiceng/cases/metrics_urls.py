"""The case metrics pages, mounted at /cases/metrics/."""

from django.urls import URLPattern, path

from . import metrics_views

app_name = "case_metrics"
urlpatterns: list[URLPattern] = [
    path("", metrics_views.ranking, name="ranking"),
]
