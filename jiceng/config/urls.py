from django.contrib import admin
from django.urls import include, path

from jiceng.config import api

urlpatterns = [
    # First: Open311 intake resolves on every POST (web.middleware.MachineEndpointsMiddleware).
    path("open311/v2/", include("jiceng.cases.open311.urls")),
    path("", include("jiceng.web.urls")),
    path("", include("jiceng.ops.urls")),  # /healthz, /readyz, /metrics
    path("accounts/", include("jiceng.accounts.urls")),
    path("divisions/", include("jiceng.divisions.urls")),
    path("orgs/", include("jiceng.orgs.urls")),
    path("members/", include("jiceng.members.urls")),
    path("orglife/", include("jiceng.orglife.urls")),
    path("points/", include("jiceng.points.urls")),
    path("development/", include("jiceng.development.urls")),
    path("transfers/", include("jiceng.transfers.urls")),
    path("appraisal/", include("jiceng.appraisal.urls")),
    path("grid/", include("jiceng.grid.urls")),
    path("cases/metrics/", include("jiceng.cases.metrics_urls")),
    path("cases/", include("jiceng.cases.urls")),
    path("notices/", include("jiceng.notices.urls")),
    path("feedback/", include("jiceng.feedback.urls")),
    path("exports/", include("jiceng.exports.urls")),
    path("dashboard/", include("jiceng.dashboard.urls")),
    path("statistics/", include("jiceng.annual_statistics.urls")),
    path("dues/", include("jiceng.dues.urls")),
    path("rectification/", include("jiceng.rectification.urls")),
    path("villages/", include("jiceng.villages.urls")),
    path("taskforces/", include("jiceng.taskforces.urls")),
    path("households/", include("jiceng.households.urls")),
    path("posts/", include("jiceng.posts.urls")),
    path("consent/", include("jiceng.consent.urls")),
    path("cooperatives/", include("jiceng.cooperatives.urls")),
    path("reporting/", include("jiceng.reporting.urls")),
    path("stations/", include("jiceng.stations.urls")),
    path("federation/", include("jiceng.federation.urls")),
    path("api/v1/", api.urls()),
    path("admin/", admin.site.urls),
]
