"""Reads of the member registry, always scoped to the user (accounts.scoping)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import idnumbers
from jiceng.core.errors import NotFound
from jiceng.orgs.models import Organization

from .models import Member
from .services import id_number_digest

MEMBER_NOT_FOUND = "党员不存在或不在您的管理范围内"


def members_for(user: User) -> QuerySet[Member]:
    """Every member the user may see: those of organizations in scope, and themselves."""
    scope = scope_of(user)
    q = scope.organization_q(Permission.VIEW_MEMBERS, prefix="organization__")
    if scope.own_member_id is not None:
        q |= Q(pk=scope.own_member_id)
    return Member.objects.filter(q)


def access_member(user: User, pk: int) -> Member:
    found = (
        members_for(user)
        .filter(pk=pk)
        .select_related("organization", "party_group", "residential_division")
        .first()
    )
    if found is None:
        raise NotFound(MEMBER_NOT_FOUND)
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
        path = filters.organization.path
        rows = rows.filter(organization__path__gte=path, organization__path__lt=path + "~")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.is_mobile is not None:
        rows = rows.filter(is_mobile=filters.is_mobile)
    return rows.order_by("organization__path", "name", "pk")
