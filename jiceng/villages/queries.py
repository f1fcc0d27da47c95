"""Reads of the village work teams, scoped: a cadre reads their own dispatch; a department
the villages under its ORGANIZATION_DEPARTMENT rows (MANAGE_VILLAGE_TEAMS)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Where, role_reach, scope_of
from jiceng.core import clock
from jiceng.core.errors import not_found
from jiceng.core.paths import under_any
from jiceng.divisions.models import Level
from jiceng.orgs.models import Organization

from . import rules, workdays
from .models import (
    Dispatch,
    DispatchStatus,
    Leave,
    LeaveStatus,
    MonthlyPresence,
    Post,
    PresenceRule,
    VillageWorkTeam,
)

P = Permission
POST_ORDER = {Post.FIRST_SECRETARY: 0, Post.TEAM_LEADER: 1, Post.TEAM_MEMBER: 2}


def serving_dispatch(user: User) -> Dispatch | None:
    """The cadre's own serving dispatch (one at most)."""
    return (
        Dispatch.objects.filter(cadre=user, status=DispatchStatus.SERVING)
        .select_related("team__organization", "sending_unit")
        .first()
    )


def _paths(user: User) -> tuple[str, ...]:
    return scope_of(user).reach(P.MANAGE_VILLAGE_TEAMS).paths


def manages(user: User, organization: Organization) -> bool:
    """Whether the user's department covers this village."""
    return scope_of(user).allows(
        P.MANAGE_VILLAGE_TEAMS, path=organization.path, division_id=organization.division_id
    )


def _county_reach(user: User) -> tuple[str, ...]:
    return role_reach(
        user, Role.ORGANIZATION_DEPARTMENT, Where.SUBTREE, up_to_level=Level.COUNTY
    ).paths


def county_paths(user: User) -> tuple[str, ...]:
    """The subtrees where the user acts as a county (or higher) organization department."""
    return _county_reach(user)


def is_county_department(user: User) -> bool:
    return bool(_county_reach(user))


def is_county_department_of(user: User, organization: Organization) -> bool:
    return any(organization.path.startswith(p) for p in _county_reach(user))


def rule_of(path: str) -> rules.Rule:
    """The rule in force at the village with this path (one read of the rows above it)."""
    prefixes = [path[:end] for end in range(4, len(path) + 1, 4)]
    rows = PresenceRule.objects.filter(path__in=prefixes)
    return rules.rule_for(
        path,
        (
            (r.path, rules.Rule(r.on_site_percent, r.township_leave_days, r.backfill_days))
            for r in rows
        ),
    )


def _serving_prefetch() -> Prefetch:  # type: ignore[type-arg]
    return Prefetch(
        "dispatches",
        queryset=Dispatch.objects.filter(status=DispatchStatus.SERVING).select_related(
            "cadre", "sending_unit"
        ),
        to_attr="serving",
    )


def teams_under(user: User) -> QuerySet[VillageWorkTeam]:
    return (
        VillageWorkTeam.objects.filter(under_any(_paths(user)), is_active=True)
        .select_related("organization", "lead_unit")
        .prefetch_related(_serving_prefetch())
        .order_by("path")
    )


def team_of(organization: Organization) -> VillageWorkTeam | None:
    """The village's active team with its serving cadres, first secretary first."""
    team = (
        VillageWorkTeam.objects.filter(organization=organization, is_active=True)
        .select_related("lead_unit")
        .prefetch_related(_serving_prefetch())
        .first()
    )
    if team is not None:
        team.serving.sort(key=lambda d: POST_ORDER[Post(d.post)])  # type: ignore[attr-defined]
    return team


def access_dispatch(user: User, pk: int) -> Dispatch:
    """A dispatch the user's department covers, or the user's own."""
    dispatch = (
        Dispatch.objects.filter(pk=pk)
        .select_related("team__organization", "cadre", "sending_unit", "cadre__member")
        .first()
    )
    if dispatch is None or not (
        dispatch.cadre_id == user.pk or manages(user, dispatch.team.organization)
    ):
        raise not_found("驻村干部")
    return dispatch


def pending_leaves(user: User) -> QuerySet[Leave]:
    """Leave waiting for this user's decision: short leave for the township (and the county),
    long leave for the county department only."""
    rows = Leave.objects.filter(
        under_any(_paths(user), "dispatch__team__path"), status=LeaveStatus.PENDING
    )
    if not is_county_department(user):
        rows = rows.filter(approver="TOWNSHIP")
    return rows.select_related("dispatch__cadre", "dispatch__team__organization").order_by(
        "starts_on"
    )


