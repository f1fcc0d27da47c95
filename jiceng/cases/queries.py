"""Reads of cases, scoped to the user: who sees which case, and who may do what with it.
Where comes from the user's scope (accounts.scoping), per permission:

- a grid worker: the cases of the grids they work (HANDLE_CASES over their grids);
- a community or street official: the cases routed inside their division (a code range);
- department staff: their department's cases, and the cases it is summoned to;
- the reporter: one case, through the unguessable token of its link; rating it takes the
  feedback key, which only the submitter was given.

A case outside answers 404 (NotFound), so its existence does not leak.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Reach, scope_of
from jiceng.core import audit, clock, crypto
from jiceng.core.errors import NotFound, not_found
from jiceng.core.paths import under_any
from jiceng.grid.models import PatrolFinding

from .models import (
    Case,
    CaseEvent,
    DepartmentStaff,
    Notice,
    Summons,
    SummonsReport,
)
from .workflow import OPEN_STATUSES, Level, Status

PHONE_FIELD = "case_phone"
DUPLICATE_RADIUS_M = 250
DUPLICATE_DAYS = 30
EARTH_RADIUS_M = 6_371_000


def _reach(user: User | AnonymousUser, permission: Permission) -> Reach:
    return scope_of(user).reach(permission)


def _place_q(reach: Reach) -> Q:
    """Cases routed inside the reach's divisions, by their community or their street."""
    return reach.division_q("community_id") | reach.division_q("street_id")


def my_departments(user: User | AnonymousUser) -> frozenset[int]:
    """The departments the user answers summonses for (报到)."""
    return _reach(user, Permission.ANSWER_SUMMONS).department_ids


def visibility_q(user: User | AnonymousUser) -> Q:
    """The cases of the places where the user handles or dispatches cases, of the grids and
    departments they handle for, and those their departments are summoned to."""
    scope = scope_of(user)
    reach = scope.reach(Permission.HANDLE_CASES) | scope.reach(Permission.DISPATCH_CASES)
    departments = reach.department_ids | scope.reach(Permission.ANSWER_SUMMONS).department_ids
    q = _place_q(reach)
    if reach.grid_ids:
        q |= Q(grid_id__in=reach.grid_ids)
    if departments:
        q |= Q(department_id__in=departments)
        q |= Q(
            Exists(SummonsReport.objects.filter(case=OuterRef("pk"), department_id__in=departments))
        )
    return q


def cases_for(user: User | AnonymousUser) -> QuerySet[Case]:
    return Case.objects.filter(visibility_q(user)).select_related(
        "case_type", "subject", "grid", "station", "department"
    )


def access_case(user: User | AnonymousUser, pk: int) -> Case:
    found = cases_for(user).filter(pk=pk).first()
    if found is None:
        raise not_found("诉求")
    return found


# -- what a user may do with a case ---------------------------------------------------------


def can_handle(user: User | AnonymousUser, case: Case) -> bool:
    """Whether the user works for the unit handling the case now (签收, 办理, 退单, 上报): its
    grid (or an official over its community), its street's stations, its department."""
    reach = _reach(user, Permission.HANDLE_CASES)
    if case.level == Level.GRID:
        return case.grid_id in reach.grid_ids or reach.covers_division(case.community_id)
    if case.level == Level.STATION:
        return reach.covers_stations_of(case.street_id)
    return case.department_id in reach.department_ids


def can_dispatch(user: User | AnonymousUser, case: Case) -> bool:
    """派单, 改派, 合并, 回访, 结案: a community or street official over the case's place."""
    reach = _reach(user, Permission.DISPATCH_CASES)
    return reach.covers_division(case.community_id) or reach.covers_division(case.street_id)


def can_summon(user: User | AnonymousUser, case: Case) -> bool:
    """吹哨 and rating the departments: a street official over the case's street."""
    return _reach(user, Permission.SUMMON_DEPARTMENTS).covers_division(case.street_id)


def can_answer(user: User | AnonymousUser, report: SummonsReport) -> bool:
    """报到 and finishing a department's part: that department's staff."""
    return report.department_id in my_departments(user)


def can_see_phone(user: User | AnonymousUser, case: Case) -> bool:
    """The reporter's contact details go to those who handle or dispatch the case."""
    return can_handle(user, case) or can_dispatch(user, case)


