"""The status machine (members.workflow) and its one writer (members.lifecycle)."""

import datetime as dt
import json

import pytest
from django.test import Client

from jiceng.core import clock, crypto
from jiceng.core.errors import InvalidInput, NotFound
from jiceng.members import lifecycle, services, workflow
from jiceng.members.models import Member, MemberEvent, MemberStatus
from jiceng.members.workflow import Move
from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree, add_member, member_fields

S = MemberStatus


# -- the pure rules ----------------------------------------------------------------------------


def test_only_a_procedure_arrives_where_a_procedure_is_needed() -> None:
    procedures = {S.SUSPENDED, S.EXPELLED, S.REMOVED, S.TRANSFERRED_OUT}
    for move, (_, targets) in workflow.MOVES.items():
        if targets & procedures:
            # a decision with its body and document, a reason, or a transfer's letter
            assert move in workflow.NEEDS_DECISION | workflow.NEEDS_REASON | {Move.TRANSFER_OUT}
            assert move is not Move.CORRECT
    assert not workflow.MOVES[Move.CORRECT][1] & procedures
    for status in S:
        assert status not in workflow.TRANSITIONS[status]


@pytest.mark.parametrize(
    ("here", "there", "move"),
    [
        (S.FULL, S.LOST_CONTACT, Move.LOSE_CONTACT),
        (S.LOST_CONTACT, S.FULL, Move.RESTORE_CONTACT),
        (S.SUSPENDED, S.DECEASED, Move.DIE),
        (S.PROBATIONARY, S.FULL, Move.CORRECT),  # 转正 is the member-lifecycle issue's
        (S.DECEASED, S.FULL, Move.CORRECT),
    ],
)
def test_an_edit_of_the_status_names_its_move(here, there, move) -> None:
    assert workflow.move_between(here, there) == move
    assert workflow.check_move(move, here, there) == there


@pytest.mark.parametrize(
    ("move", "here", "there", "message"),
    [
        (Move.LOSE_CONTACT, S.DECEASED, S.LOST_CONTACT, "“已去世”的党员不能办理“失去联系”"),
        (Move.CORRECT, S.FULL, S.EXPELLED, "开除党籍须按规定程序办理"),
        (Move.CORRECT, S.FULL, S.TRANSFERRED_OUT, "已转出须按规定程序办理"),
        (Move.DIE, S.DECEASED, S.DECEASED, "党籍状态已是已去世"),
    ],
)
def test_refused_moves_say_why_in_chinese(move, here, there, message) -> None:
    with pytest.raises(workflow.MoveRefused, match=message) as refused:
        workflow.check_move(move, here, there)
    assert refused.value.fields["status"]


def test_a_correction_needs_its_reason() -> None:
    with pytest.raises(InvalidInput, match="更正党籍状态须说明原因"):
        workflow.check_reason(Move.CORRECT, "  ")
    assert workflow.check_reason(Move.DIE, "") == ""


@pytest.mark.parametrize(
    ("joined", "full", "allowed"),
    [
        (dt.date(2024, 7, 1), dt.date(2024, 8, 1), False),  # a month: the old hole
        (dt.date(2024, 7, 1), dt.date(2025, 6, 30), False),
        (dt.date(2024, 7, 1), dt.date(2025, 7, 1), True),
        (dt.date(2020, 1, 15), dt.date(2021, 1, 14), False),  # 365 days across 29 February
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28), False),
        (dt.date(2024, 2, 29), dt.date(2025, 3, 1), True),
    ],
)
def test_probation_lasts_a_calendar_year(joined, full, allowed) -> None:
    assert (workflow.probation_problem(joined, full) is None) is allowed


# -- registration and edits --------------------------------------------------------------------


def test_a_full_member_a_month_after_joining_is_refused(tree: Tree) -> None:
    with clock.frozen(dt.datetime(2026, 6, 1, 9, 0)), pytest.raises(InvalidInput) as refused:
        services.check_member_input(
            member_fields(joined_on=dt.date(2026, 3, 1), full_member_on=dt.date(2026, 4, 1)),
            organization=tree.branch,
        )
    assert "预备期为一年，转正日期不能早于2027-03-01" in refused.value.fields["full_member_on"]


