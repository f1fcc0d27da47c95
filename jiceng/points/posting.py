"""Posting points from their sources: a month of attendance or of handled cases at once (the
periodic task), or a few attendances when they are recorded (orglife calls post_attendances).

Idempotent: an event already posted is skipped, and the unique key of the ledger catches a
concurrent run (ON CONFLICT DO NOTHING). Reversal: a posted attendance that no longer stands
(struck off, the meeting cancelled) gets a reversing entry, once. The rows are written raw by
core.bulk.insert_new (the ORM's bulk_create is several times slower on a month of rows)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When

from jiceng.cases.models import CaseEvent, EventKind
from jiceng.core import bulk, clock
from jiceng.orglife.models import PRESENT_STATUSES, Attendance, Meeting, MeetingStatus
from jiceng.reporting.models import ServiceRecord
from jiceng.taskforces.models import HOURS_FINAL_AFTER_DAYS, Assignment

from .models import PointsEntry, SourceKind
from .rules import RuleBook, capped_points

COLUMNS = (
    "member_id",
    "organization_id",
    "year",
    "month",
    "occurred_at",
    "source_kind",
    "source_id",
    "is_reversal",
    "points",
    "note",
    "created_by_id",
    "created_at",
)
# the ledger's unique key (points_entry_once): ON CONFLICT names it, and the database refuses
# columns that are not a unique index's
UNIQUE = ("source_kind", "source_id", "member_id", "is_reversal")


@dataclass
class PostingResult:
    posted: int = 0
    reversed: int = 0
    exempt: int = 0
    capped: int = 0


@dataclass(frozen=True)
class Candidate:
    source_id: int
    member_id: int
    organization_id: int
    path: str
    category: str
    status: str
    occurred_at: dt.datetime
    month: int
    # what one event's points are multiplied by: the hours of a service record, else 1
    weight: Decimal = Decimal(1)


def insert_entries(rows: Sequence[tuple[Any, ...]]) -> int:
    """Writes ledger rows (in COLUMNS order); those already there are skipped."""
    if not rows:
        return 0
    bulk.insert_new(PointsEntry._meta.db_table, COLUMNS, rows, UNIQUE)
    return len(rows)


def db_datetime(value: dt.datetime | None) -> object:
    return connection.ops.adapt_datetimefield_value(value)


@functools.lru_cache(maxsize=4096)
def day_of(at: dt.datetime) -> dt.date:
    return at.astimezone(clock.CHINA).date()


def _month_of(at: dt.datetime) -> int:
    local = at.astimezone(clock.CHINA)
    return local.year * 100 + local.month


def _earned_so_far(kind: str, months: Iterable[int], members: Q) -> Counter[tuple[int, int]]:
    """Events of `kind` that earned points, per (member, year) and (member, month), in the
    years of `months`, net of reversals: what the caps count."""
    years = sorted({m // 100 for m in months})
    counted = (
        PointsEntry.objects.filter(members, source_kind=kind, year__in=years)
        .values_list("member_id", "month")
        .annotate(
            n=Sum(
                Case(
                    When(is_reversal=False, points__gt=0, then=Value(1)),
                    When(is_reversal=True, points__lt=0, then=Value(-1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
        )
    )
    earned: Counter[tuple[int, int]] = Counter()
    for member_id, month, n in counted:
        earned[(member_id, month)] += n or 0
        earned[(member_id, month // 100)] += n or 0
    return earned


def _post(
    kind: str, candidates: list[Candidate], members: Q, result: PostingResult
) -> PostingResult:
    if not candidates:
        return result
    posted = set(
        PointsEntry.objects.filter(
            source_kind=kind,
            is_reversal=False,
            month__in={c.month for c in candidates},
        )
        .filter(members)
        .values_list("source_id", "member_id")
    )
    fresh = [c for c in candidates if (c.source_id, c.member_id) not in posted]
    if not fresh:
        return result
    book = RuleBook.load(kind)
    earned = _earned_so_far(kind, {c.month for c in fresh}, members)
    now = db_datetime(clock.now())
    adapted: dict[dt.datetime, object] = {}  # the attendees of a meeting share its start
    rows: list[tuple[object, ...]] = []
    fresh.sort(key=lambda c: (c.occurred_at, c.source_id))  # the cap takes the earliest
    for c in fresh:
        rule = book.rule_for(c.path, day_of(c.occurred_at))
        if rule.is_exempt(category=c.category, status=c.status):
            result.exempt += 1
            continue
        period = (c.member_id, rule.period_of(c.month))
        points = int(
            (capped_points(rule, earned_before=earned[period]) * c.weight).to_integral_value(
                ROUND_HALF_UP
            )
        )
        note = ""
        if points:
            earned[(c.member_id, c.month)] += 1
            earned[(c.member_id, c.month // 100)] += 1
        else:
            result.capped += 1
            note = "已达本周期计分上限"
        rows.append(
            (
                c.member_id,
                c.organization_id,
                c.month // 100,
                c.month,
                adapted.get(c.occurred_at)
                or adapted.setdefault(c.occurred_at, db_datetime(c.occurred_at)),
                kind,
                c.source_id,
                False,
                points,
                note,
                None,
                now,
            )
        )
    result.posted += insert_entries(rows)
    return result


# -- reversals ----------------------------------------------------------------------------------

REVERSAL_CHUNK = 5000
PostedRow = tuple[int, int, int, int, int, int]  # member, organization, year, month, source, points


def _reverse(
    kind: str,
    where: Q,
    standing: Callable[[set[int]], QuerySet[Any]],
    note: str,
    result: PostingResult,
) -> PostingResult:
    """Reversing entries, once each, for the posted entries of `kind` in `where` whose source
    no longer stands (`standing(ids)` gives the sources among `ids` that still do). The posted
    entries are read a chunk at a time and each chunk's reversals and standing sources looked
    up by id: two index lookups whatever the table's statistics (as correlated NOT EXISTS,
    PostgreSQL planned a scan of the whole ledger per entry on a table loaded in the same
    transaction, before any ANALYZE)."""
    posted = (
        PointsEntry.objects.filter(where, source_kind=kind, is_reversal=False)
        .order_by()
        .values_list("member_id", "organization_id", "year", "month", "source_id", "points")
    )
    gone: list[PostedRow] = []
    chunk: list[PostedRow] = []
    for row in posted.iterator(chunk_size=REVERSAL_CHUNK):
        chunk.append(row)
        if len(chunk) == REVERSAL_CHUNK:
            gone += _gone(kind, chunk, standing)
            chunk = []
    gone += _gone(kind, chunk, standing)
    now = db_datetime(clock.now())
    rows = [
        (member, organization, year, month, now, kind, source, True, -points, note, None, now)
        for member, organization, year, month, source, points in gone
    ]
    result.reversed += insert_entries(rows)
    return result


def _gone(
    kind: str, chunk: list[PostedRow], standing: Callable[[set[int]], QuerySet[Any]]
) -> list[PostedRow]:
    """The entries of `chunk` neither reversed yet nor standing."""
    if not chunk:
        return []
    ids = {row[4] for row in chunk}
    reversed_ = set(
        PointsEntry.objects.filter(
            source_kind=kind, is_reversal=True, source_id__in=ids
        ).values_list("source_id", "member_id")
    )
    stands = set(standing(ids).values_list("pk", "member_id"))
    return [
        row for row in chunk if (row[4], row[0]) not in reversed_ and (row[4], row[0]) not in stands
    ]


def _hour_candidates(
    rows: Iterable[tuple[int, int, int, str, str, str, dt.datetime, Decimal]],
) -> list[Candidate]:
    """Candidates weighted by hours, from rows of (source, member, organization, path,
    category, status, when, hours)."""
    return [
        Candidate(source, member, org, path, category, status, at, _month_of(at), hours)
        for source, member, org, path, category, status, at, hours in rows
    ]


# -- attendance ----------------------------------------------------------------------------------


def _standing_attendance() -> Q:
    return Q(status__in=PRESENT_STATUSES) & ~Q(meeting__status=MeetingStatus.CANCELLED)


def _attendance_candidates(where: Q) -> list[Candidate]:
    """The standing attendances of `where` with what the rules need of their members. The
    ORM builds the query; its rows are fetched raw (a month is tens of thousands of rows, and
    the per-row converters cost more than the query), and the meetings' start times are read
    once per meeting, not once per attendee."""
    query = Attendance.objects.filter(where, _standing_attendance()).values_list(
        "id",
        "member_id",
        "member__organization_id",
        "member__organization__path",
        "member__category",
        "member__status",
        "meeting_id",
        "month",
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    meeting_ids = {row[6] for row in rows}
    starts = (
        dict(
            Meeting.objects.filter(
                pk__in=Attendance.objects.filter(where).values("meeting_id")
            ).values_list("pk", "starts_at")
        )
        if meeting_ids
        else {}
    )
    return [
        Candidate(source, member, org, path, category, status, starts[meeting], month)
        for source, member, org, path, category, status, meeting, month in rows
    ]


def _reverse_attendance(where: Q, result: PostingResult) -> PostingResult:
    """Reversing entries for posted attendances that no longer stand (struck off, the meeting
    cancelled), once each."""
    return _reverse(
        SourceKind.ATTENDANCE,
        where,
        lambda ids: Attendance.objects.filter(_standing_attendance(), pk__in=ids),
        "参会记录已更正，冲回",
        result,
    )


@transaction.atomic
def post_attendance_month(month: int) -> PostingResult:
    """A month of attendance (YYYYMM): the present who earned nothing yet earn; the entries
    of attendances struck off since are reversed."""
    result = PostingResult()
    in_month = Q(
        member_id__in=Attendance.objects.filter(month=month, status__in=PRESENT_STATUSES).values(
            "member_id"
        )
    )
    _post(
        SourceKind.ATTENDANCE,
        _attendance_candidates(Q(month=month)),
        in_month,
        result,
    )
    return _reverse_attendance(Q(month=month), result)


@transaction.atomic
def post_attendances(attendance_ids: Sequence[int]) -> PostingResult:
    """The few attendances just recorded (a check-in, a sheet): posted or reversed at once."""
    result = PostingResult()
    ids = list(attendance_ids)
    if not ids:
        return result
    members = list(Attendance.objects.filter(pk__in=ids).values_list("member_id", flat=True))
    of_members = Q(member_id__in=members)
    _post(SourceKind.ATTENDANCE, _attendance_candidates(Q(pk__in=ids)), of_members, result)
    return _reverse_attendance(Q(source_id__in=ids) & of_members, result)


# -- cases ---------------------------------------------------------------------------------------


@transaction.atomic
def post_case_month(month: int) -> PostingResult:
    """Cases resolved (办结) in a month by a member's account earn its member points."""
    start = dt.datetime(month // 100, month % 100, 1, tzinfo=clock.CHINA)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    events = CaseEvent.objects.filter(
        kind=EventKind.RESOLVED, at__gte=start, at__lt=end, actor__member__isnull=False
    ).values_list(
        "id",
        "actor__member_id",
        "actor__member__organization_id",
        "actor__member__organization__path",
        "actor__member__category",
        "actor__member__status",
        "at",
    )
    candidates = [Candidate(*row, month=_month_of(row[6])) for row in events]
    members = Q(member_id__in={c.member_id for c in candidates})
    return _post(SourceKind.CASE, candidates, members, PostingResult())