def reveal_phone(user: User, pk: int) -> tuple[Case, str]:
    """The reporter's full phone number: only for those handling the case, and each look is an
    audit record (naming the case, never the number)."""
    case = access_case(user, pk)
    if not can_see_phone(user, case):
        raise not_found("诉求")
    phone = (
        crypto.unseal(case.reporter_phone_sealed, field=PHONE_FIELD)
        if case.reporter_phone_sealed
        else ""
    )
    audit.record(
        audit.AuditEvent.SENSITIVE_VIEW, action="cases.reveal_phone", target=case, user=user
    )
    return case, phone


# -- lists ------------------------------------------------------------------------------------


def handling_inbox(user: User) -> QuerySet[Case]:
    """The open cases the user's units handle now: the grid worker's grids, the street's
    stations, the department's cases."""
    reach = _reach(user, Permission.HANDLE_CASES)
    q = Q(pk__in=[])
    if reach.grid_ids:
        q |= Q(level=Level.GRID, grid_id__in=reach.grid_ids)
    if reach.station_prefixes:
        q |= Q(level=Level.STATION) & under_any(reach.station_prefixes, "street_id")
    if reach.department_ids:
        q |= Q(level=Level.DEPARTMENT, department_id__in=reach.department_ids)
    return (
        Case.objects.filter(q, status__in=OPEN_STATUSES)
        .select_related("case_type", "subject", "grid", "station", "department")
        .order_by("resolve_due_at", "pk")
    )


def dispatch_queue(user: User) -> QuerySet[Case]:
    """What the dispatcher has to act on: received but not dispatched, returned, resolved
    awaiting the follow-up call."""
    place = _place_q(_reach(user, Permission.DISPATCH_CASES))
    return (
        Case.objects.filter(place, status__in=[Status.RECEIVED, Status.RETURNED, Status.RESOLVED])
        .select_related("case_type", "subject", "grid", "station", "department")
        .order_by("received_at", "pk")
    )


def open_cases_in_area(user: User) -> QuerySet[Case]:
    place = _place_q(_reach(user, Permission.DISPATCH_CASES))
    return (
        Case.objects.filter(place, status__in=OPEN_STATUSES)
        .select_related("case_type", "subject", "grid", "station", "department")
        .order_by("resolve_due_at", "pk")
    )


def summonses_for_street(user: User, *, unfinished_only: bool = False) -> QuerySet[Summons]:
    """The street's summonses, newest first; `unfinished_only`: those a department has still
    to report to or finish."""
    place = _reach(user, Permission.SUMMON_DEPARTMENTS).division_q("case__street_id")
    rows = Summons.objects.filter(place)
    if unfinished_only:
        unfinished = SummonsReport.objects.filter(summons=OuterRef("pk"), finished_at__isnull=True)
        rows = rows.filter(Exists(unfinished))
    return (
        rows.select_related("case", "case__subject")
        .prefetch_related("reports__department")
        .order_by("-summoned_at")
    )


def summons_reports_for(user: User, *, unfinished_only: bool = True) -> QuerySet[SummonsReport]:
    """A department's summonses (报到 board)."""
    rows = SummonsReport.objects.filter(department_id__in=my_departments(user))
    if unfinished_only:
        rows = rows.filter(finished_at__isnull=True)
    return rows.select_related("summons", "case", "case__subject", "department").order_by(
        "report_due_at", "pk"
    )


def departments_with_staff(department_ids: list[int]) -> frozenset[int]:
    """Those of the departments someone can answer for: a summons to any other waits for no
    one (withdraw it or send it elsewhere, whistle.withdraw_summons)."""
    return frozenset(
        DepartmentStaff.objects.filter(department_id__in=department_ids)
        .values_list("department_id", flat=True)
        .distinct()
    )


def access_report(user: User, pk: int) -> SummonsReport:
    """A summons report the user may see: their department's, or one of a case in their view."""
    found = (
        SummonsReport.objects.filter(pk=pk)
        .filter(
            Q(department_id__in=my_departments(user))
            | Q(case__in=Case.objects.filter(visibility_q(user)).values("pk"))
        )
        .select_related("summons", "case", "department")
        .first()
    )
    if found is None:
        raise not_found("报到记录")
    return found


def events_of(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "pk")


def notices_for(user: User, limit: int = 20) -> list[Notice]:
    return list(Notice.objects.filter(user=user).select_related("case")[:limit])


def findings_without_case(findings: QuerySet[PatrolFinding]) -> QuerySet[PatrolFinding]:
    """Those of `findings` no case was opened from yet (巡查发现待转工单)."""
    return findings.exclude(Exists(Case.objects.filter(finding=OuterRef("pk"))))


