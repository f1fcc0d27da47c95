"""Every write of 红帆驿站: the registry (a street or community registers and edits its
stations, the community appoints their keepers), a keeper's hours and amenities, a rider's
anonymous visit, and a rider's need or complaint, which enters 接诉即办 through the one
intake (cases.intake.submit_case), placed at the station."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from jiceng.accounts import services as account_services
from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.scoping import scope_of
from jiceng.cases import intake
from jiceng.cases.models import CaseType, Subject
from jiceng.cases.workflow import Channel
from jiceng.core import audit, clock
from jiceng.core.errors import Forbidden, InvalidInput, not_found
from jiceng.divisions.models import Division
from jiceng.grid import routing

from . import finder, hours
from .models import AMENITY_BITS, ServiceStation, StationVisitDay, amenity_mask

OUTSIDE_MESSAGE = "该位置不在本平台的服务范围内，请在服务范围内的地图上选点"


@dataclass(frozen=True)
class StationInput:
    """What the registry form and the API give for a station."""

    name: str
    address: str
    host_unit: str
    lon: float | None
    lat: float | None
    weekly_hours: hours.Week
    amenities: list[str]
    phone: str = ""
    note: str = ""


def check_amenities(values: list[str]) -> int:
    unknown = [v for v in values if v not in AMENITY_BITS]
    if unknown:
        raise InvalidInput(
            f"没有这项服务设施：{'、'.join(unknown)}", fields={"amenities": "请从列表中选择"}
        )
    return amenity_mask(values)


def community_of_point(lon: float, lat: float) -> str:
    """The community a point lies in (grid.routing), or InvalidInput outside the service
    area (no grid, no street hull near it)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput("位置不在有效的经纬度范围内", fields={"location": "请重新选点"})
    placed = routing.locate(lon, lat)
    if placed.how == routing.HOW_NONE or not placed.community_code:
        raise InvalidInput(OUTSIDE_MESSAGE, fields={"location": "不在服务范围内"})
    return placed.community_code


def _check_input(data: StationInput) -> tuple[int, str]:
    errors: dict[str, str] = {}
    for field, label, longest in (
        ("name", "驿站名称", 100),
        ("address", "地址", 200),
        ("host_unit", "依托单位", 100),
    ):
        value = getattr(data, field).strip()
        if not value:
            errors[field] = f"请填写{label}"
        elif len(value) > longest:
            errors[field] = f"{label}不能超过 {longest} 字"
    if data.phone and not intake.PHONE_PATTERN.match(data.phone.strip()):
        errors["phone"] = "电话格式不正确"
    if len(data.note) > 200:
        errors["note"] = "说明不能超过 200 字"
    if data.lon is None or data.lat is None:
        errors["location"] = "请在地图上选定驿站位置"
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    assert data.lon is not None and data.lat is not None
    mask = check_amenities(data.amenities)
    return mask, community_of_point(data.lon, data.lat)


def _check_manages(by: User, community_code: str) -> None:
    if not has_permission(by, Permission.MANAGE_SERVICE_STATIONS):
        raise Forbidden("只有街道、社区可以登记红帆驿站")
    reach = scope_of(by).reach(Permission.MANAGE_SERVICE_STATIONS)
    if not reach.covers_division(community_code):
        raise InvalidInput(
            "驿站位置不在您管理的街道或社区内", fields={"location": "不在您的管理范围内"}
        )


def _on_change() -> None:
    transaction.on_commit(finder.bump_version)


@transaction.atomic
def register_station(*, data: StationInput, by: User) -> ServiceStation:
    """登记驿站: placed in the community its point lies in, which must be the registrar's."""
    mask, community = _check_input(data)
    week = hours.check_week(data.weekly_hours)
    _check_manages(by, community)
    now = clock.now()
    assert data.lon is not None and data.lat is not None
    station = ServiceStation.objects.create(
        name=data.name.strip(),
        address=data.address.strip(),
        host_unit=data.host_unit.strip(),
        lon=data.lon,
        lat=data.lat,
        community_id=community,
        street_code=community[:9] + "000",
        phone=data.phone.strip(),
        note=data.note.strip(),
        weekly_hours=week,
        amenities=mask,
        code=secrets.token_urlsafe(12),
        created_at=now,
        updated_at=now,
    )
    audit.record(
        audit.AuditEvent.WRITE, action="stations.register_station", target=station, user=by
    )
    _on_change()
    return station


