"""The REST API (django-ninja) under /api/v1/: each app adds its own router."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.security import django_auth

from jiceng.accounts.access import public
from jiceng.annual_statistics.api import router as statistics_router
from jiceng.appraisal.api import router as appraisal_router
from jiceng.cases.api import router as cases_router
from jiceng.cases.metrics_api import router as case_metrics_router
from jiceng.consent.api import router as consent_router
from jiceng.cooperatives.api import router as cooperatives_router
from jiceng.core import audit
from jiceng.core.api import JsonObjectParser, RestAPI
from jiceng.core.errors import DomainError
from jiceng.dashboard.api import router as dashboard_router
from jiceng.development.api import router as development_router
from jiceng.divisions.api import router as divisions_router
from jiceng.dues.api import router as dues_router
from jiceng.grid.api import router as grid_router
from jiceng.households.api import router as households_router
from jiceng.members.api import router as members_router
from jiceng.orglife.api import router as orglife_router
from jiceng.orgs.api import router as orgs_router
from jiceng.points.api import router as points_router
from jiceng.posts.api import router as posts_router
from jiceng.rectification.api import router as rectification_router
from jiceng.reporting.api import router as reporting_router
from jiceng.stations.api import router as stations_router
from jiceng.taskforces.api import router as taskforces_router
from jiceng.transfers.api import router as transfers_router
from jiceng.villages.api import router as villages_router

# RestAPI: bodies are JSON objects (400 otherwise), 422s are Errors in Chinese and every
# operation's OpenAPI lists them.
api = RestAPI(
    title="基层 Jiceng API",
    version="1",
    urls_namespace="api",
    auth=django_auth,  # default deny: every route needs a signed-in user unless it says otherwise
    parser=JsonObjectParser(),
    # The schema and its page describe routes, never rows; integrators read them first.
    docs_decorator=public("接口说明文档，不含任何业务数据"),
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    audit.record_refusal(request, exc)  # a refused write; reads are not recorded
    body: dict[str, object] = {"detail": exc.message}
    fields = getattr(exc, "fields", None)
    if fields:
        body["fields"] = fields
    return api.create_response(request, body, status=exc.status)


api.add_router("/divisions", divisions_router)
api.add_router("/organizations", orgs_router)
api.add_router("/members", members_router)
api.add_router("/development", development_router)
api.add_router("/appraisal", appraisal_router)
api.add_router("/orglife", orglife_router)
api.add_router("/transfers", transfers_router)
api.add_router("/points", points_router)
api.add_router("/grid", grid_router)
api.add_router("/cases", cases_router)
api.add_router("/case-metrics", case_metrics_router)
api.add_router("/dashboard", dashboard_router)
api.add_router("/statistics", statistics_router)
api.add_router("/dues", dues_router)
api.add_router("/rectification", rectification_router)
api.add_router("/villages", villages_router)
api.add_router("/taskforces", taskforces_router)
api.add_router("/households", households_router)
api.add_router("/posts", posts_router)
api.add_router("/consent", consent_router)
api.add_router("/cooperatives", cooperatives_router)
api.add_router("/reporting", reporting_router)
api.add_router("/stations", stations_router)


def urls() -> tuple[list[Any], str, str]:
    """The API's URL patterns. Ninja adds a root view that only redirects to the docs page;
    it is declared here so the URL walk sees no undeclared view."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if getattr(pattern, "name", None) == "api-root" and pattern.callback is not None:
            public("只转到接口文档页")(pattern.callback)
    return patterns, app_name, namespace