# -- service hours (双报到) ------------------------------------------------------------------


def _service_candidates(where: Q) -> list[Candidate]:
    """The standing (not revoked) service records of `where`; an hour earns the rule's points,
    the day served (at noon) is when it happened."""
    rows = ServiceRecord.objects.filter(where, revoked_at__isnull=True).values_list(
        "id",
        "member_id",
        "member__organization_id",
        "member__organization__path",
        "member__category",
        "member__status",
        "served_on",
        "hours",
    )
    return _hour_candidates(
        (
            source,
            member,
            org,
            path,
            category,
            status,
            dt.datetime.combine(served_on, dt.time(12), tzinfo=clock.CHINA),
            Decimal(hours),
        )
        for source, member, org, path, category, status, served_on, hours in rows
    )


def _reverse_service(where: Q, result: PostingResult) -> PostingResult:
    """Reversing entries for posted service records since revoked (the community took back
    its confirmation), once each."""
    return _reverse(
        SourceKind.SERVICE_HOURS,
        where,
        lambda ids: ServiceRecord.objects.filter(pk__in=ids, revoked_at__isnull=True),
        "社区撤销服务时长确认，冲回",
        result,
    )


@transaction.atomic
def post_service_records(record_ids: Sequence[int]) -> PostingResult:
    """The few service records just confirmed or revoked: posted or reversed at once."""
    result = PostingResult()
    ids = list(record_ids)
    if not ids:
        return result
    members = list(ServiceRecord.objects.filter(pk__in=ids).values_list("member_id", flat=True))
    of_members = Q(member_id__in=members)
    _post(SourceKind.SERVICE_HOURS, _service_candidates(Q(pk__in=ids)), of_members, result)
    return _reverse_service(Q(source_id__in=ids) & of_members, result)