@transaction.atomic
def update_station(*, station: ServiceStation, data: StationInput, by: User) -> ServiceStation:
    """The registry's edit: everything, the new place inside the registrar's reach too."""
    _check_manages(by, station.community_id)
    mask, community = _check_input(data)
    week = hours.check_week(data.weekly_hours)
    _check_manages(by, community)
    assert data.lon is not None and data.lat is not None
    ServiceStation.objects.filter(pk=station.pk).update(
        name=data.name.strip(),
        address=data.address.strip(),
        host_unit=data.host_unit.strip(),
        lon=data.lon,
        lat=data.lat,
        community_id=community,
        street_code=community[:9] + "000",
        phone=data.phone.strip(),
        note=data.note.strip(),
        weekly_hours=week,
        amenities=mask,
        updated_at=clock.now(),
    )
    audit.record(audit.AuditEvent.WRITE, action="stations.update_station", target=station, user=by)
    _on_change()
    return ServiceStation.objects.get(pk=station.pk)


def may_keep(user: User, station: ServiceStation) -> bool:
    """The station's keeper, in the community their role names, or its registrar."""
    scope = scope_of(user)
    if scope.reach(Permission.MANAGE_SERVICE_STATIONS).covers_division(station.community_id):
        return True
    return station.keeper_id == user.pk and scope.reach(
        Permission.KEEP_SERVICE_STATIONS
    ).covers_division(station.community_id)


@transaction.atomic
def set_service(
    *, station: ServiceStation, weekly_hours: hours.Week, amenities: list[str], by: User
) -> ServiceStation:
    """The keeper's edit (on a phone): opening hours and amenities."""
    if not may_keep(by, station):
        raise not_found("驿站")
    week = hours.check_week(weekly_hours)
    mask = check_amenities(amenities)
    ServiceStation.objects.filter(pk=station.pk).update(
        weekly_hours=week, amenities=mask, updated_at=clock.now()
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="stations.set_service",
        target=station,
        user=by,
        detail={"amenities": sorted(amenities)},
    )
    _on_change()
    return ServiceStation.objects.get(pk=station.pk)


@transaction.atomic
def set_active(*, station: ServiceStation, is_active: bool, by: User) -> ServiceStation:
    """停用 / 启用: a closed-down station leaves the riders' page; its visits stay."""
    _check_manages(by, station.community_id)
    ServiceStation.objects.filter(pk=station.pk).update(is_active=is_active, updated_at=clock.now())
    audit.record(
        audit.AuditEvent.WRITE,
        action="stations.set_active",
        target=station,
        user=by,
        detail={"is_active": is_active},
    )
    _on_change()
    return ServiceStation.objects.get(pk=station.pk)


@transaction.atomic
def appoint_keeper(*, station: ServiceStation, username: str, by: User | None) -> ServiceStation:
    """任命驿站管理员: the community appoints (accounts.delegations): the account gets the
    keeper's role over the station's community unless it has it, and keeps the station."""
    user = User.objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        raise InvalidInput("没有这个账号", fields={"keeper": "请填写管理员的登录账号"})
    community = Division.objects.filter(code=station.community_id).first()
    if community is None:
        raise not_found("社区")
    has_role = RoleAssignment.objects.filter(
        user=user, role=Role.STATION_KEEPER, division=community
    ).exists()
    if not has_role:
        account_services.assign_role(user=user, role=Role.STATION_KEEPER, division=community, by=by)
    else:
        account_services.check_can_grant(by, Role.STATION_KEEPER, division=community)
    ServiceStation.objects.filter(pk=station.pk).update(keeper=user, updated_at=clock.now())
    audit.record(
        audit.AuditEvent.WRITE,
        action="stations.appoint_keeper",
        target=station,
        user=by,
        detail={"keeper": user.pk},
    )
    return ServiceStation.objects.get(pk=station.pk)


def record_visit(*, station: ServiceStation) -> None:
    """扫码: one more anonymous visit today (a counter per station and day: no person, no
    device is recorded)."""
    today = clock.today()
    counted = StationVisitDay.objects.filter(station=station, day=today).update(
        visits=F("visits") + 1
    )
    if counted:
        return
    try:
        with transaction.atomic():
            StationVisitDay.objects.create(station=station, day=today, visits=1)
    except IntegrityError:  # another scan made today's row first
        StationVisitDay.objects.filter(station=station, day=today).update(visits=F("visits") + 1)


def submit_need(
    *,
    station: ServiceStation,
    type: CaseType,
    subject: Subject,
    description: str,
    reporter_name: str = "",
    reporter_phone: str = "",
    by: User | None = None,
) -> intake.Submitted:
    """A rider's need or complaint at a station: a case of 接诉即办 through its one intake,
    placed at the station's point and address (routed to the station's grid)."""
    if not station.is_active:
        raise not_found("驿站")
    text = description.strip()
    return intake.submit_case(
        channel=Channel.WEB,
        type=type,
        subject=subject,
        description=f"【红帆驿站·{station.name}】{text}" if text else "",
        lon=station.lon,
        lat=station.lat,
        address=station.address,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        by=by,
    )
