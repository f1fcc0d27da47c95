"""Grid pages: the map of grids, the GeoJSON import and export, and the grid worker's patrol
page (phone first)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.cases import queries as case_queries
from jiceng.core import geojson as core_geojson
from jiceng.core.errors import NO_SUCH_ACTION, DomainError, NotFound, not_found

from . import geojson, maps, queries, services
from .models import Patrol

P = Permission


@requires(P.VIEW_GRIDS)
def grid_map(request: AuthedRequest) -> HttpResponse:
    """The grids the user sees, drawn with Leaflet; a table of them below for any screen."""
    grids = list(
        queries.grids_for(request.user)
        .filter(is_active=True)
        .order_by("code")[: queries.MAX_MAP_GRIDS]
    )
    rows = [
        {
            "id": g.pk,
            "code": g.code,
            "name": g.name,
            "community": g.community_id,
            "boundary": g.boundary,
        }
        for g in grids
    ]
    return render(
        request,
        "grid/map.html",
        {
            "grids": grids,
            "map_data": maps.map_data(rows),
            "can_manage": has_permission(request.user, P.MANAGE_GRIDS),
            "can_import_outlines": has_permission(request.user, P.MANAGE_GRIDS)
            or has_permission(request.user, P.MANAGE_SETTINGS),
        },
    )


@requires(P.MANAGE_GRIDS)
def export_grids(request: AuthedRequest) -> HttpResponse:
    data = geojson.export_grids(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/geo+json"
    )
    response["Content-Disposition"] = content_disposition_header(True, "网格.geojson")
    return response


@require_http_methods(["GET", "POST"])
@requires(P.MANAGE_GRIDS)
def import_grids(request: AuthedRequest) -> HttpResponse:
    result = None
    problem = ""
    if request.method == "POST":
        try:
            data = core_geojson.read_upload(request.FILES.get("file"))
            result = geojson.import_grids(data, by=request.user)
        except DomainError as exc:
            problem = exc.message
    return render(request, "grid/import.html", {"result": result, "problem": problem})


@require_http_methods(["GET", "POST"])
@requires(P.HANDLE_CASES)
def patrol(request: AuthedRequest) -> HttpResponse:
    """The grid worker's patrol page: start, record findings, end."""
    problem = ""
    if request.method == "POST":
        try:
            return redirect(_act(request))
        except DomainError as exc:
            problem = exc.message
    user = request.user
    current = queries.open_patrol_of(user)
    findings = list(current.findings.all()) if current else []
    mine = queries.own_findings(user)
    opened = case_queries.cases_of_findings([f.pk for f in findings])
    return render(
        request,
        "grid/patrol.html",
        {
            "grids": list(queries.worker_grids(user)),
            "current": current,
            # each finding of the open patrol with the case opened from it, if any
            "findings": [(f, opened.get(f.pk)) for f in findings],
            "awaiting": list(
                case_queries.findings_without_case(
                    mine.filter(becomes_case=True).exclude(patrol=current)
                )[:MAX_AWAITING]
            ),
            "recent": list(queries.patrols_for(user).filter(worker=user)[:10]),
            "problem": problem,
        },
    )


MAX_AWAITING = 20  # findings still to become cases, listed on the patrol page


def _act(request: AuthedRequest) -> str:
    """Does the posted action; the address to go to next."""
    action = request.POST.get("action", "")
    if action == "start":
        grid = queries.worker_grids(request.user).filter(pk=_int(request.POST.get("grid"))).first()
        if grid is None:
            raise not_found("网格")
        services.start_patrol(grid=grid, note=request.POST.get("note", ""), by=request.user)
        return reverse("grid:patrol")
    current = _own_open(request)
    if action == "finding":
        lon, lat = _float(request.POST.get("lon")), _float(request.POST.get("lat"))
        found = services.record_finding(
            patrol=current,
            description=request.POST.get("description", ""),
            lon=lon,
            lat=lat,
            becomes_case=request.POST.get("becomes_case") == "yes",
            by=request.user,
        )
        if found.becomes_case:  # straight on to choosing its category (巡查发现转工单)
            return reverse("cases:from_finding", args=[found.finding_id])
        messages.success(request, "已记录（当场处置，不转工单）")
    elif action == "end":
        services.end_patrol(patrol=current, by=request.user)
    else:
        raise NotFound(NO_SUCH_ACTION)
    return reverse("grid:patrol")


def _own_open(request: AuthedRequest) -> Patrol:
    current = queries.open_patrol_of(request.user)
    if current is None or current.pk != _int(request.POST.get("patrol")):
        raise not_found("进行中的巡查")
    return current


def _int(text: str | None) -> int:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 15 else 0


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
