"""Each detection rule against the records it reads, per-subtree parameters, idempotence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from jiceng.accounts.models import User
from jiceng.cases.models import Case
from jiceng.cases.workflow import Satisfaction, Status
from jiceng.core import clock
from jiceng.development.models import Body, Step, StepRecord
from jiceng.dues.models import Bill
from jiceng.orglife.models import Compliance
from jiceng.orgs.models import Organization, Sector
from jiceng.rectification import detection, rules
from jiceng.rectification.models import Detection, DetectionRule, RuleKind
from jiceng.testing.development_personas import register
from jiceng.testing.personas import Tree, add, add_member

from .conftest import committee

AS_OF = dt.date(2026, 6, 10)
pytestmark = pytest.mark.usefixtures("frozen")


def params(kind: RuleKind, **changed: object) -> rules.Params:
    base = rules.DEFAULTS[kind]
    return rules.Params(**{**vars(base), **changed})


def test_secretary_post_vacant_over_three_months_is_found(tree: Tree) -> None:
    committee(tree.branch, start=dt.date(2026, 2, 1))  # no secretary since February
    committee(tree.sibling, start=dt.date(2026, 2, 1), secretary=True)
    committee(tree.yaohua_branch, start=dt.date(2026, 4, 1))  # vacant two months only
    found = detection.secretary_vacant(params(RuleKind.SECRETARY_VACANT), AS_OF, None)
    assert set(found) == {tree.branch.pk}
    assert rules.DEFAULTS[RuleKind.SECRETARY_VACANT].text(found[tree.branch.pk][1]) == (
        "书记职位空缺超过3个月（自2026年02月起）"
    )


def test_secretary_vacant_after_the_last_committee_ended(tree: Tree) -> None:
    c = committee(tree.branch, start=dt.date(2020, 1, 1), due=dt.date(2025, 1, 1))
    c.ended_on = dt.date(2025, 12, 31)
    c.save()
    found = detection.secretary_vacant(params(RuleKind.SECRETARY_VACANT), AS_OF, None)
    assert set(found) == {tree.branch.pk}


def test_term_overdue_is_found(tree: Tree) -> None:
    committee(tree.branch, start=dt.date(2021, 5, 1), due=dt.date(2026, 5, 1), secretary=True)
    committee(tree.sibling, start=dt.date(2023, 8, 1), due=dt.date(2026, 8, 1), secretary=True)
    found = detection.term_overdue(params(RuleKind.TERM_OVERDUE), AS_OF, None)
    assert set(found) == {tree.branch.pk}
    assert "应于2026-05-01换届" in found[tree.branch.pk][1]


def compliance(organization: Organization, month: int, *, missing: int, pending: int = 0) -> None:
    Compliance.objects.create(
        organization=organization,
        month=month,
        path=organization.path,
        depth=organization.depth,
        branches=1,
        missing=missing,
        pending=pending,
    )


def test_meetings_missed_three_months_running_until_the_branch_holds_them(tree: Tree) -> None:
    for month in (202603, 202604, 202605):
        compliance(tree.branch, month, missing=2)
    compliance(tree.sibling, 202603, missing=1)  # missed twice, then held
    compliance(tree.sibling, 202604, missing=0)
    compliance(tree.sibling, 202605, missing=1)
    p = params(RuleKind.MEETINGS_MISSED)
    found = detection.meetings_missed(p, AS_OF, None)
    assert set(found) == {tree.branch.pk}
    assert p.text(found[tree.branch.pk][1]) == "连续3个月未按规定开展组织生活（2026年3月起）"
    one_month = params(RuleKind.MEETINGS_MISSED, months=1)
    assert set(detection.meetings_missed(one_month, AS_OF, None)) == {
        tree.branch.pk,
        tree.sibling.pk,
    }
    compliance(tree.branch, 202606, missing=0, pending=1)  # the month still has some to hold
    assert set(detection.meetings_missed(p, AS_OF, None)) == {tree.branch.pk}
    Compliance.objects.filter(organization=tree.branch, month=202606).update(pending=0)
    assert detection.meetings_missed(p, AS_OF, None) == {}


def test_no_development_target_for_two_years(tree: Tree, secretary: User) -> None:
    village = {"founded_on": dt.date(2015, 1, 1), "sector": Sector.VILLAGE}
    Organization.objects.filter(pk__in=[tree.branch.pk, tree.sibling.pk]).update(**village)
    Organization.objects.filter(pk=tree.yaohua_branch.pk).update(
        founded_on=dt.date(2025, 1, 1), sector=Sector.VILLAGE
    )
    applicant = register(tree.sibling, by=None)
    StepRecord.objects.create(
        applicant=applicant, step=Step.CANDIDATE, done_on=dt.date(2025, 3, 1), body=Body.BRANCH
    )
    found = detection.no_development(params(RuleKind.NO_DEVELOPMENT), AS_OF, None)
    assert tree.branch.pk in found
    assert tree.sibling.pk not in found  # a development target 15 months ago
    assert tree.yaohua_branch.pk not in found  # founded 17 months ago
    assert tree.community.pk not in found  # a committee: its branches develop members
    Organization.objects.filter(pk=tree.branch.pk).update(sector=Sector.COMMUNITY)
    found = detection.no_development(params(RuleKind.NO_DEVELOPMENT), AS_OF, None)
    assert tree.branch.pk not in found  # the rule is the villages'


def test_a_development_target_counts_where_it_was_determined_after_the_file_moved(
    tree: Tree,
) -> None:
    """The file followed its member to another branch (development.following): the step stays
    the branch's that took it (StepRecord.branch), in the whole tree and under a subtree."""
    village = {"founded_on": dt.date(2015, 1, 1), "sector": Sector.VILLAGE}
    Organization.objects.filter(pk__in=[tree.branch.pk, tree.sibling.pk]).update(**village)
    applicant = register(tree.branch, by=None)
    StepRecord.objects.create(
        applicant=applicant,
        step=Step.CANDIDATE,
        done_on=dt.date(2025, 3, 1),
        body=Body.BRANCH,
        branch=tree.sibling,  # determined by the sibling before the file moved to the branch
    )
    for under in (None, tree.community.path):
        found = detection.no_development(params(RuleKind.NO_DEVELOPMENT), AS_OF, under)
        assert tree.sibling.pk not in found and tree.branch.pk in found
    found = detection.no_development(params(RuleKind.NO_DEVELOPMENT), AS_OF, tree.sibling.path)
    assert tree.sibling.pk not in found


