"""Reads of households, contacts and visits, scoped to the user (accounts.scoping).

Who sees a household (one picture for all of them):
- its contact members (联系党员), through their open contacts (the member's own record);
- the workers of its grid (网格员: the grids their scope names);
- those who keep the households of its community: where a role dispatches cases or manages
  grids over the community's division (社区, 街道), or manages the members of an organization
  located there (the community's party committee and branches, and the departments above).
Only the first two see a resident's name and phone in full, each look audited
(`reveal_resident`); everyone else sees them masked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.cases import categories
from jiceng.cases.models import CaseType, Subject
from jiceng.core import audit, clock, crypto
from jiceng.core.errors import DomainError, InvalidInput, not_found
from jiceng.core.paths import is_under, under_any
from jiceng.grid.models import Grid
from jiceng.members.models import ACTIVE_STATUSES, Member

from .models import Household, HouseholdContact, Visit

P = Permission
NAME_FIELD = "household_resident_name"
PHONE_FIELD = "household_phone"
# The roles' permissions that keep a community's households (assign contacts, add households).
KEEPERS = (P.DISPATCH_CASES, P.MANAGE_GRIDS, P.MANAGE_MEMBERS)


def visit_days() -> int:
    """A household with no visit for this many days is overdue (JICENG_HOUSEHOLD_VISIT_DAYS)."""
    return int(settings.JICENG_HOUSEHOLD_VISIT_DAYS)


def overdue_before() -> dt.date:
    """A household last visited before this day (or never) is overdue."""
    return clock.today() - dt.timedelta(days=visit_days())


def overdue_q() -> Q:
    return Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=overdue_before())


def is_overdue(household: Household) -> bool:
    return household.last_visited_on is None or household.last_visited_on < overdue_before()


# -- where the user acts ----------------------------------------------------------------------


def worked_grid_ids(user: User) -> frozenset[int]:
    """The grids the user works as a grid worker."""
    return scope_of(user).reach(P.HANDLE_CASES).grid_ids


def _kept_q(user: User, field: str) -> Q:
    """Rows whose community (`field`, a division code) the user keeps."""
    scope = scope_of(user)
    q = scope.reach(P.DISPATCH_CASES).division_q(field) | scope.reach(P.MANAGE_GRIDS).division_q(
        field
    )
    return q | under_any(scope.reach(P.MANAGE_MEMBERS).subtree_divisions, field)


def keeps_somewhere(user: User) -> bool:
    scope = scope_of(user)
    return bool(
        scope.reach(P.DISPATCH_CASES).division_prefixes
        or scope.reach(P.MANAGE_GRIDS).division_prefixes
        or scope.reach(P.MANAGE_MEMBERS).subtree_divisions
    )


def keeps_community(user: User, community_code: str) -> bool:
    scope = scope_of(user)
    return (
        scope.reach(P.DISPATCH_CASES).covers_division(community_code)
        or scope.reach(P.MANAGE_GRIDS).covers_division(community_code)
        or any(is_under(community_code, d) for d in scope.reach(P.MANAGE_MEMBERS).subtree_divisions)
    )


def kept_grids(user: User) -> QuerySet[Grid]:
    """The grids whose households the user keeps (assigns contacts to, adds)."""
    return Grid.objects.filter(_kept_q(user, "community_id"), is_active=True)


def seen_grids(user: User) -> QuerySet[Grid]:
    """The grids whose households the user sees as a whole: worked or kept."""
    return Grid.objects.filter(
        _kept_q(user, "community_id") | Q(pk__in=worked_grid_ids(user)), is_active=True
    )


def households_for(user: User) -> QuerySet[Household]:
    """Every household the user may see."""
    q = _kept_q(user, "grid__community_id") | Q(grid_id__in=worked_grid_ids(user))
    member_id = scope_of(user).own_member_id
    if member_id is not None:
        q |= Q(
            pk__in=HouseholdContact.objects.filter(
                member_id=member_id, ended_on__isnull=True
            ).values("household_id")
        )
    return Household.objects.filter(q).select_related("grid")


def access_household(user: User, pk: int) -> Household:
    found = households_for(user).filter(pk=pk).first()
    if found is None:
        raise not_found("联系户")
    return found


def is_contact(user: User, household: Household) -> bool:
    member_id = scope_of(user).own_member_id
    return (
        member_id is not None
        and HouseholdContact.objects.filter(
            household=household, member_id=member_id, ended_on__isnull=True
        ).exists()
    )


def may_visit(user: User, household: Household) -> bool:
    """Its contact members and its grid's workers log visits and see the resident in full."""
    return household.grid_id in worked_grid_ids(user) or is_contact(user, household)


def may_keep(user: User, household: Household) -> bool:
    return keeps_community(user, household.grid.community_id)


