"""A year of organizational life for the synthetic data set (`jiceng seed`, and
`jiceng orglife-seed` for a database seeded before): for every branch the twelve months before
the data date — theme days, committee and group meetings, lectures, general meetings, the
life meeting and the democratic review — most branches keeping every rule, some skipping
meetings; and the attendance of each branch's last theme day (the demo: of every theme day),
member by member.

Rows go through writer.BulkWriter (executemany on SQLite, COPY on PostgreSQL) with the ids handed
out here, like the rest of the seed: the ORM would take several times as long."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from jiceng.core import clock
from jiceng.core.paths import under_any
from jiceng.members.models import Member, MemberStatus
from jiceng.orglife import rules
from jiceng.orglife.minutes import check_minutes_body
from jiceng.orglife.models import (
    Attendance,
    AttendanceStatus,
    Audience,
    HeartToHeartTalk,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
)
from jiceng.orglife.scheduling import expected_members
from jiceng.orgs.models import BRANCH_KINDS, Committee, Organization, PartyGroup

from .writer import BulkWriter, Table

K = MeetingKind
MEETING_COLUMNS = (
    "id",
    "organization_id",
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "month",
    "place",
    "is_online",
    "audience",
    "status",
    "quorum_met",
    "expected_count",
    "present_count",
    "checkin_secret",
    "created_at",
    "party_group_id",
)
ATTENDANCE_COLUMNS = ("id", "month", "meeting_id", "member_id", "status", "is_full_member")
TALK_COLUMNS = ("id", "organization_id", "member_id", "talked_on", "year", "summary")
# day of the month and hour each kind is held on (the theme day on the fixed 15th)
WHEN = {
    K.COMMITTEE_MEETING: (5, 19),
    K.GROUP_MEETING: (10, 19),
    K.THEME_DAY: (15, 15),
    K.PARTY_LECTURE: (20, 15),
    K.GENERAL_MEETING: (25, 15),
    K.DEMOCRATIC_REVIEW: (26, 9),
    K.LIFE_MEETING: (27, 9),
}
DILIGENT_SHARE = 0.85  # branches that keep every rule
LAX_SKIP = 0.25  # the chance that one of the other branches skips a given meeting


@dataclass
class OrglifeSeedResult:
    meetings: int = 0
    attendances: int = 0
    seconds: float = 0.0


def _kinds_in(month: int) -> list[MeetingKind]:
    """What a diligent branch holds in this month under the default rules."""
    mon = month % 100
    kinds = [K.THEME_DAY, K.COMMITTEE_MEETING, K.GROUP_MEETING]
    if mon % 3 == 2:
        kinds.append(K.PARTY_LECTURE)
    if mon % 3 == 0:
        kinds.append(K.GENERAL_MEETING)
    if mon == 12:
        kinds += [K.LIFE_MEETING, K.DEMOCRATIC_REVIEW]
    return kinds


def _next_id(model: type[Meeting] | type[Attendance] | type[HeartToHeartTalk]) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def seed_orglife(
    *,
    as_of: dt.date | None = None,
    seed: int = 1,
    under: list[str] | None = None,
    diligent: frozenset[int] = frozenset(),
    attended_months: int = 1,
) -> OrglifeSeedResult:
    """Meetings of the twelve months before `as_of` for every branch (or those under the
    paths `under`) that has none yet; run again, it adds nothing. The branches `diligent`
    hold every meeting (others are drawn diligent or lax). The theme days of the last
    `attended_months` months get their attendance member by member (a row per member and
    meeting: the national seed keeps one month, the demo district a year)."""
    started = time.perf_counter()
    as_of = as_of or clock.today()
    last = rules.add_months(rules.month_of(as_of), -1)
    months = [rules.add_months(last, -i) for i in range(11, -1, -1)]
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
    if under:
        branches = branches.filter(under_any(under))
    rows = list(branches.values_list("pk", "member_count").order_by("pk"))
    # branches that have meetings already (a county seeded before) are left as they are
    seeded = set(Meeting.objects.values_list("organization_id", flat=True).distinct())
    rows = [r for r in rows if r[0] not in seeded]
    if not rows:
        return OrglifeSeedResult(seconds=time.perf_counter() - started)
    with_committee = set(
        Committee.objects.filter(ended_on__isnull=True).values_list("organization_id", flat=True)
    )
    # a group meeting is held by each party group of the branch (compliance counts per group)
    with_groups: dict[int, list[int]] = {}
    for org_id, group_id in PartyGroup.objects.values_list("organization_id", "pk").order_by():
        with_groups.setdefault(org_id, []).append(group_id)
    adapt = connection.ops.adapt_datetimefield_value
    stamps: dict[tuple[int, MeetingKind], tuple[object, object]] = {}
    for month in months:
        for kind in _kinds_in(month):
            day, hour = WHEN[kind]
            start = dt.datetime.combine(
                rules.month_start(month).replace(day=day), dt.time(hour), tzinfo=clock.CHINA
            )
            stamps[(month, kind)] = (adapt(start), adapt(start + dt.timedelta(hours=2)))
    titles = {kind: f"{kind.label}" for kind in MeetingKind}
    created = adapt(dt.datetime.combine(as_of, dt.time(9), tzinfo=clock.CHINA))
    generator = random.Random(seed * 7919 + 4)  # noqa: S311  # synthetic data (B311 is skipped project-wide)
    next_meeting = _next_id(Meeting)
    meetings: list[tuple[object, ...]] = []
    attended = set(months[-attended_months:])
    theme_days: dict[int, dict[int, int]] = {}  # branch → month → its theme day's meeting id
    diligent_branches: set[int] = set()
    for pk, members in rows:
        is_diligent = generator.random() < DILIGENT_SHARE or pk in diligent
        if is_diligent:
            diligent_branches.add(pk)
        for month in months:
            for kind in _kinds_in(month):
                if kind == K.COMMITTEE_MEETING and pk not in with_committee:
                    continue
                if kind == K.GROUP_MEETING and pk not in with_groups:
                    continue
                groups: list[int | None] = (
                    [*with_groups.get(pk, [])] if kind == K.GROUP_MEETING else [None]
                )
                for party_group in groups:
                    if not is_diligent and generator.random() < LAX_SKIP:
                        continue
                    begins, ends = stamps[(month, kind)]
                    expected = members if kind in rules.ALL_MEMBER_KINDS else min(members, 5)
                    present = round(expected * (0.75 + 0.2 * generator.random()))
                    audience = rules.DEFAULT_AUDIENCE.get(kind, Audience.ALL_MEMBERS)
                    meetings.append(
                        (
                            next_meeting,
                            pk,
                            kind.value,
                            titles[kind],
                            begins,
                            ends,
                            month,
                            "党员活动室",
                            False,
                            audience.value,
                            MeetingStatus.HELD.value,
                            expected > 0 and present * 2 > expected,
                            expected,
                            present,
                            "seed",
                            created,
                            party_group,
                        )
                    )
                    if kind == K.THEME_DAY and month in attended:
                        theme_days.setdefault(pk, {})[month] = next_meeting
                    next_meeting += 1
    attendances = _attendance_rows(theme_days, generator)
    talks = _talk_rows(
        {pk for pk, *_ in rows}, diligent_branches, rules.month_start(last), generator
    )
    tables = {
        "meetings": Table.of(Meeting, MEETING_COLUMNS),
        "attendances": Table.of(Attendance, ATTENDANCE_COLUMNS),
        "talks": Table.of(HeartToHeartTalk, TALK_COLUMNS),
    }
    with BulkWriter(tables, defer_indexes=len(meetings) > 100_000) as writer:
        for i in range(0, len(meetings), 50_000):
            writer.write("meetings", meetings[i : i + 50_000])
        for i in range(0, len(attendances), 50_000):
            writer.write("attendances", attendances[i : i + 50_000])
        for i in range(0, len(talks), 50_000):
            writer.write("talks", talks[i : i + 50_000])
    return OrglifeSeedResult(
        meetings=len(meetings), attendances=len(attendances), seconds=time.perf_counter() - started
    )


def _talk_rows(
    branches: set[int], diligent: set[int], last_month: dt.date, generator: random.Random
) -> list[tuple[object, ...]]:
    """This year's heart-to-heart talk (谈心谈话) of every active member of the diligent
    branches, and of most members of the others, on a day of this year up to `last_month`
    (the first day of the last month seeded)."""
    next_id = _next_id(HeartToHeartTalk)
    year = last_month.year
    days = (last_month - dt.date(year, 1, 1)).days + 1
    members = Member.objects.filter(
        status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY]
    ).values_list("organization_id", "pk")
    if len(branches) <= 5000:
        members = members.filter(organization_id__in=list(branches))
    rows: list[tuple[object, ...]] = []
    for org_id, member_id in members.iterator(chunk_size=20_000):
        if org_id not in branches:
            continue
        if org_id not in diligent and generator.random() < LAX_SKIP:
            continue
        talked_on = dt.date(year, 1, 1) + dt.timedelta(days=generator.randrange(days))
        rows.append((next_id, org_id, member_id, talked_on, year, ""))
        next_id += 1
    return rows


def _attendance_rows(
    theme_days: dict[int, dict[int, int]], generator: random.Random
) -> list[tuple[object, ...]]:
    """Each member of each branch at its theme days (`theme_days`: branch → month → meeting):
    most in person, a few online, some excused or absent."""
    next_id = _next_id(Attendance)
    rows: list[tuple[object, ...]] = []
    statuses = (
        [AttendanceStatus.IN_PERSON.value] * 15
        + [AttendanceStatus.ONLINE.value] * 2
        + [AttendanceStatus.EXCUSED.value, AttendanceStatus.ABSENT.value]
    )
    members = Member.objects.filter(
        organization_id__in=list(theme_days),
        status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY],
    ).values_list("organization_id", "pk", "status")
    if len(theme_days) > 5000:  # the whole data set: read every member once, not by id list
        members = Member.objects.filter(
            status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY]
        ).values_list("organization_id", "pk", "status")
    for org_id, member_id, status in members.iterator(chunk_size=20_000):
        for month, meeting in theme_days.get(org_id, {}).items():
            rows.append(
                (
                    next_id,
                    month,
                    meeting,
                    member_id,
                    statuses[generator.randrange(len(statuses))],
                    status == MemberStatus.FULL,
                )
            )
            next_id += 1
    return rows


# What the demo branch's meetings were about, by kind: (agenda item, summary, resolution).
AGENDA = {
    K.THEME_DAY: (
        "主题党日：走访慰问困难党员群众",
        "分组走访辖区困难家庭，收集诉求。",
        "建立走访台账，每月跟进",
    ),
    K.COMMITTEE_MEETING: (
        "研究本月支部工作安排",
        "讨论党员发展、组织生活安排和为民办实事项目。",
        "通过本月工作安排",
    ),
    K.GROUP_MEETING: (
        "学习讨论：基层治理中的党员作用",
        "党员结合网格工作交流体会。",
        "每名党员联系一个楼栋",
    ),
    K.PARTY_LECTURE: (
        "党课：学习贯彻党的创新理论",
        "支部书记讲授党课，党员交流讨论。",
        "组织党员撰写学习体会",
    ),
    K.GENERAL_MEETING: (
        "支部党员大会：通报季度工作",
        "通报支部季度工作和党费收缴情况。",
        "通过季度工作报告",
    ),
    K.LIFE_MEETING: (
        "组织生活会：对照检查、批评与自我批评",
        "党员逐一发言，开展批评与自我批评。",
        "形成整改清单",
    ),
    K.DEMOCRATIC_REVIEW: ("民主评议党员", "党员自评、互评，支部综合评定。", "通过评议结果"),
}


def fill_branch_year(*, organization_id: int, secretary_user_id: int | None, seed: int) -> int:
    """The demo branch's year in full: who came to each held meeting (the notice's list, as
    scheduling makes it), the quorum from that, and the signed minutes. The bulk seed keeps
    only the counts and the last theme day's list; a demo member opening her history, or the
    secretary her meetings, would otherwise see a year of empty pages. Meetings that have
    minutes are left alone. Returns how many meetings were filled."""
    generator = random.Random(seed)  # noqa: S311  # synthetic data
    statuses = (
        [AttendanceStatus.IN_PERSON] * 15
        + [AttendanceStatus.ONLINE] * 2
        + [AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT]
    )
    meetings = list(
        Meeting.objects.filter(organization_id=organization_id, status=MeetingStatus.HELD)
        .exclude(pk__in=Minutes.objects.values("meeting_id"))
        .order_by("starts_at", "pk")
    )
    listed = set(
        Attendance.objects.filter(meeting__in=meetings).values_list("meeting_id", flat=True)
    )
    attendances: list[Attendance] = []
    minutes: list[Minutes] = []
    for meeting in meetings:
        present = present_full = expected_full = 0
        rows = [
            Attendance(
                month=meeting.month,
                meeting=meeting,
                member_id=member_id,
                status=statuses[generator.randrange(len(statuses))],
                is_full_member=full,
                is_remote=mobile,
            )
            for member_id, full, mobile in expected_members(meeting)
        ]
        if meeting.pk in listed:
            rows = list(meeting.attendances.all())
        else:
            attendances.extend(rows)
        for row in rows:
            came = row.status in (AttendanceStatus.IN_PERSON, AttendanceStatus.ONLINE)
            if row.status == AttendanceStatus.IN_PERSON and row.pk is None:
                row.checked_in_at = meeting.starts_at - dt.timedelta(
                    minutes=generator.randrange(-5, 20)
                )
            present += came
            present_full += came and row.is_full_member
            expected_full += row.is_full_member
        Meeting.objects.filter(pk=meeting.pk).update(
            expected_count=len(rows),
            present_count=present,
            quorum_met=rules.quorum_met(
                meeting.kind,
                present=present,
                expected=len(rows),
                present_full=present_full,
                expected_full=expected_full,
            ),
        )
        title, summary, resolution = AGENDA.get(
            MeetingKind(meeting.kind), (meeting.title, "按计划召开。", "按计划推进")
        )
        body = check_minutes_body(
            {"items": [{"title": title, "summary": summary}], "resolutions": [resolution]}
        )
        minutes.append(
            Minutes(
                meeting=meeting,
                body=body,
                original_body=body,
                recorded_by_id=secretary_user_id,
                recorded_at=meeting.ends_at + dt.timedelta(hours=2),
                signed_by_id=secretary_user_id,
                signed_at=meeting.ends_at + dt.timedelta(days=1),
                locks_at=rules.minutes_lock_at(
                    ends_at=meeting.ends_at, lock_days=settings.JICENG_MINUTES_LOCK_DAYS
                ),
            )
        )
    Attendance.objects.bulk_create(attendances, batch_size=2000)
    Minutes.objects.bulk_create(minutes)
    return len(minutes)
