"""Reads of the member registry, always scoped to the user (accounts.scoping)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import GrantKind, scope_of
from jiceng.core import audit, clock, crypto, idnumbers
from jiceng.core.dates import add_months
from jiceng.core.errors import not_found
from jiceng.core.masking import mask_id_number
from jiceng.core.paths import under
from jiceng.orgs import subtrees
from jiceng.orgs.models import Organization

from .models import Member, MemberEvent, MemberStatus, StatusMove
from .services import ID_FIELD, PHONE_FIELD, id_number_digest
from .workflow import REMOVE_AFTER_SUSPENDED_MONTHS, SUSPEND_AFTER_MONTHS


def members_for(user: User) -> QuerySet[Member]:
    """Every member the user may see: those of organizations in scope, themselves, and those a
    relation shows them across subtrees (a transfer in progress, to the receiving branch)."""
    scope = scope_of(user)
    q = scope.organization_q(Permission.VIEW_MEMBERS, prefix="organization__")
    if scope.own_member_id is not None:
        q |= Q(pk=scope.own_member_id)
    granted = scope.granted_ids(GrantKind.TRANSFER, Permission.VIEW_MEMBERS)
    if granted:
        q |= Q(pk__in=granted)
    return Member.objects.filter(q)


@dataclass(frozen=True)
class PersonalData:
    """The unmasked ID and phone number of one member."""

    id_number: str
    phone: str


def can_reveal(user: User, member: Member) -> bool:
    """Whether a role grants the unmasked ID and phone number at the member's organization."""
    organization = member.organization
    return scope_of(user).allows(
        Permission.VIEW_PERSONAL_DATA, path=organization.path, division_id=organization.division_id
    )


def reveal_personal_data(user: User, pk: int) -> tuple[Member, PersonalData]:
    """查看完整身份证号和手机号: only where a role grants it, and every look is an audit record
    (naming the member, never the numbers). Elsewhere the member is not found, as always."""
    member = access_member(user, pk)
    if not can_reveal(user, member):
        raise not_found("党员")
    data = PersonalData(
        id_number=crypto.unseal(member.id_number_sealed, field=ID_FIELD),
        phone=crypto.unseal(member.phone_sealed, field=PHONE_FIELD) if member.phone_sealed else "",
    )
    audit.record(
        audit.AuditEvent.SENSITIVE_VIEW,
        action="members.reveal_personal_data",
        target=member,
        user=user,
    )
    return member, data


def can_manage(user: User, member: Member) -> bool:
    """Whether a role lets the user edit the member and change their status."""
    return may_manage_at(user, member.organization)


def may_manage_at(user: User, organization: Organization) -> bool:
    """Whether a role lets the user register and edit the members of `organization`."""
    return scope_of(user).allows(
        Permission.MANAGE_MEMBERS, path=organization.path, division_id=organization.division_id
    )


def may_manage_somewhere(user: User) -> bool:
    """Whether the user may register members anywhere (the list's 登记党员 link)."""
    return bool(scope_of(user).reach(Permission.MANAGE_MEMBERS).paths)


def access_managed_member(user: User, pk: int) -> Member:
    """The member, if the user may edit them; otherwise not found, like a member outside the
    scope (a member they may only see is not told apart)."""
    member = access_member(user, pk)
    if not can_manage(user, member):
        raise not_found("党员")
    return member


def access_member(user: User, pk: int) -> Member:
    found = (
        members_for(user)
        .filter(pk=pk)
        .select_related("organization", "party_group", "residential_division")
        .first()
    )
    if found is None:
        raise not_found("党员")
    return found


@dataclass(frozen=True)
class MemberFilters:
    """What the member list can be narrowed by; every field optional."""

    name: str = ""
    id_number: str = ""
    organization: Organization | None = None  # its whole subtree
    status: str = ""
    category: str = ""
    is_mobile: bool | None = None

    def describe(self) -> dict[str, object]:
        """What was asked for, for the audit record: the ID number masked, blanks left out."""
        described: dict[str, object] = {
            "name": self.name.strip(),
            "id_number": mask_id_number(self.id_number.strip()) if self.id_number.strip() else "",
            "organization": self.organization.pk if self.organization else None,
            "status": self.status,
            "category": self.category,
            "is_mobile": self.is_mobile,
        }
        return {key: value for key, value in described.items() if value not in ("", None)}


