"""Reads of the dashboard: which organization a user may look at, and its tiles, kept a few
minutes per user and organization (the figures are rollups and last month's; a national page
should cost one cache read)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import not_found
from jiceng.orgs import queries as orgs
from jiceng.orgs.models import Organization

from .tiles import Built, build_all

PERMISSION = Permission.VIEW_ORGANIZATIONS


def cache_seconds() -> int:
    return max(0, settings.JICENG_DASHBOARD_CACHE_SECONDS)


def access_organization(user: User, pk: int | None) -> Organization:
    """The organization asked for, if the user may see its subtree; else their own top (the
    first of their outermost organizations). NotFound outside the scope or for none."""
    rows = Organization.objects.filter(scope_of(user).organization_q(PERMISSION))
    if pk is not None:
        found = rows.filter(pk=pk).select_related("division").first()
    else:
        found = orgs.tree_roots(user).select_related("division").first()
    if found is None:
        raise not_found("党组织")
    return found


def _key(user: User, organization: Organization) -> str:
    # The day is in the key: "last complete month" and overdue terms turn over at midnight.
    return f"dashboard:{user.pk}:{organization.pk}:{clock.today():%Y%m%d}"


def tiles_for(user: User, organization: Organization) -> list[Built]:
    seconds = cache_seconds()
    if not seconds:
        return build_all(organization, user)
    key = _key(user, organization)
    found: list[Built] | None = cache.get(key)
    if found is None:
        found = build_all(organization, user)
        cache.set(key, found, seconds)
    return found
