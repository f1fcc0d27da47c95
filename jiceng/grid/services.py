"""Writes to grids, grid workers and patrols. Every change to a grid bumps the routing index
version inside the same transaction (see routing.py)."""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from django.db import transaction
from django.db.models import Q

from jiceng.accounts import services as account_services
from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput, NotFound, not_found
from jiceng.divisions.models import Division, Level

from . import routing
from .models import Grid, GridIndexVersion, GridWorker, Patrol, PatrolFinding

MAX_VERTICES = 5000  # a grid is a few streets wide; more points are a mistaken file
MAX_TRACK_POINTS = 5000  # one patrol's track
MAX_TRACK_BATCH = 1000  # one upload of track points


# -- checks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Boundary:
    """A checked grid polygon: its GeoJSON geometry text and bounding box (lon/lat)."""

    geojson: str
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


def check_boundary(geometry: Any) -> Boundary:
    """A Polygon or MultiPolygon in lon/lat (a GeoJSON geometry as a dict or text), valid,
    not empty and inside China's rough extent."""
    if isinstance(geometry, dict):
        text = shapely.to_geojson(_geometry_from_dict(geometry))
    elif isinstance(geometry, str):
        text = geometry
    else:
        raise InvalidInput("请提供网格边界（GeoJSON 面）", fields={"boundary": "缺少边界"})
    try:
        geom = shapely.from_geojson(text)
    except Exception:
        raise InvalidInput(
            "网格边界不是有效的 GeoJSON 几何", fields={"boundary": "无法解析"}
        ) from None
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(
            "网格边界须为面（Polygon 或 MultiPolygon）", fields={"boundary": "须为面"}
        )
    if geom.is_empty or shapely.get_num_coordinates(geom) < 4:
        raise InvalidInput("网格边界为空", fields={"boundary": "边界为空"})
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise InvalidInput(f"网格边界的顶点超过{MAX_VERTICES}个", fields={"boundary": "顶点过多"})
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in geom.bounds)
    if not (73.0 <= min_lon <= max_lon <= 136.0 and 3.0 <= min_lat <= max_lat <= 54.0):
        raise InvalidInput(
            "网格边界的坐标不在中国境内：请使用经纬度（先经度后纬度，WGS-84/CGCS2000）",
            fields={"boundary": "坐标超出范围"},
        )
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise InvalidInput(
            f"网格边界不是有效的面（自相交或环不闭合）：{reason}",
            fields={"boundary": "边界无效"},
        )
    return Boundary(shapely.to_geojson(geom), min_lon, min_lat, max_lon, max_lat)


def _geometry_from_dict(geometry: dict[str, Any]) -> shapely.Geometry:
    try:
        geom = shapely.from_geojson(json.dumps(geometry))
    except Exception:
        raise InvalidInput(
            "网格边界不是有效的 GeoJSON 几何", fields={"boundary": "无法解析"}
        ) from None
    return geom


def street_code_of(community_code: str) -> str:
    """The street (乡级) a community (村级) lies in, from the code alone."""
    return community_code[:9] + "000"


def check_community(code: str) -> Division:
    """A level-5 division (社区/村) by its 12-digit code."""
    code = (code or "").strip()
    if not (len(code) == 12 and code.isdigit()):
        raise InvalidInput("社区（村）代码须为12位数字", fields={"community": "须为12位区划代码"})
    community = Division.objects.filter(pk=code).first()
    if community is None or community.level != Level.VILLAGE:
        raise InvalidInput(
            f"没有代码为{code}的社区（村）", fields={"community": "没有这个社区（村）"}
        )
    return community


def can_manage_community(user: User | None, community_code: str) -> bool:
    if user is None:  # a command or the demo loader
        return True
    return scope_of(user).reach(Permission.MANAGE_GRIDS).covers_division(community_code)


def check_can_manage(user: User | None, community_code: str) -> None:
    """Outside the user's scope the community answers as if it did not exist (404)."""
    if not can_manage_community(user, community_code):
        raise not_found("社区（村）")