def access_leave(user: User, pk: int) -> Leave:
    leave = Leave.objects.filter(pk=pk).select_related("dispatch__team__organization").first()
    if leave is None or not manages(user, leave.dispatch.team.organization):
        raise not_found("请假")
    return leave


def last_checked_month() -> int:
    """The last whole month: the one the below-the-rule list shows by default."""
    first = clock.today().replace(day=1)
    return workdays.month_of(first - dt.timedelta(days=1))


def below_rule(user: User, month: int) -> QuerySet[MonthlyPresence]:
    """The cadres under the department who fell short of the on-site rule in `month`."""
    return (
        MonthlyPresence.objects.filter(under_any(_paths(user)), month=month, meets_rule=False)
        .select_related("dispatch__cadre", "dispatch__team__organization")
        .order_by("path", "dispatch_id")
    )


def dispatches_to_appraise(user: User) -> QuerySet[Dispatch]:
    """Terms ending within the appraisal window or ended, not yet appraised."""
    horizon = clock.today() + dt.timedelta(days=rules.APPRAISAL_WINDOW_DAYS)
    return (
        Dispatch.objects.filter(
            under_any(_county_reach(user), "team__path"), grade="", ends_on__lte=horizon
        )
        .exclude(status=DispatchStatus.RECALLED)
        .select_related("cadre", "team__organization")
        .order_by("ends_on")
    )


@dataclass(frozen=True)
class Day:
    day: dt.date
    is_workday: bool
    logged: bool
    on_leave: bool
    check: bool | None  # a spot check's finding that day
    in_term: bool

    @property
    def css(self) -> str:
        if not self.in_term:
            return "out"
        if self.check is False:
            return "away"
        if self.logged:
            return "on"
        if self.on_leave:
            return "leave"
        return "work" if self.is_workday else "rest"


@dataclass(frozen=True)
class Month:
    month: int
    days: list[Day]
    lead: int  # blank cells before the 1st (Monday first)
    count: rules.MonthCount
    rule: rules.Rule
    calendar_covered: bool

    @property
    def title(self) -> str:
        return f"{self.month // 100}年{self.month % 100}月"

    @property
    def lead_cells(self) -> range:
        return range(self.lead)


def month_of(dispatch: Dispatch, month: int, *, up_to: dt.date | None = None) -> Month:
    """The dispatch's month day by day and its count against the rule; `up_to` (today for
    the month under way) ends the count there."""
    first, last = workdays.month_bounds(month)
    start = max(first, dispatch.starts_on)
    end = min(last, dispatch.last_day, up_to or last)
    logged = set(dispatch.work_days.filter(day__range=(first, last)).values_list("day", flat=True))
    leave: set[dt.date] = set()
    for a, b in dispatch.leaves.filter(
        status=LeaveStatus.APPROVED, starts_on__lte=last, ends_on__gte=first
    ).values_list("starts_on", "ends_on"):
        leave.update(workdays.days_between(max(a, first), min(b, last)))
    checks = dict(
        dispatch.spot_checks.filter(day__range=(first, last)).values_list("day", "found_on_site")
    )
    rule = rule_of(dispatch.team.path)
    in_window = set(workdays.days_between(start, end)) if start <= end else set()
    count = rules.count_month(
        workdays=[d for d in in_window if workdays.is_workday(d)],
        logged=logged & in_window,
        leave=leave & in_window,
        checks_absent={d for d, found in checks.items() if not found} & in_window,
        percent=rule.on_site_percent,
    )
    days = [
        Day(
            day=d,
            is_workday=workdays.is_workday(d),
            logged=d in logged,
            on_leave=d in leave,
            check=checks.get(d),
            in_term=dispatch.starts_on <= d <= dispatch.last_day,
        )
        for d in workdays.days_between(first, last)
    ]
    return Month(month, days, first.weekday(), count, rule, workdays.is_covered(first.year))


def serving_in(month: int) -> QuerySet[Dispatch]:
    """Dispatches whose posting overlaps month YYYYMM."""
    first, last = workdays.month_bounds(month)
    return Dispatch.objects.filter(starts_on__lte=last).filter(
        Q(left_on__isnull=True, ends_on__gte=first) | Q(left_on__gte=first)
    )
