"""Reads of task forces, scoped: what is open to a member, their shifts, the coverage board,
the gap list, and the figures that roll up the organization tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Substr
from django.utils.timezone import localtime, make_aware

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import not_found
from jiceng.core.paths import under
from jiceng.members.models import Member
from jiceng.orgs import subtrees
from jiceng.orgs.models import Organization

from .models import Assignment, Shift, Site, TaskForce

STEP = 4  # characters of an organization's path per level (treebeard)
BOARD_PAGE = 20  # sites a page of the coverage board shows (a phone's few screens)
BOARD_PAGE_MAX = 200  # the most sites one answer of the API gives (more: its next pages)
GAP_PAGE = 100


def ancestor_paths(path: str) -> list[str]:
    """The paths of an organization and every organization above it."""
    return [path[:i] for i in range(STEP, len(path) + 1, STEP)]


def member_of(user: User) -> Member | None:
    if user.member_id is None:
        return None
    return Member.objects.select_related("organization").filter(pk=user.member_id).first()


def open_to(member: Member) -> QuerySet[TaskForce]:
    """Task forces a member may join: formed by an organization above the member's own (or
    calling up the units under a department), or with a site in the member's residential
    community; still running and taking sign-ups."""
    near = Exists(
        Site.objects.filter(task_force=OuterRef("pk"), community_id=member.residential_division_id)
    )
    reach = Q(organization__path__in=ancestor_paths(member.organization.path))
    if member.residential_division_id:
        reach |= Q(near)
    return (
        TaskForce.objects.filter(reach, is_open=True, ends_on__gte=clock.today())
        .select_related("organization")
        .order_by("starts_on", "pk")
    )


def visible(user: User) -> QuerySet[TaskForce]:
    """Task forces of organizations the user sees, and those with a site in a division the
    user sees (a community or street sees the task forces working in it)."""
    reach = scope_of(user).reach(Permission.VIEW_ORGANIZATIONS)
    sited = Exists(
        Site.objects.filter(task_force=OuterRef("pk")).filter(reach.division_q("community_id"))
    )
    return TaskForce.objects.filter(
        reach.organization_q("organization__")
        | (sited if reach.division_prefixes else Q(pk__in=[]))
    ).select_related("organization")


def may_manage(user: User, task_force: TaskForce) -> bool:
    organization = task_force.organization
    return scope_of(user).allows(
        Permission.MANAGE_MEETINGS, path=organization.path, division_id=organization.division_id
    )


def access_task_force(user: User, pk: int) -> TaskForce:
    """A task force the user sees, or one open to the user as a member; else not found."""
    found = visible(user).filter(pk=pk).first()
    if found is not None:
        return found
    member = member_of(user)
    if member is not None:
        found = (
            TaskForce.objects.filter(pk=pk)
            .filter(
                Q(organization__path__in=ancestor_paths(member.organization.path))
                | Exists(
                    Site.objects.filter(
                        task_force=OuterRef("pk"), community_id=member.residential_division_id
                    )
                )
            )
            .select_related("organization")
            .first()
        )
        if found is not None:
            return found
    raise not_found("突击队")


def access_site(user: User, pk: int) -> Site:
    site = Site.objects.select_related("task_force__organization", "lead").filter(pk=pk).first()
    if site is None:
        raise not_found("点位")
    if user.member_id is not None and site.lead_id == user.member_id:
        return site
    access_task_force(user, site.task_force_id)
    return site


def access_shift(user: User, pk: int) -> Shift:
    shift = Shift.objects.select_related("site", "task_force__organization").filter(pk=pk).first()
    if shift is None:
        raise not_found("班次")
    access_task_force(user, shift.task_force_id)
    return shift


def day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = make_aware(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


def my_assignments(member_id: int, *, since: dt.datetime | None = None) -> QuerySet[Assignment]:
    """A member's shifts still to come or under way (since: default now)."""
    return (
        Assignment.objects.filter(
            member_id=member_id, is_active=True, ends_at__gt=since or clock.now()
        )
        .select_related("shift__site", "task_force")
        .order_by("starts_at")
    )


def my_past_assignments(member_id: int) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(member_id=member_id, is_active=True, ends_at__lte=clock.now())
        .select_related("shift__site", "task_force")
        .order_by("-starts_at")
    )


def led_sites(user: User) -> QuerySet[Site]:
    if user.member_id is None:
        return Site.objects.none()
    return (
        Site.objects.filter(lead_id=user.member_id, task_force__ends_on__gte=clock.today())
        .select_related("task_force")
        .order_by("task_force__starts_on", "name")
    )