def bump_version() -> None:
    """A fresh token, not a counter: a counter can repeat after a rolled-back transaction
    and leave another process with a stale index."""
    token = secrets.randbits(62) or 1
    if not GridIndexVersion.objects.filter(pk=1).update(version=token):
        GridIndexVersion.objects.update_or_create(pk=1, defaults={"version": token})
    routing.invalidate()  # now for this transaction's own reads ...
    transaction.on_commit(routing.invalidate)  # ... and again once others can see it


# -- grids ------------------------------------------------------------------------------------


@transaction.atomic
def create_grid(
    *, code: str, name: str, community: Division, boundary: Any, by: User | None
) -> Grid:
    """A new grid (划分网格) in `community`, its polygon in lon/lat."""
    code, name = check_code(code), check_name(name)
    if community.level != Level.VILLAGE:
        raise InvalidInput("网格须建在社区（村）之下", fields={"community": "须为社区（村）"})
    check_can_manage(by, community.code)
    checked = check_boundary(boundary)
    if Grid.objects.filter(code=code).exists():
        raise InvalidInput(f"网格编码{code}已被使用", fields={"code": "编码已被使用"})
    now = clock.now()
    grid = Grid.objects.create(
        code=code,
        name=name,
        community_id=community.code,
        street_id=street_code_of(community.code),
        boundary=checked.geojson,
        min_lon=checked.min_lon,
        min_lat=checked.min_lat,
        max_lon=checked.max_lon,
        max_lat=checked.max_lat,
        created_at=now,
        updated_at=now,
    )
    bump_version()
    audit.record(
        audit.AuditEvent.WRITE,
        action="grid.create_grid",
        target=grid,
        user=by,
        detail={"code": code, "community": community.code},
    )
    return grid


@transaction.atomic
def change_grid(
    *,
    grid: Grid,
    by: User | None,
    name: str | None = None,
    boundary: Any = None,
    is_active: bool | None = None,
) -> Grid:
    """Rename, redraw, or switch a grid off and on; only what is given changes."""
    locked = Grid.objects.select_for_update().get(pk=grid.pk)
    check_can_manage(by, locked.community_id)
    changed: dict[str, Any] = {}
    if name is not None:
        changed["name"] = check_name(name)
    if boundary is not None:
        checked = check_boundary(boundary)
        changed.update(
            boundary=checked.geojson,
            min_lon=checked.min_lon,
            min_lat=checked.min_lat,
            max_lon=checked.max_lon,
            max_lat=checked.max_lat,
        )
    if is_active is not None:
        changed["is_active"] = bool(is_active)
    if not changed:
        return locked
    Grid.objects.filter(pk=locked.pk).update(updated_at=clock.now(), **changed)
    bump_version()
    audit.record(
        audit.AuditEvent.WRITE,
        action="grid.change_grid",
        target=locked,
        user=by,
        detail={"fields": sorted(k for k in changed if not k.startswith(("min_", "max_")))},
    )
    return Grid.objects.get(pk=locked.pk)


