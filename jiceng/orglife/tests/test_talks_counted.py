"""Whether a heart-to-heart talk counts for its branch follows its member: only in the branch
the member is in, only while the member is full or probationary. The compliance rollup reads
the mark alone, so a move the mark missed would miscount."""

import datetime as dt

from jiceng.core import clock
from jiceng.members import lifecycle
from jiceng.members.models import Member, MemberStatus
from jiceng.members.workflow import Move
from jiceng.orglife import compliance, talks
from jiceng.orglife.models import Compliance, HeartToHeartTalk
from jiceng.testing.personas import Tree, add_member

NOW = dt.datetime(2025, 12, 20, 9, tzinfo=clock.CHINA)


def counted(member: Member) -> dict[int, bool]:
    """The member's talks: counted or not, by branch."""
    return dict(
        HeartToHeartTalk.objects.filter(member=member).values_list("organization_id", "counted")
    )


def without_talk(organization_id: int) -> int:
    return Compliance.objects.get(
        month=202512, organization_id=organization_id
    ).members_without_talk


def test_a_talk_counts_only_in_the_members_branch_and_while_active(tree: Tree, secretary) -> None:
    member = add_member(tree.branch, name="甲")
    with clock.frozen(NOW):
        talks.record_talk(
            organization=tree.branch,
            member=member,
            talked_on=dt.date(2025, 3, 5),
            summary="",
            by=secretary,
        )
        assert counted(member) == {tree.branch.pk: True}

        lifecycle.move_organization(member=member, to=tree.sibling, on=dt.date(2025, 6, 1), by=None)
        assert counted(member) == {tree.branch.pk: False}
        member.refresh_from_db()
        talks.record_talk(
            organization=tree.sibling,
            member=member,
            talked_on=dt.date(2025, 7, 5),
            summary="",
            by=None,
        )
        assert counted(member) == {tree.branch.pk: False, tree.sibling.pk: True}

        lost = lifecycle.change_status(
            member=member, move=Move.LOSE_CONTACT, on=dt.date(2025, 8, 1), by=None
        )
        assert counted(member) == {tree.branch.pk: False, tree.sibling.pk: False}
        # a talk recorded with a member not active is kept, but does not count: the status is
        # read again when it is recorded (`member` is as read before the member was lost)
        assert member.status == MemberStatus.FULL
        talks.record_talk(
            organization=tree.sibling,
            member=member,
            talked_on=dt.date(2025, 9, 1),
            summary="",
            by=None,
        )
        assert not HeartToHeartTalk.objects.get(
            member=member, talked_on=dt.date(2025, 9, 1)
        ).counted

        lifecycle.change_status(
            member=lost,
            move=Move.RESTORE_CONTACT,
            to=MemberStatus.FULL,
            on=dt.date(2025, 10, 1),
            by=None,
        )
        assert set(
            HeartToHeartTalk.objects.filter(member=member, counted=True).values_list(
                "organization_id", flat=True
            )
        ) == {tree.sibling.pk}

        lifecycle.move_organization(member=member, to=tree.branch, on=dt.date(2025, 11, 1), by=None)
        assert counted(member)[tree.branch.pk] is True
        assert not HeartToHeartTalk.objects.filter(
            member=member, organization=tree.sibling, counted=True
        ).exists()

        # the rollup's gap agrees with one computed from the members themselves
        compliance.rollup_month(202512)
    for branch in (tree.branch, tree.sibling):
        active = Member.objects.filter(
            organization=branch, status__in=compliance.ACTIVE_STATUSES
        ).values_list("pk", flat=True)
        talked = set(
            HeartToHeartTalk.objects.filter(
                organization=branch, year=2025, member__in=list(active)
            ).values_list("member_id", flat=True)
        )
        assert without_talk(branch.pk) == len(active) - len(talked)
    assert (
        without_talk(tree.branch.pk)
        == Member.objects.filter(organization=tree.branch, status__in=compliance.ACTIVE_STATUSES)
        .exclude(pk=member.pk)
        .count()
    )


def test_recount_marks_talks_written_around_the_services(tree: Tree) -> None:
    stayed, left = add_member(tree.branch, name="甲"), add_member(tree.branch, name="乙")
    Member.objects.filter(pk=left.pk).update(organization=tree.sibling)
    Member.objects.filter(pk=stayed.pk).update(status=MemberStatus.SUSPENDED)
    day = dt.date(2025, 4, 1)
    HeartToHeartTalk.objects.bulk_create(
        [
            HeartToHeartTalk(organization=tree.branch, member=stayed, talked_on=day, year=2025),
            HeartToHeartTalk(organization=tree.branch, member=left, talked_on=day, year=2025),
            HeartToHeartTalk(organization=tree.sibling, member=left, talked_on=day, year=2025),
            HeartToHeartTalk(
                organization=tree.sibling, member=stayed, talked_on=day, year=2025, counted=False
            ),
        ]
    )
    assert talks.recount() == 2
    assert counted(stayed) == {tree.branch.pk: False, tree.sibling.pk: False}
    assert counted(left) == {tree.branch.pk: False, tree.sibling.pk: True}
    assert talks.recount() == 0
