"""Reads of the organization tree, always scoped to the user (accounts.scoping)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from jiceng.accounts.models import RoleAssignment, User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock, paths
from jiceng.core.errors import DomainError, InvalidInput, not_found
from jiceng.members.models import MemberStatus

from . import rules, subtrees
from .models import Committee, CommitteeSeat, Organization, PartyGroup, SelfGovernmentCommittee
from .services import check_can_record_election


def party_group_in(organization: Organization, pk: int | None) -> PartyGroup | None:
    """The party group `pk` of `organization`; None for none asked. One that is not the
    organization's (or not there) is refused, for forms and the API alike."""
    if pk is None:
        return None
    group = PartyGroup.objects.filter(pk=pk, organization=organization).first()
    if group is None:
        raise InvalidInput(
            "党小组不存在或不属于该党组织", fields={"party_group_id": "党小组不属于所在党组织"}
        )
    return group


def organizations_for(user: User) -> QuerySet[Organization]:
    """Every organization the user may see."""
    return Organization.objects.filter(scope_of(user).organization_q())


def access_organization(user: User, pk: int) -> Organization:
    """The organization, if the user may see it; otherwise NotFound (existence does not leak)."""
    found = organizations_for(user).filter(pk=pk).select_related("division").first()
    if found is None:
        raise not_found("党组织")
    return found


def access_writable_organization(
    user: User, pk: int, permission: Permission = Permission.MANAGE_ORGANIZATIONS
) -> Organization:
    """The organization, if `permission` holds there; otherwise not found, as outside the
    scope (an organization the user may only see is not told apart)."""
    found = (
        Organization.objects.filter(scope_of(user).organization_q(permission), pk=pk)
        .select_related("division")
        .first()
    )
    if found is None:
        raise not_found("党组织")
    return found


def may_write(
    user: User, organization: Organization, permission: Permission = Permission.MANAGE_ORGANIZATIONS
) -> bool:
    return scope_of(user).allows(
        permission, path=organization.path, division_id=organization.division_id
    )


def parent_of(organization: Organization) -> Organization | None:
    if organization.depth <= 1:
        return None
    return Organization.objects.filter(path=organization.path[: -Organization.steplen]).first()


def move_targets(
    user: User, organization: Organization, *, name: str = "", limit: int = 100
) -> list[Organization]:
    """Where the user may move `organization` to: active organizations where they may write,
    outside its own subtree, of a kind that may contain it (rules.ALLOWED_CHILDREN), not its
    present parent; by name when `name` is given."""
    kinds = [k for k, allowed in rules.ALLOWED_CHILDREN.items() if organization.kind in allowed]
    rows = (
        Organization.objects.filter(
            scope_of(user).organization_q(Permission.MANAGE_ORGANIZATIONS),
            kind__in=kinds,
            dissolved_on__isnull=True,
        )
        .exclude(paths.under(organization.path))
        .exclude(path=organization.path[: -Organization.steplen])
    )
    if name.strip():
        rows = rows.filter(name__contains=name.strip())
    return list(rows.order_by("depth", "path")[:limit])


def tree_roots(user: User) -> QuerySet[Organization]:
    """The top of what the user sees: the outermost organizations their roles name."""
    scope = scope_of(user)
    q = Q(pk__in=[])
    for path in scope.org_paths:
        q |= Q(path=path)
    roots = Organization.objects.filter(q)
    if scope.division_prefixes and not scope.org_paths:
        # Division roles see the organizations in their area; show the highest of them.
        inside = organizations_for(user)
        top_depth = inside.order_by("depth").values_list("depth", flat=True).first()
        roots = inside.filter(depth=top_depth) if top_depth else roots
    return roots.order_by("path")


def children(user: User, organization: Organization) -> QuerySet[Organization]:
    """Direct sub-organizations (the caller has already accessed `organization`)."""
    return (
        organizations_for(user)
        .filter(paths.under(organization.path), depth=organization.depth + 1)
        .order_by("path")
    )


def subtree(
    user: User, organization: Organization, *, max_depth: int | None = None
) -> QuerySet[Organization]:
    """The organization and everything below it, in tree order."""
    rows = organizations_for(user).filter(paths.under(organization.path))
    if max_depth is not None:
        rows = rows.filter(depth__lte=organization.depth + max_depth)
    return rows.order_by("path")


def ancestors(user: User, organization: Organization) -> list[Organization]:
    """The chain above the organization that the user may see (for breadcrumbs)."""
    step = Organization.steplen
    above = [organization.path[:i] for i in range(step, len(organization.path), step)]
    return list(organizations_for(user).filter(path__in=above).order_by("depth"))


def search(
    user: User, *, name: str, under: Organization | None = None, limit: int = 20
) -> list[Organization]:
    rows = organizations_for(user).filter(name__contains=name.strip())
    if under is not None:
        rows = rows.filter(paths.under(under.path))
    return list(rows.order_by("depth", "path")[:limit])


