"""The case workflow (接诉即办) as data: states, the allowed moves, and the deadline arithmetic.

Pure: no database, no settings, no clock. `services` is the only code that changes a case's
status, and each of its functions names one `Move`; `check_move` says whether that move is
allowed from the status the case is in, and the service's conditional UPDATE
(`WHERE status IN sources`) makes the check hold under concurrency.

    received ─dispatch→ dispatched ─accept→ accepted ─start→ in progress ─resolve→ resolved
    resolved ─follow up→ followed up ─close→ closed
    dispatched/accepted/in progress ─return→ returned ─reassign→ dispatched
    dispatched/accepted/in progress ─escalate→ dispatched (grid → station → department)
    resolved/followed up/closed ─reopen→ dispatched (an unsatisfied citizen, within N days)
    any open status ─merge→ merged (into another case)
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.db import models


class Status(models.TextChoices):
    RECEIVED = "RECEIVED", "已受理"
    DISPATCHED = "DISPATCHED", "已派单"
    ACCEPTED = "ACCEPTED", "已签收"
    IN_PROGRESS = "IN_PROGRESS", "办理中"
    RETURNED = "RETURNED", "已退单"
    RESOLVED = "RESOLVED", "已办结"
    FOLLOWED_UP = "FOLLOWED_UP", "已回访"
    CLOSED = "CLOSED", "已结案"
    MERGED = "MERGED", "已合并"


class Level(models.TextChoices):
    """The kind of unit handling a case: 小事网格办、大事站所办、难事部门办."""

    GRID = "GRID", "网格"
    STATION = "STATION", "站所"
    DEPARTMENT = "DEPARTMENT", "职能部门"


class DeadlineClass(models.TextChoices):
    EMERGENCY = "EMERGENCY", "紧急（2小时）"
    UTILITIES = "UTILITIES", "水电气热（24小时）"
    GENERAL = "GENERAL", "一般（7天）"
    COMPLEX = "COMPLEX", "复杂（15天）"


class Channel(models.TextChoices):
    HOTLINE = "HOTLINE", "热线电话"
    WEB = "WEB", "网上诉求"
    PATROL = "PATROL", "网格巡查"
    OPEN311 = "OPEN311", "Open311 接口"


class Satisfaction(models.TextChoices):
    SATISFIED = "SATISFIED", "满意"
    BASICALLY_SATISFIED = "BASICALLY_SATISFIED", "基本满意"
    UNSATISFIED = "UNSATISFIED", "不满意"


class Move(StrEnum):
    DISPATCH = "dispatch"  # 派单
    ACCEPT = "accept"  # 签收
    START = "start"  # 开始办理
    RESOLVE = "resolve"  # 办结
    RETURN = "return"  # 退单
    REASSIGN = "reassign"  # 改派
    ESCALATE = "escalate"  # 上报（网格→站所→部门）
    FOLLOW_UP = "follow_up"  # 回访
    CLOSE = "close"  # 结案
    REOPEN = "reopen"  # 重新办理
    MERGE = "merge"  # 合并


S = Status
OPEN_STATUSES = frozenset({S.RECEIVED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED})
HANDLING_STATUSES = frozenset({S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS})
FINAL_STATUSES = frozenset({S.CLOSED, S.MERGED})

# Each move: the statuses it leaves from, and the one it arrives at.
MOVES: dict[Move, tuple[frozenset[Status], Status]] = {
    Move.DISPATCH: (frozenset({S.RECEIVED}), S.DISPATCHED),
    Move.ACCEPT: (frozenset({S.DISPATCHED}), S.ACCEPTED),
    Move.START: (frozenset({S.ACCEPTED}), S.IN_PROGRESS),
    Move.RESOLVE: (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.RESOLVED),
    Move.RETURN: (HANDLING_STATUSES, S.RETURNED),
    Move.REASSIGN: (frozenset({S.RECEIVED, S.RETURNED, *HANDLING_STATUSES}), S.DISPATCHED),
    Move.ESCALATE: (frozenset({S.RECEIVED, S.RETURNED, *HANDLING_STATUSES}), S.DISPATCHED),
    Move.FOLLOW_UP: (frozenset({S.RESOLVED}), S.FOLLOWED_UP),
    Move.CLOSE: (frozenset({S.RESOLVED, S.FOLLOWED_UP}), S.CLOSED),
    Move.REOPEN: (frozenset({S.RESOLVED, S.FOLLOWED_UP, S.CLOSED}), S.DISPATCHED),
    Move.MERGE: (OPEN_STATUSES, S.MERGED),
}

# The same table as the STYLE.md shape: which statuses each status may move to.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    status: frozenset(target for sources, target in MOVES.values() if status in sources)
    for status in Status
}

MOVE_LABELS: dict[Move, str] = {
    Move.DISPATCH: "派单",
    Move.ACCEPT: "签收",
    Move.START: "开始办理",
    Move.RESOLVE: "办结",
    Move.RETURN: "退单",
    Move.REASSIGN: "改派",
    Move.ESCALATE: "上报",
    Move.FOLLOW_UP: "回访",
    Move.CLOSE: "结案",
    Move.REOPEN: "重新办理",
    Move.MERGE: "合并",
}


class MoveRefused(Exception):
    """The move is not allowed from the case's status."""

    def __init__(self, move: Move, status: Status) -> None:
        super().__init__(f"{Status(status).label}的诉求不能{MOVE_LABELS[move]}")
        self.move = move
        self.status = status


