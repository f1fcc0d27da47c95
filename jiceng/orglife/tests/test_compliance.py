"""The compliance rollup against a straightforward recomputation: every branch's meetings
counted over its own periods in Python, every organization above summed over the branches of
its subtree, for every month of a year (months, quarters and the year), with rules that differ
by subtree, committees, party groups, meetings without quorum, unsigned and cancelled
meetings and a dissolved branch."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.members.models import Member, MemberStatus
from jiceng.orglife import compliance, rules
from jiceng.orglife import talks as talking
from jiceng.orglife.models import (
    Compliance,
    HeartToHeartTalk,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingStatus,
    Period,
)
from jiceng.orglife.talks import record_talk
from jiceng.orgs import rollups
from jiceng.orgs.models import BRANCH_KINDS, Committee, Organization, OrgKind, PartyGroup
from jiceng.testing.personas import Tree, add, add_member

MONTHS = [202500 + m for m in range(1, 13)]


def _meetings(organizations: list[Organization], seed: int) -> None:
    pick = random.Random(seed)
    rows = []
    groups: dict[int, list[PartyGroup | None]] = {o.pk: [None] for o in organizations}
    for group in PartyGroup.objects.all():
        groups.setdefault(group.organization_id, [None]).append(group)
    for organization in organizations:
        for month in MONTHS:
            for kind in rules.MEETING_KINDS:
                for _ in range(pick.choice((0, 0, 1, 1, 1, 2))):
                    starts = dt.datetime(
                        month // 100, month % 100, pick.randint(1, 28), 9, tzinfo=clock.CHINA
                    )
                    status = pick.choice(
                        [MeetingStatus.HELD] * 4
                        + [MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED]
                    )
                    held = status == MeetingStatus.HELD
                    rows.append(
                        Meeting(
                            organization=organization,
                            kind=kind,
                            title=f"{kind.label}{month}",
                            starts_at=starts,
                            ends_at=starts + dt.timedelta(hours=2),
                            month=month,
                            status=status,
                            quorum_met=pick.choice((True, True, True, False)) if held else None,
                            expected_count=pick.randint(3, 9),
                            present_count=pick.randint(0, 3),
                            checkin_secret="x",
                            party_group=pick.choice(groups[organization.pk])
                            if kind == MeetingKind.GROUP_MEETING
                            else None,
                        )
                    )
    Meeting.objects.bulk_create(rows)


def _talks(organizations: list[Organization], seed: int) -> None:
    """Members of each branch (some no longer active) and talks on random days of 2025, a few
    in 2024, and one recorded in a branch its member has left."""
    pick = random.Random(seed)
    talks = []
    for organization in organizations[:5]:
        for i in range(pick.randint(0, 3)):
            member = add_member(organization, name=f"党员{organization.pk}{i}")
            if pick.random() < 0.4:  # off the roster, or on it but not active
                status = pick.choice(
                    (
                        MemberStatus.TRANSFERRED_OUT,
                        MemberStatus.LOST_CONTACT,
                        MemberStatus.SUSPENDED,
                    )
                )
                Member.objects.filter(pk=member.pk).update(status=status)
            for _ in range(pick.choice((0, 1, 1, 2))):
                day = dt.date(pick.choice((2024, 2025, 2025, 2025)), pick.randint(1, 12), 10)
                talks.append((organization, member, day))
    moved = Member.objects.filter(organization=organizations[0]).first()
    if moved is not None:
        talks.append((organizations[1], moved, dt.date(2025, 2, 3)))
    HeartToHeartTalk.objects.bulk_create(
        HeartToHeartTalk(organization=o, member=m, talked_on=d, year=d.year) for o, m, d in talks
    )
    rollups.rebuild()  # the roster counts as the services that change a status keep them
    talking.recount()  # and whether each talk counts
    statuses = set(Member.objects.values_list("status", flat=True))
    assert {MemberStatus.LOST_CONTACT, MemberStatus.SUSPENDED} & statuses


@pytest.fixture
def year_of_meetings(tree: Tree) -> list[Organization]:
    """Six active branches at three depths and a dissolved one, a year of meetings each."""
    general = add(tree.xianlin, name="仙林街道机关党总支", kind=OrgKind.GENERAL_BRANCH)
    deep = add(general, name="机关第一党支部", kind=OrgKind.BRANCH)
    joint = add(tree.community, name="文苑社区联合党支部", kind=OrgKind.JOINT_BRANCH)
    gone = add(
        tree.community,
        name="文苑社区临时党支部",
        kind=OrgKind.TEMPORARY_BRANCH,
        dissolved_on=dt.date(2025, 3, 1),
    )
    branches = [tree.branch, tree.sibling, tree.yaohua_branch, deep, joint, gone]
    Committee.objects.create(
        organization=tree.branch, term_start=dt.date(2023, 1, 1), term_due=dt.date(2028, 1, 1)
    )
    Committee.objects.create(
        organization=deep, term_start=dt.date(2023, 1, 1), term_due=dt.date(2028, 1, 1)
    )
    Committee.objects.create(
        organization=joint,
        term_start=dt.date(2020, 1, 1),
        term_due=dt.date(2025, 1, 1),
        ended_on=dt.date(2025, 1, 1),
    )
    for name in ("第一党小组", "第二党小组"):
        PartyGroup.objects.create(organization=tree.branch, name=name)
    PartyGroup.objects.create(organization=joint, name="第一党小组")
    rule = MeetingRule.objects.create
    rule(kind=MeetingKind.COMMITTEE_MEETING, period="QUARTER", times_per_period=2)
    rule(organization=tree.xianlin, kind=MeetingKind.PARTY_LECTURE, period="MONTH")
    rule(
        organization=tree.yaohua,
        kind=MeetingKind.GENERAL_MEETING,
        period="QUARTER",
        times_per_period=2,
    )
    rule(
        organization=tree.yaohua_branch,
        kind=MeetingKind.THEME_DAY,
        period="YEAR",
        times_per_period=3,
    )
    rule(organization=general, kind=MeetingKind.LIFE_MEETING, period="QUARTER")
    rule(organization=tree.yaohua, kind=MeetingKind.HEART_TO_HEART_TALK, period="QUARTER")
    _meetings(branches, seed=4)
    _talks(branches, seed=4)
    return branches


def _rule(path: str, kind: MeetingKind, found: list[MeetingRule]) -> rules.Requirement:
    best, length = None, -1
    for row in found:
        own = row.organization.path if row.organization else ""
        if row.kind == kind and path.startswith(own) and len(own) > length:
            best, length = row, len(own)
    if best is None:
        return rules.DEFAULT_RULES[kind]
    return rules.Requirement(kind, Period(best.period), best.times_per_period, best.fixed_day)


def recompute(month: int) -> dict[int, tuple[Any, ...]]:
    """Rows of `month` in the order of compliance.COLUMNS, the slow and obvious way."""
    found = list(MeetingRule.objects.select_related("organization"))
    meetings = list(Meeting.objects.all())
    talks = list(HeartToHeartTalk.objects.select_related("member"))
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
    rows: dict[int, tuple[Any, ...]] = {}
    for branch in branches:
        required = {kind: _rule(branch.path, kind, found) for kind in MeetingKind}
        counted = {
            kind: [
                m
                for m in meetings
                if m.organization_id == branch.pk
                and m.kind == kind
                and m.status == MeetingStatus.HELD
                and m.quorum_met is True
                and rules.period_bounds(required[kind].period, month)[0] <= m.month <= month
            ]
            for kind in rules.MEETING_KINDS
        }
        held = {kind: len(found) for kind, found in counted.items()}
        # a group meeting counts for its party group: how many groups held one
        held[MeetingKind.GROUP_MEETING] = len(
            {m.party_group_id for m in counted[MeetingKind.GROUP_MEETING] if m.party_group_id}
        )
        talk_start = rules.month_start(
            rules.period_bounds(required[MeetingKind.HEART_TO_HEART_TALK].period, month)[0]
        )
        month_end = rules.month_start(rules.add_months(month, 1))
        active = [
            m.pk
            for m in Member.objects.filter(organization=branch)
            if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)
        ]
        talked = {
            t.member_id
            for t in talks
            if t.organization_id == branch.pk
            and t.member.organization_id == branch.pk
            and talk_start <= t.talked_on < month_end
        }
        without_talk = len([pk for pk in active if pk not in talked])
        this_month = [
            m
            for m in meetings
            if m.organization_id == branch.pk
            and m.month == month
            and m.status == MeetingStatus.HELD
        ]
        met, missing, pending = rules.evaluate_branch(
            requirements=required,
            held=held,
            month=month,
            has_committee=Committee.objects.filter(
                organization=branch, ended_on__isnull=True
            ).exists(),
            party_groups=PartyGroup.objects.filter(organization=branch).count(),
            members_without_talk=without_talk,
        )
        rows[branch.pk] = (
            branch.pk,
            month,
            branch.path,
            branch.depth,
            1,
            int(missing == 0),
            met,
            missing,
            pending,
            *(int(bool(missing & rules.KIND_BITS[k])) for k in MeetingKind),
            sum(m.expected_count for m in this_month),
            sum(m.present_count for m in this_month),
            without_talk,
        )
    for organization in Organization.objects.exclude(kind__in=BRANCH_KINDS):
        below = [
            row
            for row in rows.values()
            if row[2].startswith(organization.path) and row[2] != organization.path
        ]
        if below:
            sums = [
                sum(row[i] for row in below) if i >= 4 else 0
                for i in range(len(compliance.COLUMNS))
            ]
            rows[organization.pk] = (
                organization.pk,
                month,
                organization.path,
                organization.depth,
                *(
                    sums[i] if column in compliance.SUMMED else 0
                    for i, column in enumerate(compliance.COLUMNS)
                    if i >= 4
                ),
            )
    return rows


def stored(month: int) -> dict[int, tuple[Any, ...]]:
    return {
        row[0]: row
        for row in Compliance.objects.filter(month=month).values_list(*compliance.COLUMNS)
    }


def test_rollup_agrees_with_recomputation_every_month(year_of_meetings: list[Organization]):
    judged = set()
    for month in MONTHS:
        result = compliance.rollup_month(month)
        expected = recompute(month)
        assert stored(month) == expected, month
        assert result.rows == len(expected) and result.branches == 5
        judged |= {row[7] for row in expected.values() if row[4] == 1 and row[6] + row[7]}
    # the data set is not trivial: branches miss different things in different months,
    # talks among them, and some branches have members still without one
    assert len(judged) > 3
    talk = rules.KIND_BITS[MeetingKind.HEART_TO_HEART_TALK]
    year_end = stored(202512)
    assert any(row[7] & talk for row in year_end.values() if row[4] == 1)
    assert any(row[-1] for row in year_end.values() if row[4] == 1)
    # a branch with two party groups misses the group meeting in months where it held some,
    # but not in every group (counted together it would have met it)
    group, first = rules.KIND_BITS[MeetingKind.GROUP_MEETING], year_of_meetings[0]
    held_some_not_all = [
        month
        for month in MONTHS
        if Meeting.objects.filter(
            organization=first,
            kind=MeetingKind.GROUP_MEETING,
            month=month,
            status=MeetingStatus.HELD,
            quorum_met=True,
        ).exists()
        and stored(month)[first.pk][7] & group
    ]
    assert held_some_not_all


def test_signing_refreshes_the_later_months_of_the_period(
    year_of_meetings: list[Organization], tree: Tree
):
    kinds = (MeetingKind.GENERAL_MEETING, MeetingKind.LIFE_MEETING)
    Meeting.objects.filter(organization=tree.sibling, kind__in=kinds).delete()
    for month in (202504, 202505, 202506, 202507):
        compliance.rollup_month(month)
    bits = rules.KIND_BITS[MeetingKind.GENERAL_MEETING] | rules.KIND_BITS[MeetingKind.LIFE_MEETING]
    assert stored(202506)[tree.sibling.pk][6] & bits == 0
    # an April general meeting and life meeting signed: May and June (the quarter) and July
    # (the year) move too; August was never rolled up and stays so
    for kind in kinds:
        Meeting.objects.create(
            organization=tree.sibling,
            kind=kind,
            title="补开",
            starts_at=dt.datetime(2025, 4, 20, 9, tzinfo=clock.CHINA),
            ends_at=dt.datetime(2025, 4, 20, 11, tzinfo=clock.CHINA),
            month=202504,
            status=MeetingStatus.HELD,
            quorum_met=True,
            expected_count=5,
            present_count=4,
            checkin_secret="x",
        )
    compliance.refresh_branch(organization=tree.sibling, month=202504)
    for month in (202504, 202505, 202506, 202507):
        assert stored(month) == recompute(month), month
    assert stored(202506)[tree.sibling.pk][6] & bits == bits
    assert stored(202507)[tree.sibling.pk][6] & bits == rules.KIND_BITS[MeetingKind.LIFE_MEETING]
    assert not Compliance.objects.filter(month=202508).exists()


def test_recording_a_talk_refreshes_the_year_and_the_list_shows_who_lacks_one(
    tree: Tree, secretary: User, street_official: User
):
    first, _second = add_member(tree.branch, name="甲"), add_member(tree.branch, name="乙")
    active = Member.objects.filter(
        organization=tree.branch, status__in=(MemberStatus.FULL, MemberStatus.PROBATIONARY)
    ).count()
    with clock.frozen(dt.datetime(2025, 12, 20, 9, tzinfo=clock.CHINA)):
        compliance.rollup_month(202511)
        compliance.rollup_month(202512)
        assert stored(202512)[tree.branch.pk][-1] == active
        record_talk(
            organization=tree.branch,
            member=first,
            talked_on=dt.date(2025, 11, 5),
            summary="",
            by=secretary,
        )
        client = Client()
        client.force_login(street_official)
        page = client.get(f"/orglife/org/{tree.xianlin.pk}/compliance/?month=2025-12")
    assert stored(202511)[tree.branch.pk][-1] == active - 1
    assert stored(202512)[tree.branch.pk][-1] == active - 1
    assert stored(202512)[tree.xianlin.pk][-1] >= active - 1
    talk = rules.KIND_BITS[MeetingKind.HEART_TO_HEART_TALK]
    assert stored(202512)[tree.branch.pk][7] & talk  # 乙 still lacks one: missing at year end
    assert f"{active - 1}名党员尚未谈心谈话" in page.content.decode()