def organizations_named(
    user: User, under: Organization, names: Iterable[str]
) -> dict[str, list[Organization]]:
    """Organizations in the subtree of `under` (as the user sees it) by name, read in chunks
    of 500 names; a name may match several."""
    wanted = sorted(set(names) - {""})
    found: dict[str, list[Organization]] = defaultdict(list)
    for start in range(0, len(wanted), 500):
        for org in subtree(user, under).filter(name__in=wanted[start : start + 500]):
            found[org.name].append(org)
    return found


def current_committee(organization: Organization) -> Committee | None:
    return (
        Committee.objects.filter(organization=organization, ended_on__isnull=True)
        .prefetch_related(
            Prefetch(
                "seats", queryset=CommitteeSeat.objects.select_related("member").order_by("pk")
            )
        )
        .first()
    )


@dataclass(frozen=True)
class Overview:
    """What an organization page shows besides the organization itself."""

    committee: Committee | None
    term_status: str | None
    warnings: list[str]
    status_counts: dict[str, int]


def overview(organization: Organization, *, today: dt.date | None = None) -> Overview:
    today = today or clock.today()
    committee = current_committee(organization)
    counts = dict(
        organization.members.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    seats = len(committee.seats.all()) if committee else 0
    warnings = rules.size_warnings(
        organization.kind,
        members=organization.member_count,
        full_members=counts.get(MemberStatus.FULL, 0),
        committee_seats=seats,
    )
    status = rules.term_status(committee.term_due, today=today) if committee else None
    if organization.is_grassroots and committee is None and organization.is_active:
        warnings.append("尚未录入本届委员会（书记），无法判断换届情况")
    return Overview(
        committee=committee, term_status=status, warnings=warnings, status_counts=counts
    )


def terms_due(
    user: User,
    *,
    under: Organization,
    today: dt.date | None = None,
    within_days: int = rules.DUE_SOON_DAYS,
) -> QuerySet[Committee]:
    """Current committees in the subtree whose term is overdue or due within `within_days`."""
    today = today or clock.today()
    # Read from the smaller side (as orgs.subtrees does). A large subtree's terms are dense in
    # the term_due index: walked earliest first (a two-sided range, rules.EARLIEST_TERM), a
    # LIMIT stops early, even under the national root (5 s at scale 1 without the bound); the
    # committee's own copy of the path is in that index (committee_current_due), so the walk
    # reads no organization until a term is in the subtree. A small subtree's are few among
    # the country's: its own organizations are read first (through the path join SQLite
    # walked the nation's due terms for a county: 2 s).
    if under.subtree_org_count > subtrees.BIG_REACH:
        place = paths.under(under.path) & Q(term_due__gte=rules.EARLIEST_TERM)
    else:
        place = Q(organization__in=Organization.objects.filter(paths.under(under.path)))
    return (
        Committee.objects.filter(
            scope_of(user).organization_q(prefix="organization__"),
            place,
            ended_on__isnull=True,
            term_due__lte=today + dt.timedelta(days=within_days),
            organization__dissolved_on__isnull=True,
        )
        .select_related("organization")
        .order_by("term_due")
    )


def current_self_government(organization: Organization) -> SelfGovernmentCommittee | None:
    return (
        SelfGovernmentCommittee.objects.filter(organization=organization, ended_on__isnull=True)
        .prefetch_related("seats__member")
        .first()
    )


def terms_due_counted(user: User, *, under: Organization, cap: int) -> int:
    """How many of terms_due's terms there are, counted up to `cap` + 1 at most: the
    organization page says "more than `cap`" rather than count a nation's committees (about a
    million due at scale 1, 5 s)."""
    return terms_due(user, under=under)[: cap + 1].count()


def terms_overdue_count(
    user: User, *, under: Organization, cap: int, today: dt.date | None = None
) -> int:
    """How many of terms_due's terms are past their date, counted up to `cap` + 1 at most."""
    today = today or clock.today()
    return terms_due(user, under=under, today=today).filter(term_due__lt=today)[: cap + 1].count()


def may_record_election(user: User, organization: Organization) -> bool:
    """Whether the 记录换届 link opens for the user (orgs.services.check_can_record_election)."""
    try:
        check_can_record_election(user, organization)
    except DomainError:
        return False
    return True


def seat_accounts(committee: Committee) -> dict[int, str]:
    """For each seat's member, what their account holds at the committee's organization: the
    committee role's label, or a note that they have no account (so the page says why no role
    followed the election)."""
    member_ids = [seat.member_id for seat in committee.seats.all()]
    users = dict(
        User.objects.filter(member_id__in=member_ids, is_active=True).values_list("member_id", "pk")
    )
    held: dict[int, list[str]] = defaultdict(list)
    for assignment in RoleAssignment.objects.filter(
        user_id__in=users.values(), organization=committee.organization_id
    ).order_by("role"):
        held[assignment.user_id].append(assignment.get_role_display())
    shown: dict[int, str] = {}
    for member_id in member_ids:
        if member_id not in users:
            shown[member_id] = "未开通账号"
        else:
            shown[member_id] = "、".join(held[users[member_id]]) or "无角色"
    return shown
