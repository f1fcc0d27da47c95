"""The moves of a case (派单, 签收, 办理, 办结, 退单, 上报, 回访, 重新办理, 结案, 合并). Each status
change is one function here: a conditional UPDATE (`WHERE status IN <the move's sources>`), so
of two concurrent moves of one case only one can succeed, then one event row and one audit
record in the same transaction.

A case enters through `intake`; the whistle is `whistle`, the deadline tick `deadlines`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import InvalidInput
from jiceng.core.paths import under
from jiceng.grid.models import Grid

from . import queries, workflow
from .errors import CaseMoved, require
from .models import Case, CaseEvent, Department, EventKind, Station, SummonsReport
from .notices import notify_handlers_on_commit
from .units import check_unit_in_place, unit_name
from .workflow import Level, Move, Satisfaction, Status


def reopen_days() -> int:
    return settings.JICENG_CASE_REOPEN_DAYS


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
    require(queries.can_dispatch(by, case), "您不能为该诉求派单")
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
    require(queries.can_dispatch(by, case), "您不能改派该诉求")
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
    check_unit_in_place(case, grid=grid, station=station, department=department)
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
    notify_handlers_on_commit(moved, f"{verb}：{moved.subject.name}")
    return moved


@transaction.atomic
def accept_case(*, case: Case, by: User) -> Case:
    """签收: the handling unit signs for a dispatched case; the first one is the response."""
    require(queries.can_handle(by, case))
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
    require(queries.can_handle(by, case))
    return _move(case, Move.START, by=by, kind=EventKind.STARTED, unit=unit_name(case), note=note)


def _no_department_working() -> Q:
    return ~Q(Exists(SummonsReport.objects.filter(case=OuterRef("pk"), finished_at__isnull=True)))


@transaction.atomic
def resolve_case(*, case: Case, by: User, resolution: str) -> Case:
    """办结: the handler says what was done; every summoned department must have finished."""
    require(queries.can_handle(by, case))
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
    require(queries.can_handle(by, case))
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
        departments = Department.objects.filter(under(district, "district_id"), is_active=True)
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
        require(queries.can_handle(by, case) or queries.can_dispatch(by, case))
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
        check_unit_in_place(case, grid=None, station=target, department=None)
        fields, unit = _unit_fields(grid=None, station=target, department=None)
    else:
        check_unit_in_place(case, grid=None, station=None, department=target)
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
    notify_handlers_on_commit(moved, f"上报：{moved.subject.name}")
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
        require(queries.can_dispatch(by, case), "您不能回访该诉求")
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
    notify_handlers_on_commit(moved, f"重新办理：{moved.subject.name}")
    return moved


@transaction.atomic
def reopen_case(*, case: Case, by: User | None, reason: str) -> Case:
    """重新办理: within JICENG_CASE_REOPEN_DAYS of the resolution, back to the same unit."""
    if by is not None:
        require(queries.can_dispatch(by, case), "您不能重新启动该诉求")
    if not workflow.may_reopen(case.resolved_at, clock.now(), reopen_days()):
        raise InvalidInput(f"办结已超过 {reopen_days()} 天，不能重新办理，请另行提交诉求")
    return _reopen(case, by=by, reason=reason.strip() or "重新办理")


@transaction.atomic
def close_case(*, case: Case, by: User | None, note: str = "") -> Case:
    """结案: only when every summoned department has finished."""
    if by is not None:
        require(queries.can_dispatch(by, case), "您不能为该诉求结案")
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
    require(
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
