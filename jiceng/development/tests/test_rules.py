"""The development rules as pure data and arithmetic (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.core.errors import InvalidInput
from jiceng.development import rules
from jiceng.development.models import Outcome, RuleKind, Stage, Step, Unit
from jiceng.orgs.models import OrgKind, Sector

D = dt.date
TODAY = D(2026, 12, 1)
BIRTH = D(1995, 5, 1)
RULES = rules.NATIONAL_TIME_RULES


def facts(last: Step | None, **dates: dt.date) -> rules.Facts:
    return rules.Facts(last=last, birth_date=BIRTH, dates={Step(k): v for k, v in dates.items()})


def refusal(data: rules.StepInput, f: rules.Facts, time_rules=RULES) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        rules.check_step(data, facts=f, rules=time_rules, today=TODAY)
    return caught.value.fields


def test_five_stages_and_twenty_five_steps_in_order() -> None:
    assert len(rules.STEPS) == 25
    assert [s.order for s in rules.STEPS] == list(range(1, 26))
    assert {s.stage for s in rules.STEPS} == set(Stage)
    assert rules.STEPS[0].step == Step.APPLY and rules.STEPS[-1].step == Step.ARCHIVED
    assert [s.step for s in rules.STEPS if s.approval] == [
        Step.PRE_REVIEW,
        Step.ADMISSION_APPROVAL,
        Step.FULL_APPROVAL,
    ]
    assert rules.next_step(None) == Step.APPLY
    assert rules.next_step(Step.ARCHIVED) is None


def test_an_applicant_under_eighteen_is_refused_with_the_rule() -> None:
    young = rules.Facts(last=None, birth_date=D(2009, 1, 10))
    fields = refusal(rules.StepInput(Step.APPLY, D(2026, 11, 1)), young)
    assert "年满十八岁" in fields["done_on"] and "2027-01-10" in fields["done_on"]
    rules.check_step(
        rules.StepInput(Step.APPLY, D(2026, 11, 1)),
        facts=rules.Facts(last=None, birth_date=D(2008, 11, 1)),
        rules=RULES,
        today=TODAY,
    )


def test_a_step_out_of_order_or_dated_before_the_last_is_refused() -> None:
    f = facts(Step.APPLY, APPLY=D(2026, 3, 1))
    assert (
        "下一步是“党组织派人谈话”"
        in refusal(rules.StepInput(Step.ACTIVIST, D(2026, 4, 1)), f)["step"]
    )
    assert "不能早于上一步" in refusal(rules.StepInput(Step.TALK, D(2026, 2, 1)), f)["done_on"]
    assert "晚于今天" in refusal(rules.StepInput(Step.TALK, D(2026, 12, 2)), f)["done_on"]


def test_an_activist_becomes_a_target_after_a_full_year_only() -> None:
    f = facts(Step.EDUCATION, ACTIVIST=D(2025, 3, 15), EDUCATION=D(2025, 9, 1))
    fields = refusal(rules.StepInput(Step.CANDIDATE, D(2026, 3, 14)), f)
    assert "一年以上培养教育和考察" in fields["done_on"] and "2026-03-15" in fields["done_on"]
    rules.check_step(
        rules.StepInput(Step.CANDIDATE, D(2026, 3, 15)), facts=f, rules=RULES, today=TODAY
    )


def full(i: int) -> rules.Person:
    return rules.Person(i, f"党员{i}", True)


def test_two_introducers_who_are_full_members() -> None:
    f = facts(Step.CANDIDATE_FILED, CANDIDATE_FILED=D(2026, 5, 1))
    one = refusal(rules.StepInput(Step.INTRODUCERS, D(2026, 5, 2), people=(full(1),)), f)
    assert one["people"] == "应确定2名入党介绍人，现为1名"
    probationary = rules.Person(3, "王预备", False)
    fields = refusal(
        rules.StepInput(Step.INTRODUCERS, D(2026, 5, 2), people=(full(1), probationary)), f
    )
    assert "须是正式党员" in fields["people"] and "王预备" in fields["people"]
    twice = refusal(rules.StepInput(Step.INTRODUCERS, D(2026, 5, 2), people=(full(1), full(1))), f)
    assert "不能重复" in twice["people"]


def test_one_or_two_contacts() -> None:
    f = facts(Step.ACTIVIST_FILED, ACTIVIST_FILED=D(2026, 5, 1))
    assert "1至2名培养联系人" in refusal(rules.StepInput(Step.CONTACTS, D(2026, 5, 2)), f)["people"]
    three = (full(1), full(2), full(3))
    assert (
        "现为3名"
        in refusal(rules.StepInput(Step.CONTACTS, D(2026, 5, 2), people=three), f)["people"]
    )


def test_training_of_three_days_or_twenty_four_hours() -> None:
    f = facts(Step.POLITICAL_REVIEW, POLITICAL_REVIEW=D(2026, 5, 1))
    assert (
        "24个学时"
        in refusal(rules.StepInput(Step.TRAINING, D(2026, 5, 9), hours=20, days=2), f)["hours"]
    )
    for hours, days in ((24, None), (None, 3)):
        rules.check_step(
            rules.StepInput(Step.TRAINING, D(2026, 5, 9), hours=hours, days=days),
            facts=f,
            rules=RULES,
            today=TODAY,
        )


def test_a_general_meeting_passes_with_more_than_half_of_the_voters() -> None:
    f = facts(Step.APPLICATION_FORM, APPLICATION_FORM=D(2026, 6, 1))
    half = rules.StepInput(
        Step.ADMISSION_MEETING, D(2026, 6, 5), outcome=Outcome.APPROVED, votes_for=10, voters=20
    )
    assert "超过应到会有表决权的正式党员的半数" in refusal(half, f)["votes_for"]
    passed = rules.StepInput(
        Step.ADMISSION_MEETING, D(2026, 6, 5), outcome=Outcome.APPROVED, votes_for=11, voters=20
    )
    rules.check_step(passed, facts=f, rules=RULES, today=TODAY)


@pytest.mark.parametrize(
    ("kind", "sector", "words"),
    [
        (OrgKind.GENERAL_BRANCH, "", "党总支不能审批"),
        (OrgKind.COMMITTEE, Sector.VILLAGE, "村、社区党组织不能审批"),
        (OrgKind.COMMITTEE, Sector.COMMUNITY, "村、社区党组织不能审批"),
        (OrgKind.BRANCH, Sector.COMMUNITY, "党支部不能审批"),
    ],
)
def test_bodies_that_may_not_approve_admission(kind: str, sector: str, words: str) -> None:
    f = facts(Step.ADMISSION_TALK, ADMISSION_MEETING=D(2026, 6, 5), ADMISSION_TALK=D(2026, 6, 20))
    data = rules.StepInput(
        Step.ADMISSION_APPROVAL,
        D(2026, 7, 1),
        outcome=Outcome.APPROVED,
        approver_kind=kind,
        approver_sector=sector,
        approver_is_above=True,
    )
    assert words in refusal(data, f)["decided_by"]
    assert rules.approver_problem(OrgKind.WORKING_COMMITTEE, "") is None
    assert rules.approver_problem(OrgKind.COMMITTEE, Sector.STATE_ENTERPRISE) is None


def test_approval_is_due_in_three_months_and_refused_after_six() -> None:
    meeting = D(2026, 1, 10)
    f = facts(Step.ADMISSION_TALK, ADMISSION_MEETING=meeting, ADMISSION_TALK=D(2026, 1, 20))
    due = rules.next_due(last=Step.ADMISSION_TALK, dates=f.dates, rules=RULES)
    assert due is not None and due.on == D(2026, 4, 10) and "三个月内" in due.text
    late = rules.StepInput(
        Step.ADMISSION_APPROVAL,
        D(2026, 7, 11),
        outcome=Outcome.APPROVED,
        approver_kind=OrgKind.WORKING_COMMITTEE,
        approver_is_above=True,
    )
    assert "不得超过六个月" in refusal(late, f)["done_on"]


def test_probation_of_a_year_extended_once_by_six_to_twelve_months() -> None:
    joined = D(2025, 3, 1)
    f = facts(Step.FULL_APPLICATION, ADMISSION_MEETING=joined, FULL_APPLICATION=D(2026, 2, 20))
    early = rules.StepInput(
        Step.FULL_MEETING, D(2026, 2, 28), outcome=Outcome.FULL, votes_for=5, voters=6
    )
    assert "预备期为一年" in refusal(early, f)["done_on"]
    f2 = facts(Step.FULL_MEETING, ADMISSION_MEETING=joined, FULL_MEETING=D(2026, 3, 2))
    extend = rules.StepInput(
        Step.FULL_APPROVAL,
        D(2026, 3, 20),
        outcome=Outcome.EXTEND,
        months=3,
        approver_kind=OrgKind.WORKING_COMMITTEE,
        approver_is_above=True,
    )
    assert "不能少于6个月" in refusal(extend, f2)["months"]
    again = rules.Facts(last=Step.FULL_MEETING, birth_date=BIRTH, dates=f2.dates, extended_months=6)
    twice = rules.StepInput(
        Step.FULL_APPROVAL,
        D(2026, 3, 20),
        outcome=Outcome.EXTEND,
        months=6,
        approver_kind=OrgKind.WORKING_COMMITTEE,
        approver_is_above=True,
    )
    assert "只能延长一次" in refusal(twice, again)["outcome"]
    # extended by six months: the application is due and the vote allowed six months later
    due = rules.next_due(
        last=Step.PROBATION_EDUCATION,
        dates={Step.ADMISSION_MEETING: joined},
        rules=RULES,
        extended_months=6,
    )
    assert due is not None and due.on == D(2026, 9, 1)


def test_the_strictest_rule_covering_a_branch_binds() -> None:
    province = rules.TimeRule(
        Step.APPLY, Step.TALK, RuleKind.DUE, 15, Unit.DAY, "本省：收到申请书后15日内谈话"
    )
    loose = rules.TimeRule(Step.APPLY, Step.TALK, RuleKind.DUE, 2, Unit.MONTH, "放宽的规定")
    due = rules.next_due(
        last=Step.APPLY, dates={Step.APPLY: D(2026, 3, 1)}, rules=[*RULES, province, loose]
    )
    assert due == rules.Due(D(2026, 3, 16), "本省：收到申请书后15日内谈话")
    longer = rules.TimeRule(
        Step.ACTIVIST, Step.CANDIDATE, RuleKind.MIN, 18, Unit.MONTH, "本省：积极分子培养一年半以上"
    )
    f = facts(Step.EDUCATION, ACTIVIST=D(2024, 3, 1), EDUCATION=D(2024, 9, 1))
    fields = refusal(rules.StepInput(Step.CANDIDATE, D(2025, 6, 1)), f, [*RULES, longer])
    assert "一年半以上" in fields["done_on"]


def test_add_months_keeps_the_day_or_the_month_end() -> None:
    assert rules.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert rules.add_months(D(2024, 11, 30), 3) == D(2025, 2, 28)
    assert rules.add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
