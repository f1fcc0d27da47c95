"""/api/v1/grid: grids (scoped), GeoJSON import and export, workers, location routing, and
grid workers' patrols."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from ninja import Body, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import InvalidInput, NotFound, not_found
from jiceng.core.schemas import Error, PathId

from . import geojson, queries, routing, services
from .models import Grid, Patrol

router = Router(tags=["grid"])

P = Permission
Id = PathId


# Every operation may answer 403 (the role lacks the permission); 404 outside the scope.
E = {400: Error, 403: Error, 404: Error}


class GridOut(Schema):
    id: int
    code: str
    name: str
    community: str
    street: str
    is_active: bool
    bbox: list[float]

    @staticmethod
    def of(g: Grid) -> GridOut:
        return GridOut(
            id=g.pk,
            code=g.code,
            name=g.name,
            community=g.community_id,
            street=g.street_id,
            is_active=g.is_active,
            bbox=[g.min_lon, g.min_lat, g.max_lon, g.max_lat],
        )


class GridDetail(GridOut):
    geometry: dict[str, Any]
    workers: list[str]


class GridIn(Schema):
    code: str
    name: str
    community: str
    geometry: dict[str, Any]


class GridPatch(Schema):
    name: str | None = None
    geometry: dict[str, Any] | None = None
    is_active: bool | None = None


class WorkerIn(Schema):
    username: str


class PlacementOut(Schema):
    grid_id: int | None
    community_code: str | None
    street_code: str | None
    how: str
    distance_m: float


class ImportOut(Schema):
    created: int
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


class PatrolIn(Schema):
    grid_id: int
    note: str = ""


class PatrolOut(Schema):
    id: int
    grid_id: int
    grid_name: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    points: int
    findings: int

    @staticmethod
    def of(p: Patrol, findings: int = 0) -> PatrolOut:
        return PatrolOut(
            id=p.pk,
            grid_id=p.grid_id,
            grid_name=p.grid.name,
            started_at=p.started_at,
            ended_at=p.ended_at,
            points=len(p.track),
            findings=findings,
        )


class TrackIn(Schema):
    points: list[list[Any]]


class PatrolFindingIn(Schema):
    description: str
    lon: float | None = None
    lat: float | None = None
    becomes_case: bool = True


class PatrolFindingOut(Schema):
    finding_id: int
    patrol_id: int
    grid_id: int
    community_code: str
    street_code: str
    description: str
    lon: float | None
    lat: float | None
    found_at: dt.datetime
    becomes_case: bool


@router.get("/grids", response={200: list[GridOut], **E})
@api_requires(P.VIEW_GRIDS)
def list_grids(request: AuthedRequest, community: str = "") -> list[GridOut]:
    grids = queries.grids_for(request.user).order_by("code")
    if community:
        grids = grids.filter(community_id=community)
    return [GridOut.of(g) for g in grids[: queries.MAX_MAP_GRIDS]]


@router.get("/grids/{grid_id}", response={200: GridDetail, **E})
@api_requires(P.VIEW_GRIDS)
def get_grid(request: AuthedRequest, grid_id: Id) -> GridDetail:
    g = queries.access_grid(request.user, grid_id)
    return GridDetail(
        **GridOut.of(g).dict(),
        geometry=json.loads(g.boundary),
        workers=[u.display_name or u.username for u in queries.workers_of(g)],
    )


@router.post("/grids", response={201: GridOut, **E})
@api_requires(P.MANAGE_GRIDS)
def create_grid(request: AuthedRequest, body: GridIn) -> Status[GridOut]:
    community = services.check_community(body.community)
    grid = services.create_grid(
        code=body.code,
        name=body.name,
        community=community,
        boundary=body.geometry,
        by=request.user,
    )
    return Status(201, GridOut.of(grid))


@router.patch("/grids/{grid_id}", response={200: GridOut, **E})
@api_requires(P.MANAGE_GRIDS)
def change_grid(request: AuthedRequest, grid_id: Id, body: GridPatch) -> GridOut:
    grid = queries.access_managed_grid(request.user, grid_id)
    grid = services.change_grid(
        grid=grid,
        name=body.name,
        boundary=body.geometry,
        is_active=body.is_active,
        by=request.user,
    )
    return GridOut.of(grid)


@router.get("/export.geojson", response={200: dict[str, Any], **E})
@api_requires(P.MANAGE_GRIDS)
def export_grids(request: AuthedRequest) -> dict[str, Any]:
    return geojson.export_grids(request.user)


@router.post("/import", response={200: ImportOut, **E})
@api_requires(P.MANAGE_GRIDS)
def import_grids(request: AuthedRequest, body: Annotated[dict[str, Any], Body()]) -> ImportOut:
    result = geojson.import_grids(body, by=request.user)
    return ImportOut(
        created=result.created,
        errors=[e.__dict__ for e in result.errors],
        warnings=[e.__dict__ for e in result.warnings],
    )


@router.post("/grids/{grid_id}/workers", response={201: dict[str, Any], **E})
@api_requires(P.MANAGE_GRIDS)
def assign_worker(request: AuthedRequest, grid_id: Id, body: WorkerIn) -> Status[dict[str, Any]]:
    grid = queries.access_managed_grid(request.user, grid_id)
    user = User.objects.filter(username=body.username.strip(), is_active=True).first()
    if user is None:
        raise InvalidInput("没有这个用户", fields={"username": "没有这个用户"})
    services.assign_worker(grid=grid, user=user, by=request.user)
    return Status(201, {"grid_id": grid.pk, "username": user.username})


@router.delete("/grids/{grid_id}/workers/{username}", response={204: None, **E})
@api_requires(P.MANAGE_GRIDS)
def remove_worker(request: AuthedRequest, grid_id: Id, username: str) -> Status[None]:
    grid = queries.access_managed_grid(request.user, grid_id)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound("该用户不是本网格的网格员")
    services.remove_worker(grid=grid, user=user, by=request.user)
    return Status(204, None)


@router.get("/locate", response={200: PlacementOut, **E})
@api_requires(P.MANAGE_GRIDS, P.HANDLE_CASES, P.DISPATCH_CASES)
def locate(
    request: AuthedRequest,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
) -> PlacementOut:
    """Which grid (or street) a location belongs to."""
    p = routing.locate(lon, lat)
    return PlacementOut(
        grid_id=p.grid_id,
        community_code=p.community_code,
        street_code=p.street_code,
        how=p.how,
        distance_m=round(p.distance_m, 1),
    )


@router.get("/patrols", response={200: list[PatrolOut], **E})
@api_requires(P.HANDLE_CASES, P.MANAGE_GRIDS)
def list_patrols(request: AuthedRequest) -> list[PatrolOut]:
    return [PatrolOut.of(p, p.finding_count) for p in queries.patrols_for(request.user)[:100]]


@router.post("/patrols", response={201: PatrolOut, 409: Error, **E})
@api_requires(P.HANDLE_CASES)
def start_patrol(request: AuthedRequest, body: PatrolIn) -> Status[PatrolOut]:
    grid = queries.worker_grids(request.user).filter(pk=body.grid_id).first()
    if grid is None:
        raise not_found("网格")
    patrol = services.start_patrol(grid=grid, note=body.note, by=request.user)
    return Status(201, PatrolOut.of(patrol))


def _own_patrol(request: AuthedRequest, patrol_id: int) -> Patrol:
    patrol = Patrol.objects.filter(pk=patrol_id, worker=request.user).first()
    if patrol is None:
        raise not_found("巡查")
    return patrol


@router.post("/patrols/{patrol_id}/track", response={200: PatrolOut, 409: Error, **E})
@api_requires(P.HANDLE_CASES)
def add_track_points(request: AuthedRequest, patrol_id: Id, body: TrackIn) -> PatrolOut:
    patrol = services.add_track_points(
        patrol=_own_patrol(request, patrol_id), points=body.points, by=request.user
    )
    return PatrolOut.of(patrol, patrol.findings.count())


@router.post("/patrols/{patrol_id}/end", response={200: PatrolOut, 409: Error, **E})
@api_requires(P.HANDLE_CASES)
def end_patrol(request: AuthedRequest, patrol_id: Id) -> PatrolOut:
    patrol = services.end_patrol(patrol=_own_patrol(request, patrol_id), by=request.user)
    return PatrolOut.of(patrol, patrol.findings.count())


@router.post("/patrols/{patrol_id}/findings", response={201: PatrolFindingOut, 409: Error, **E})
@api_requires(P.HANDLE_CASES)
def record_finding(
    request: AuthedRequest, patrol_id: Id, body: PatrolFindingIn
) -> Status[PatrolFindingOut]:
    found = services.record_finding(
        patrol=_own_patrol(request, patrol_id),
        description=body.description,
        lon=body.lon,
        lat=body.lat,
        becomes_case=body.becomes_case,
        by=request.user,
    )
    return Status(201, PatrolFindingOut(**found.__dict__))