def test_dues_arrears_over_the_share_of_members(tree: Tree) -> None:
    behind = add_member(tree.branch, name="欠缴甲")
    add_member(tree.branch, name="按时乙")
    short = add_member(tree.sibling, name="欠两月")
    for month in (202603, 202604, 202605):
        Bill.objects.create(member=behind, organization=tree.branch, month=month, amount=500)
    for month in (202604, 202605):
        Bill.objects.create(member=short, organization=tree.sibling, month=month, amount=500)
    Organization.objects.filter(pk__in=[tree.branch.pk, tree.sibling.pk]).update(member_count=2)
    p = params(RuleKind.DUES_ARREARS)
    found = detection.dues_arrears(p, AS_OF, None)
    assert set(found) == {tree.branch.pk}
    assert p.text(found[tree.branch.pk][1]) == "欠缴党费3个月以上的党员超过20%（1名，共2名党员）"
    assert detection.dues_arrears(params(RuleKind.DUES_ARREARS, threshold=50), AS_OF, None) == {}


def test_low_satisfaction_of_the_community_flags_its_organization(
    tree: Tree, submit_case: Callable[..., Case]
) -> None:
    cases = [submit_case() for _ in range(6)]
    may = dt.datetime(2026, 5, 12, 10, tzinfo=clock.CHINA)
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        community_id="320113007001",
        received_at=may,
        status=Status.RESOLVED,
        satisfaction=Satisfaction.UNSATISFIED,
    )
    Case.objects.filter(pk=cases[0].pk).update(satisfaction=Satisfaction.SATISFIED)
    p = params(RuleKind.CASES_LOW)
    found = detection.cases_low(p, AS_OF, None)
    assert set(found) == {tree.community.pk}  # the community's committee, not its branches
    assert "满意率16%" in found[tree.community.pk][1]
    assert detection.cases_low(params(RuleKind.CASES_LOW, threshold=10), AS_OF, None) == {}


def test_a_subtree_sets_its_own_parameters(tree: Tree) -> None:
    committee(tree.branch, start=dt.date(2021, 5, 1), due=dt.date(2026, 5, 1), secretary=True)
    committee(
        tree.yaohua_branch, start=dt.date(2021, 5, 1), due=dt.date(2026, 5, 1), secretary=True
    )
    DetectionRule.objects.create(
        organization=tree.xianlin,
        kind=RuleKind.TERM_OVERDUE,
        months=3,
        reason="任期届满超过{months}个月未换届",
    )
    found = {(pk, kind): reason for pk, _, kind, reason in detection.find(AS_OF)}
    assert (tree.branch.pk, RuleKind.TERM_OVERDUE) not in found  # 仙林 allows three months
    assert found[(tree.yaohua_branch.pk, RuleKind.TERM_OVERDUE)].startswith("委员会任期届满")
    DetectionRule.objects.filter(organization=tree.xianlin).update(months=0)
    found = {(pk, kind): reason for pk, _, kind, reason in detection.find(AS_OF)}
    assert found[(tree.branch.pk, RuleKind.TERM_OVERDUE)].startswith("任期届满超过0个月")
    DetectionRule.objects.filter(organization=tree.xianlin).update(is_enabled=False)
    found = {(pk, kind): reason for pk, _, kind, reason in detection.find(AS_OF)}
    assert (tree.branch.pk, RuleKind.TERM_OVERDUE) not in found


