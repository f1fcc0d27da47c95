"""党建驾驶舱: one page of tiles for an organization's subtree; `?screen=1` lays it out for a
meeting room's large screen (full width, dark, larger figures, no menu)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from jiceng.accounts.access import requires
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import replicas
from jiceng.grid import maps
from jiceng.orgs import queries as orgs

from . import queries


@requires(queries.PERMISSION)
@replicas.reads_from_replica  # rollups a few seconds old are fine; the user, from the primary
def dashboard(request: AuthedRequest, org: int | None = None) -> HttpResponse:
    organization = queries.access_organization(request.user, org)
    built = queries.tiles_for(request.user, organization)
    charts: dict[str, Any] = {b.key: b.tile.chart for b in built if b.tile.chart}
    maps_data: dict[str, Any] = {b.key: b.tile.map for b in built if b.tile.map}
    children = list(orgs.children(request.user, organization).values("pk", "name")[:60])
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "organization": organization,
            "ancestors": orgs.ancestors(request.user, organization),
            "children": children,
            "tiles": built,
            "charts": charts,
            "maps": {"tiles": maps.basemap(), "layers": maps_data} if maps_data else None,
            "screen": request.GET.get("screen") == "1",
        },
    )
