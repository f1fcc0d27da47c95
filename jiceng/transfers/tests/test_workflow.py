"""The rules of transfers as data, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.core.errors import InvalidInput
from jiceng.members.models import MemberStatus
from jiceng.orgs.models import OrgKind
from jiceng.transfers import workflow
from jiceng.transfers.models import StepAction, TransferKind, TransferState
from jiceng.transfers.workflow import Side

A, S, W, L = StepAction, TransferState, TransferKind.WITHIN, TransferKind.LETTER


def said(problem: str | None) -> str:
    assert problem is not None
    return problem


def test_within_the_system_goes_through_both_committees_then_the_receiver():
    assert workflow.step(W, A.APPROVE_OUT, S.SENT) == (S.OUT_APPROVED, Side.OUT_APPROVER)
    assert workflow.step(W, A.APPROVE_IN, S.OUT_APPROVED) == (S.IN_APPROVED, Side.IN_APPROVER)
    assert workflow.step(W, A.CONFIRM, S.IN_APPROVED) == (S.COMPLETED, Side.RECEIVER)


def test_one_committee_on_both_sides_approves_once():
    assert workflow.arrival(W, A.APPROVE_OUT, S.SENT, same_approver=True) == S.IN_APPROVED
    assert workflow.arrival(W, A.APPROVE_OUT, S.SENT, same_approver=False) == S.OUT_APPROVED


def test_a_return_is_taken_by_whoever_acts_at_that_state():
    assert workflow.step(W, A.RETURN, S.SENT)[1] is Side.OUT_APPROVER
    assert workflow.step(W, A.RETURN, S.OUT_APPROVED)[1] is Side.IN_APPROVER
    assert workflow.step(W, A.RETURN, S.IN_APPROVED)[1] is Side.RECEIVER
    assert workflow.step(W, A.RESUBMIT, S.RETURNED) == (S.SENT, Side.SENDER)


def test_a_letter_is_issued_by_the_approval_and_closed_by_the_receipt():
    assert workflow.step(L, A.APPROVE_OUT, S.SENT) == (S.LETTER_ISSUED, Side.OUT_APPROVER)
    assert workflow.step(L, A.RECORD_RECEIPT, S.LETTER_ISSUED) == (S.COMPLETED, Side.SENDER)
    with pytest.raises(workflow.StepRefused):
        workflow.step(L, A.CONFIRM, S.LETTER_ISSUED)


@pytest.mark.parametrize("state", [S.COMPLETED, S.CANCELLED])
def test_nothing_moves_a_closed_transfer(state):
    assert workflow.open_actions(W, state) == []
    with pytest.raises(workflow.StepRefused, match="不能办理"):
        workflow.step(W, A.CANCEL, state)


def test_the_approver_is_the_nearest_committee_never_a_general_branch():
    chain = [(7, OrgKind.BRANCH), (6, OrgKind.GENERAL_BRANCH), (5, OrgKind.COMMITTEE)]
    assert workflow.approver_of(chain) == 5
    assert workflow.approver_of([(9, OrgKind.COMMITTEE), (4, OrgKind.WORKING_COMMITTEE)]) == 9
    assert workflow.approver_of([(7, OrgKind.BRANCH)]) is None


def test_receiving_refusals_name_the_rule():
    assert "党工委" in said(
        workflow.receiving_problem(
            kind=OrgKind.WORKING_COMMITTEE, is_active=True, name="尧化街道党工委", same=False
        )
    )
    assert "已撤销" in said(
        workflow.receiving_problem(kind=OrgKind.BRANCH, is_active=False, name="某支部", same=False)
    )
    assert "所在" in said(
        workflow.receiving_problem(kind=OrgKind.BRANCH, is_active=True, name="某支部", same=True)
    )
    assert (
        workflow.receiving_problem(kind=OrgKind.BRANCH, is_active=True, name="x", same=False)
        is None
    )


def test_only_members_on_the_roll_and_in_contact_transfer():
    assert workflow.member_problem(MemberStatus.FULL) is None
    assert workflow.member_problem(MemberStatus.PROBATIONARY) is None
    assert "失联党员" in said(workflow.member_problem(MemberStatus.LOST_CONTACT))
    assert "已去世" in said(workflow.member_problem(MemberStatus.DECEASED))


def test_a_return_needs_its_reason():
    with pytest.raises(InvalidInput, match="退回须说明原因"):
        workflow.check_reason(A.RETURN, "  ")
    assert workflow.check_reason(A.APPROVE_IN, "") == ""


def test_dates_out_of_order_are_refused():
    today = dt.date(2025, 6, 2)
    with pytest.raises(InvalidInput, match="不能早于入党日期"):
        workflow.check_leaves_on(dt.date(2009, 1, 1), joined_on=dt.date(2010, 7, 1), today=today)
    with pytest.raises(InvalidInput, match="转入日期不能早于转出日期"):
        workflow.check_after(
            dt.date(2025, 5, 1),
            earliest=dt.date(2025, 5, 2),
            what="转入日期",
            after_what="转出日期",
            field="on",
        )


def test_a_mobile_member_is_away_six_months_or_more():
    joined = dt.date(2010, 7, 1)
    start = dt.date(2025, 1, 31)
    assert "6个月以上" in said(
        workflow.mobile_problem(starts_on=start, ends_on=dt.date(2025, 7, 30), joined_on=joined)
    )
    assert (
        workflow.mobile_problem(starts_on=start, ends_on=dt.date(2025, 7, 31), joined_on=joined)
        is None
    )
    assert workflow.mobile_problem(starts_on=start, ends_on=None, joined_on=joined) is None
    assert "须晚于" in said(
        workflow.mobile_problem(starts_on=start, ends_on=start, joined_on=joined)
    )


def test_letter_validity_is_bounded():
    assert workflow.letter_valid_days(None) == 30
    with pytest.raises(InvalidInput, match="1至90天"):
        workflow.letter_valid_days(91)
