"""A year of organizational life for the synthetic data set (`jiceng seed`, and
`jiceng orglife-seed` for a database seeded before): for every branch the twelve months before
the data date — theme days, committee and group meetings, lectures, general meetings, the
life meeting and the democratic review — most branches keeping every rule, some skipping
meetings; and the attendance of each branch's last theme day (the demo: of every theme day),
member by member.

Rows go through writer.BulkWriter (executemany on SQLite, COPY on PostgreSQL) with the ids handed
out here, like the rest of the seed: the ORM would take several times as long. The branches go
in chunks (CHUNK_BRANCHES), each written before the next is made, so a province's year fits in
memory."""

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


# Branches generated and written at a time: a province's year of meetings, attendance and talks
# held at once took more memory than the machine has (Shandong: 370,000 branches, 8 million
# members); a chunk's rows are a few hundred thousand.
CHUNK_BRANCHES = 20_000


@dataclass(frozen=True)
class _Year:
    """What every branch's year is drawn from: the months, the stamps of each meeting, the
    theme days that get their attendance."""

    months: list[int]
    stamps: dict[tuple[int, MeetingKind], tuple[object, object]]
    titles: dict[MeetingKind, str]
    created: object
    attended: set[int]
    diligent: frozenset[int]


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
    meeting: the national seed keeps one month, the demo district a year). The branches go
    in chunks of CHUNK_BRANCHES in id order, each chunk's members read once by the range of
    their organization's id, and every chunk's rows written before the next is made."""
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
    adapt = connection.ops.adapt_datetimefield_value
    stamps: dict[tuple[int, MeetingKind], tuple[object, object]] = {}
    for month in months:
        for kind in _kinds_in(month):
            day, hour = WHEN[kind]
            start = dt.datetime.combine(
                rules.month_start(month).replace(day=day), dt.time(hour), tzinfo=clock.CHINA
            )
            stamps[(month, kind)] = (adapt(start), adapt(start + dt.timedelta(hours=2)))
    year = _Year(
        months=months,
        stamps=stamps,
        titles={kind: f"{kind.label}" for kind in MeetingKind},
        created=adapt(dt.datetime.combine(as_of, dt.time(9), tzinfo=clock.CHINA)),
        attended=set(months[-attended_months:]),
        diligent=diligent,
    )
    generator = random.Random(seed * 7919 + 4)  # noqa: S311  # synthetic data (B311 is skipped project-wide)
    next_ids = [_next_id(Meeting), _next_id(Attendance), _next_id(HeartToHeartTalk)]
    tables = {
        "meetings": Table.of(Meeting, MEETING_COLUMNS),
        "attendances": Table.of(Attendance, ATTENDANCE_COLUMNS),
        "talks": Table.of(HeartToHeartTalk, TALK_COLUMNS),
    }
    result = OrglifeSeedResult()
    # about 40 meetings a branch: a large load rebuilds the indexes once at the end
    with BulkWriter(tables, defer_indexes=len(rows) * 40 > 100_000) as writer:
        for i in range(0, len(rows), CHUNK_BRANCHES):
            made = _chunk(rows[i : i + CHUNK_BRANCHES], year, generator, next_ids)
            for name, found in zip(tables, made, strict=True):
                for j in range(0, len(found), 50_000):
                    writer.write(name, found[j : j + 50_000])
            result.meetings += len(made[0])
            result.attendances += len(made[1])
    result.seconds = time.perf_counter() - started
    return result


def _chunk(
    rows: list[tuple[int, int]], year: _Year, generator: random.Random, next_ids: list[int]
) -> tuple[list[tuple[object, ...]], ...]:
    """(meetings, attendances, talks) of these branches ((pk, active members) in id order);
    `next_ids` (meeting, attendance, talk) are moved on past the ids used."""
    lo, hi = rows[0][0], rows[-1][0]
    in_range = {"organization_id__gte": lo, "organization_id__lte": hi}
    with_committee = set(
        Committee.objects.filter(ended_on__isnull=True, **in_range).values_list(
            "organization_id", flat=True
        )
    )
    # a group meeting is held by each party group of the branch (compliance counts per group)
    with_groups: dict[int, list[int]] = {}
    for org_id, group_id in (
        PartyGroup.objects.filter(**in_range).values_list("organization_id", "pk").order_by("pk")
    ):
        with_groups.setdefault(org_id, []).append(group_id)
    meetings: list[tuple[object, ...]] = []
    theme_days: dict[int, dict[int, int]] = {}  # branch → month → its theme day's meeting id
    diligent_branches: set[int] = set()
    next_meeting = next_ids[0]
    for pk, members in rows:
        is_diligent = generator.random() < DILIGENT_SHARE or pk in year.diligent
        if is_diligent:
            diligent_branches.add(pk)
        for month in year.months:
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
                    begins, ends = year.stamps[(month, kind)]
                    expected = members if kind in rules.ALL_MEMBER_KINDS else min(members, 5)
                    present = round(expected * (0.75 + 0.2 * generator.random()))
                    audience = rules.DEFAULT_AUDIENCE.get(kind, Audience.ALL_MEMBERS)
                    meetings.append(
                        (
                            next_meeting,
                            pk,
                            kind.value,
                            year.titles[kind],
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
                            year.created,
                            party_group,
                        )
                    )
                    if kind == K.THEME_DAY and month in year.attended:
                        theme_days.setdefault(pk, {})[month] = next_meeting
                    next_meeting += 1
    next_ids[0] = next_meeting
    branches = {pk for pk, _ in rows}
    active = [
        row
        for row in Member.objects.filter(
            status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY], **in_range
        )
        .values_list("organization_id", "pk", "status")
        .order_by("organization_id", "pk")
        if row[0] in branches
    ]
    attendances = _attendance_rows(theme_days, active, generator, next_ids)
    talks = _talk_rows(active, diligent_branches, year.months[-1], generator, next_ids)
    return meetings, attendances, talks


def _talk_rows(
    members: list[tuple[int, int, str]],
    diligent: set[int],
    last: int,
    generator: random.Random,
    next_ids: list[int],
) -> list[tuple[object, ...]]:
    """This year's heart-to-heart talk (谈心谈话) of every active member (`members`:
    (branch, member, status)) of the diligent branches, and of most members of the others, on
    a day of this year up to the first day of the month `last`."""
    last_month = rules.month_start(last)
    year = last_month.year
    days = (last_month - dt.date(year, 1, 1)).days + 1
    next_id = next_ids[2]
    rows: list[tuple[object, ...]] = []
    for org_id, member_id, _ in members:
        if org_id not in diligent and generator.random() < LAX_SKIP:
            continue
        talked_on = dt.date(year, 1, 1) + dt.timedelta(days=generator.randrange(days))
        rows.append((next_id, org_id, member_id, talked_on, year, ""))
        next_id += 1
    next_ids[2] = next_id
    return rows


def _attendance_rows(
    theme_days: dict[int, dict[int, int]],
    members: list[tuple[int, int, str]],
    generator: random.Random,
    next_ids: list[int],
) -> list[tuple[object, ...]]:
    """Each active member (`members`: (branch, member, status)) at the branch's theme days
    (`theme_days`: branch → month → meeting): most in person, a few online, some excused or
    absent."""
    next_id = next_ids[1]
    rows: list[tuple[object, ...]] = []
    statuses = (
        [AttendanceStatus.IN_PERSON.value] * 15
        + [AttendanceStatus.ONLINE.value] * 2
        + [AttendanceStatus.EXCUSED.value, AttendanceStatus.ABSENT.value]
    )
    for org_id, member_id, status in members:
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
    next_ids[1] = next_id
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
