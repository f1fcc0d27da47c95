"""组织关系转接 as data: the states, who acts at each step, which committee approves, and the
date rules. Pure: no database, no clock (transfers.services applies it).

Within the system (WITHIN):

    SENT ─转出方党委同意→ OUT_APPROVED ─接收方党委同意→ IN_APPROVED ─接收党组织确认→ COMPLETED
    (one committee approving both sides: SENT ─同意→ IN_APPROVED)

Out of the system (LETTER, 介绍信):

    SENT ─转出方党委同意，开具介绍信→ LETTER_ISSUED ─回执收回→ COMPLETED

Whoever acts on an open step may return it with a reason (退回): it goes back to the sending
branch, which corrects and resubmits it, or cancels it. The sending side stays responsible
for the member all along: the record moves only on COMPLETED.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from jiceng.core.errors import InvalidInput
from jiceng.members import workflow as members_workflow
from jiceng.members.models import MemberStatus
from jiceng.orgs.models import OrgKind

from .models import StepAction, TransferKind, TransferState

S = TransferState
A = StepAction


class Side(StrEnum):
    """Who acts: a user with MANAGE_MEMBERS at this organization of the transfer."""

    SENDER = "from_organization"  # the sending branch (the member's own organization)
    OUT_APPROVER = "out_approver"  # the sending side's approving committee
    IN_APPROVER = "in_approver"  # the receiving side's approving committee
    RECEIVER = "to_organization"  # the receiving organization


# Each kind's steps: action → {from state: (to state, who acts)}.
STEPS: dict[TransferKind, dict[StepAction, dict[TransferState, tuple[TransferState, Side]]]] = {
    TransferKind.WITHIN: {
        A.APPROVE_OUT: {S.SENT: (S.OUT_APPROVED, Side.OUT_APPROVER)},
        A.APPROVE_IN: {S.OUT_APPROVED: (S.IN_APPROVED, Side.IN_APPROVER)},
        A.CONFIRM: {S.IN_APPROVED: (S.COMPLETED, Side.RECEIVER)},
        A.RETURN: {
            S.SENT: (S.RETURNED, Side.OUT_APPROVER),
            S.OUT_APPROVED: (S.RETURNED, Side.IN_APPROVER),
            S.IN_APPROVED: (S.RETURNED, Side.RECEIVER),
        },
        A.RESUBMIT: {S.RETURNED: (S.SENT, Side.SENDER)},
        A.CANCEL: {
            S.SENT: (S.CANCELLED, Side.SENDER),
            S.RETURNED: (S.CANCELLED, Side.SENDER),
        },
    },
    TransferKind.LETTER: {
        A.APPROVE_OUT: {S.SENT: (S.LETTER_ISSUED, Side.OUT_APPROVER)},
        A.RECORD_RECEIPT: {S.LETTER_ISSUED: (S.COMPLETED, Side.SENDER)},
        A.RETURN: {
            S.SENT: (S.RETURNED, Side.OUT_APPROVER),
            # a letter to another province instance whose receiving organization answered
            # 不予接收: a LETTER transfer names no receiving organization here, so only the
            # system takes this step, on that instance's answer (federation.crossing)
            S.LETTER_ISSUED: (S.RETURNED, Side.RECEIVER),
        },
        A.RESUBMIT: {S.RETURNED: (S.SENT, Side.SENDER)},
        # a letter not used (the member did not go) is voided by the sender
        A.CANCEL: {
            S.SENT: (S.CANCELLED, Side.SENDER),
            S.RETURNED: (S.CANCELLED, Side.SENDER),
            S.LETTER_ISSUED: (S.CANCELLED, Side.SENDER),
        },
    },
}

# Steps that must say why (退回: 不得无故拒绝接收).
NEEDS_REASON = frozenset({A.RETURN})

# Who approves a transfer (审批): the nearest organization at or above the branch whose kind
# is here. A general branch (党总支) or a branch cannot; a grassroots committee (党委) that
# holds members itself approves its own transfers.
APPROVING_KINDS = frozenset({OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.LOCAL_COMMITTEE})

# Members whose relation may be transferred: those on the roll and in contact.
TRANSFERABLE_STATUSES = frozenset({MemberStatus.FULL, MemberStatus.PROBATIONARY})

# The letter: validity (有效期) set by its issuer, 10 days in a city to 3 months across
# provinces; 30 days unless they say otherwise.
LETTER_VALID_DAYS_DEFAULT = 30
LETTER_VALID_DAYS_MAX = 90

# 流动党员: away six months or more.
MOBILE_MIN_MONTHS = 6


class StepRefused(InvalidInput):
    """The step is not open from the transfer's state (someone else moved it first)."""


