"""Every write to cases. Each status change is one function here: a conditional UPDATE
(`WHERE status IN <the move's sources>`), so of two concurrent moves of one case only one can
succeed, then one event row and one audit record in the same transaction.

Intake (`submit_case`) is the one path by which a case enters, from every channel: hotline,
web form, grid patrol and Open311. It is kept to a handful of queries (routing is an in-memory
index; the categories are passed in as rows), because the intake benchmark counts them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from jiceng.accounts import services as account_services
from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.core import audit, clock, crypto, masking
from jiceng.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from jiceng.core.inserts import OneRowInsert
from jiceng.divisions.models import Division
from jiceng.grid import routing
from jiceng.grid.models import Grid, GridWorker, PatrolFinding

from . import queries, workflow
from .models import (
    Case,
    CaseEvent,
    CaseType,
    Department,
    DepartmentStaff,
    EventKind,
    Notice,
    Station,
    Subject,
    Summons,
    SummonsReport,
)
from .workflow import Channel, Level, Move, Satisfaction, Status

PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
PHONE_PATTERN = re.compile(r"^[0-9][0-9-]{5,18}[0-9]$")
NOT_YOURS = "您不是该诉求的承办人"


class CaseMoved(Conflict):
    """The case is not (or no longer) in a status the move leaves from."""


def reopen_days() -> int:
    return settings.JICENG_CASE_REOPEN_DAYS


def photo_max_bytes() -> int:
    return settings.JICENG_CASE_PHOTO_MAX_BYTES


# -- intake -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    grid_id: int | None
    community_code: str | None
    street_code: str | None
    how: str


def place_of(lon: float | None, lat: float | None) -> Place | None:
    """Where a point lies: grid.routing's answer (a grid, or only a street)."""
    if lon is None or lat is None:
        return None
    found = routing.locate(lon, lat)
    if found.how == "none":
        return None
    return Place(
        grid_id=found.grid_id,
        community_code=found.community_code,
        street_code=found.street_code,
        how=str(found.how),
    )


def check_photo(photo: UploadedFile | None) -> str:
    """The photo's extension if it is a JPEG or PNG within the size limit."""
    if photo is None:
        return ""
    if photo.size is None or photo.size > photo_max_bytes():
        limit = photo_max_bytes() // (1024 * 1024)
        raise InvalidInput(f"照片不能超过 {limit} MB", fields={"photo": "照片过大"})
    head = photo.read(16)
    photo.seek(0)
    for magic, extension in PHOTO_TYPES.items():
        if head.startswith(magic):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    raise InvalidInput("照片须为 JPEG、PNG 或 WebP 图片", fields={"photo": "不支持的文件类型"})


def check_intake(
    *,
    case_type: CaseType,
    subject: Subject,
    description: str,
    lon: float | None,
    lat: float | None,
    address: str,
    reporter_name: str,
    reporter_phone: str,
    has_place: bool = False,
) -> None:
    errors: dict[str, str] = {}
    if not case_type.is_active:
        errors["type"] = "该诉求类型已停用"
    if not subject.is_active:
        errors["subject"] = "该诉求事项已停用"
    if not description.strip():
        errors["description"] = "请描述诉求内容"
    elif len(description) > 2000:
        errors["description"] = "诉求内容不能超过 2000 字"
    if (lon is None) != (lat is None):
        errors["location"] = "经度和纬度须同时填写"
    elif lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors["location"] = "位置不在有效的经纬度范围内"
    if lon is None and not address.strip() and not has_place:
        errors["address"] = "请在地图上选点或填写地址"
    if len(address) > 200:
        errors["address"] = "地址不能超过 200 字"
    if len(reporter_name) > 50:
        errors["reporter_name"] = "姓名不能超过 50 字"
    if reporter_phone and not PHONE_PATTERN.match(reporter_phone):
        errors["reporter_phone"] = "联系电话格式不正确"
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)


def _place_by_address(address: str) -> Place | None:
    """Without a point: the community with grids whose name the address mentions."""
    communities = Division.objects.filter(
        code__in=Grid.objects.filter(is_active=True).values("community_id")
    ).values_list("code", "name")
    for code, name in sorted(communities, key=lambda row: -len(row[1])):
        if name and name in address:
            street = code[:9] + "000"
            return Place(grid_id=None, community_code=code, street_code=street, how="address")
    return None


