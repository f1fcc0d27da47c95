"""A member's standing in the party (党籍状态) as data: the statuses, the allowed moves, and the
time rules of probation and of lost contact.

Pure: no database, no clock. `members.lifecycle` is the only code that changes a member's
status or organization, and each change names one `Move` checked here; an edit of a member's
particulars that changes the status is turned into one of these moves (`move_between`), never
written directly.

    (development) ─admit→ 预备党员 ─become full→ 正式党员
    预备党员 ─disqualify→ 除名/退党         (取消预备党员资格)
    预备党员/正式党员 ─lose contact→ 失联党员 ─restore contact→ 预备党员/正式党员
    失联党员 (six months) ─suspend→ 停止党籍 ─reinstate→ 预备党员/正式党员
    any member on the roll ─remove / resign / expel / die→ 除名/退党, 开除党籍, 已去世
    预备党员/正式党员 ─transfer out (of the system)→ 已转出
    any status ─correction (with its reason)→ a status that needs no procedure

A member's first event is how the record began (REGISTER, ADMIT, TRANSFER_IN); TRANSFER (the
record moves to another organization within the system) and EXTEND_PROBATION leave the status
as it is, and are written by their own functions in members.lifecycle.
"""

from __future__ import annotations

import datetime as dt

from jiceng.core.dates import add_months
from jiceng.core.errors import InvalidInput
from jiceng.orgs.models import GRASSROOTS_KINDS, OrgKind

from .models import ACTIVE_STATUSES, MemberStatus, StatusMove

S = MemberStatus

# 预备期为一年 (党章第七条): a probationary member becomes a full member a year after joining at
# the earliest; the probation may be extended once, by six months to a year, never shortened.
PROBATION_YEARS = 1
EXTENSION_MONTHS = (6, 12)
# 党员失去联系满六个月的，停止党籍；停止党籍满两年仍无法取得联系的，予以除名.
SUSPEND_AFTER_MONTHS = 6
REMOVE_AFTER_SUSPENDED_MONTHS = 24


# The moves are choices of the event row (models.StatusMove).
Move = StatusMove

# How a record begins: the first event of every member.
FIRST_MOVES = frozenset({Move.REGISTER, Move.ADMIT, Move.TRANSFER_IN})

# The statuses a correction may arrive at: those reached without a procedure. A wrong 停止党籍,
# 开除党籍, 除名 or 已转出 is corrected away from, never into: those come with their decision.
CORRECTABLE_TO = frozenset({S.PROBATIONARY, S.FULL, S.LOST_CONTACT, S.DECEASED})

ON_THE_ROLL = frozenset({S.PROBATIONARY, S.FULL})

# Each move: the statuses it leaves from, and those it may arrive at.
MOVES: dict[Move, tuple[frozenset[MemberStatus], frozenset[MemberStatus]]] = {
    Move.BECOME_FULL: (frozenset({S.PROBATIONARY}), frozenset({S.FULL})),
    Move.DISQUALIFY: (frozenset({S.PROBATIONARY}), frozenset({S.REMOVED})),
    Move.LOSE_CONTACT: (ON_THE_ROLL, frozenset({S.LOST_CONTACT})),
    Move.RESTORE_CONTACT: (frozenset({S.LOST_CONTACT}), ON_THE_ROLL),
    Move.SUSPEND: (frozenset({S.LOST_CONTACT}), frozenset({S.SUSPENDED})),
    Move.REINSTATE: (frozenset({S.SUSPENDED}), ON_THE_ROLL),
    Move.REMOVE: (frozenset(ACTIVE_STATUSES), frozenset({S.REMOVED})),
    Move.RESIGN: (ON_THE_ROLL, frozenset({S.REMOVED})),
    Move.EXPEL: (frozenset(ACTIVE_STATUSES), frozenset({S.EXPELLED})),
    Move.DIE: (frozenset(ACTIVE_STATUSES), frozenset({S.DECEASED})),
    Move.TRANSFER_OUT: (ON_THE_ROLL, frozenset({S.TRANSFERRED_OUT})),
    Move.CORRECT: (frozenset(S), CORRECTABLE_TO),
}

# The same table as the STYLE.md shape: which statuses each status may move to.
TRANSITIONS: dict[MemberStatus, frozenset[MemberStatus]] = {
    status: frozenset(
        target
        for sources, targets in MOVES.values()
        if status in sources
        for target in targets
        if target != status
    )
    for status in S
}

# Moves whose event must say why (a correction changes the record, not the person's standing;
# resigning and being removed are the member's or the branch's reasons).
NEEDS_REASON = frozenset({Move.CORRECT, Move.REMOVE, Move.RESIGN, Move.DISQUALIFY})
# Moves that are a party organization's decision, recorded with the body and its document.
NEEDS_DECISION = frozenset(
    {Move.SUSPEND, Move.REINSTATE, Move.REMOVE, Move.EXPEL, Move.DISQUALIFY, Move.EXTEND_PROBATION}
)


