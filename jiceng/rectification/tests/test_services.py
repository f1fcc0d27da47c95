"""Confirming, planning, progress and the acceptance refused while a reason holds."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.accounts.models import User
from jiceng.core.errors import Conflict, InvalidInput, NotFound
from jiceng.rectification import detection, services
from jiceng.rectification.models import Progress, Rectification, Status
from jiceng.testing.personas import Tree, add_member

from .conftest import committee, seat_secretary

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def vacant(young_tree: Tree) -> Tree:
    """文苑社区第一党支部 has had no secretary since December; detected in May's run."""
    committee(young_tree.branch, start=dt.date(2025, 12, 1))
    detection.detect_month(202605)
    return young_tree


def planned(tree: Tree, by: User) -> Rectification:
    r = services.confirm_rectification(organization=tree.branch, by=by)
    return services.set_plan(
        rectification=r,
        by=by,
        leader=by,
        first_secretary=None,
        plan="选优配强支部书记",
        measures="街道党工委包联，每月督导",
        due_on=dt.date(2026, 9, 30),
    )


def test_the_department_confirms_a_detected_organization(
    vacant: Tree, street_official: User
) -> None:
    r = services.confirm_rectification(organization=vacant.branch, by=street_official)
    assert r.status == Status.CONFIRMED
    assert r.reasons == "书记职位空缺超过3个月（自2025年12月起）"
    with pytest.raises(Conflict, match="已在整顿中"):
        services.confirm_rectification(organization=vacant.branch, by=street_official)
    assert Rectification.objects.count() == 1


def test_an_organization_not_detected_cannot_be_confirmed(
    vacant: Tree, street_official: User
) -> None:
    with pytest.raises(InvalidInput, match="不在本月研判出的软弱涣散党组织名单中"):
        services.confirm_rectification(organization=vacant.sibling, by=street_official)
    assert not Rectification.objects.exists()


def test_another_street_cannot_confirm(vacant: Tree, yaohua_official: User) -> None:
    with pytest.raises(NotFound):
        services.confirm_rectification(organization=vacant.branch, by=yaohua_official)


def test_a_plan_without_leader_or_measures_is_refused_whole(
    vacant: Tree, street_official: User, secretary: User
) -> None:
    r = services.confirm_rectification(organization=vacant.branch, by=street_official)
    probationary = add_member(vacant.branch, name="钱预备", status="预备党员", full_member_on=None)
    with pytest.raises(InvalidInput) as refused:
        services.set_plan(
            rectification=r,
            by=street_official,
            leader=secretary,  # a branch secretary is not a department's leader
            first_secretary=probationary,
            plan="方案",
            measures=" ",
            due_on=None,
        )
    assert refused.value.fields == {
        "leader": "包联领导应为本组织或上级组织部门的账号",
        "first_secretary": "第一书记应为正式党员",
        "measures": "请填写整改措施",
    }
    r.refresh_from_db()
    assert (r.status, r.plan, r.responsible_leader_id) == (Status.CONFIRMED, "", None)


def test_acceptance_is_refused_while_the_reason_holds(vacant: Tree, street_official: User) -> None:
    r = planned(vacant, street_official)
    services.record_progress(rectification=r, by=street_official, text="已物色书记人选")
    with pytest.raises(InvalidInput, match="不能销号：以下问题仍然存在——书记职位空缺超过3个月"):
        services.accept_rectification(rectification=r, by=street_official)
    r.refresh_from_db()
    assert r.status == Status.RECTIFYING and r.accepted_at is None
    seat_secretary(vacant.branch.committees.get())
    accepted = services.accept_rectification(rectification=r, by=street_official)
    assert accepted.status == Status.ACCEPTED and accepted.accepted_by == street_official


def test_acceptance_asks_the_rules_now_not_the_stored_month(
    vacant: Tree, street_official: User
) -> None:
    """A reason arising after the monthly run still refuses the acceptance."""
    r = planned(vacant, street_official)
    c = vacant.branch.committees.get()
    seat_secretary(c)
    c.term_due = dt.date(2026, 6, 1)
    c.save()
    with pytest.raises(InvalidInput, match="委员会任期届满未按期换届"):
        services.accept_rectification(rectification=r, by=street_official)


def test_progress_needs_a_plan_and_text(vacant: Tree, street_official: User) -> None:
    r = services.confirm_rectification(organization=vacant.branch, by=street_official)
    with pytest.raises(InvalidInput, match="请先制定整顿方案"):
        services.record_progress(rectification=r, by=street_official, text="进展")
    r = planned_again(r, street_official)
    with pytest.raises(InvalidInput, match="请填写进展情况"):
        services.record_progress(rectification=r, by=street_official, text="  ")
    entry = services.record_progress(rectification=r, by=street_official, text="召开支部大会")
    assert (entry.month, Progress.objects.count()) == (202606, 1)


def planned_again(r: Rectification, by: User) -> Rectification:
    return services.set_plan(
        rectification=r,
        by=by,
        leader=by,
        first_secretary=None,
        plan="方案",
        measures="措施",
        due_on=None,
    )
