"""A member's standing in the party (党籍状态) as data: the statuses, the allowed moves, and the
probation arithmetic.

Pure: no database, no clock. `members.lifecycle.change_status` is the only code that changes a
member's status, and it names one `Move` checked here; an edit of a member's particulars that
changes the status is turned into one of these moves (`move_between`), never written directly.

This issue's moves need no procedure:

    预备党员/正式党员 ─lose contact→ 失联党员 ─restore contact→ 预备党员/正式党员
    any member on the roll ─death→ 已去世
    any status ─correction (with its reason)→ a status that needs no procedure

The member-lifecycle issue adds full membership (转正), suspension, removal, expulsion and
transfers here, as further rows of MOVES.
"""

from __future__ import annotations

import datetime as dt

from jiceng.core.errors import InvalidInput

from .models import ACTIVE_STATUSES, MemberStatus, StatusMove

S = MemberStatus

# 预备期为一年 (党章第七条): a probationary member becomes a full member a year after joining at
# the earliest (the probation may be extended, never shortened).
PROBATION_YEARS = 1


# The moves are choices of the event row (models.StatusMove): 失联, 恢复联系, 去世, 更正.
Move = StatusMove

# The statuses a correction may arrive at: those reached without a procedure. A wrong 停止党籍,
# 开除党籍, 除名 or 已转出 is corrected away from, never into: those come with their decision.
CORRECTABLE_TO = frozenset({S.PROBATIONARY, S.FULL, S.LOST_CONTACT, S.DECEASED})

# Each move: the statuses it leaves from, and those it may arrive at.
MOVES: dict[Move, tuple[frozenset[MemberStatus], frozenset[MemberStatus]]] = {
    Move.LOSE_CONTACT: (frozenset({S.PROBATIONARY, S.FULL}), frozenset({S.LOST_CONTACT})),
    Move.RESTORE_CONTACT: (frozenset({S.LOST_CONTACT}), frozenset({S.PROBATIONARY, S.FULL})),
    Move.DIE: (frozenset(ACTIVE_STATUSES), frozenset({S.DECEASED})),
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

# Moves whose event must say why (a correction changes the record, not the person's standing).
NEEDS_REASON = frozenset({Move.CORRECT})


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
    for move in (Move.LOSE_CONTACT, Move.RESTORE_CONTACT, Move.DIE):
        sources, targets = MOVES[move]
        if here in sources and there in targets:
            return move
    return Move.CORRECT


def check_reason(move: Move, reason: str) -> str:
    reason = " ".join(reason.split())
    if move in NEEDS_REASON and not reason:
        message = "更正党籍状态须说明原因"
        raise InvalidInput(message, fields={"reason": message})
    if len(reason) > 200:
        raise InvalidInput("原因不能超过200个字", fields={"reason": "原因不能超过200个字"})
    return reason


def restored_status(full_member_on: dt.date | None) -> MemberStatus:
    """Back from lost contact: full member if the member had become one, else probationary."""
    return S.FULL if full_member_on is not None else S.PROBATIONARY


# -- probation ---------------------------------------------------------------------------------


def earliest_full_membership(joined_on: dt.date) -> dt.date:
    """The first day a member who joined on `joined_on` may become a full member."""
    try:
        return joined_on.replace(year=joined_on.year + PROBATION_YEARS)
    except ValueError:  # joined on 29 February: a full year ends on 1 March
        return dt.date(joined_on.year + PROBATION_YEARS, 3, 1)


def probation_problem(joined_on: dt.date, full_member_on: dt.date) -> str | None:
    """The one rule of the probation's length, for every path that records a full member:
    None if `full_member_on` ends a probation of at least a year, else the refusal."""
    earliest = earliest_full_membership(joined_on)
    if full_member_on < earliest:
        return (
            f"预备期为一年，转正日期不能早于{earliest:%Y-%m-%d}（入党满一年），"
            "请核对入党日期和转正日期"
        )
    return None