class MoveRefused(InvalidInput):
    """The move is not allowed from the member's status (shown beside the status field)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"status": message})


def check_move(move: Move, status: MemberStatus | str, to: MemberStatus | str) -> MemberStatus:
    """`to`, if `move` may take a member from `status` there; otherwise MoveRefused."""
    sources, targets = MOVES[move]
    here, there = S(status), S(to)
    if here == there:
        raise MoveRefused(f"党籍状态已是{here.label}")
    if here not in sources:
        raise MoveRefused(f"党籍状态为“{here.label}”的党员不能办理“{Move(move).label}”")
    if there not in targets:
        if move is Move.CORRECT:
            raise MoveRefused(f"{there.label}须按规定程序办理，不能通过更正党籍状态录入")
        raise MoveRefused(f"“{Move(move).label}”后的党籍状态不能是{there.label}")
    return there


def move_between(status: MemberStatus | str, to: MemberStatus | str) -> Move:
    """The move an edit of the status from `status` to `to` makes: the move with no procedure
    that goes there, or else a correction (which needs its reason)."""
    here, there = S(status), S(to)
    for move in (Move.LOSE_CONTACT, Move.RESTORE_CONTACT, Move.DIE):  # no decision needed
        sources, targets = MOVES[move]
        if here in sources and there in targets:
            return move
    return Move.CORRECT


def check_reason(move: Move, reason: str) -> str:
    reason = " ".join(reason.split())
    if move in NEEDS_REASON and not reason:
        message = f"{Move(move).label}须说明原因"
        raise InvalidInput(message, fields={"reason": message})
    if len(reason) > 200:
        raise InvalidInput("原因不能超过200个字", fields={"reason": "原因不能超过200个字"})
    return reason


def check_decision(move: Move, decision: str) -> str:
    """The deciding body and its document: required where the move is a decision."""
    decision = " ".join(decision.split())
    if move in NEEDS_DECISION and not decision:
        message = f"“{Move(move).label}”须填写决定机关及文号"
        raise InvalidInput(message, fields={"decision": message})
    if len(decision) > 200:
        message = "决定机关及文号不能超过200个字"
        raise InvalidInput(message, fields={"decision": message})
    return decision


def restored_status(full_member_on: dt.date | None) -> MemberStatus:
    """Back from lost contact: full member if the member had become one, else probationary."""
    return S.FULL if full_member_on is not None else S.PROBATIONARY


# -- probation ---------------------------------------------------------------------------------


def earliest_full_membership(joined_on: dt.date, extended_months: int = 0) -> dt.date:
    """The first day a member who joined on `joined_on` may become a full member (a year,
    plus an extension of the probation)."""
    try:
        year_later = joined_on.replace(year=joined_on.year + PROBATION_YEARS)
    except ValueError:  # joined on 29 February: a full year ends on 1 March
        year_later = dt.date(joined_on.year + PROBATION_YEARS, 3, 1)
    return add_months(year_later, extended_months) if extended_months else year_later


def probation_problem(
    joined_on: dt.date, full_member_on: dt.date, extended_months: int = 0
) -> str | None:
    """The one rule of the probation's length, for every path that records a full member:
    None if `full_member_on` ends a probation of at least a year (and its extension), else
    the refusal."""
    earliest = earliest_full_membership(joined_on, extended_months)
    if full_member_on < earliest:
        if extended_months:
            return (
                f"预备期已延长{extended_months}个月，转正日期不能早于{earliest:%Y-%m-%d}，"
                "请核对入党日期和转正日期"
            )
        return (
            f"预备期为一年，转正日期不能早于{earliest:%Y-%m-%d}（入党满一年），"
            "请核对入党日期和转正日期"
        )
    return None


def extension_problem(months: int, already_extended: int) -> str | None:
    """延长预备期: once only, by six to twelve months."""
    if already_extended:
        return f"预备期只能延长一次（已延长{already_extended}个月）"
    low, high = EXTENSION_MONTHS
    if not low <= months <= high:
        return f"预备期延长的时间为{low}至{high}个月"
    return None


def suspension_problem(lost_since: dt.date | None, on: dt.date) -> str | None:
    """停止党籍 follows six months of lost contact: None if `on` is that late, else the rule.
    A member registered as 失联 before the platform kept events has no recorded day: the
    decision's own record answers for it."""
    if lost_since is None:
        return None
    due = add_months(lost_since, SUSPEND_AFTER_MONTHS)
    if on < due:
        return (
            f"党员失去联系满六个月方可停止党籍（{lost_since:%Y-%m-%d}失去联系，"
            f"{due:%Y-%m-%d}满六个月）"
        )
    return None


# -- where a record may be kept ----------------------------------------------------------------


def receiving_problem(*, kind: str, is_active: bool, name: str) -> str | None:
    """Why an organization cannot keep members' records, or None: only a grassroots
    organization (a committee, general branch or branch) that has not been dissolved can."""
    if kind not in GRASSROOTS_KINDS:
        return (
            f"“{name}”是{OrgKind(kind).label}，不直接管理党员，"
            "请选择基层党组织（党委、党总支或党支部）"
        )
    if not is_active:
        return f"“{name}”已撤销，不能接收党员"
    return None
