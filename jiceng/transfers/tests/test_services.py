"""Transfers against the database: the flow, each refusal (nothing written), two people acting
at once, the letter and its receipt."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.core import clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput
from jiceng.members.models import Member, MemberEvent, MemberStatus, StatusMove
from jiceng.orglife.models import Notice, NoticeKind
from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree, add_member
from jiceng.transfers import receipts, services, workflow
from jiceng.transfers.models import StepAction, Transfer, TransferKind, TransferState, TransferStep

A, S = StepAction, TransferState
pytestmark = pytest.mark.usefixtures("frozen")


def start(member, tree, by, **extra):
    fields = {"to_organization": tree.yaohua_branch, "reason": "居住地变更", **extra}
    return services.start_transfer(member=member, by=by, **fields)


def test_a_transfer_across_streets_moves_the_record_after_both_committees_and_the_receiver(
    tree: Tree, mover, secretary, street_official, yaohua_official, yaohua_secretary
):
    transfer = start(mover, tree, secretary)
    assert transfer.state == S.SENT
    assert transfer.out_approver_id == tree.community.pk  # 文苑社区党委 approves its branches
    assert transfer.in_approver_id == tree.yaohua.pk
    transfer = services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=street_official)
    assert transfer.state == S.OUT_APPROVED
    assert Member.objects.get(pk=mover.pk).organization_id == tree.branch.pk  # still sending's
    transfer = services.take_step(transfer=transfer, action=A.APPROVE_IN, by=yaohua_official)
    assert transfer.state == S.IN_APPROVED
    transfer = services.take_step(transfer=transfer, action=A.CONFIRM, by=yaohua_secretary)
    assert transfer.state == S.COMPLETED and transfer.arrived_on == clock.today()
    moved = Member.objects.get(pk=mover.pk)
    assert moved.organization_id == tree.yaohua_branch.pk
    assert moved.status == MemberStatus.FULL
    event = MemberEvent.objects.filter(member=mover).latest("pk")
    assert event.move == StatusMove.TRANSFER
    assert event.to_organization_id == tree.yaohua_branch.pk
    tree.branch.refresh_from_db()
    tree.yaohua_branch.refresh_from_db()
    assert (tree.branch.member_count, tree.yaohua_branch.member_count) == (0, 1)
    actions = list(TransferStep.objects.filter(transfer=transfer).values_list("action", flat=True))
    assert actions == [A.START, A.APPROVE_OUT, A.APPROVE_IN, A.CONFIRM]


def test_within_one_committee_one_approval_serves_both_sides(
    tree: Tree, mover, secretary, street_official
):
    transfer = start(mover, tree, secretary, to_organization=tree.sibling)
    assert transfer.in_approver_id == transfer.out_approver_id == tree.community.pk
    transfer = services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=street_official)
    assert transfer.state == S.IN_APPROVED


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("xianlin", "不直接管理党员"),
        ("branch", "现在所在的党组织"),
    ],
)
def test_a_receiver_that_cannot_receive_is_refused(tree: Tree, mover, secretary, target, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        start(mover, tree, secretary, to_organization=getattr(tree, target))
    assert "to_organization" in refused.value.fields
    assert not Transfer.objects.exists()


def test_a_dissolved_receiver_is_refused(tree: Tree, mover, secretary):
    Organization.objects.filter(pk=tree.sibling.pk).update(dissolved_on=dt.date(2024, 1, 1))
    with pytest.raises(InvalidInput, match="已撤销"):
        start(mover, tree, secretary, to_organization=tree.sibling)


def test_a_member_not_on_the_roll_is_refused(tree: Tree, secretary):
    gone = add_member(tree.branch, name="钱某", status="已去世")
    with pytest.raises(InvalidInput, match="已去世"):
        start(gone, tree, secretary)
    assert not Transfer.objects.exists()


def test_a_second_open_transfer_for_one_member_is_refused(tree: Tree, mover, secretary):
    start(mover, tree, secretary)
    with pytest.raises(InvalidInput, match="已有正在办理"):
        start(mover, tree, secretary, to_organization=tree.sibling)
    assert Transfer.objects.count() == 1


def test_a_leaving_date_before_joining_is_refused(tree: Tree, mover, secretary):
    with pytest.raises(InvalidInput, match="不能早于入党日期"):
        start(mover, tree, secretary, leaves_on=dt.date(2009, 1, 1))


def test_a_confirmation_dated_before_the_leaving_date_is_refused(
    tree: Tree, mover, secretary, street_official, yaohua_official, yaohua_secretary
):
    transfer = start(mover, tree, secretary, leaves_on=dt.date(2025, 6, 1))
    transfer = services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=street_official)
    transfer = services.take_step(transfer=transfer, action=A.APPROVE_IN, by=yaohua_official)
    with pytest.raises(InvalidInput, match="转入日期不能早于转出日期"):
        services.take_step(
            transfer=transfer, action=A.CONFIRM, on=dt.date(2025, 5, 30), by=yaohua_secretary
        )
    assert Transfer.objects.get().state == S.IN_APPROVED
    assert Member.objects.get(pk=mover.pk).organization_id == tree.branch.pk


def test_the_sender_cannot_approve_its_own_transfer(tree: Tree, mover, secretary):
    transfer = start(mover, tree, secretary)
    with pytest.raises(Forbidden, match="文苑社区委员会"):
        services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=secretary)
    assert Transfer.objects.get().state == S.SENT


def test_the_sending_street_cannot_confirm_for_the_receiver(
    tree: Tree, mover, secretary, street_official, yaohua_official
):
    transfer = start(mover, tree, secretary)
    transfer = services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=street_official)
    with pytest.raises(Forbidden):
        services.take_step(transfer=transfer, action=A.APPROVE_IN, by=street_official)


def test_two_secretaries_confirming_at_once_one_wins(
    tree: Tree, mover, secretary, street_official, yaohua_official, yaohua_secretary
):
    transfer = start(mover, tree, secretary)
    transfer = services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=street_official)
    seen = services.take_step(transfer=transfer, action=A.APPROVE_IN, by=yaohua_official)
    other = Transfer.objects.get(pk=seen.pk)  # both pages show 待接收党组织确认
    services.take_step(transfer=seen, action=A.CONFIRM, by=yaohua_secretary)
    with pytest.raises(Conflict, match="刚被他人办理"):
        services.take_step(transfer=other, action=A.RETURN, reason="材料不全", by=yaohua_official)
    assert Transfer.objects.get().state == S.COMPLETED
    assert MemberEvent.objects.filter(member=mover, move=StatusMove.TRANSFER).count() == 1


def test_the_conditional_update_catches_a_move_between_the_read_and_the_write(
    tree: Tree, mover, secretary, street_official, monkeypatch
):
    transfer = start(mover, tree, secretary)
    real = workflow.arrival

    def moved_meanwhile(*args, **kwargs):
        Transfer.objects.filter(pk=transfer.pk).update(state=S.CANCELLED)  # another request
        return real(*args, **kwargs)

    monkeypatch.setattr(workflow, "arrival", moved_meanwhile)
    with pytest.raises(Conflict, match="已撤销"):
        services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=street_official)
    assert not TransferStep.objects.filter(action=A.APPROVE_OUT).exists()


def test_a_return_with_its_reason_goes_back_to_the_sender_who_resubmits(
    tree: Tree, mover, secretary, street_official, yaohua_official
):
    transfer = start(mover, tree, secretary)
    transfer = services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=street_official)
    with pytest.raises(InvalidInput, match="退回须说明原因"):
        services.take_step(transfer=transfer, action=A.RETURN, by=yaohua_official)
    transfer = services.take_step(
        transfer=transfer, action=A.RETURN, reason="请补充党费交纳情况", by=yaohua_official
    )
    assert transfer.state == S.RETURNED and transfer.returned_reason == "请补充党费交纳情况"
    transfer = services.revise_transfer(
        transfer=transfer, reason="工作调动，党费已交清", by=secretary
    )
    transfer = services.take_step(transfer=transfer, action=A.RESUBMIT, by=secretary)
    assert transfer.state == S.SENT and transfer.returned_reason == ""
    assert transfer.reason == "工作调动，党费已交清"


def test_a_letter_is_numbered_per_issuer_and_year_and_its_receipt_transfers_out(
    tree: Tree, secretary, street_official
):
    first, second = add_member(tree.branch, name="甲"), add_member(tree.sibling, name="乙")
    letters = []
    for member in (first, second):
        transfer = services.start_transfer(
            member=member,
            kind=TransferKind.LETTER,
            destination="中共上海市浦东新区委员会组织部",
            reason="跨省工作调动",
            by=street_official,
        )
        letters.append(
            services.take_step(
                transfer=transfer, action=A.APPROVE_OUT, valid_days=60, by=street_official
            )
        )
    assert [t.letter_number for t in letters] == [1, 2]
    letter = letters[0]
    assert letter.state == S.LETTER_ISSUED and letter.letter_label == "（2025）第0001号"
    assert letter.letter_issuer_id == tree.community.pk
    assert letter.letter_valid_until == dt.date(2025, 8, 1)
    assert letter.receipt_due == dt.date(2025, 7, 2)  # JICENG_TRANSFER_RECEIPT_DAYS = 30
    assert letter.letter_token and letter.dues_paid_to is None
    with pytest.raises(InvalidInput, match="回执收回日期不能早于"):
        services.take_step(
            transfer=letter, action=A.RECORD_RECEIPT, on=dt.date(2025, 5, 1), by=secretary
        )
    done = services.take_step(transfer=letter, action=A.RECORD_RECEIPT, by=secretary)
    assert done.state == S.COMPLETED and done.receipt_on == clock.today()
    assert Member.objects.get(pk=first.pk).status == MemberStatus.TRANSFERRED_OUT


def test_a_late_receipt_is_chased_once(tree: Tree, secretary, street_official, settings):
    settings.JICENG_TRANSFER_RECEIPT_DAYS = 10
    member = add_member(tree.branch, name="丙")
    transfer = services.start_transfer(
        member=member,
        kind=TransferKind.LETTER,
        destination="某县委组织部",
        reason="返乡",
        by=secretary,
    )
    services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=street_official)
    assert receipts.chase_late_receipts(now=clock.now() + dt.timedelta(days=10)) == []
    later = clock.now() + dt.timedelta(days=11)
    notices = receipts.chase_late_receipts(now=later)
    assert len(notices) == 1
    notice = Notice.objects.get()
    assert notice.kind == NoticeKind.RECEIPT_LATE and notice.organization_id == tree.branch.pk
    assert "丙" in notice.text and "已逾期" in notice.text
    assert receipts.chase_late_receipts(now=later + dt.timedelta(days=1)) == []


def test_a_letter_records_the_dues_paid_to_from_the_dues_ledger(
    tree: Tree, secretary, street_official
):
    from jiceng.dues import bases, billing, payments

    member = add_member(tree.branch, name="丙")
    bases.set_base(member=member, year=2025, base=450000, by=secretary)  # 4,500 yuan a month
    for month in (202501, 202502, 202503):
        billing.generate_bills(organization=tree.branch, month=month, by=secretary)
    payments.record_payment(member=member, months=[202501, 202502], method="CASH", by=secretary)
    transfer = services.start_transfer(
        member=member,
        kind=TransferKind.LETTER,
        destination="中共上海市浦东新区委员会组织部",
        reason="跨省工作调动",
        by=street_official,
    )
    letter = services.take_step(
        transfer=transfer, action=A.APPROVE_OUT, valid_days=60, by=street_official
    )
    assert letter.dues_paid_to == dt.date(2025, 2, 28)  # March is billed and unpaid
