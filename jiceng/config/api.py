"""The REST API (django-ninja) under /api/v1/: each app adds its own router."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from jiceng.core.errors import DomainError
from jiceng.divisions.api import router as divisions_router
from jiceng.members.api import router as members_router
from jiceng.orgs.api import router as orgs_router

api = NinjaAPI(
    title="基层 Jiceng API",
    version="1",
    urls_namespace="api",
    auth=django_auth,  # default deny: every route needs a signed-in user unless it says otherwise
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, object] = {"detail": exc.message}
    fields = getattr(exc, "fields", None)
    if fields:
        body["fields"] = fields
    return api.create_response(request, body, status=exc.status)


api.add_router("/divisions", divisions_router)
api.add_router("/organizations", orgs_router)
api.add_router("/members", members_router)
