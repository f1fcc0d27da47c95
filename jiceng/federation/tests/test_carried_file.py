"""随转发展档案: a probationary member's development file travels with a cross-province transfer
(both instances' services in one database, as in test_arrivals). 赵青 was admitted as a
probationary member in Jiangsu's 文苑社区第一党支部 (introduced by 周敏 and 吴刚, approved by
仙林街道党工委); Jiangsu sends her to "Zhejiang's" 尧化社区党支部, which accepts her: her file
is recreated there, its steps marked as done in Jiangsu, and the branch takes the 转正 steps
under the same rules as for a member admitted there. A full member's record carries no file,
and a record from a sender that does not know files (an older version) is accepted as before."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from jiceng.accounts.models import Role, User
from jiceng.core import clock, crypto
from jiceng.core.errors import InvalidInput
from jiceng.core.models import AuditRecord
from jiceng.development import carrying, queries, tallies
from jiceng.development.models import (
    AdmissionTally,
    Applicant,
    CarriedFile,
    CaseMove,
    CaseStatus,
    Outcome,
    Standing,
    Step,
)
from jiceng.development.rules import add_months
from jiceng.federation import arrivals, exchange, keys
from jiceng.federation.models import InboxMessage, IncomingTransfer, MessageKind
from jiceng.federation.tests.test_arrivals import answer_back, as_if_elsewhere, send_across
from jiceng.federation.tests.test_federation import JIANGSU, JS, ZHEJIANG, ZJ
from jiceng.members.models import Member, MemberStatus
from jiceng.members.services import ID_FIELD
from jiceng.testing.development_personas import DAYS, register, walk
from jiceng.testing.personas import Tree, add_member, user_with, verified_client
from jiceng.transfers.models import TransferState

APPLIED = dt.date(2023, 11, 1)  # the persona's application; admitted 2025-03-15
SENT = dt.datetime(2025, 6, 2, 10, 0, tzinfo=clock.CHINA)
AFTER_PROBATION = dt.datetime(2026, 4, 20, 10, 0, tzinfo=clock.CHINA)


@pytest.fixture
def people(tree: Tree) -> list[Member]:
    return [add_member(tree.branch, name=n) for n in ("周敏", "吴刚")]


@pytest.fixture
def receiving_secretary(tree: Tree) -> User:
    return user_with(
        "sun-li", Role.BRANCH_SECRETARY, organization=tree.yaohua_branch, display_name="孙丽"
    )


def admitted(tree: Tree, secretary: User, department: User, people: list[Member]) -> Member:
    """赵青, admitted in Jiangsu and sworn in (入党宣誓): a probationary member."""
    applicant = register(tree.branch, by=secretary, name="赵青", applied_on=APPLIED)
    applicant = walk(
        applicant, until=Step.OATH, secretary=secretary, department=department, people=people
    )
    assert applicant.member is not None
    return applicant.member


def opened(incoming: IncomingTransfer) -> dict[str, Any]:
    with ZJ:
        return exchange.payload_of(incoming.message)


@pytest.mark.django_db
def test_a_probationary_members_file_travels_and_full_membership_is_decided_there(
    tree: Tree,
    secretary: User,
    street_official: User,
    district_department: User,
    receiving_secretary: User,
    people: list[Member],
) -> None:
    with clock.frozen(SENT):
        mover = admitted(tree, secretary, district_department, people)
        meeting = APPLIED + dt.timedelta(DAYS[Step.ADMISSION_MEETING])
        assert mover.status == MemberStatus.PROBATIONARY and mover.joined_on == meeting
        transfer = send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
        incoming = IncomingTransfer.objects.get()

        # the file in the sealed record names people and organizations, never ids here
        sent = opened(incoming)["development"]
        assert sent["version"] == carrying.VERSION and sent["last_step"] == Step.OATH
        assert sent["organization"] == tree.branch.name
        by_step = {s["step"]: s for s in sent["steps"]}
        assert by_step[Step.INTRODUCERS]["people"] == "周敏、吴刚"
        assert by_step[Step.ADMISSION_APPROVAL]["decided_by"] == tree.xianlin.name
        assert by_step[Step.ADMISSION_MEETING]["votes_for"] == 18
        assert "周敏".encode() not in bytes(incoming.message.body)  # sealed

        # the arrival's page says a file came, its dates; the introducers masked
        client = verified_client(receiving_secretary)
        with ZJ:
            page = client.get(f"/federation/incoming/{incoming.pk}/").content.decode()
        assert "随转发展档案" in page and "预备期满" in page
        assert add_months(meeting, 12).isoformat() in page and meeting.isoformat() in page
        assert "周*、吴*" in page and "周敏" not in page

        as_if_elsewhere(mover)
        with ZJ:
            answer = client.post(
                f"/federation/incoming/{incoming.pk}/answer/",
                {"action": "accept", "on": SENT.date().isoformat()},
            )
        assert answer.status_code == 302
    arrived = Member.objects.get(organization=tree.yaohua_branch, name="赵青")
    assert arrived.status == MemberStatus.PROBATIONARY and arrived.joined_on == meeting

    # the file recreated under the receiving branch, its steps marked as done in Jiangsu
    here = Applicant.objects.get(member=arrived)
    there = Applicant.objects.get(member=mover)
    assert (here.organization, here.standing, here.status, here.last_step) == (
        tree.yaohua_branch,
        Standing.PROBATIONARY,
        CaseStatus.OPEN,
        Step.OATH,
    )
    assert here.id_number_digest == arrived.id_number_digest
    assert crypto.unseal(here.id_number_sealed, field=ID_FIELD) == crypto.unseal(
        arrived.id_number_sealed, field=ID_FIELD
    )
    assert here.next_due_on == add_months(meeting, 12)  # 预备期满: the 转正 application is due
    assert here.steps.count() == there.steps.count() == 20
    assert not here.steps.filter(is_carried=False).exists()
    approval = here.steps.get(step=Step.ADMISSION_APPROVAL)
    assert approval.decided_by is None and approval.decider_name == tree.xianlin.name
    assert here.steps.get(step=Step.INTRODUCERS).names == "周敏、吴刚"
    carried = CarriedFile.objects.get(applicant=here)
    assert (carried.province_code, carried.organization_name, carried.recorded_by) == (
        JIANGSU,
        tree.branch.name,
        receiving_secretary,
    )
    record = AuditRecord.objects.get(action="development.take_carried_file")
    assert record.user == receiving_secretary and json.loads(record.detail)["province"] == JIANGSU
    # the admission counts in Jiangsu's plan only, also when the tallies are rebuilt
    year = approval.done_on.year
    assert tallies.admitted(tree.yaohua_branch, year) == 0
    before = set(AdmissionTally.objects.values_list("organization_id", "year", "admitted"))
    tallies.rebuild()
    assert set(AdmissionTally.objects.values_list("organization_id", "year", "admitted")) == before
    assert answer_back() == 1
    transfer.refresh_from_db()
    assert transfer.state == TransferState.COMPLETED

    # the receiving branch sees the case with its probation, and takes the 转正 steps
    client = verified_client(receiving_secretary)
    with clock.frozen(AFTER_PROBATION):
        pipeline = client.get(f"/development/?org={tree.yaohua_branch.pk}").content.decode()
        assert "赵青" in pipeline
        page = client.get(f"/development/{here.pk}/").content.decode()
        assert "随转发展档案" in page and "转出方办理" in page and JIANGSU in page
        assert f"{meeting.isoformat()} 至 {add_months(meeting, 12).isoformat()}" in page
        assert "下一步：继续教育考察" in page
        here = walk(
            here,
            until=Step.FULL_APPROVAL,
            secretary=receiving_secretary,
            department=district_department,
            people=[],
        )
    arrived.refresh_from_db()
    assert here.standing == Standing.FULL
    assert arrived.status == MemberStatus.FULL
    assert arrived.full_member_on == add_months(meeting, 12)
    decided = here.steps.get(step=Step.FULL_APPROVAL)
    assert (decided.is_carried, decided.decided_by, decided.outcome) == (
        False,
        tree.yaohua,
        Outcome.FULL,
    )


@pytest.mark.django_db
def test_a_full_members_transfer_carries_no_file(
    tree: Tree, secretary: User, street_official: User, receiving_secretary: User
) -> None:
    with clock.frozen(SENT):
        mover = add_member(tree.branch, name="赵磊")
        send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
        incoming = IncomingTransfer.objects.get()
        assert "development" not in opened(incoming)
        with ZJ:
            page = verified_client(receiving_secretary).get(f"/federation/incoming/{incoming.pk}/")
        assert "转来的党员信息" in page.content.decode() and "无法解密" not in page.content.decode()
        assert "随转发展档案" not in page.content.decode()
        as_if_elsewhere(mover)
        with ZJ:
            member = arrivals.accept_incoming(incoming=incoming, by=receiving_secretary)
    assert member.status == MemberStatus.FULL
    assert not Applicant.objects.filter(member=member).exists()
    assert not CarriedFile.objects.exists()


def _older_sender_record(mover: Member, to_local_id: int) -> dict[str, Any]:
    """A record as a sender of the version before files sends it: no "development" section,
    no extension."""
    return {
        "transfer": 991,
        "to_local_id": to_local_id,
        "to_name": "尧化社区党支部",
        "from_organization": "文苑社区第一党支部",
        "letter": "苏组转〔2025〕1号",
        "reason": "工作调动",
        "leaves_on": "2025-06-01",
        "dues_paid_to": None,
        "member": {
            "name": mover.name,
            "gender": mover.gender,
            "ethnicity": mover.ethnicity,
            "birth_date": mover.birth_date.isoformat(),
            "id_number": crypto.unseal(mover.id_number_sealed, field=ID_FIELD),
            "phone": "",
            "education": mover.education,
            "category": mover.category,
            "joined_on": mover.joined_on.isoformat(),
            "full_member_on": None,
            "status": mover.status,
        },
    }


def _arrive(payload: dict[str, Any], message_id: str) -> IncomingTransfer:
    with JS:
        body = keys.seal_for(
            ZHEJIANG, message_id=message_id, kind=MessageKind.TRANSFER, payload=payload
        )
    InboxMessage.objects.create(
        message_id=message_id, sender=JIANGSU, kind=MessageKind.TRANSFER, body=body
    )
    with ZJ:
        assert exchange.receive() == 1
    return IncomingTransfer.objects.get(message__message_id=message_id)


@pytest.mark.django_db
def test_a_probationary_member_from_an_older_sender_is_accepted_without_a_file(
    tree: Tree, secretary: User, district_department: User, receiving_secretary: User, people
) -> None:
    with clock.frozen(SENT):
        mover = admitted(tree, secretary, district_department, people)
        payload = _older_sender_record(mover, tree.yaohua_branch.pk)
        incoming = _arrive(payload, "6d1f7c1e-0000-4000-8000-000000000101")
        with ZJ:
            page = verified_client(receiving_secretary).get(f"/federation/incoming/{incoming.pk}/")
        assert "转来的党员信息" in page.content.decode() and "无法解密" not in page.content.decode()
        assert page.status_code == 200 and "随转发展档案" not in page.content.decode()
        as_if_elsewhere(mover)
        with ZJ:
            member = arrivals.accept_incoming(incoming=incoming, by=receiving_secretary)
    assert member.status == MemberStatus.PROBATIONARY
    assert member.probation_extended_months == 0
    assert not Applicant.objects.filter(member=member).exists()
    assert IncomingTransfer.objects.get(pk=incoming.pk).member == member


@pytest.mark.django_db
def test_a_file_of_a_newer_version_is_shown_and_the_member_accepted_without_it(
    tree: Tree, secretary: User, district_department: User, receiving_secretary: User, people
) -> None:
    with clock.frozen(SENT):
        mover = admitted(tree, secretary, district_department, people)
        payload = _older_sender_record(mover, tree.yaohua_branch.pk)
        sent = carrying.file_of(mover)
        assert sent is not None
        payload["development"] = {**sent, "version": 2}
        incoming = _arrive(payload, "6d1f7c1e-0000-4000-8000-000000000102")
        with ZJ:
            page = verified_client(receiving_secretary).get(f"/federation/incoming/{incoming.pk}/")
        assert "转来的党员信息" in page.content.decode() and "无法解密" not in page.content.decode()
        text = page.content.decode()
        assert "随转的发展档案有误" in text and "第2版" in text and "发展档案不会导入" in text
        as_if_elsewhere(mover)
        with ZJ:
            member = arrivals.accept_incoming(incoming=incoming, by=receiving_secretary)
    assert member.status == MemberStatus.PROBATIONARY
    assert not Applicant.objects.filter(member=member).exists()


@pytest.mark.django_db
def test_an_extended_probation_travels_with_the_member(
    tree: Tree, secretary: User, district_department: User, receiving_secretary: User, people
) -> None:
    with clock.frozen(SENT):
        mover = admitted(tree, secretary, district_department, people)
        Member.objects.filter(pk=mover.pk).update(probation_extended_months=6)
        Applicant.objects.filter(member=mover).update(extended_months=6)
        mover.refresh_from_db()
        payload = _older_sender_record(mover, tree.yaohua_branch.pk)
        payload["member"]["probation_extended_months"] = 6
        payload["development"] = carrying.file_of(mover)
        incoming = _arrive(payload, "6d1f7c1e-0000-4000-8000-000000000103")
        as_if_elsewhere(mover)
        with ZJ:
            member = arrivals.accept_incoming(incoming=incoming, by=receiving_secretary)
    meeting = APPLIED + dt.timedelta(DAYS[Step.ADMISSION_MEETING])
    here = Applicant.objects.get(member=member)
    assert member.probation_extended_months == 6 and here.extended_months == 6
    assert here.next_due_on == add_months(meeting, 18)


def _file(**changes: Any) -> dict[str, Any]:
    steps = [
        {"step": Step.ADMISSION_MEETING, "done_on": "2025-03-15", "votes_for": 18, "voters": 20},
        {"step": Step.ADMISSION_APPROVAL, "done_on": "2025-04-14", "outcome": "APPROVED"},
    ]
    raw: dict[str, Any] = {
        "version": 1,
        "organization": "某党支部",
        "applied_on": "2023-11-01",
        "last_step": Step.ADMISSION_APPROVAL,
        "steps": steps,
    }
    raw.update(changes)
    return raw


def test_a_file_is_read_only_as_a_probationary_members_file() -> None:
    carried = carrying.read_file(_file())
    assert carried.probation_ends_on == dt.date(2026, 3, 15)
    assert carrying.file_in(None, status=MemberStatus.PROBATIONARY) == (None, "")
    assert carrying.file_in(_file(), status=MemberStatus.FULL) == (None, "")
    for broken, problem in (
        (_file(last_step=Step.FULL_APPROVAL), "不是预备党员考察期间的档案"),
        (_file(last_step="NOPE"), "无法识别"),
        (_file(steps=_file()["steps"][:1]), "没有上级党委批准"),
        (_file(steps=list(reversed(_file()["steps"]))), "早于上一步"),
        (_file(version=None), "缺少版本号"),
        (_file(extended_months=3), "延长预备期"),
        ([], "格式不正确"),
    ):
        with pytest.raises(InvalidInput, match=problem):
            carrying.read_file(broken)


@pytest.mark.django_db
def test_the_senders_case_closes_as_moved_out_when_the_receiver_accepts(
    tree: Tree,
    secretary: User,
    street_official: User,
    district_department: User,
    receiving_secretary: User,
    people: list[Member],
) -> None:
    with clock.frozen(SENT):
        mover = admitted(tree, secretary, district_department, people)
        transfer = send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
        there = Applicant.objects.get(member=mover)
        assert there.status == CaseStatus.OPEN  # sent, not yet answered: still Jiangsu's
        incoming = IncomingTransfer.objects.get()
        as_if_elsewhere(mover)
        with ZJ:
            arrivals.accept_incoming(incoming=incoming, by=receiving_secretary)
        before = set(AdmissionTally.objects.values_list("organization_id", "year", "admitted"))
        assert answer_back() == 1
    assert Member.objects.get(pk=mover.pk).status == MemberStatus.TRANSFERRED_OUT
    # the sender's case is closed as handed over, not terminated; never late again
    there.refresh_from_db()
    assert (there.status, there.next_due_on, there.organization) == (
        CaseStatus.MOVED_OUT,
        None,
        tree.branch,
    )
    move = CaseMove.objects.get(applicant=there)
    assert (move.transfer_id, move.from_organization, move.to_organization) == (
        transfer.pk,
        tree.branch,
        None,
    )
    assert "尧化社区党支部" in move.destination and ZHEJIANG in move.destination
    assert AuditRecord.objects.filter(action="development.hand_over").count() == 1
    # the receiver's recreated case stays open there; the admission is still Jiangsu's
    here = Applicant.objects.exclude(pk=there.pk).get()
    assert here.status == CaseStatus.OPEN and here.organization == tree.yaohua_branch
    assert set(AdmissionTally.objects.values_list("organization_id", "year", "admitted")) == before
    with clock.frozen(AFTER_PROBATION):
        assert queries.late_cases(secretary)[1] == 0
        assert queries.branch_pipeline(tree.branch) == []
        page = verified_client(secretary).get(f"/development/{there.pk}/").content.decode()
    assert "已转出，由接收方继续考察" in page and "已终止" not in page
    assert "发展党员档案在本系统中不再办理，由接收方继续考察" in page
    assert "终止培养" not in page  # nothing left to close
