"""The units that handle cases: stations (站所) and departments (职能部门) with their staff,
and the grid, station or department a dispatch, an escalation or a summons names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from jiceng.accounts import services as account_services
from jiceng.accounts.models import Role, User
from jiceng.core import audit
from jiceng.core.errors import InvalidInput
from jiceng.divisions.models import Division
from jiceng.grid.models import Grid

from .models import Case, Department, DepartmentStaff, Station
from .workflow import Level


@transaction.atomic
def create_station(*, name: str, street: Division, function: str = "", by: User | None) -> Station:
    if street.level != 4:
        raise InvalidInput("站所须属于一个街道（乡镇）", fields={"street": "请选择街道"})
    station, _ = Station.objects.get_or_create(
        street=street, name=name.strip(), defaults={"function": function.strip()}
    )
    audit.record(audit.AuditEvent.WRITE, action="cases.create_station", target=station, user=by)
    return station


@transaction.atomic
def create_department(
    *, name: str, district: Division, function: str = "", by: User | None
) -> Department:
    if district.level != 3:
        raise InvalidInput("职能部门须属于一个区县", fields={"district": "请选择区县"})
    department, _ = Department.objects.get_or_create(
        district=district, name=name.strip(), defaults={"function": function.strip()}
    )
    audit.record(
        audit.AuditEvent.WRITE, action="cases.create_department", target=department, user=by
    )
    return department


@transaction.atomic
def add_department_staff(*, user: User, department: Department, by: User | None) -> DepartmentStaff:
    """A department's staff member: the post, and the DEPARTMENT_STAFF role over its district."""
    post, created = DepartmentStaff.objects.get_or_create(user=user, department=department)
    if not user.roles.filter(
        role=Role.DEPARTMENT_STAFF, division_id=department.district_id
    ).exists():
        account_services.assign_role(
            user=user, role=Role.DEPARTMENT_STAFF, division=department.district, by=by
        )
    if created:
        audit.record(
            audit.AuditEvent.WRITE,
            action="cases.add_department_staff",
            target=post,
            user=by,
            detail={"department": department.pk},
        )
    return post


def units_by_id(
    grid_id: int | None,
    station_id: int | None,
    department_id: int | None,
    *,
    optional: bool = False,
) -> dict[str, Any]:
    """The rows named by id, as keyword arguments of dispatch/reassign/escalate; whether they
    belong to the case's place is the service's check."""
    found: dict[str, Any] = {"grid": None, "station": None, "department": None}
    for key, model, pk in (
        ("grid", Grid, grid_id),
        ("station", Station, station_id),
        ("department", Department, department_id),
    ):
        if pk is not None:
            found[key] = model.objects.filter(pk=pk).first()
            if found[key] is None:
                raise InvalidInput("承办单位不存在", fields={"unit": "承办单位不存在"})
    if not optional and sum(v is not None for v in found.values()) != 1:
        raise InvalidInput("请选择一个承办单位（网格、站所或职能部门）", fields={"unit": "请选择"})
    return found


def departments_by_id(ids: Iterable[int]) -> list[Department]:
    wanted = set(ids)
    rows = list(Department.objects.filter(pk__in=wanted, is_active=True))
    if len(rows) != len(wanted):
        raise InvalidInput("所选部门不存在或已停用", fields={"departments": "部门不存在"})
    return rows


def check_unit_in_place(
    case: Case, *, grid: Grid | None, station: Station | None, department: Department | None
) -> None:
    """A unit of the case's own place: its street's grids and stations, its district's
    departments."""
    street = case.street_id or ""
    if grid is not None and (not grid.is_active or grid.street_id != street):
        raise InvalidInput("该网格不在诉求所在街道", fields={"unit": "网格不符"})
    if station is not None and (not station.is_active or station.street_id != street):
        raise InvalidInput("该站所不属于诉求所在街道", fields={"unit": "站所不符"})
    if department is not None and (
        not department.is_active or department.district_id[:6] != street[:6]
    ):
        raise InvalidInput("该职能部门不属于诉求所在区县", fields={"unit": "部门不符"})


def unit_name(case: Case, *, default: str = "网格") -> str:
    """Who handles `case` now: its department, its station, its grid, else `default`."""
    if case.level == Level.DEPARTMENT and case.department is not None:
        return case.department.name
    if case.level == Level.STATION and case.station is not None:
        return case.station.name
    return case.grid.name if case.grid is not None else default