def search_members(user: User, filters: MemberFilters) -> QuerySet[Member]:
    """The filtered list in a stable order (organization, then name)."""
    rows = members_for(user).select_related("organization")
    if filters.name.strip():
        rows = rows.filter(name__contains=filters.name.strip())
    if filters.id_number.strip():
        # Exact lookup through the blind index: the number itself is never in the query.
        digest = id_number_digest(idnumbers.normalize(filters.id_number))
        rows = rows.filter(id_number_digest=digest)
    if filters.organization is not None:
        rows = rows.filter(under(filters.organization.path, "organization__path"))
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.is_mobile is not None:
        rows = rows.filter(is_mobile=filters.is_mobile)
    return rows.order_by("organization__path", "name", "pk")


@dataclass(frozen=True)
class StandingDue:
    """A member whose standing awaits the branch's decision: 失联 six months (停止党籍), or
    停止党籍 two years (除名); `since` is the day the platform recorded the earlier move."""

    member: Member
    since: dt.date
    decision: StatusMove


# The move each status waits for, the move that began it, and how many months it waits.
DUE_AFTER = {
    MemberStatus.LOST_CONTACT: (StatusMove.SUSPEND, StatusMove.LOSE_CONTACT, SUSPEND_AFTER_MONTHS),
    MemberStatus.SUSPENDED: (StatusMove.REMOVE, StatusMove.SUSPEND, REMOVE_AFTER_SUSPENDED_MONTHS),
}


def standing_due(user: User, *, limit: int = 50) -> tuple[int, list[StandingDue]]:
    """The members where the user manages members whose lost contact or suspension has run its
    time (how many, and the longest waiting first). A status whose beginning the platform did
    not record (a record older than its events) is not counted: nothing dates it."""
    today = clock.today()
    # Read by status (few members, partial indexes) for a large reach; by organization for a
    # small one (orgs.subtrees).
    managed = Member.objects.filter(
        subtrees.inside(scope_of(user).reach(Permission.MANAGE_MEMBERS), prefix="organization__")
    )
    count, due = 0, []
    for status, (decision, began, months) in DUE_AFTER.items():
        since = (
            MemberEvent.objects.filter(member=OuterRef("pk"), move=began)
            .order_by("-on", "-pk")
            .values("on")[:1]
        )
        rows = (
            managed.filter(status=status)
            .annotate(since=Subquery(since))
            .filter(since__lte=add_months(today, -months))
        )
        count += rows.count()
        due += [
            StandingDue(member=m, since=m.since, decision=decision)
            for m in rows.select_related("organization").order_by("since", "pk")[:limit]
        ]
    due.sort(key=lambda d: d.since)
    return count, due[:limit]


def timeline(member: Member) -> list[MemberEvent]:
    """The member's status changes, latest first (the member page; the caller has accessed
    the member)."""
    return list(
        member.events.select_related("by", "from_organization", "to_organization").order_by(
            "-on", "-pk"
        )
    )


# The list counts its rows exactly up to this many; beyond, it says "more than" (a count of a
# province's millions of members would cost more than the page).
COUNT_LIMIT = 100_000


def count_members(rows: QuerySet[Member]) -> int:
    """How many rows the list holds, counted up to COUNT_LIMIT + 1: a COUNT over a LIMITed
    subquery stops early, so a national list costs no more than a city's. The rows are taken
    in the list's own order, the subtree's organizations by path and each one's members by
    their index: unordered, PostgreSQL chose to merge all 100 million members with the
    organizations by id to find a province's first 100,001 (6.8 s at scale 1, against 60 ms)."""
    return rows.order_by("organization__path").values("pk")[: COUNT_LIMIT + 1].count()