def _notify_grid_workers(case: Case, now: dt.datetime, *, text: str) -> None:
    """One notice per worker of the case's grid: those `handler_user_ids` gives a grid's case
    (each once, a worker's grid is unique), written as `send_notices` would in one INSERT ...
    SELECT inside the intake's transaction. The other moves notify on commit through a task;
    at intake that was a second write transaction per case (bench/bench_intake.py)."""
    notice, worker = Notice._meta.db_table, GridWorker._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {notice} (user_id, case_id, text, created_at) "  # noqa: S608
            f"SELECT user_id, %s, %s, %s FROM {worker} WHERE grid_id = %s",
            [case.pk, text[:200], connection.ops.adapt_datetimefield_value(now), case.grid_id],
        )


def _place_of_finding(finding: PatrolFinding) -> Place:
    grid = finding.patrol.grid
    return Place(
        grid_id=grid.pk, community_code=grid.community_id, street_code=grid.street_id, how="patrol"
    )


@transaction.atomic
def submit_finding(*, finding_id: int, type: CaseType, subject: Subject, by: User) -> Case:
    """巡查发现转工单: the worker who found it opens the case (once per finding), routed by the
    finding's point, else to the patrolled grid."""
    finding = PatrolFinding.objects.select_related("patrol__grid").filter(pk=finding_id).first()
    if finding is None or finding.patrol.worker_id != by.pk:
        raise NotFound("没有这条巡查发现")
    if Case.objects.filter(finding=finding).exists():
        raise Conflict("这条巡查发现已经转为工单")
    return submit_case(
        channel=Channel.PATROL,
        type=type,
        subject=subject,
        description=finding.description,
        lon=finding.lon,
        lat=finding.lat,
        address="",
        reporter_name="",
        reporter_phone="",
        by=by,
        finding=finding,
    )


def submit_case(
    *,
    channel: Channel | str,
    type: CaseType,
    subject: Subject,
    description: str,
    lon: float | None,
    lat: float | None,
    address: str,
    reporter_name: str,
    reporter_phone: str,
    photo: UploadedFile | None = None,
    by: User | None = None,
    open311_attributes: dict[str, Any] | None = None,
    finding: PatrolFinding | None = None,
) -> Case:
    """受理: route the case to its grid and dispatch it to the grid's community at once.

    A point outside every grid (and beyond routing's distance) goes to its street, which
    dispatches it by hand. The returned case carries `token` (the reporter's link, shown once).
    Possible duplicates are looked up where they are shown (`duplicates_of`: the intake API's
    answer, the case page), not here: Open311 and the web form have no place for them."""
    channel = Channel(channel)
    description, address = description.strip(), address.strip()
    reporter_name, reporter_phone = reporter_name.strip(), reporter_phone.strip()
    check_intake(
        case_type=type,
        subject=subject,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        has_place=finding is not None,
    )
    extension = check_photo(photo)
    if lon is not None:
        place = place_of(lon, lat)
    elif finding is not None:
        place = _place_of_finding(finding)
    else:
        place = _place_by_address(address)
    if place is None or not (place.grid_id or place.street_code):
        raise InvalidInput(
            "无法确定诉求所在位置，请在地图上选点，或在地址中写明所在社区",
            fields={"address": "无法定位"},
        )
    now = clock.now()
    token = secrets.token_urlsafe(18)
    dispatched = place.grid_id is not None
    case = Case(
        channel=channel,
        case_type=type,
        subject=subject,
        deadline_class=subject.deadline_class,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        reporter_name=reporter_name,
        reporter_phone_sealed=(
            crypto.seal(reporter_phone, field=queries.PHONE_FIELD) if reporter_phone else None
        ),
        reporter_phone_masked=masking.mask_phone(reporter_phone) if reporter_phone else "",
        token_digest=queries.token_digest(token),
        entered_by=by,
        finding=finding,
        open311_attributes=open311_attributes or {},
        grid_id=place.grid_id,
        community_id=place.community_code,
        street_id=place.street_code,
        routed_how=place.how,
        level=Level.GRID,
        status=Status.DISPATCHED if dispatched else Status.RECEIVED,
        received_at=now,
        dispatched_at=now if dispatched else None,
        accept_due_at=workflow.accept_due(now, subject.deadline_class),
        resolve_due_at=workflow.resolve_due(now, subject.deadline_class),
    )
    if photo is not None:
        case.photo.save(f"{uuid.uuid4().hex}{extension}", photo, save=False)
    # Everything is built before the write transaction: on SQLite BEGIN IMMEDIATE takes the
    # one write lock, and everything inside it keeps the other workers' intakes waiting.
    # The rows' values too (compiled INSERTs, core.inserts).
    case_insert, event_insert = OneRowInsert.of(Case, returning=True), OneRowInsert.of(CaseEvent)
    case_values = case_insert.params(case)
    events = _intake_events(event_insert, case, by=by, channel=channel)
    # So is the audit record: only its link to the chain is made under the lock.
    audited = audit.prepare(
        audit.AuditEvent.WRITE,
        action="cases.submit_case",
        user=by,
        detail={"channel": channel.value, "grid": place.grid_id, "routed": place.how},
    )
    with transaction.atomic():
        case.pk = case_insert.run(case_values)
        case._state.adding, case._state.db = False, case_insert.using
        for event in events:
            event[event_insert.columns["case_id"]] = case.pk
        event_insert.run_many(events)
        if case.status == Status.DISPATCHED:
            _notify_grid_workers(case, now, text=f"新诉求：{subject.name}（{case.number}）")
        audited.append(target=case)
    case.token = token  # type: ignore[attr-defined]
    return case