def test_the_api_refuses_a_full_member_a_month_after_joining(tree: Tree, secretary) -> None:
    client = Client()
    client.force_login(secretary)
    body = {
        "name": "赵敏",
        "id_number": member_fields()["id_number"],
        "category": "EMPLOYED",
        "joined_on": "2025-05-01",
        "full_member_on": "2025-06-01",
        "status": "FULL",
        "organization_id": tree.branch.pk,
    }
    response = client.post("/api/v1/members", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "预备期为一年" in response.json()["detail"]
    assert not Member.objects.exists()


def test_the_api_patch_changes_status_through_the_machine(tree: Tree, secretary) -> None:
    member = add_member(tree.branch, status="预备党员", full_member_on=None)
    client = Client()
    client.force_login(secretary)
    url = f"/api/v1/members/{member.pk}"
    early = {"status": "FULL", "full_member_on": "2010-08-01", "status_reason": "漏录"}
    response = client.patch(url, json.dumps(early), content_type="application/json")
    assert response.status_code == 400 and "预备期为一年" in response.json()["detail"]
    no_reason = {"status": "FULL", "full_member_on": "2011-07-01"}
    response = client.patch(url, json.dumps(no_reason), content_type="application/json")
    assert response.status_code == 400 and "须说明原因" in response.json()["detail"]
    expelled = {"status": "EXPELLED", "status_reason": "x"}
    response = client.patch(url, json.dumps(expelled), content_type="application/json")
    assert response.status_code == 400 and "须按规定程序办理" in response.json()["detail"]
    assert not MemberEvent.objects.exclude(move="REGISTER").exists()
    assert Member.objects.get(pk=member.pk).status == S.PROBATIONARY
    lost = {"status": "LOST_CONTACT"}
    response = client.patch(url, json.dumps(lost), content_type="application/json")
    assert response.status_code == 200, response.content
    event = MemberEvent.objects.exclude(move="REGISTER").get()
    assert (event.move, event.from_status, event.to_status, event.by) == (
        "LOSE_CONTACT",
        "PROBATIONARY",
        "LOST_CONTACT",
        secretary,
    )


# -- the moves of the member page --------------------------------------------------------------


def test_lost_contact_and_back_keep_the_rollups(tree: Tree, secretary) -> None:
    member = add_member(tree.branch)
    lost = lifecycle.change_status(
        member=member,
        move=Move.LOSE_CONTACT,
        on=dt.date(2025, 3, 1),
        reason="电话停机",
        by=secretary,
    )
    assert lost.status == S.LOST_CONTACT
    branch = Organization.objects.get(pk=tree.branch.pk)
    assert (branch.member_count, branch.full_member_count) == (1, 0)
    back = lifecycle.change_status(member=member, move=Move.RESTORE_CONTACT, by=secretary)
    assert back.status == S.FULL  # he had become a full member before
    branch = Organization.objects.get(pk=tree.branch.pk)
    assert (branch.member_count, branch.full_member_count) == (1, 1)
    events = list(
        MemberEvent.objects.exclude(move="REGISTER")
        .order_by("pk")
        .values_list("move", "on", "reason")
    )
    assert events[0] == ("LOSE_CONTACT", dt.date(2025, 3, 1), "电话停机")
    assert events[1][0] == "RESTORE_CONTACT"


def test_death_leaves_the_roll_and_cannot_happen_twice(tree: Tree, secretary) -> None:
    member = add_member(tree.branch)
    lifecycle.change_status(member=member, move=Move.DIE, on=dt.date(2025, 1, 2), by=secretary)
    community = Organization.objects.get(pk=tree.community.pk)
    assert community.subtree_member_count == 0
    with pytest.raises(InvalidInput, match="党籍状态已是已去世"):
        lifecycle.change_status(member=member, move=Move.DIE, by=secretary)
    assert MemberEvent.objects.exclude(move="REGISTER").count() == 1


def test_a_correction_back_to_probationary_clears_the_full_membership(
    tree: Tree, secretary
) -> None:
    member = add_member(tree.branch)
    with pytest.raises(InvalidInput, match="须说明原因"):
        lifecycle.change_status(member=member, move=Move.CORRECT, to=S.PROBATIONARY, by=secretary)
    corrected = lifecycle.change_status(
        member=member,
        move=Move.CORRECT,
        to=S.PROBATIONARY,
        reason="尚未转正，录入有误",
        by=secretary,
    )
    assert (corrected.status, corrected.full_member_on) == (S.PROBATIONARY, None)
    with pytest.raises(InvalidInput, match="请先在“编辑党员信息”中填写转正日期"):
        lifecycle.change_status(
            member=member, move=Move.CORRECT, to=S.FULL, reason="x", by=secretary
        )


def test_dates_of_a_change_are_checked(tree: Tree, secretary) -> None:
    member = add_member(tree.branch)
    with pytest.raises(InvalidInput, match="日期不能早于入党日期"):
        lifecycle.change_status(member=member, move=Move.DIE, on=dt.date(2001, 1, 1), by=secretary)
    with pytest.raises(InvalidInput, match="日期不能晚于今天"):
        lifecycle.change_status(
            member=member, move=Move.DIE, on=clock.today() + dt.timedelta(days=1), by=secretary
        )
    assert Member.objects.get(pk=member.pk).status == S.FULL


def test_outside_the_subtree_the_member_is_not_found(tree: Tree, sibling_secretary) -> None:
    member = add_member(tree.branch)
    with pytest.raises(NotFound):
        lifecycle.change_status(member=member, move=Move.DIE, by=sibling_secretary)
    assert not MemberEvent.objects.exclude(move="REGISTER").exists()


def test_an_edit_that_keeps_the_status_writes_no_event(tree: Tree, secretary) -> None:
    member = add_member(tree.branch)
    raw = member_fields(
        id_number=crypto.unseal(member.id_number_sealed, field="id_number"), name="张红"
    )
    data = services.check_member_input(raw, organization=tree.branch)
    services.update_member(member=member, data=data, by=secretary)
    assert Member.objects.get(pk=member.pk).name == "张红"
    assert not MemberEvent.objects.exclude(move="REGISTER").exists()