@transaction.atomic
def post_service_month(month: int) -> PostingResult:
    """A month of service records (by the day served): the periodic catch-up of
    post_service_records, and the reversal of those revoked since."""
    start = dt.date(month // 100, month % 100, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    in_month = Q(served_on__gte=start, served_on__lt=end)
    members = Q(member_id__in=ServiceRecord.objects.filter(in_month).values("member_id"))
    result = _post(
        SourceKind.SERVICE_HOURS, _service_candidates(in_month), members, PostingResult()
    )
    return _reverse_service(Q(month=month), result)


# -- task-force hours (党员突击队) --------------------------------------------------------------


@transaction.atomic
def post_taskforce_month(month: int) -> PostingResult:
    """The members' shifts that started in `month` whose hours are final (confirmed, the shift
    ended HOURS_FINAL_AFTER_DAYS ago, so no correction can follow): an hour earns the rule's
    points, the shift's start is when it happened. A shift cancelled is cancelled before it
    starts, so nothing posted is ever taken back."""
    start = dt.datetime(month // 100, month % 100, 1, tzinfo=clock.CHINA)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    final = clock.now() - dt.timedelta(days=HOURS_FINAL_AFTER_DAYS)
    where = Q(
        starts_at__gte=start,
        starts_at__lt=end,
        ends_at__lte=final,
        is_active=True,
        member__isnull=False,
        minutes_confirmed__gt=0,
    )
    rows = Assignment.objects.filter(where).values_list(
        "id",
        "member_id",
        "member__organization_id",
        "member__organization__path",
        "member__category",
        "member__status",
        "starts_at",
        "minutes_confirmed",
    )
    candidates = _hour_candidates(
        (source, member, org, path, category, status, at, Decimal(minutes) / 60)
        for source, member, org, path, category, status, at, minutes in rows
        if member is not None and minutes  # the query's own conditions, for the types
    )
    members = Q(member_id__in=Assignment.objects.filter(where).values("member_id"))
    return _post(SourceKind.TASKFORCE_HOURS, candidates, members, PostingResult())


def post_month(month: int) -> dict[str, PostingResult]:
    return {
        SourceKind.ATTENDANCE: post_attendance_month(month),
        SourceKind.CASE: post_case_month(month),
        SourceKind.SERVICE_HOURS: post_service_month(month),
        SourceKind.TASKFORCE_HOURS: post_taskforce_month(month),
    }