def step(
    kind: TransferKind | str, action: StepAction | str, state: TransferState | str
) -> tuple[TransferState, Side]:
    """(the state `action` leads to from `state`, who acts); StepRefused if it is not open."""
    moves = STEPS[TransferKind(kind)].get(StepAction(action), {})
    found = moves.get(TransferState(state))
    if found is None:
        raise StepRefused(
            f"该转接当前为“{TransferState(state).label}”，不能办理“{StepAction(action).label}”"
        )
    return found


def arrival(
    kind: TransferKind | str,
    action: StepAction | str,
    state: TransferState | str,
    *,
    same_approver: bool,
) -> TransferState:
    """Where the step arrives: a single committee approving both sides approves once."""
    target, _ = step(kind, action, state)
    if same_approver and StepAction(action) is A.APPROVE_OUT and target is S.OUT_APPROVED:
        return S.IN_APPROVED
    return target


def open_actions(
    kind: TransferKind | str, state: TransferState | str
) -> list[tuple[StepAction, Side]]:
    """The steps open from `state`, with who may take each."""
    return [
        (action, moves[TransferState(state)][1])
        for action, moves in STEPS[TransferKind(kind)].items()
        if TransferState(state) in moves
    ]


def approver_of(chain: Sequence[tuple[int, str]]) -> int | None:
    """The approving organization of a branch: `chain` is (id, kind) of the branch and its
    ancestors, nearest first."""
    for pk, kind in chain:
        if kind in APPROVING_KINDS:
            return pk
    return None


def receiving_problem(*, kind: str, is_active: bool, name: str, same: bool) -> str | None:
    """Why an organization cannot receive a member, or None."""
    if same:
        return "接收党组织不能是党员现在所在的党组织"
    return members_workflow.receiving_problem(kind=kind, is_active=is_active, name=name)


def member_problem(status: str) -> str | None:
    if status not in TRANSFERABLE_STATUSES:
        return (
            f"党籍状态为“{MemberStatus(status).label}”的党员不能办理组织关系转接"
            "（只有正式党员和预备党员可以转接）"
        )
    return None


def check_reason(action: StepAction | str, reason: str) -> str:
    reason = " ".join(reason.split())
    if StepAction(action) in NEEDS_REASON and not reason:
        raise InvalidInput("退回须说明原因", fields={"reason": "退回须说明原因"})
    if len(reason) > 200:
        raise InvalidInput("说明不能超过200个字", fields={"reason": "说明不能超过200个字"})
    return reason


def check_leaves_on(leaves_on: dt.date, *, joined_on: dt.date, today: dt.date) -> dt.date:
    """转出日期: not before the member joined, and within a year of today either way."""
    if leaves_on < joined_on:
        message = f"转出日期不能早于入党日期（{joined_on:%Y-%m-%d}）"
        raise InvalidInput(message, fields={"leaves_on": message})
    if abs((leaves_on - today).days) > 366:
        message = "转出日期应在前后一年之内"
        raise InvalidInput(message, fields={"leaves_on": message})
    return leaves_on


def check_after(
    on: dt.date, *, earliest: dt.date, what: str, after_what: str, field: str
) -> dt.date:
    """A step's date, not before the date it follows (日期先后)."""
    if on < earliest:
        message = f"{what}不能早于{after_what}（{earliest:%Y-%m-%d}）"
        raise InvalidInput(message, fields={field: message})
    return on


def letter_valid_days(days: int | None) -> int:
    days = LETTER_VALID_DAYS_DEFAULT if days is None else days
    if not 1 <= days <= LETTER_VALID_DAYS_MAX:
        message = f"介绍信有效期为1至{LETTER_VALID_DAYS_MAX}天"
        raise InvalidInput(message, fields={"valid_days": message})
    return days


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def mobile_problem(
    *, starts_on: dt.date, ends_on: dt.date | None, joined_on: dt.date
) -> str | None:
    """流动党员: away six months or more; the dates in order."""
    if starts_on < joined_on:
        return f"外出日期不能早于入党日期（{joined_on:%Y-%m-%d}）"
    if ends_on is not None:
        if ends_on <= starts_on:
            return "预计返回日期须晚于外出日期"
        if ends_on < add_months(starts_on, MOBILE_MIN_MONTHS):
            return f"外出{MOBILE_MIN_MONTHS}个月以上的才登记为流动党员（不足6个月的开具证明信即可）"
    return None