def check_code(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise InvalidInput("请填写网格编码", fields={"code": "请填写网格编码"})
    if len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        raise InvalidInput(
            "网格编码须为32位以内的字母、数字、“-”或“_”", fields={"code": "编码格式不对"}
        )
    return code


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("请填写网格名称", fields={"name": "请填写网格名称"})
    if len(name) > 100:
        raise InvalidInput("网格名称不能超过100个字", fields={"name": "名称过长"})
    return name


# -- grid workers -----------------------------------------------------------------------------


@transaction.atomic
def assign_worker(*, grid: Grid, user: User, by: User | None) -> GridWorker:
    """Make `user` a grid worker (网格员) of `grid`; they also get the GRID_WORKER role over
    the grid's community unless they hold it already. An appointment is a grant of that role,
    delegated to the street (accounts.delegations): checked on each one, also of a worker who
    holds the role in the community already."""
    check_can_manage(by, grid.community_id)
    community = _community_of(grid)
    account_services.check_can_grant(by, Role.GRID_WORKER, division=community)
    if GridWorker.objects.filter(grid=grid, user=user).exists():
        raise InvalidInput("该用户已是本网格的网格员", fields={"user": "已是本网格的网格员"})
    if not RoleAssignment.objects.filter(
        user=user, role=Role.GRID_WORKER, division_id=grid.community_id
    ).exists():
        account_services.assign_role(user=user, role=Role.GRID_WORKER, division=community, by=by)
    worker = GridWorker.objects.create(grid=grid, user=user, assigned_at=clock.now())
    audit.record(
        audit.AuditEvent.WRITE,
        action="grid.assign_worker",
        target=grid,
        user=by,
        detail={"worker": user.pk},
    )
    return worker


@transaction.atomic
def remove_worker(*, grid: Grid, user: User, by: User | None) -> None:
    """End an assignment; the GRID_WORKER role over the community goes with the last grid
    the user has there. Whoever may appoint may remove (accounts.delegations)."""
    check_can_manage(by, grid.community_id)
    account_services.check_can_grant(by, Role.GRID_WORKER, division=_community_of(grid))
    deleted, _ = GridWorker.objects.filter(grid=grid, user=user).delete()
    if not deleted:
        raise NotFound("该用户不是本网格的网格员")
    still_there = GridWorker.objects.filter(user=user, grid__community_id=grid.community_id)
    if not still_there.exists():
        for assignment in RoleAssignment.objects.filter(
            user=user, role=Role.GRID_WORKER, division_id=grid.community_id
        ):
            account_services.remove_role(assignment=assignment, by=by)
    audit.record(
        audit.AuditEvent.WRITE,
        action="grid.remove_worker",
        target=grid,
        user=by,
        detail={"worker": user.pk},
    )


def _community_of(grid: Grid) -> Division:
    return Division.objects.filter(pk=grid.community_id).first() or Division(
        code=grid.community_id, name=grid.community_id, level=Level.VILLAGE
    )


# -- patrols ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingForCase:
    """What a patrol finding gives the cases app to open a case (巡查发现转工单)."""

    finding_id: int
    patrol_id: int
    grid_id: int
    community_code: str
    street_code: str
    description: str
    lon: float | None
    lat: float | None
    found_at: Any  # datetime
    reported_by_id: int
    becomes_case: bool


def check_is_worker(user: User, grid: Grid) -> None:
    if not GridWorker.objects.filter(user=user, grid=grid).exists():
        raise not_found("网格")


@transaction.atomic
def start_patrol(*, grid: Grid, by: User, note: str = "") -> Patrol:
    """A grid worker starts a patrol of one of their grids; one open patrol at a time."""
    check_is_worker(by, grid)
    # Lock the worker's row so two concurrent starts cannot both see no open patrol.
    User.objects.select_for_update().filter(pk=by.pk).first()
    if Patrol.objects.filter(worker=by, ended_at__isnull=True).exists():
        raise Conflict("您有一次巡查尚未结束，请先结束它")
    patrol = Patrol.objects.create(
        worker=by, grid=grid, started_at=clock.now(), note=_checked_note(note)
    )
    audit.record(
        audit.AuditEvent.WRITE, action="grid.start_patrol", target=patrol, user=by, detail={}
    )
    return patrol


def check_track_points(points: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """[[lon, lat], ...] or [[lon, lat, "ISO time"], ...]; the time defaults to now."""
    checked: list[list[Any]] = []
    now = clock.now().isoformat(timespec="seconds")
    for number, point in enumerate(points, start=1):
        try:
            lon, lat = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError):
            raise InvalidInput(
                f"第{number}个轨迹点不是[经度, 纬度]", fields={"track": "轨迹点格式不对"}
            ) from None
        if not (math.isfinite(lon) and math.isfinite(lat)) or not (
            -180 <= lon <= 180 and -90 <= lat <= 90
        ):
            raise InvalidInput(
                f"第{number}个轨迹点的经纬度超出范围", fields={"track": "经纬度超出范围"}
            )
        at = str(point[2])[:32] if len(point) > 2 and point[2] else now
        checked.append([round(lon, 7), round(lat, 7), at])
        if len(checked) > MAX_TRACK_BATCH:
            raise InvalidInput(
                f"一次最多上传{MAX_TRACK_BATCH}个轨迹点", fields={"track": "轨迹点过多"}
            )
    return checked


@transaction.atomic
def add_track_points(*, patrol: Patrol, points: Iterable[Sequence[Any]], by: User) -> Patrol:
    """Append track points to an open patrol of one's own."""
    checked = check_track_points(points)
    locked = _own_open_patrol(patrol, by)
    if len(locked.track) + len(checked) > MAX_TRACK_POINTS:
        raise InvalidInput(
            f"一次巡查最多记录{MAX_TRACK_POINTS}个轨迹点", fields={"track": "轨迹点过多"}
        )
    Patrol.objects.filter(pk=locked.pk).update(track=[*locked.track, *checked])
    # One record per upload, not per point; no coordinates in the log.
    audit.record(
        audit.AuditEvent.WRITE,
        action="grid.add_track_points",
        target=locked,
        user=by,
        detail={"points": len(checked)},
    )
    return Patrol.objects.get(pk=locked.pk)


@transaction.atomic
def end_patrol(*, patrol: Patrol, by: User) -> Patrol:
    if patrol.worker_id != by.pk:
        raise not_found("巡查")
    ended = Patrol.objects.filter(pk=patrol.pk, ended_at__isnull=True).update(ended_at=clock.now())
    if ended != 1:
        raise Conflict("这次巡查已经结束")
    audit.record(
        audit.AuditEvent.WRITE, action="grid.end_patrol", target=patrol, user=by, detail={}
    )
    return Patrol.objects.get(pk=patrol.pk)


@transaction.atomic
def record_finding(
    *,
    patrol: Patrol,
    description: str,
    by: User,
    lon: float | None = None,
    lat: float | None = None,
    becomes_case: bool = True,
) -> FindingForCase:
    """A finding on an open patrol (巡查发现). The result carries what the cases app needs to
    open a case from it (cases.intake); grid itself never creates cases."""
    description = " ".join((description or "").split())
    if not description:
        raise InvalidInput("请描述发现的问题", fields={"description": "请描述发现的问题"})
    if len(description) > 1000:
        raise InvalidInput("问题描述不能超过1000字", fields={"description": "描述过长"})
    if (lon is None) != (lat is None):
        raise InvalidInput("经度和纬度须同时填写", fields={"lon": "经纬度不完整"})
    if lon is not None and lat is not None:
        check_track_points([[lon, lat]])
    locked = _own_open_patrol(patrol, by)
    finding = PatrolFinding.objects.create(
        patrol=locked,
        description=description,
        lon=lon,
        lat=lat,
        found_at=clock.now(),
        becomes_case=becomes_case,
    )
    grid = locked.grid
    audit.record(
        audit.AuditEvent.WRITE,
        action="grid.record_finding",
        target=finding,
        user=by,
        detail={"patrol": locked.pk, "becomes_case": becomes_case},
    )
    return FindingForCase(
        finding_id=finding.pk,
        patrol_id=locked.pk,
        grid_id=grid.pk,
        community_code=grid.community_id,
        street_code=grid.street_id,
        description=description,
        lon=lon,
        lat=lat,
        found_at=finding.found_at,
        reported_by_id=by.pk,
        becomes_case=becomes_case,
    )


def _own_open_patrol(patrol: Patrol, by: User) -> Patrol:
    locked = (
        Patrol.objects.select_for_update()
        .select_related("grid")
        .filter(Q(pk=patrol.pk) & Q(worker=by))
        .first()
    )
    if locked is None:
        raise not_found("巡查")
    if locked.ended_at is not None:
        raise Conflict("这次巡查已经结束")
    return locked


def _checked_note(note: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > 500:
        raise InvalidInput("备注不能超过500字", fields={"note": "备注过长"})
    return note
