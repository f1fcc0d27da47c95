"""The moves of the member-lifecycle issue: full membership and its probation, suspension after
lost contact, the ends of membership with their decisions, moves of the record between
organizations, a member's first event, and relations that show a member across subtrees."""

import datetime as dt

import pytest
from django.test import Client

from jiceng.accounts import scoping
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Grant, GrantKind
from jiceng.core import crypto
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.members import lifecycle, queries, services, workflow
from jiceng.members.models import Member, MemberEvent, MemberStatus
from jiceng.members.workflow import Move
from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree, add_member, member_fields

S = MemberStatus


def probationary(tree: Tree, joined: dt.date = dt.date(2024, 7, 1)) -> Member:
    return add_member(tree.branch, joined_on=joined, full_member_on=None, status="预备党员")


@pytest.mark.parametrize(
    ("joined", "extended", "earliest"),
    [
        (dt.date(2024, 7, 1), 0, dt.date(2025, 7, 1)),
        (dt.date(2024, 7, 1), 6, dt.date(2026, 1, 1)),
        (dt.date(2024, 8, 31), 6, dt.date(2026, 2, 28)),  # no 31 February: the month's last day
        (dt.date(2024, 2, 29), 12, dt.date(2026, 3, 1)),
    ],
)
def test_an_extension_moves_the_earliest_full_membership(joined, extended, earliest) -> None:
    assert workflow.earliest_full_membership(joined, extended) == earliest


def test_becoming_full_dates_the_membership_and_counts_it(tree: Tree, secretary) -> None:
    member = probationary(tree)
    with pytest.raises(InvalidInput, match="转正日期不能早于2025-07-01"):
        lifecycle.change_status(
            member=member, move=Move.BECOME_FULL, on=dt.date(2025, 6, 30), by=secretary
        )
    full = lifecycle.change_status(
        member=member,
        move=Move.BECOME_FULL,
        on=dt.date(2025, 7, 2),
        decision="中共仙林街道工委 仙组〔2025〕12号",
        by=secretary,
    )
    assert (full.status, full.full_member_on) == (S.FULL, dt.date(2025, 7, 2))
    branch = Organization.objects.get(pk=tree.branch.pk)
    assert (branch.member_count, branch.full_member_count) == (1, 1)
    event = member.events.get(move=Move.BECOME_FULL)
    assert event.decision == "中共仙林街道工委 仙组〔2025〕12号"


def test_probation_is_extended_once_within_six_to_twelve_months(tree: Tree, secretary) -> None:
    member = probationary(tree)
    with pytest.raises(InvalidInput, match="6至12个月"):
        lifecycle.extend_probation(member=member, months=3, decision="支部大会决议", by=secretary)
    with pytest.raises(InvalidInput, match="须填写决定机关及文号"):
        lifecycle.extend_probation(member=member, months=6, by=secretary)
    lifecycle.extend_probation(
        member=member, months=6, on=dt.date(2025, 7, 1), decision="支部大会决议", by=secretary
    )
    with pytest.raises(InvalidInput, match="预备期只能延长一次"):
        lifecycle.extend_probation(member=member, months=6, decision="再次", by=secretary)
    with pytest.raises(InvalidInput, match="预备期已延长6个月，转正日期不能早于2026-01-01"):
        lifecycle.change_status(
            member=member, move=Move.BECOME_FULL, on=dt.date(2025, 12, 31), by=secretary
        )
    assert Member.objects.get(pk=member.pk).status == S.PROBATIONARY


def test_an_edit_of_the_particulars_keeps_an_extended_probation(tree: Tree, secretary) -> None:
    member = probationary(tree)
    lifecycle.extend_probation(
        member=member, months=6, on=dt.date(2025, 7, 1), decision="支部大会决议", by=secretary
    )
    raw = member_fields(
        id_number=crypto.unseal(member.id_number_sealed, field="id_number"),
        name="张红",
        joined_on=member.joined_on,
        full_member_on=None,
        status="预备党员",
    )
    data = services.check_member_input(raw, organization=tree.branch)
    services.update_member(member=member, data=data, by=secretary)
    edited = Member.objects.get(pk=member.pk)
    assert (edited.name, edited.probation_extended_months) == ("张红", 6)


def test_suspension_waits_for_six_months_of_lost_contact(tree: Tree, secretary) -> None:
    member = add_member(tree.branch)
    lifecycle.change_status(
        member=member, move=Move.LOSE_CONTACT, on=dt.date(2025, 3, 1), by=secretary
    )
    with pytest.raises(InvalidInput, match="须填写决定机关及文号"):
        lifecycle.change_status(member=member, move=Move.SUSPEND, by=secretary)
    with pytest.raises(InvalidInput, match="2025-09-01满六个月"):
        lifecycle.change_status(
            member=member,
            move=Move.SUSPEND,
            on=dt.date(2025, 8, 31),
            decision="支部大会决议",
            by=secretary,
        )
    suspended = lifecycle.change_status(
        member=member,
        move=Move.SUSPEND,
        on=dt.date(2025, 9, 1),
        decision="支部大会决议",
        by=secretary,
    )
    assert suspended.status == S.SUSPENDED
    back = lifecycle.change_status(
        member=member, move=Move.REINSTATE, decision="支部大会决议", by=secretary
    )
    assert back.status == S.FULL