def open_shifts(
    task_force: TaskForce, *, limit: int = 200, day: dt.date | None = None
) -> list[Shift]:
    """The shifts still to come with places left, soonest first (what a member takes); of
    one day if `day` is given."""
    found = Shift.objects.filter(
        task_force=task_force, taken__lt=F("needed"), starts_at__gt=clock.now()
    )
    if day is not None:
        start, end = day_range(day)
        found = found.filter(starts_at__gte=start, starts_at__lt=end)
    return list(found.select_related("site").order_by("starts_at", "site__name")[:limit])


def first_open_day(task_force: TaskForce) -> dt.date | None:
    """The first day with a shift to come that has places left."""
    first = (
        Shift.objects.filter(
            task_force=task_force, taken__lt=F("needed"), starts_at__gt=clock.now()
        )
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return localtime(first).date() if first else None


# -- the coverage board ---------------------------------------------------------------------


@dataclass
class BoardShift:
    pk: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    needed: int
    taken: int
    window: str = ""  # "08:00–12:00", local time
    people: list[tuple[str, bool]] = field(default_factory=list)  # (name, checked in)

    @property
    def gap(self) -> int:
        return self.needed - self.taken


@dataclass
class BoardSite:
    pk: int
    name: str
    address: str
    shifts: list[BoardShift] = field(default_factory=list)

    @property
    def gap(self) -> int:
        return sum(s.gap for s in self.shifts)


@dataclass
class Board:
    day: dt.date
    needed: int
    taken: int
    sites_with_gaps: int
    sites: list[BoardSite]
    page: int
    pages: int

    @property
    def gap(self) -> int:
        return self.needed - self.taken


def board(
    task_force: TaskForce,
    day: dt.date,
    *,
    page: int = 1,
    size: int = BOARD_PAGE,
    gaps_only: bool = False,
) -> Board:
    """Site by site, shift by shift on one day: who is on, and the gaps. The day's totals over
    every site; the sites themselves a page at a time (a phone shows fifty, not a thousand)."""
    start, end = day_range(day)
    day_shifts = Shift.objects.filter(
        task_force=task_force, starts_at__gte=start, starts_at__lt=end
    )
    # The day's totals and both site counts in one pass over the day's shifts.
    totals = day_shifts.aggregate(
        places=Sum("needed"),
        filled=Sum("taken"),
        sites=Count("site_id", distinct=True),
        gap_sites=Count("site_id", distinct=True, filter=Q(taken__lt=F("needed"))),
    )
    with_gaps = totals["gap_sites"] or 0
    site_ids = (
        day_shifts.filter(taken__lt=F("needed"))
        .order_by("site_id")
        .values_list("site_id", flat=True)
        .distinct()
        if gaps_only
        else day_shifts.order_by("site_id").values_list("site_id", flat=True).distinct()
    )
    counted = with_gaps if gaps_only else (totals["sites"] or 0)
    pages = max(1, -(-counted // size))
    page = min(max(1, page), pages)
    shown_ids = list(site_ids[(page - 1) * size : page * size])
    sites = {
        pk: BoardSite(pk, name, address)
        for pk, name, address in Site.objects.filter(pk__in=shown_ids)
        .order_by("pk")
        .values_list("pk", "name", "address")
    }
    shifts: dict[int, BoardShift] = {}
    windows: dict[tuple[dt.datetime, dt.datetime], str] = {}  # a day has a few shift times
    for pk, site_id, starts_at, ends_at, needed, taken in (
        day_shifts.filter(site_id__in=shown_ids)
        .order_by("site_id", "starts_at")
        .values_list("pk", "site_id", "starts_at", "ends_at", "needed", "taken")
    ):
        window = windows.get((starts_at, ends_at))
        if window is None:
            window = f"{localtime(starts_at):%H:%M}–{localtime(ends_at):%H:%M}"
            windows[starts_at, ends_at] = window
        shifts[pk] = BoardShift(pk, starts_at, ends_at, needed, taken, window)
        sites[site_id].shifts.append(shifts[pk])
    # The people of the shown shifts only, found through the assignments' shift index.
    for shift_id, member_name, volunteer_name, checked_in in (
        Assignment.objects.filter(shift_id__in=list(shifts), is_active=True)
        .annotate(checked_in=ExpressionWrapper(Q(checked_in_at__isnull=False), BooleanField()))
        .order_by("pk")
        .values_list("shift_id", "member__name", "volunteer__name", "checked_in")
    ):
        shifts[shift_id].people.append(
            (member_name or f"{volunteer_name}（志愿者）", bool(checked_in))
        )
    return Board(
        day=day,
        needed=totals["places"] or 0,
        taken=totals["filled"] or 0,
        sites_with_gaps=with_gaps,
        sites=list(sites.values()),
        page=page,
        pages=pages,
    )


@dataclass(frozen=True)
class Gap:
    shift_id: int
    site_id: int
    site_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    needed: int
    taken: int

    @property
    def gap(self) -> int:
        return self.needed - self.taken


@dataclass
class Gaps:
    shifts: int
    places: int
    rows: list[Gap]
    page: int
    pages: int


def gap_shifts(task_force: TaskForce, *, start: dt.datetime, days: int) -> QuerySet[Shift]:
    return Shift.objects.filter(
        task_force=task_force,
        starts_at__gte=start,
        starts_at__lt=start + dt.timedelta(days=days),
        taken__lt=F("needed"),
    )


def gaps(task_force: TaskForce, *, start: dt.datetime, days: int, page: int = 1) -> Gaps:
    """The shifts with places left from `start` over `days` days, soonest first (a page)."""
    found = gap_shifts(task_force, start=start, days=days)
    totals = found.aggregate(shifts=Count("pk"), places=Sum(F("needed") - F("taken")))
    count = totals["shifts"] or 0
    pages = max(1, -(-count // GAP_PAGE))
    page = min(max(1, page), pages)
    rows = [
        Gap(*row)
        for row in found.order_by("starts_at", "site_id")[
            (page - 1) * GAP_PAGE : page * GAP_PAGE
        ].values_list("pk", "site_id", "site__name", "starts_at", "ends_at", "needed", "taken")
    ]
    return Gaps(shifts=count, places=totals["places"] or 0, rows=rows, page=page, pages=pages)


# -- figures up the tree --------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    task_forces: int
    people: int
    places_needed: int
    places_taken: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def coverage(self) -> int:
        return round(100 * self.places_taken / self.places_needed) if self.places_needed else 0


def figures(organization: Organization, *, year: int | None = None) -> Figures:
    """The task forces formed in the organization's subtree: people who served (each once),
    places, hours confirmed; the kept figures of each task force summed by one range scan."""
    forces = TaskForce.objects.filter(under(organization.path, "organization__path"))
    if year is not None:
        forces = forces.filter(starts_on__year=year)
    totals = forces.aggregate(
        n=Count("pk"),
        needed=Sum("places_needed"),
        taken=Sum("places_taken"),
        minutes=Sum("minutes_confirmed"),
    )
    people = Assignment.objects.filter(is_active=True, task_force__in=forces).aggregate(
        members=Count("member_id", distinct=True), volunteers=Count("volunteer_id", distinct=True)
    )
    return Figures(
        task_forces=totals["n"] or 0,
        people=(people["members"] or 0) + (people["volunteers"] or 0),
        places_needed=totals["needed"] or 0,
        places_taken=totals["taken"] or 0,
        minutes=totals["minutes"] or 0,
    )


@dataclass(frozen=True)
class ChildFigures:
    organization: Organization
    task_forces: int
    places_needed: int
    places_taken: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def coverage(self) -> int:
        return round(100 * self.places_taken / self.places_needed) if self.places_needed else 0


def figures_by_child(organization: Organization, *, year: int | None = None) -> list[ChildFigures]:
    """The same figures for each organization directly under this one (its whole subtree),
    grouped in one query on the path's next step."""
    width = len(organization.path) + STEP
    forces = TaskForce.objects.filter(under(organization.path, "organization__path")).exclude(
        organization=organization
    )
    if year is not None:
        forces = forces.filter(starts_on__year=year)
    rows = (
        forces.annotate(child=Substr("organization__path", 1, width))
        .values("child")
        .annotate(
            n=Count("pk"),
            needed=Sum("places_needed"),
            taken=Sum("places_taken"),
            minutes=Sum("minutes_confirmed"),
        )
        .order_by("child")
    )
    by_path = {r["child"]: r for r in rows}
    children = Organization.objects.filter(path__in=list(by_path)).order_by("path")
    return [
        ChildFigures(
            organization=c,
            task_forces=by_path[c.path]["n"],
            places_needed=by_path[c.path]["needed"] or 0,
            places_taken=by_path[c.path]["taken"] or 0,
            minutes=by_path[c.path]["minutes"] or 0,
        )
        for c in children
    ]


def managed_under(user: User) -> QuerySet[TaskForce]:
    """Task forces the user manages (formed in the subtrees their managing roles name): for
    a big subtree read by their own indexes, each tested for its organization (orgs.subtrees)
    instead of probing every organization of a province."""
    return TaskForce.objects.filter(
        subtrees.inside(scope_of(user).reach(Permission.MANAGE_MEETINGS), prefix="organization__")
    ).select_related("organization")


def managed_roots(user: User) -> QuerySet[Organization]:
    """The organizations at the top of the user's managing scope (for the figures page)."""
    paths = scope_of(user).reach(Permission.MANAGE_MEETINGS).paths
    return Organization.objects.filter(path__in=paths).order_by("path")
