"""A probationary member's development file follows their transfer within this instance
(development.following, from transfers.services): 赵青, admitted in 文苑社区第一党支部, moves
to 尧化社区党支部; at the receiver's confirmation her open case moves there with its history,
the receiving branch decides 转正 and the sending branch neither sees nor records it, and the
admission stays counted where it was approved."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.core.errors import NotFound
from jiceng.core.models import AuditRecord
from jiceng.development import carrying, queries, services, tallies
from jiceng.development.models import (
    AdmissionTally,
    Applicant,
    CaseMove,
    CaseStatus,
    Standing,
    Step,
    StepRecord,
)
from jiceng.members.models import Member, MemberStatus
from jiceng.testing.development_personas import register, walk
from jiceng.testing.personas import Tree, add_member, user_with, verified_client
from jiceng.transfers import services as transfers
from jiceng.transfers.models import StepAction, Transfer

APPLIED = dt.date(2023, 11, 1)  # admitted by the general meeting of 2025-03-15
MOVED = dt.datetime(2025, 6, 2, 10, 0, tzinfo=clock.CHINA)
AFTER_PROBATION = dt.datetime(2026, 4, 20, 10, 0, tzinfo=clock.CHINA)
PROBATION_ENDS = dt.date(2026, 3, 15)


@pytest.fixture
def people(tree: Tree) -> list[Member]:
    return [add_member(tree.branch, name=n) for n in ("周敏", "吴刚")]


@pytest.fixture
def receiving_secretary(tree: Tree) -> User:
    return user_with(
        "sun-li", Role.BRANCH_SECRETARY, organization=tree.yaohua_branch, display_name="孙丽"
    )


def tallied() -> set[tuple[int, int, int]]:
    return set(AdmissionTally.objects.values_list("organization_id", "year", "admitted"))


def transferred(
    tree: Tree, member: Member, *, secretary: User, street: User, yaohua: User, receiver: User
) -> Transfer:
    """The member's transfer to 尧化社区党支部, approved by both sides and confirmed."""
    transfer = transfers.start_transfer(
        member=member, to_organization=tree.yaohua_branch, reason="居住地变更", by=secretary
    )
    transfer = transfers.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=street)
    transfer = transfers.take_step(transfer=transfer, action=StepAction.APPROVE_IN, by=yaohua)
    return transfers.take_step(transfer=transfer, action=StepAction.CONFIRM, by=receiver)


@pytest.mark.django_db
def test_a_probationary_members_case_moves_with_the_transfer_and_is_decided_there(
    tree: Tree,
    secretary: User,
    street_official: User,
    yaohua_official: User,
    district_department: User,
    receiving_secretary: User,
    people: list[Member],
) -> None:
    with clock.frozen(MOVED):
        case = walk(
            register(tree.branch, by=secretary, name="赵青", applied_on=APPLIED),
            until=Step.OATH,
            secretary=secretary,
            department=district_department,
            people=people,
        )
        assert case.member is not None and case.member.status == MemberStatus.PROBATIONARY
        before = tallied()
        assert tallies.admitted(tree.branch, 2025) == 1
        transfer = transferred(
            tree,
            case.member,
            secretary=secretary,
            street=street_official,
            yaohua=yaohua_official,
            receiver=receiving_secretary,
        )

    # the case is the receiving branch's now, open, at the same step, due when the probation ends
    moved = Applicant.objects.get(pk=case.pk)
    assert (moved.organization, moved.status, moved.standing, moved.last_step) == (
        tree.yaohua_branch,
        CaseStatus.OPEN,
        Standing.PROBATIONARY,
        Step.OATH,
    )
    assert moved.next_due_on == PROBATION_ENDS
    # its history: every step kept, as done by the branch that did it; the move written down
    steps = StepRecord.objects.filter(applicant=moved)
    assert steps.count() == 20
    assert set(steps.values_list("branch_id", flat=True)) == {tree.branch.pk}
    move = CaseMove.objects.get(applicant=moved)
    assert (move.from_organization, move.to_organization, move.transfer_id, move.moved_on) == (
        tree.branch,
        tree.yaohua_branch,
        transfer.pk,
        MOVED.date(),
    )
    record = AuditRecord.objects.get(action="development.follow_transfer")
    assert record.user == receiving_secretary
    assert json.loads(record.detail)["transfer"] == transfer.pk

    # the admission stays counted where it was approved, also when the tallies are rebuilt
    assert tallied() == before
    assert tallies.admitted(tree.branch, 2025) == 1
    assert tallies.admitted(tree.yaohua_branch, 2025) == 0
    tallies.rebuild()
    assert tallied() == before

    with clock.frozen(AFTER_PROBATION):
        # counted at the receiving branch only: its pipeline and its late cases
        assert [c.applicant.pk for c in queries.branch_pipeline(tree.yaohua_branch)] == [case.pk]
        assert queries.branch_pipeline(tree.branch) == []
        assert queries.late_cases(receiving_secretary)[1] == 1
        assert queries.late_cases(secretary)[1] == 0
        yaohua_totals = queries.subtree_totals(tree.yaohua_branch)
        assert yaohua_totals.counts == {Standing.PROBATIONARY.value: 1}
        assert queries.subtree_totals(tree.branch).counts == {}

        # the sending branch no longer sees the case, nor records its steps
        with pytest.raises(NotFound):
            queries.access_applicant(secretary, case.pk)
        with pytest.raises(NotFound):
            services.record_step(
                applicant=moved,
                raw={"step": "PROBATION_EDUCATION", "done_on": "2025-10-01"},
                by=secretary,
            )
        # the receiving branch's page shows where the earlier steps were done
        page = verified_client(receiving_secretary).get(f"/development/{case.pk}/")
        text = page.content.decode()
        assert page.status_code == 200 and "随组织关系转接" in text
        assert f"随组织关系由{tree.branch.name}转至{tree.yaohua_branch.name}" in text
        assert f"{tree.branch.name}办理" in text
        assert "下一步：继续教育考察" in text
        assert verified_client(secretary).get(f"/development/{case.pk}/").status_code == 404

        # and decides 转正 there
        decided = walk(
            moved,
            until=Step.FULL_APPROVAL,
            secretary=receiving_secretary,
            department=district_department,
            people=[],
        )
    member = Member.objects.get(pk=case.member.pk)
    assert decided.standing == Standing.FULL
    assert member.status == MemberStatus.FULL and member.full_member_on == PROBATION_ENDS
    assert member.organization == tree.yaohua_branch
    full = decided.steps.get(step=Step.FULL_APPROVAL)
    assert full.branch_id is None and full.decided_by == tree.yaohua
    assert tallied() == before  # 转正 is no admission