@pytest.mark.parametrize(
    ("move", "status", "needs"),
    [
        (Move.EXPEL, S.EXPELLED, "decision"),
        (Move.REMOVE, S.REMOVED, "reason"),  # and its decision
        (Move.RESIGN, S.REMOVED, "reason"),
    ],
)
def test_the_ends_of_membership_leave_the_roll(tree: Tree, secretary, move, status, needs) -> None:
    member = add_member(tree.branch)
    with pytest.raises(InvalidInput) as refused:
        lifecycle.change_status(member=member, move=move, by=secretary)
    assert needs in refused.value.fields
    ended = lifecycle.change_status(
        member=member, move=move, reason="本人书面申请", decision="支部大会决议", by=secretary
    )
    assert ended.status == status and not ended.is_active
    branch = Organization.objects.get(pk=tree.branch.pk)
    assert branch.member_count == 0


def test_a_record_moves_between_organizations_once(tree: Tree, secretary) -> None:
    member = add_member(tree.branch)
    with pytest.raises(InvalidInput, match="不直接管理党员"):
        lifecycle.move_organization(member=member, to=tree.district, by=secretary)
    with pytest.raises(InvalidInput, match="相同"):
        lifecycle.move_organization(member=member, to=tree.branch, by=secretary)
    moved = lifecycle.move_organization(
        member=member, to=tree.yaohua_branch, reason="工作调动", by=secretary
    )
    assert moved.organization_id == tree.yaohua_branch.pk
    branch, yaohua = (Organization.objects.get(pk=o.pk) for o in (tree.branch, tree.yaohua_branch))
    assert (branch.member_count, yaohua.member_count) == (0, 1)
    event = member.events.get(move=Move.TRANSFER)
    assert (event.from_organization_id, event.to_organization_id) == (
        tree.branch.pk,
        tree.yaohua_branch.pk,
    )
    # A second procedure begun at the old branch finds the record gone: one wins.
    with pytest.raises(Conflict):
        lifecycle.move_organization(
            member=member, to=tree.sibling, by=secretary, expected_from=tree.branch
        )
    assert Member.objects.get(pk=member.pk).organization_id == tree.yaohua_branch.pk


def test_a_record_begins_with_its_first_event(tree: Tree) -> None:
    member = add_member(tree.branch)
    (event,) = member.events.all()
    assert (event.move, event.to_status) == (Move.REGISTER, S.FULL)


def test_a_relation_shows_a_member_across_subtrees(tree: Tree, secretary, sibling_secretary):
    member = add_member(tree.branch)
    assert not queries.members_for(sibling_secretary).filter(pk=member.pk).exists()

    def transfer_in_progress(user, reaches):
        if user.pk == sibling_secretary.pk:
            yield Grant(
                kind=GrantKind.TRANSFER,
                opens=frozenset({Permission.VIEW_MEMBERS}),
                target_id=member.pk,
            )

    scoping.register_grant_source(transfer_in_progress)
    try:
        viewer = type(sibling_secretary).objects.get(pk=sibling_secretary.pk)  # no cached scope
        assert queries.members_for(viewer).filter(pk=member.pk).exists()
        assert scoping.scope_of(viewer).granted_ids(
            GrantKind.TRANSFER, Permission.VIEW_MEMBERS
        ) == {member.pk}
        # The grant opens what it names only: not the member's personal data.
        assert not queries.can_reveal(viewer, member)
    finally:
        scoping.GRANT_SOURCES.remove(transfer_in_progress)
    assert MemberEvent.objects.filter(member=member).count() == 1


def test_the_member_page_records_a_suspension_with_its_decision(
    tree: Tree, secretary, client: Client
) -> None:
    member = add_member(tree.branch, status="失联党员")
    client.force_login(secretary)
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert "记录停止党籍" in page and "决定机关及文号" in page
    assert "记录失去联系" not in page  # not offered from 失联
    url = f"/members/{member.pk}/status/"
    response = client.post(url, {"move": "SUSPEND", "on": "2026-01-05"}, follow=True)
    assert "“停止党籍”须填写决定机关及文号" in response.content.decode()
    assert Member.objects.get(pk=member.pk).status == S.LOST_CONTACT
    sent = {"move": "SUSPEND", "on": "2026-01-05", "decision": "支部大会决议（2026-01-05）"}
    response = client.post(url, sent, follow=True)
    page = response.content.decode()
    assert "已记录：停止党籍" in page and "支部大会决议（2026-01-05）" in page
    assert Member.objects.get(pk=member.pk).status == S.SUSPENDED
    # 转正 belongs to the development of new members, never to this form.
    response = client.post(url, {"move": "BECOME_FULL"}, follow=True)
    assert "没有这项操作" in response.content.decode()


def test_the_workbench_names_whose_lost_contact_has_run_its_time(
    tree: Tree, secretary, sibling_secretary, client: Client
) -> None:
    from jiceng.core import clock

    today = clock.today()
    long_lost, lately_lost = add_member(tree.branch, name="周久"), add_member(tree.branch)
    lifecycle.change_status(
        member=long_lost,
        move=Move.LOSE_CONTACT,
        on=today - dt.timedelta(days=200),
        by=secretary,
    )
    lifecycle.change_status(
        member=lately_lost, move=Move.LOSE_CONTACT, on=today - dt.timedelta(days=20), by=secretary
    )
    count, due = queries.standing_due(secretary)
    assert count == 1 and [d.member.pk for d in due] == [long_lost.pk]
    assert due[0].decision is Move.SUSPEND
    assert queries.standing_due(sibling_secretary) == (0, [])
    client.force_login(secretary)
    page = client.get("/").content.decode()
    assert "党籍处置提醒" in page and "周久" in page and "待研究停止党籍" in page