def _intake_events(
    insert: OneRowInsert, case: Case, *, by: User | None, channel: Channel
) -> list[list[Any]]:
    """The INSERT values of the intake's events (received, and dispatched when routed to a
    grid); their case id is filled in once the case has one."""
    now, actor = case.received_at, by.pk if by is not None else None
    events = [
        insert.values(
            case_id=None,
            kind=EventKind.RECEIVED,
            at=now,
            actor_id=actor,
            to_status=Status.RECEIVED,
            note=channel.label,
        )
    ]
    if case.status == Status.DISPATCHED:
        events.append(
            insert.values(
                case_id=None,
                kind=EventKind.DISPATCHED,
                at=now,
                actor_id=actor,
                from_status=Status.RECEIVED,
                to_status=Status.DISPATCHED,
                unit="网格",
                note="按位置自动派单",
            )
        )
    return events


# -- moves ------------------------------------------------------------------------------------


def _move(
    case: Case,
    move: Move,
    *,
    by: User | None,
    kind: EventKind,
    changes: dict[str, Any] | None = None,
    condition: Q | None = None,
    unit: str = "",
    note: str = "",
    refused: str = "",
) -> Case:
    """Moves `case` by `move` if its status allows, in one conditional UPDATE; writes the
    event and the audit record. `condition` narrows the UPDATE further (e.g. no summoned
    department still working); when it is what fails, `refused` is the message."""
    try:
        workflow.check_move(move, case.status)
    except workflow.MoveRefused as exc:
        raise CaseMoved(str(exc)) from None
    sources, target = workflow.MOVES[move]
    rows = Case.objects.filter(pk=case.pk, status__in=sources)
    if condition is not None:
        rows = rows.filter(condition)
    moved = rows.update(status=target, **(changes or {}))
    if moved != 1:
        current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
        if current in sources and refused:
            raise InvalidInput(refused)
        label = Status(current).label if current else "已删除"
        raise CaseMoved(f"该诉求已被他人处理（当前状态：{label}），请刷新后再试")
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=clock.now(),
        actor=by,
        from_status=case.status,
        to_status=target,
        unit=unit,
        note=note[:1000],
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action=f"cases.{move.value}",
        target=case,
        user=by,
        detail={"from": case.status, "to": target.value},
    )
    return Case.objects.select_related("case_type", "subject", "grid", "station", "department").get(
        pk=case.pk
    )


def _require(allowed: bool, message: str = NOT_YOURS) -> None:
    if not allowed:
        raise Forbidden(message)