def cases_of_findings(finding_ids: list[int]) -> dict[int, Case]:
    """The case opened from each of these findings, by finding id (none for the others)."""
    rows = Case.objects.filter(finding_id__in=finding_ids).only("pk", "received_at", "finding_id")
    return {case.finding_id: case for case in rows if case.finding_id is not None}


# -- the reporter's link --------------------------------------------------------------------


def token_digest(token: str) -> str:
    """The link's token is kept only as its SHA-256: the table alone opens no case."""
    return hashlib.sha256(token.encode()).hexdigest()


def case_by_token(token: str) -> Case:
    if not token or len(token) > 100:
        raise NotFound("查询码无效")
    found = (
        Case.objects.filter(token_digest=token_digest(token))
        .select_related("case_type", "subject", "merged_into")
        .first()
    )
    if found is None:
        raise NotFound("查询码无效")
    return found


def case_for_feedback(token: str, feedback_key: str) -> Case:
    """The case the holder of its feedback key may rate: the token finds it, and the key, given
    to the submitter alone, must match (compared in constant time). The token alone, which
    may have been shared to show the progress, rates nothing."""
    case = case_by_token(token)
    if not (
        case.feedback_digest
        and 0 < len(feedback_key) <= 100
        and hmac.compare_digest(case.feedback_digest, token_digest(feedback_key))
    ):
        raise NotFound("评价码无效")
    return case


NUMBER_OR_PHONE_WRONG = "工单号或手机号后四位不对，请核对后再试"


def number_parts(number: str) -> tuple[dt.date, int] | None:
    """The date received and the id a case number (models.case_number) is made of, or None if
    `number` is not one."""
    number = number.strip()
    if not (14 <= len(number) <= 20 and number.isascii() and number.isdigit()):
        return None
    try:
        day = dt.date(int(number[:4]), int(number[4:6]), int(number[6:8]))
    except ValueError:
        return None
    return day, int(number[8:])


def case_by_number_and_phone_tail(number: str, tail: str) -> Case:
    """The case a reporter finds by its number and the last four digits of the phone they gave
    (按工单号和手机号后四位查询). No case and other digits answer the same NotFound, and a case
    without a phone is found by no digits. It reads the progress only: the feedback key,
    never these digits, rates a case."""
    parts = number_parts(number)
    if parts is None or not (len(tail) == 4 and tail.isascii() and tail.isdigit()):
        raise NotFound(NUMBER_OR_PHONE_WRONG)
    day, pk = parts
    # Not merged_into: few cases are merged, and its fifty columns cost every look-up 40%.
    found = Case.objects.filter(pk=pk).select_related("case_type", "subject").first()
    if found is None or found.received_at.astimezone(clock.CHINA).date() != day:
        raise NotFound(NUMBER_OR_PHONE_WRONG)
    phone = (
        crypto.unseal(found.reporter_phone_sealed, field=PHONE_FIELD)
        if found.reporter_phone_sealed
        else ""
    )
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) < 7 or not hmac.compare_digest(digits[-4:].encode(), tail.encode()):
        raise NotFound(NUMBER_OR_PHONE_WRONG)
    return found


# -- duplicates -----------------------------------------------------------------------------


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def duplicates_of(case: Case) -> list[Case]:
    """Possible duplicates of `case`, for the dispatcher's merge list."""
    return possible_duplicates(
        subject_id=case.subject_id, lon=case.lon, lat=case.lat, exclude_pk=case.pk
    )


def possible_duplicates(
    *,
    subject_id: int,
    lon: float | None,
    lat: float | None,
    now: dt.datetime | None = None,
    exclude_pk: int | None = None,
    radius_m: float = DUPLICATE_RADIUS_M,
) -> list[Case]:
    """Open cases of the same subject within `radius_m` received in the last 30 days, nearest
    first, at most 20 (the dispatcher's merge list): a bounding box on the (subject, lat)
    index, then the exact distance."""
    if lon is None or lat is None:
        return []
    now = now or clock.now()
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(0.01, math.cos(math.radians(lat))))
    candidates = Case.objects.filter(
        subject_id=subject_id,
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
        received_at__gte=now - dt.timedelta(days=DUPLICATE_DAYS),
        status__in=OPEN_STATUSES,
    ).order_by()
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    near = [
        (distance_m(lon, lat, c.lon, c.lat), c)
        for c in candidates[:500]
        if c.lon is not None and c.lat is not None  # always, inside the box: for the type
    ]
    near.sort(key=lambda found: found[0])
    return [case for distance, case in near if distance <= radius_m][:20]