def check_move(move: Move, status: Status | str) -> Status:
    """The status `move` arrives at from `status`, or MoveRefused."""
    sources, target = MOVES[move]
    if Status(status) not in sources:
        raise MoveRefused(move, Status(status))
    return target


# -- escalation -------------------------------------------------------------------------------

LEVEL_ORDER = (Level.GRID, Level.STATION, Level.DEPARTMENT)


def next_level(level: Level | str) -> Level | None:
    """One level up (网格 → 站所 → 职能部门), None above the department."""
    index = LEVEL_ORDER.index(Level(level))
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


# -- deadlines --------------------------------------------------------------------------------

RESOLVE_WITHIN: dict[DeadlineClass, dt.timedelta] = {
    DeadlineClass.EMERGENCY: dt.timedelta(hours=2),
    DeadlineClass.UTILITIES: dt.timedelta(hours=24),
    DeadlineClass.GENERAL: dt.timedelta(days=7),
    DeadlineClass.COMPLEX: dt.timedelta(days=15),
}
# Every case is accepted (签收) within two hours of its dispatch, an emergency within 30 minutes.
ACCEPT_WITHIN = dt.timedelta(hours=2)
ACCEPT_EMERGENCY_WITHIN = dt.timedelta(minutes=30)
# A department summoned by the street reports (报到) within this, unless the street says more.
REPORT_WITHIN = dt.timedelta(minutes=30)


def accept_due(dispatched_at: dt.datetime, deadline_class: DeadlineClass | str) -> dt.datetime:
    within = (
        ACCEPT_EMERGENCY_WITHIN
        if DeadlineClass(deadline_class) == DeadlineClass.EMERGENCY
        else ACCEPT_WITHIN
    )
    return dispatched_at + within


def resolve_due(start: dt.datetime, deadline_class: DeadlineClass | str) -> dt.datetime:
    """When a case must be resolved (办结), counted from its receipt or from a reopening."""
    return start + RESOLVE_WITHIN[DeadlineClass(deadline_class)]


def may_reopen(resolved_at: dt.datetime | None, now: dt.datetime, reopen_days: int) -> bool:
    """An unsatisfied citizen may reopen a case within `reopen_days` of its resolution."""
    return resolved_at is not None and now <= resolved_at + dt.timedelta(days=reopen_days)


def reopens(resolved: bool, satisfaction: Satisfaction | str) -> bool:
    """Feedback that sends the case back: not resolved, or unsatisfied."""
    return not resolved or Satisfaction(satisfaction) == Satisfaction.UNSATISFIED


def report_due(summoned_at: dt.datetime, within: dt.timedelta | None = None) -> dt.datetime:
    return summoned_at + (within if within is not None else REPORT_WITHIN)
