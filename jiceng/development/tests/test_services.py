"""Recording the development of a member against the database: each step's row, the case's
move, refusals that write nothing, the member's record at admission and full membership."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.development import queries, services, tallies
from jiceng.development.models import (
    Applicant,
    CaseStatus,
    RuleKind,
    Standing,
    Step,
    StepRecord,
    Unit,
)
from jiceng.development.rules import add_months as rules_add_months
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import OrgKind
from jiceng.testing.development_personas import DAYS, register, step_fields, walk
from jiceng.testing.personas import Tree, add, add_member

TODAY = dt.datetime(2026, 6, 1, 10, tzinfo=clock.CHINA)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def people(tree: Tree) -> list[Member]:
    return [add_member(tree.branch, name=n) for n in ("周敏", "吴刚")]


def test_registering_an_applicant_keeps_the_numbers_sealed_and_masked(
    tree: Tree, secretary: User
) -> None:
    applicant = register(tree.branch, by=secretary, name="赵青")
    assert applicant.id_number_masked == "320113************"
    assert applicant.phone_masked == "139****5678"
    assert b"13912345678" not in bytes(applicant.phone_sealed or b"")
    assert applicant.standing == Standing.APPLICANT and applicant.last_step == Step.APPLY
    # a talk is due within a month of the application
    assert applicant.next_due_on == dt.date(2023, 12, 1)
    assert list(applicant.steps.values_list("step", flat=True)) == [Step.APPLY]


def test_a_number_already_applying_or_a_member_is_refused(tree: Tree, secretary: User) -> None:
    member = add_member(tree.branch, name="钱进")
    from jiceng.core import crypto

    number = crypto.unseal(member.id_number_sealed, field="id_number")
    with pytest.raises(InvalidInput) as caught:
        register(tree.branch, by=secretary, id_number=number)
    assert "已在系统中登记" in caught.value.fields["id_number"]
    first = register(tree.branch, by=secretary)
    number = crypto.unseal(first.id_number_sealed, field="id_number")
    with pytest.raises(InvalidInput):
        register(tree.branch, by=secretary, id_number=number)
    assert Applicant.objects.count() == 1


def test_an_applicant_under_eighteen_is_refused(tree: Tree, secretary: User) -> None:
    from jiceng.testing.personas import new_id_number

    with pytest.raises(InvalidInput) as caught:
        register(
            tree.branch,
            by=secretary,
            id_number=new_id_number(birth=dt.date(2009, 3, 1)),
            applied_on=dt.date(2026, 5, 1),
        )
    assert "年满十八岁" in caught.value.fields["applied_on"]
    assert not Applicant.objects.exists()


def test_steps_move_the_standing_and_a_late_case_shows(
    tree: Tree, secretary: User, people: list[Member]
) -> None:
    applicant = register(tree.branch, by=secretary)
    applicant = walk(
        applicant, until=Step.ACTIVIST, secretary=secretary, department=None, people=people
    )
    assert applicant.standing == Standing.ACTIVIST
    # assessed every half year: due six months after being named activist, long past
    assert applicant.next_due_on == dt.date(2024, 6, 30)
    late, count = queries.late_cases(secretary)
    assert [a.pk for a in late] == [applicant.pk] and count == 1
    assert StepRecord.objects.filter(applicant=applicant).count() == 3


def test_a_refused_step_writes_nothing(tree: Tree, secretary: User, people: list[Member]) -> None:
    applicant = register(tree.branch, by=secretary)
    applicant = walk(
        applicant, until=Step.CANDIDATE_FILED, secretary=secretary, department=None, people=people
    )
    raw = step_fields(Step.INTRODUCERS, applicant.applied_on, people[:1])
    with pytest.raises(InvalidInput) as caught:
        services.record_step(applicant=applicant, raw=raw, by=secretary)
    assert caught.value.fields["people"] == "应确定2名入党介绍人，现为1名"
    applicant.refresh_from_db()
    assert applicant.last_step == Step.CANDIDATE_FILED
    assert not StepRecord.objects.filter(step=Step.INTRODUCERS).exists()


def test_a_target_needs_a_year_as_activist(
    tree: Tree, secretary: User, people: list[Member]
) -> None:
    applicant = register(tree.branch, by=secretary)
    applicant = walk(
        applicant, until=Step.EDUCATION, secretary=secretary, department=None, people=people
    )
    raw = {"step": Step.CANDIDATE, "done_on": applicant.applied_on + dt.timedelta(days=300)}
    with pytest.raises(InvalidInput) as caught:
        services.record_step(applicant=applicant, raw=raw, by=secretary)
    assert "一年以上培养教育和考察" in caught.value.fields["done_on"]


def test_a_secretary_may_not_record_the_approval(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    applicant = register(tree.branch, by=secretary)
    applicant = walk(
        applicant, until=Step.COMMITTEE_REVIEW, secretary=secretary, department=None, people=people
    )
    raw = step_fields(Step.PRE_REVIEW, applicant.applied_on, people)
    with pytest.raises(InvalidInput) as caught:
        services.record_step(applicant=applicant, raw=raw, by=secretary)
    assert "审批权限" in caught.value.message
    assert not queries.may_record(secretary, applicant)
    assert queries.may_record(district_department, applicant)


def test_a_community_committee_or_a_general_branch_may_not_approve(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    applicant = register(tree.branch, by=secretary)
    applicant = walk(
        applicant, until=Step.COMMITTEE_REVIEW, secretary=secretary, department=None, people=people
    )
    raw = {
        **step_fields(Step.PRE_REVIEW, applicant.applied_on, people),
        "decided_by": tree.community.pk,
    }
    with pytest.raises(InvalidInput) as caught:
        services.record_step(applicant=applicant, raw=raw, by=district_department)
    assert "村、社区党组织不能审批" in caught.value.fields["decided_by"]
    general = add(tree.xianlin, name="某机关党总支", kind=OrgKind.GENERAL_BRANCH)
    branch = add(general, name="某机关第一党支部", kind=OrgKind.BRANCH)
    other = register(branch, by=district_department, name="孙立")
    other_people = [add_member(branch, name=n) for n in ("甲", "乙")]
    other = walk(
        other,
        until=Step.COMMITTEE_REVIEW,
        secretary=district_department,
        department=None,
        people=other_people,
    )
    raw = {**step_fields(Step.PRE_REVIEW, other.applied_on, other_people), "decided_by": general.pk}
    with pytest.raises(InvalidInput) as caught:
        services.record_step(applicant=other, raw=raw, by=district_department)
    assert "党总支不能审批" in caught.value.fields["decided_by"]
    # by default, the nearest body that may: the street's working committee
    assert services.default_approver(tree.branch) == tree.xianlin
    # a street's department does not record the district committee's decision
    street = add_user_for_street(tree)
    raw = {
        **step_fields(Step.PRE_REVIEW, other.applied_on, other_people),
        "decided_by": tree.district.pk,
    }
    with pytest.raises(InvalidInput) as caught:
        services.record_step(applicant=other, raw=raw, by=street)
    assert caught.value.fields["decided_by"] == "审批的党组织不在您的管理范围内"


def test_admission_approved_makes_a_probationary_member(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    applicant = register(tree.branch, by=secretary, name="赵青")
    applicant = walk(
        applicant,
        until=Step.ADMISSION_APPROVAL,
        secretary=secretary,
        department=district_department,
        people=people,
    )
    assert applicant.standing == Standing.PROBATIONARY
    member = applicant.member
    assert member is not None and member.status == MemberStatus.PROBATIONARY
    assert member.joined_on == applicant.applied_on + dt.timedelta(DAYS[Step.ADMISSION_MEETING])
    assert member.id_number_digest == applicant.id_number_digest
    assert member.events.get().move == "ADMIT"
    approval = applicant.steps.get(step=Step.ADMISSION_APPROVAL)
    assert approval.decided_by == tree.xianlin
    assert queries.plan_progress(tree.district, approval.done_on.year).admitted == 1


def test_full_membership_through_the_member_lifecycle(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    applicant = register(tree.branch, by=secretary)
    applicant = walk(
        applicant,
        until=Step.ARCHIVED,
        secretary=secretary,
        department=district_department,
        people=people,
    )
    assert applicant.status == CaseStatus.DONE and applicant.standing == Standing.FULL
    assert applicant.member_id is not None
    member = Member.objects.get(pk=applicant.member_id)
    assert member.status == MemberStatus.FULL
    # 党龄 from the end of the year's probation
    joined = applicant.applied_on + dt.timedelta(DAYS[Step.ADMISSION_MEETING])
    assert member.full_member_on == joined.replace(year=joined.year + 1)


def test_two_secretaries_recording_at_once_one_wins(
    tree: Tree, secretary: User, people: list[Member]
) -> None:
    applicant = register(tree.branch, by=secretary)
    stale = Applicant.objects.get(pk=applicant.pk)
    services.record_step(
        applicant=applicant, raw=step_fields(Step.TALK, applicant.applied_on, people), by=secretary
    )
    # the second read the case before the first wrote: its step is refused, nothing doubled
    with pytest.raises((Conflict, InvalidInput)):
        services.record_step(
            applicant=stale, raw=step_fields(Step.TALK, stale.applied_on, people), by=secretary
        )
    assert StepRecord.objects.filter(step=Step.TALK).count() == 1


def test_the_conditional_update_refuses_a_move_from_a_step_already_left(
    tree: Tree, secretary: User, people: list[Member], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race itself: both checked the case at 递交入党申请书; the second one's UPDATE
    finds the case moved on and gets Conflict."""
    applicant = register(tree.branch, by=secretary)
    real = services.check_step_input

    def check_then_race(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        Applicant.objects.filter(pk=applicant.pk).update(last_step=Step.TALK)
        return found

    monkeypatch.setattr(services, "check_step_input", check_then_race)
    with pytest.raises(Conflict):
        services.record_step(
            applicant=applicant,
            raw=step_fields(Step.TALK, applicant.applied_on, people),
            by=secretary,
        )
    assert not StepRecord.objects.filter(step=Step.TALK).exists()


def test_a_province_tightens_a_rule_for_its_subtree_only(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    services.add_time_rule(
        organization=tree.district,
        from_step=Step.APPLY,
        to_step=Step.TALK,
        kind=RuleKind.DUE,
        amount=15,
        unit=Unit.DAY,
        text="本区：收到入党申请书后15日内谈话",
        by=district_department,
    )
    applicant = register(tree.branch, by=secretary)
    assert applicant.next_due_on == applicant.applied_on + dt.timedelta(days=15)
    with pytest.raises(InvalidInput) as caught:
        services.add_time_rule(
            organization=tree.district,
            from_step=Step.APPLY,
            to_step=Step.TALK,
            kind=RuleKind.DUE,
            amount=2,
            unit=Unit.MONTH,
            text="放宽",
            by=district_department,
        )
    assert "只能从严" in caught.value.message


def test_the_yearly_plan_is_set_by_the_department_only(
    tree: Tree, secretary: User, district_department: User
) -> None:
    services.set_plan(organization=tree.district, year=2026, planned=40, by=district_department)
    assert queries.plan_progress(tree.district, 2026).planned == 40
    from jiceng.core.errors import NotFound

    with pytest.raises(NotFound):
        services.set_plan(organization=tree.branch, year=2026, planned=3, by=secretary)


def test_the_department_pipeline_counts_by_branch(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    register(tree.branch, by=secretary, name="甲")
    walk(
        register(tree.branch, by=secretary, name="乙"),
        until=Step.ACTIVIST,
        secretary=secretary,
        department=None,
        people=people,
    )
    register(tree.yaohua_branch, by=district_department, name="丙")
    rows = queries.pipeline_of(queries.branches_under(tree.district))
    assert [(r.name, r.counts, r.late) for r in rows] == [
        ("文苑社区第一党支部", {"APPLICANT": 1, "ACTIVIST": 1}, 2),
        ("文苑社区第二党支部", {}, 0),
        ("尧化社区党支部", {"APPLICANT": 1}, 1),
    ]
    total = queries.subtree_totals(tree.district)
    assert (total.counts, total.late) == ({"APPLICANT": 2, "ACTIVIST": 1}, 3)
    assert queries.applicants_for(secretary).count() == 2


def test_an_extended_probation_is_voted_on_again_and_ends_later(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    applied = dt.date(2022, 6, 1)
    applicant = register(tree.branch, by=secretary, applied_on=applied)
    applicant = walk(
        applicant,
        until=Step.FULL_MEETING,
        secretary=secretary,
        department=district_department,
        people=people,
    )
    raw = {
        **step_fields(Step.FULL_APPROVAL, applied, people),
        "outcome": "EXTEND",
        "months": 6,
    }
    with pytest.raises(InvalidInput) as caught:
        services.record_step(applicant=applicant, raw=raw, by=district_department)
    assert caught.value.fields["decision"] == "延长预备期须填写决定机关及文号"
    raw["decision"] = "栖霞区仙林街道党工委 仙党〔2024〕12号"
    applicant = services.record_step(applicant=applicant, raw=raw, by=district_department)
    assert applicant.last_step == Step.PROBATION_EDUCATION and applicant.extended_months == 6
    assert applicant.member is not None
    member = applicant.member
    assert member.probation_extended_months == 6 and member.status == MemberStatus.PROBATIONARY
    joined = member.joined_on
    # the vote again: not before eighteen months from the admission meeting
    early = {
        **step_fields(Step.FULL_APPLICATION, applied, people),
        "done_on": joined.replace(year=joined.year + 1) + dt.timedelta(days=60),
    }
    applicant = services.record_step(applicant=applicant, raw=early, by=secretary)
    too_soon = {**step_fields(Step.FULL_MEETING, applied, people), "done_on": early["done_on"]}
    with pytest.raises(InvalidInput) as caught:
        services.record_step(applicant=applicant, raw=too_soon, by=secretary)
    assert "预备期" in caught.value.fields["done_on"]
    ends = rules_add_months(joined, 18)
    meeting = {**too_soon, "done_on": ends + dt.timedelta(days=5)}
    applicant = services.record_step(applicant=applicant, raw=meeting, by=secretary)
    approval = {
        **step_fields(Step.FULL_APPROVAL, applied, people),
        "done_on": ends + dt.timedelta(days=20),
    }
    applicant = services.record_step(applicant=applicant, raw=approval, by=district_department)
    member.refresh_from_db()
    assert member.status == MemberStatus.FULL and member.full_member_on == ends
    assert applicant.steps.filter(step=Step.FULL_APPROVAL).count() == 2


def test_a_disqualified_probationary_member_ends_the_case(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    applicant = walk(
        register(tree.branch, by=secretary),
        until=Step.FULL_MEETING,
        secretary=secretary,
        department=district_department,
        people=people,
    )
    raw = {
        **step_fields(Step.FULL_APPROVAL, applicant.applied_on, people),
        "outcome": "DISQUALIFY",
        "decision": "仙林街道党工委 仙党〔2025〕3号",
    }
    applicant = services.record_step(applicant=applicant, raw=raw, by=district_department)
    assert applicant.status == CaseStatus.CLOSED and applicant.next_due_on is None
    assert applicant.member is not None
    member = Member.objects.get(pk=applicant.member.pk)
    assert member.status != MemberStatus.PROBATIONARY
    last = member.events.order_by("-pk").first()
    assert last is not None and last.move == "DISQUALIFY"


def add_user_for_street(tree: Tree) -> User:
    from jiceng.accounts.models import Role
    from jiceng.testing.personas import user_with

    return user_with("xianlin-zzb", Role.ORGANIZATION_DEPARTMENT, organization=tree.xianlin)


def counted_admissions(organization: Any, year: int) -> int:
    """The subtree's admissions of the year counted straight from the step records."""
    return StepRecord.objects.filter(
        applicant__organization__path__startswith=organization.path,
        step=Step.ADMISSION_APPROVAL,
        outcome="APPROVED",
        done_on__year=year,
    ).count()


def test_admission_tallies_agree_with_the_step_records_everywhere(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    """The tallies kept by each approval, and those rebuilt from the records, give at every
    organization what a plain count of the subtree's approved admissions gives."""
    for name in ("赵青", "钱红"):
        walk(
            register(tree.branch, by=secretary, name=name),
            until=Step.ADMISSION_APPROVAL,
            secretary=secretary,
            department=district_department,
            people=people,
        )
    year = StepRecord.objects.get(step=Step.ADMISSION_APPROVAL, applicant__name="赵青").done_on.year
    organizations = [
        tree.root, tree.province, tree.city, tree.district, tree.xianlin, tree.community,
        tree.branch, tree.sibling, tree.yaohua, tree.yaohua_branch,
    ]  # fmt: skip
    kept = [queries.plan_progress(o, year).admitted for o in organizations]
    assert kept == [counted_admissions(o, year) for o in organizations]
    assert kept[0] == 2 and kept[-1] == 0
    tallies.rebuild()
    assert [queries.plan_progress(o, year).admitted for o in organizations] == kept


def test_awaiting_approval_lists_the_earliest_deadlines_of_every_step(
    tree: Tree, secretary: User, district_department: User, people: list[Member]
) -> None:
    waiting = []
    for name, until in (("甲", Step.COMMITTEE_REVIEW), ("乙", Step.ADMISSION_TALK)):
        waiting.append(
            walk(
                register(tree.branch, by=secretary, name=name),
                until=until,
                secretary=secretary,
                department=district_department,
                people=people,
            )
        )
    register(tree.branch, by=secretary, name="丙")  # an applicant: nothing to approve
    found, count = queries.awaiting_approval(district_department, limit=5)
    assert count == 2
    assert sorted(a.name for a in found) == ["乙", "甲"]
    # the order one ORDER BY over all of them gives, NULL placed as the database places it
    expected = Applicant.objects.filter(pk__in=[a.pk for a in waiting]).order_by(
        "next_due_on", "pk"
    )
    assert [a.pk for a in found] == [a.pk for a in expected]
    assert queries.awaiting_approval(district_department, limit=1)[0] == found[:1]


@pytest.mark.parametrize("few", [50, 0])  # a branch's reach read by organization, or by deadline
def test_late_and_coming_cases_are_the_same_read_either_way(
    tree: Tree, secretary: User, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    monkeypatch.setattr(queries, "FEW_ORGANIZATIONS", few)
    today = dt.date(2026, 6, 10)
    deadlines = [  # two late, two within the fortnight, one beyond it, one of a closed case
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 9),
        dt.date(2026, 6, 10),
        dt.date(2026, 6, 24),
        dt.date(2026, 6, 25),
        dt.date(2026, 5, 1),
    ]
    made = [register(tree.branch, by=secretary) for _ in deadlines]
    for applicant, due in zip(made, deadlines, strict=True):
        Applicant.objects.filter(pk=applicant.pk).update(next_due_on=due)
    Applicant.objects.filter(pk=made[-1].pk).update(status=CaseStatus.CLOSED)
    with clock.frozen(dt.datetime(2026, 6, 10, 9, tzinfo=clock.CHINA)):
        assert clock.today() == today
        late, late_count = queries.late_cases(secretary, limit=1)
        soon, soon_count = queries.soon_cases(secretary)
    assert [a.pk for a in late] == [made[0].pk] and late_count == 2
    assert [a.pk for a in soon] == [made[2].pk, made[3].pk] and soon_count == 2
