"""Division pages: the import of street and community outlines (区划边界) as GeoJSON."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import geojson as core_geojson
from jiceng.core.errors import DomainError

from . import shapes

P = Permission


@require_http_methods(["GET", "POST"])
@requires(P.MANAGE_SETTINGS, P.MANAGE_GRIDS)
def import_shapes(request: AuthedRequest) -> HttpResponse:
    """The system administrator imports outlines anywhere; a street office those inside the
    divisions where it manages grids (shapes.may_import)."""
    result = None
    problem = ""
    if request.method == "POST":
        try:
            data = core_geojson.read_upload(request.FILES.get("file"))
            result = shapes.import_shapes(data, by=request.user)
        except DomainError as exc:
            problem = exc.message
    status = 400 if problem or (result and not result.succeeded) else 200
    return render(
        request,
        "divisions/import_shapes.html",
        {
            "result": result,
            "problem": problem,
            "can_view_grids": has_permission(request.user, P.VIEW_GRIDS),
        },
        status=status,
    )