@pytest.mark.django_db
def test_a_full_members_transfer_moves_no_case(
    tree: Tree,
    secretary: User,
    street_official: User,
    yaohua_official: User,
    receiving_secretary: User,
) -> None:
    with clock.frozen(MOVED):
        applicant = register(tree.branch, by=secretary, name="赵青", applied_on=APPLIED)
        mover = add_member(tree.branch, name="赵磊")
        transferred(
            tree,
            mover,
            secretary=secretary,
            street=street_official,
            yaohua=yaohua_official,
            receiver=receiving_secretary,
        )
    assert Applicant.objects.get(pk=applicant.pk).organization == tree.branch
    assert not CaseMove.objects.exists()


@pytest.mark.django_db
def test_a_carried_file_moves_on_and_its_steps_still_name_the_other_province(
    tree: Tree,
    secretary: User,
    street_official: User,
    yaohua_official: User,
    receiving_secretary: User,
) -> None:
    """A file carried from another province instance (development.carrying) follows a later
    transfer here as any other; its carried steps keep naming who did them there."""
    with clock.frozen(MOVED):
        member = add_member(
            tree.branch,
            name="钱芳",
            status=MemberStatus.PROBATIONARY,
            joined_on=dt.date(2025, 3, 15),
            full_member_on=None,
        )
        carried = carrying.read_file(
            {
                "version": 1,
                "organization": "某省某党支部",
                "applied_on": "2023-11-01",
                "last_step": Step.ADMISSION_APPROVAL,
                "steps": [
                    {"step": Step.ADMISSION_MEETING, "done_on": "2025-03-15"},
                    {
                        "step": Step.ADMISSION_APPROVAL,
                        "done_on": "2025-04-14",
                        "outcome": "APPROVED",
                    },
                ],
            }
        )
        case = carrying.take_carried_file(
            carried=carried,
            member=member,
            province="330000",
            from_organization="某省某党支部",
            on=MOVED.date(),
            by=None,
        )
        before = tallied()
        transferred(
            tree,
            member,
            secretary=secretary,
            street=street_official,
            yaohua=yaohua_official,
            receiver=receiving_secretary,
        )
    case.refresh_from_db()
    assert case.organization == tree.yaohua_branch and case.status == CaseStatus.OPEN
    assert (
        case.steps.count() == case.steps.filter(is_carried=True, branch__isnull=True).count() == 2
    )
    tallies.rebuild()
    assert tallied() == before == set()