def test_detection_is_idempotent(tree: Tree) -> None:
    committee(tree.branch, start=dt.date(2025, 1, 1))
    committee(tree.sibling, start=dt.date(2021, 5, 1), due=dt.date(2026, 3, 1), secretary=True)
    first = detection.detect_month(202605)
    rows = sorted(Detection.objects.values_list("organization_id", "month", "kind", "reason"))
    second = detection.detect_month(202605)
    assert first.detections == second.detections == len(rows) > 0
    assert (
        sorted(Detection.objects.values_list("organization_id", "month", "kind", "reason")) == rows
    )
    assert (tree.branch.pk, 202605, RuleKind.SECRETARY_VACANT) in {r[:3] for r in rows}


def test_the_raw_write_gives_the_rows_the_orm_wrote(tree: Tree) -> None:
    """detect_month writes with one DELETE and an executemany: the month's rows are the ones
    the ORM's bulk_create of model instances wrote before (each rule firing, several reasons
    for one organization), a stale row of the month goes, another month's rows stay."""
    committee(tree.branch, start=dt.date(2021, 1, 1), due=dt.date(2026, 3, 1))  # two reasons
    committee(tree.sibling, start=dt.date(2021, 5, 1), due=dt.date(2026, 3, 1), secretary=True)
    for month in (202602, 202603, 202604):
        compliance(tree.branch, month, missing=2)
        compliance(tree.yaohua_branch, month, missing=1)
    behind = add_member(tree.sibling, name="欠缴甲")
    for month in (202602, 202603, 202604):
        Bill.objects.create(member=behind, organization=tree.sibling, month=month, amount=500)
    Organization.objects.filter(pk=tree.sibling.pk).update(member_count=1)
    Organization.objects.filter(pk=tree.yaohua_branch.pk).update(
        founded_on=dt.date(2015, 1, 1), sector=Sector.VILLAGE
    )
    as_of = dt.date(2026, 5, 1)
    found = detection.find(as_of)
    orm = [
        Detection(organization_id=pk, month=202604, kind=kind, reason=reason, path=path)
        for pk, path, kind, reason in found
    ]
    Detection.objects.bulk_create(orm)  # the writer before
    columns = ("organization_id", "month", "kind", "reason", "path")
    before = sorted(Detection.objects.values_list(*columns))
    assert {kind for _, _, kind, _, _ in before} >= {
        RuleKind.SECRETARY_VACANT,
        RuleKind.TERM_OVERDUE,
        RuleKind.MEETINGS_MISSED,
        RuleKind.NO_DEVELOPMENT,
        RuleKind.DUES_ARREARS,
    }
    Detection.objects.filter(organization=tree.branch, kind=RuleKind.TERM_OVERDUE).update(
        reason="旧的原因"
    )
    Detection.objects.create(
        organization=tree.community, month=202604, kind=RuleKind.CASES_LOW, reason="旧", path="x"
    )
    other = Detection.objects.create(
        organization=tree.branch, month=202603, kind=RuleKind.CASES_LOW, reason="上月", path="y"
    )
    result = detection.detect_month(202604)
    after = sorted(Detection.objects.filter(month=202604).values_list(*columns))
    assert after == before
    assert result.detections == len(before)
    assert result.organizations == len({row[0] for row in before})
    assert Detection.objects.filter(month=202603).get() == other


def test_detection_reads_the_tree_in_a_fixed_number_of_queries(
    tree: Tree, django_assert_max_num_queries: Any
) -> None:
    """Set-based: more organizations, the same queries."""
    for i in range(12):
        branch = add(tree.community, name=f"第{i}支部", kind="BRANCH", sector="COMMUNITY")
        committee(branch, start=dt.date(2025, 1, 1))
    with django_assert_max_num_queries(20):
        result = detection.detect_month(202605)
    assert result.organizations >= 12


def test_the_command_and_the_periodic_task_run_the_detection(tree: Tree) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from jiceng.core.scheduler import PERIODIC_TASKS
    from jiceng.rectification.tasks import detect_weak_organizations

    committee(tree.branch, start=dt.date(2025, 1, 1))
    out = StringIO()
    call_command("detect-weak-organizations", "--month", "2026-04", stdout=out)
    assert out.getvalue().startswith("2026年4月：研判出")
    assert Detection.objects.filter(month=202604, organization=tree.branch).exists()
    with pytest.raises(CommandError, match="月份格式应为 2026-03"):
        call_command("detect-weak-organizations", "--month", "2026-13")
    assert PERIODIC_TASKS["weak_organizations"].endswith("detect_weak_organizations")
    detect_weak_organizations.call()  # the last complete month: May
    assert Detection.objects.filter(month=202605, organization=tree.branch).exists()