def _unit_fields(
    *, grid: Grid | None, station: Station | None, department: Department | None
) -> tuple[dict[str, Any], str]:
    """The case's handler columns for one named unit, and its name for the event."""
    named = [u for u in (grid, station, department) if u is not None]
    if len(named) != 1:
        raise InvalidInput("请选择一个承办单位（网格、站所或职能部门）", fields={"unit": "请选择"})
    if grid is not None:
        return {"level": Level.GRID, "grid": grid, "station": None, "department": None}, grid.name
    if station is not None:
        return {"level": Level.STATION, "station": station, "department": None}, station.name
    assert department is not None
    return {"level": Level.DEPARTMENT, "department": department}, department.name


def _check_unit_in_place(
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


def _handling_clock(case: Case, now: dt.datetime) -> dict[str, Any]:
    return {
        "dispatched_at": now,
        "accept_due_at": workflow.accept_due(now, case.deadline_class),
        "overdue_noticed_at": None,
    }


@transaction.atomic
def dispatch_case(
    *,
    case: Case,
    by: User,
    grid: Grid | None = None,
    station: Station | None = None,
    department: Department | None = None,
    note: str = "",
) -> Case:
    """派单: a dispatcher sends a received case to a grid, a station or a department."""
    _require(queries.can_dispatch(by, case), "您不能为该诉求派单")
    return _send_to_unit(
        case, Move.DISPATCH, EventKind.DISPATCHED, "派单", by, grid, station, department, note
    )


@transaction.atomic
def reassign_case(
    *,
    case: Case,
    by: User,
    grid: Grid | None = None,
    station: Station | None = None,
    department: Department | None = None,
    note: str = "",
) -> Case:
    """改派: the dispatcher sends a returned (or misrouted) case to another unit."""
    _require(queries.can_dispatch(by, case), "您不能改派该诉求")
    return _send_to_unit(
        case, Move.REASSIGN, EventKind.REASSIGNED, "改派", by, grid, station, department, note
    )


def _send_to_unit(
    case: Case,
    move: Move,
    kind: EventKind,
    verb: str,
    by: User,
    grid: Grid | None,
    station: Station | None,
    department: Department | None,
    note: str,
) -> Case:
    """The one way dispatch and reassignment put a case in a unit's hands."""
    _check_unit_in_place(case, grid=grid, station=station, department=department)
    fields, unit = _unit_fields(grid=grid, station=station, department=department)
    moved = _move(
        case,
        move,
        by=by,
        kind=kind,
        changes={**fields, **_handling_clock(case, clock.now())},
        unit=unit,
        note=note,
    )
    _notify_on_commit(moved, f"{verb}：{moved.subject.name}")
    return moved


@transaction.atomic
def accept_case(*, case: Case, by: User) -> Case:
    """签收: the handling unit signs for a dispatched case; the first one is the response."""
    _require(queries.can_handle(by, case))
    now = clock.now()
    return _move(
        case,
        Move.ACCEPT,
        by=by,
        kind=EventKind.ACCEPTED,
        changes={"accepted_at": Coalesce(F("accepted_at"), Value(now))},
        unit=unit_name(case),
    )


@transaction.atomic
def start_case(*, case: Case, by: User, note: str = "") -> Case:
    """开始办理."""
    _require(queries.can_handle(by, case))
    return _move(case, Move.START, by=by, kind=EventKind.STARTED, unit=unit_name(case), note=note)


def _no_department_working() -> Q:
    return ~Q(Exists(SummonsReport.objects.filter(case=OuterRef("pk"), finished_at__isnull=True)))


@transaction.atomic
def resolve_case(*, case: Case, by: User, resolution: str) -> Case:
    """办结: the handler says what was done; every summoned department must have finished."""
    _require(queries.can_handle(by, case))
    resolution = resolution.strip()
    if not resolution:
        raise InvalidInput("请填写办理结果", fields={"resolution": "请填写办理结果"})
    return _move(
        case,
        Move.RESOLVE,
        by=by,
        kind=EventKind.RESOLVED,
        changes={"resolved_at": clock.now(), "resolution": resolution[:2000]},
        condition=_no_department_working(),
        unit=unit_name(case),
        note=resolution,
        refused="还有被吹哨的部门未完成，不能办结",
    )


@transaction.atomic
def return_case(*, case: Case, by: User, reason: str) -> Case:
    """退单: the handler sends the case back to the dispatcher, saying why."""
    _require(queries.can_handle(by, case))
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写退单理由", fields={"reason": "请填写退单理由"})
    moved = _move(
        case, Move.RETURN, by=by, kind=EventKind.RETURNED, unit=unit_name(case), note=reason
    )
    return moved


def escalation_target(case: Case) -> Station | Department | None:
    """The unit one level up with the subject's line of work (or any, if none has it)."""
    up = workflow.next_level(case.level)
    function = case.subject.function
    if up == Level.STATION:
        stations = Station.objects.filter(street_id=case.street_id, is_active=True)
        return stations.filter(function=function).first() or stations.order_by("pk").first()
    if up == Level.DEPARTMENT:
        district = (case.street_id or case.community_id or "")[:6]
        departments = Department.objects.filter(
            district_id__gte=district, district_id__lt=district + "~", is_active=True
        )
        return departments.filter(function=function).first() or departments.order_by("pk").first()
    return None


@transaction.atomic
def escalate_case(
    *,
    case: Case,
    by: User | None,
    reason: str,
    station: Station | None = None,
    department: Department | None = None,
) -> Case:
    """上报: one level up, grid → station → department (小事网格办、大事站所办). Without a
    named unit, the one of the subject's line of work. `by` None is `jiceng tick`."""
    if by is not None:
        _require(queries.can_handle(by, case) or queries.can_dispatch(by, case))
    up = workflow.next_level(case.level)
    if up is None:
        raise InvalidInput("诉求已由职能部门办理，不能再上报；可由街道吹哨")
    target: Station | Department | None = (
        (station if up == Level.STATION else department) if (station or department) else None
    )
    if (station or department) and target is None:
        raise InvalidInput(f"请选择{up.label}", fields={"unit": f"上报到{up.label}"})
    target = target or escalation_target(case)
    if target is None:
        raise InvalidInput(f"诉求所在地没有可上报的{up.label}", fields={"unit": "无承办单位"})
    if isinstance(target, Station):
        _check_unit_in_place(case, grid=None, station=target, department=None)
        fields, unit = _unit_fields(grid=None, station=target, department=None)
    else:
        _check_unit_in_place(case, grid=None, station=None, department=target)
        fields, unit = _unit_fields(grid=None, station=None, department=target)
    now = clock.now()
    moved = _move(
        case,
        Move.ESCALATE,
        by=by,
        kind=EventKind.ESCALATED,
        changes={
            **fields,
            **_handling_clock(case, now),
            "resolve_due_at": workflow.resolve_due(now, case.deadline_class),
            "escalation_count": F("escalation_count") + 1,
        },
        unit=unit,
        note=reason.strip() or "上报",
    )
    _notify_on_commit(moved, f"上报：{moved.subject.name}")
    return moved


@transaction.atomic
def record_feedback(
    *,
    case: Case,
    is_resolved: bool,
    satisfaction: Satisfaction | str,
    by: User | None,
    via: str = "link",
    note: str = "",
) -> Case:
    """回访: the citizen's answer, through the link (`by` None) or the operator's call.
    "Not resolved" or "unsatisfied" reopens the case within the reopen period."""
    satisfaction = Satisfaction(satisfaction)
    if by is not None:
        _require(queries.can_dispatch(by, case), "您不能回访该诉求")
    now = clock.now()
    moved = _move(
        case,
        Move.FOLLOW_UP,
        by=by,
        kind=EventKind.FOLLOWED_UP,
        changes={
            "followed_up_at": now,
            "is_resolved_by_reporter": is_resolved,
            "satisfaction": satisfaction.value,
        },
        note=f"{'电话回访' if via == 'call' else '诉求人评价'}："
        f"{'已解决' if is_resolved else '未解决'}，{satisfaction.label}。{note.strip()}",
    )
    if workflow.reopens(is_resolved, satisfaction) and workflow.may_reopen(
        moved.resolved_at, now, reopen_days()
    ):
        moved = _reopen(moved, by=by, reason=f"诉求人{satisfaction.label}")
    return moved


def _reopen(case: Case, *, by: User | None, reason: str) -> Case:
    now = clock.now()
    moved = _move(
        case,
        Move.REOPEN,
        by=by,
        kind=EventKind.REOPENED,
        changes={
            **_handling_clock(case, now),
            "resolve_due_at": workflow.resolve_due(now, case.deadline_class),
            "resolved_at": None,
            "closed_at": None,
            "reopen_count": F("reopen_count") + 1,
        },
        unit=unit_name(case),
        note=reason,
    )
    _notify_on_commit(moved, f"重新办理：{moved.subject.name}")
    return moved


@transaction.atomic
def reopen_case(*, case: Case, by: User | None, reason: str) -> Case:
    """重新办理: within JICENG_CASE_REOPEN_DAYS of the resolution, back to the same unit."""
    if by is not None:
        _require(queries.can_dispatch(by, case), "您不能重新启动该诉求")
    if not workflow.may_reopen(case.resolved_at, clock.now(), reopen_days()):
        raise InvalidInput(f"办结已超过 {reopen_days()} 天，不能重新办理，请另行提交诉求")
    return _reopen(case, by=by, reason=reason.strip() or "重新办理")


@transaction.atomic
def close_case(*, case: Case, by: User | None, note: str = "") -> Case:
    """结案: only when every summoned department has finished."""
    if by is not None:
        _require(queries.can_dispatch(by, case), "您不能为该诉求结案")
    return _move(
        case,
        Move.CLOSE,
        by=by,
        kind=EventKind.CLOSED,
        changes={"closed_at": clock.now()},
        condition=_no_department_working(),
        note=note,
        refused="还有被吹哨的部门未完成，不能结案",
    )


@transaction.atomic
def merge_case(*, case: Case, into: Case, by: User, note: str = "") -> Case:
    """合并: a duplicate joins the case it repeats; the reporter's link shows that one."""
    _require(
        queries.can_dispatch(by, case) and queries.can_dispatch(by, into), "您不能合并这两件诉求"
    )
    if into.pk == case.pk:
        raise InvalidInput("不能与自身合并")
    if into.status == Status.MERGED:
        raise InvalidInput("目标诉求已被合并，请合并到它所并入的诉求")
    return _move(
        case,
        Move.MERGE,
        by=by,
        kind=EventKind.MERGED,
        changes={"merged_into": into, "closed_at": clock.now()},
        note=f"并入 {into.number}。{note.strip()}",
    )


def unit_name(case: Case) -> str:
    if case.level == Level.DEPARTMENT and case.department is not None:
        return case.department.name
    if case.level == Level.STATION and case.station is not None:
        return case.station.name
    return case.grid.name if case.grid is not None else "网格"


# -- the whistle (街乡吹哨、部门报到) ----------------------------------------------------------


@transaction.atomic
def summon_departments(
    *,
    case: Case,
    departments: Sequence[Department],
    by: User,
    within: dt.timedelta | None = None,
    note: str = "",
) -> Summons:
    """吹哨: the street summons departments to a case; each must report (报到) in time."""
    _require(queries.can_summon(by, case), "只有诉求所在街道可以吹哨")
    if not departments:
        raise InvalidInput("请选择至少一个职能部门", fields={"departments": "请选择部门"})
    if within is not None and not dt.timedelta(minutes=5) <= within <= dt.timedelta(days=3):
        raise InvalidInput("报到时限应在 5 分钟到 3 天之间", fields={"within": "时限不合理"})
    if not case.is_open:
        raise InvalidInput("诉求已办结或已结案，不能吹哨")
    unique = {d.pk: d for d in departments}
    for department in unique.values():
        _check_unit_in_place(case, grid=None, station=None, department=department)
    now = clock.now()
    due = workflow.report_due(now, within)
    summons = Summons.objects.create(
        case=case, summoned_by=by, summoned_at=now, report_due_at=due, note=note.strip()[:500]
    )
    SummonsReport.objects.bulk_create(
        SummonsReport(summons=summons, department=d, case=case, report_due_at=due)
        for d in unique.values()
    )
    names = "、".join(d.name for d in unique.values())
    CaseEvent.objects.create(
        case=case, kind=EventKind.SUMMONED, at=now, actor=by, unit=names, note=note[:1000]
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="cases.summon_departments",
        target=case,
        user=by,
        detail={"summons": summons.pk, "departments": sorted(unique)},
    )
    staff = list(
        DepartmentStaff.objects.filter(department__in=unique).values_list("user_id", flat=True)
    )
    text = f"吹哨：请于 {due.astimezone(clock.CHINA):%H:%M} 前报到（{case.subject.name}）"
    transaction.on_commit(lambda: _enqueue_notice(staff, case.pk, text))
    return summons


@transaction.atomic
def report_to_summons(*, report: SummonsReport, by: User) -> SummonsReport:
    """报到: the department arrives; after the due time it counts as late."""
    _require(queries.can_answer(by, report), "您不是被吹哨部门的人员")
    now = clock.now()
    moved = SummonsReport.objects.filter(pk=report.pk, reported_at__isnull=True).update(
        reported_at=now, reported_by=by, is_late=now > report.report_due_at
    )
    if moved != 1:
        raise Conflict("该部门已经报到")
    late = now > report.report_due_at
    CaseEvent.objects.create(
        case_id=report.case_id,
        kind=EventKind.REPORTED,
        at=now,
        actor=by,
        unit=report.department.name,
        note="迟到" if late else "按时报到",
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="cases.report_to_summons",
        target=report,
        user=by,
        detail={"late": late},
    )
    return SummonsReport.objects.select_related("summons", "case", "department").get(pk=report.pk)


@transaction.atomic
def finish_summons(*, report: SummonsReport, by: User, note: str) -> SummonsReport:
    """The department's part is done (部门办结)."""
    _require(queries.can_answer(by, report), "您不是被吹哨部门的人员")
    note = note.strip()
    if not note:
        raise InvalidInput("请填写办理情况", fields={"note": "请填写办理情况"})
    now = clock.now()
    moved = SummonsReport.objects.filter(
        pk=report.pk, reported_at__isnull=False, finished_at__isnull=True
    ).update(finished_at=now, finish_note=note[:1000])
    if moved != 1:
        raise Conflict("请先报到；已完成的不能重复提交")
    CaseEvent.objects.create(
        case_id=report.case_id,
        kind=EventKind.FINISHED,
        at=now,
        actor=by,
        unit=report.department.name,
        note=note[:1000],
    )
    audit.record(audit.AuditEvent.WRITE, action="cases.finish_summons", target=report, user=by)
    return SummonsReport.objects.select_related("summons", "case", "department").get(pk=report.pk)


@transaction.atomic
def rate_department(*, report: SummonsReport, by: User, rating: int) -> SummonsReport:
    """The street rates a department's part, 1 to 5, once it has finished."""
    _require(queries.can_summon(by, report.case), "只有诉求所在街道可以评价部门")
    if not 1 <= rating <= 5:
        raise InvalidInput("评价为 1 到 5 分", fields={"rating": "1 到 5 分"})
    now = clock.now()
    moved = SummonsReport.objects.filter(
        pk=report.pk, finished_at__isnull=False, rating__isnull=True
    ).update(rating=rating, rated_at=now)
    if moved != 1:
        raise Conflict("部门尚未完成，或已经评价过")
    CaseEvent.objects.create(
        case_id=report.case_id,
        kind=EventKind.RATED,
        at=now,
        actor=by,
        unit=report.department.name,
        note=f"{rating} 分",
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="cases.rate_department",
        target=report,
        user=by,
        detail={"rating": rating},
    )
    return SummonsReport.objects.select_related("summons", "case", "department").get(pk=report.pk)


# -- units ------------------------------------------------------------------------------------


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


# -- notices and deadlines --------------------------------------------------------------------


def _notify_on_commit(case: Case, text: str) -> None:
    case_id = case.pk
    transaction.on_commit(lambda: _enqueue_handler_notice(case_id, text))


def _enqueue_handler_notice(case_id: int, text: str) -> None:
    from .tasks import notify_handlers

    notify_handlers.enqueue(case_id, text)


def _enqueue_notice(user_ids: list[int], case_id: int, text: str) -> None:
    from .tasks import notify_users

    if user_ids:
        notify_users.enqueue(user_ids, case_id, text)


def handler_user_ids(case: Case) -> list[int]:
    """Who is told about a case at its unit: the grid's workers, the department's staff; a
    station's case goes to the street's officials."""
    if case.level == Level.GRID and case.grid_id is not None:
        return list(
            GridWorker.objects.filter(grid_id=case.grid_id).values_list("user_id", flat=True)
        )
    if case.level == Level.DEPARTMENT and case.department_id is not None:
        return list(
            DepartmentStaff.objects.filter(department_id=case.department_id).values_list(
                "user_id", flat=True
            )
        )
    if case.street_id:
        return list(
            RoleAssignment.objects.filter(
                role=Role.STREET_OFFICIAL, division_id=case.street_id
            ).values_list("user_id", flat=True)
        )
    return []


def send_notices(*, user_ids: Iterable[int], case_id: int, text: str) -> int:
    """Adds one notice per user (a bulk insert; notices are not audited: they change nothing)."""
    now = clock.now()
    rows = [
        Notice(user_id=u, case_id=case_id, text=text[:200], created_at=now)
        for u in sorted(set(user_ids))
    ]
    Notice.objects.bulk_create(rows)
    return len(rows)


@dataclass
class TickResult:
    escalated: int = 0
    noticed: int = 0
    late_reports: int = 0
    closed: int = 0


def tick(*, now: dt.datetime | None = None) -> TickResult:
    """`jiceng tick`: escalate the cases past their deadline one level, notify the units of
    those that cannot go higher, mark late reports, close resolved cases past the reopen
    period without feedback. Each case moves in its own transaction, so one refused move
    (someone acted meanwhile) does not undo the others."""
    now = now or clock.now()
    result = TickResult()
    overdue = Case.objects.filter(
        Q(status=Status.DISPATCHED, accept_due_at__lt=now)
        | Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS], resolve_due_at__lt=now)
    ).select_related("subject", "grid", "station", "department")
    for case in overdue.iterator(chunk_size=500):
        if workflow.next_level(case.level) is not None and escalation_target(case) is not None:
            try:
                escalate_case(case=case, by=None, reason="超过时限，自动上报")
                result.escalated += 1
                continue
            except (Conflict, InvalidInput, NotFound):
                continue
        if case.overdue_noticed_at is None:
            with transaction.atomic():
                if Case.objects.filter(pk=case.pk, overdue_noticed_at__isnull=True).update(
                    overdue_noticed_at=now
                ):
                    CaseEvent.objects.create(
                        case=case, kind=EventKind.OVERDUE, at=now, unit=unit_name(case)
                    )
                    send_notices(
                        user_ids=handler_user_ids(case),
                        case_id=case.pk,
                        text=f"超时未办：{case.subject.name}（{case.number}）",
                    )
                    result.noticed += 1
    with transaction.atomic():
        result.late_reports = SummonsReport.objects.filter(
            reported_at__isnull=True, report_due_at__lt=now, is_late=False
        ).update(is_late=True)
        if result.escalated or result.noticed or result.late_reports:
            audit.record(
                audit.AuditEvent.WRITE,
                action="cases.tick",
                target_type="cases.Case",
                detail={
                    "escalated": result.escalated,
                    "noticed": result.noticed,
                    "late_reports": result.late_reports,
                },
            )
    stale = Case.objects.filter(
        status=Status.RESOLVED, resolved_at__lt=now - dt.timedelta(days=reopen_days())
    ).select_related("subject", "grid", "station", "department")
    for case in stale.iterator(chunk_size=500):
        try:
            close_case(case=case, by=None, note="办结后无评价，自动结案")
            result.closed += 1
        except (Conflict, InvalidInput):
            continue
    return result


def check_staff_channel(user: User, channel: Channel | str) -> None:
    """Staff enter hotline calls (dispatchers) and patrol findings (grid workers); the web
    form and Open311 have their own doors."""
    channel = Channel(channel)
    if channel == Channel.HOTLINE and has_permission(user, Permission.DISPATCH_CASES):
        return
    if channel == Channel.PATROL and has_permission(user, Permission.HANDLE_CASES):
        return
    raise InvalidInput(
        "该渠道不能由此录入", fields={"channel": "热线由调度员录入，巡查由网格员录入"}
    )


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


def duplicates_of(case: Case) -> list[Case]:
    return queries.possible_duplicates(
        subject_id=case.subject_id, lon=case.lon, lat=case.lat, exclude_pk=case.pk
    )