def access_visitable_household(user: User, pk: int) -> Household:
    household = access_household(user, pk)
    if not may_visit(user, household):
        raise not_found("联系户")
    return household


def access_kept_household(user: User, pk: int) -> Household:
    household = access_household(user, pk)
    if not may_keep(user, household):
        raise not_found("联系户")
    return household


def access_kept_grid(user: User, grid_id: int) -> Grid:
    grid = kept_grids(user).filter(pk=grid_id).first()
    if grid is None:
        raise not_found("网格")
    return grid


def access_seen_grid(user: User, grid_id: int) -> Grid:
    grid = seen_grids(user).filter(pk=grid_id).first()
    if grid is None:
        raise not_found("网格")
    return grid


def access_visit(user: User, pk: int) -> Visit:
    """A visit of a household the user visits (its contact, its grid's worker)."""
    visit = Visit.objects.select_related("household__grid", "case").filter(pk=pk).first()
    if visit is None or not may_visit(user, visit.household):
        raise not_found("走访记录")
    if not households_for(user).filter(pk=visit.household_id).exists():
        raise not_found("走访记录")
    return visit


# -- lists ------------------------------------------------------------------------------------


def my_households(user: User) -> QuerySet[Household]:
    """The households the user's member record is linked to (我的联系户)."""
    member_id = scope_of(user).own_member_id
    if member_id is None:
        return Household.objects.none()
    return (
        Household.objects.filter(
            contacts__member_id=member_id, contacts__ended_on__isnull=True, is_active=True
        )
        .select_related("grid")
        .order_by("last_visited_on", "address")
    )


def grid_households(grid: Grid, *, overdue_only: bool = False) -> QuerySet[Household]:
    rows = Household.objects.filter(grid=grid, is_active=True)
    if overdue_only:
        rows = rows.filter(overdue_q())
    return rows.order_by("address")


def overdue_for_workers(user: User) -> QuerySet[Household]:
    """The overdue households of the grids the user works (longest unvisited first)."""
    return (
        Household.objects.filter(overdue_q(), grid_id__in=worked_grid_ids(user), is_active=True)
        .select_related("grid")
        .order_by("last_visited_on", "address")
    )


def open_contacts(household: Household) -> QuerySet[HouseholdContact]:
    return household.contacts.filter(ended_on__isnull=True).select_related("member")


def contact_names(households: list[Household]) -> dict[int, list[str]]:
    """Each household's open contact members' names, in one query."""
    names: dict[int, list[str]] = {h.pk: [] for h in households}
    for household_id, name in HouseholdContact.objects.filter(
        household_id__in=names, ended_on__isnull=True
    ).values_list("household_id", "member__name"):
        names[household_id].append(name)
    return names


def visits_of(household: Household) -> QuerySet[Visit]:
    return household.visits.select_related("visited_by", "member", "case")


@dataclass(frozen=True)
class Candidate:
    member: Member
    households: int  # open contacts now


def candidates(grid: Grid) -> list[Candidate]:
    """Members who may be linked to the grid's households: active members who live in its
    community (居住社区), with how many households each already keeps."""
    rows = (
        Member.objects.filter(
            residential_division_id=grid.community_id, status__in=sorted(ACTIVE_STATUSES)
        )
        .annotate(
            open=Count("household_contacts", filter=Q(household_contacts__ended_on__isnull=True))
        )
        .order_by("name", "pk")
    )
    return [Candidate(member=m, households=m.open) for m in rows[:500]]


# -- the resident in full ---------------------------------------------------------------------


@dataclass(frozen=True)
class Resident:
    name: str
    phone: str


def reveal_resident(user: User, pk: int) -> tuple[Household, Resident]:
    """查看住户姓名和电话: for its contact members and its grid's workers, each look an audit
    record naming the household (never the name or number)."""
    household = access_visitable_household(user, pk)
    resident = Resident(
        name=crypto.unseal(household.resident_name_sealed, field=NAME_FIELD),
        phone=(
            crypto.unseal(household.phone_sealed, field=PHONE_FIELD)
            if household.phone_sealed
            else ""
        ),
    )
    audit.record(
        audit.AuditEvent.SENSITIVE_VIEW,
        action="households.reveal_resident",
        target=household,
        user=user,
    )
    return household, resident


def case_categories(
    type_code: str, subject_code: str, *, type_field: str = "type"
) -> tuple[CaseType | None, Subject | None]:
    """The case type and subject a form or a body names for 转为工单; (None, None) when it
    names neither."""
    if not type_code and not subject_code:
        return None, None
    errors: dict[str, str] = {}
    case_type = subject = None
    try:
        case_type = categories.type_by_code(type_code)
    except DomainError:
        errors[type_field] = "请选择诉求类型"
    try:
        subject = categories.subject_by_code(subject_code)
    except DomainError:
        errors["subject"] = "请选择诉求事项"
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    return case_type, subject
