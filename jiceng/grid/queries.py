"""Reads of grids, grid workers and patrols, scoped to the user: the grids where the user's
scope holds VIEW_GRIDS (a street's or a community's, a grid worker's own), and MANAGE_GRIDS
for the patrols of the grids they manage.
"""

from __future__ import annotations

from typing import TypedDict

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django_stubs_ext import WithAnnotations

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core.errors import not_found

from .models import Grid, Patrol, PatrolFinding
from .services import can_manage_community

MAX_MAP_GRIDS = 5000  # a street has a few hundred grids; the map page draws at most this many


def grids_for(user: User | AnonymousUser) -> QuerySet[Grid]:
    """Grids the user may see: those in their divisions, and a grid worker's own grids."""
    reach = scope_of(user).reach(Permission.VIEW_GRIDS)
    return Grid.objects.filter(reach.division_q("community_id") | Q(pk__in=reach.grid_ids))


def access_grid(user: User | AnonymousUser, grid_id: int) -> Grid:
    """The grid if the user may see it; otherwise NotFound, as if it did not exist."""
    grid = grids_for(user).filter(pk=grid_id).first()
    if grid is None:
        raise not_found("网格")
    return grid


def access_managed_grid(user: User, grid_id: int) -> Grid:
    """The grid if the user manages grids where it lies (MANAGE_GRIDS)."""
    grid = access_grid(user, grid_id)
    if not can_manage_community(user, grid.community_id):
        raise not_found("网格")
    return grid


def can_manage(user: User, grid: Grid) -> bool:
    return can_manage_community(user, grid.community_id)


def workers_of(grid: Grid) -> QuerySet[User]:
    """The grid's workers (网格员), by name."""
    return User.objects.filter(grid_assignments__grid=grid).order_by("display_name", "username")


def worker_grids(user: User) -> QuerySet[Grid]:
    """The grids a grid worker is assigned to."""
    return Grid.objects.filter(workers__user=user, is_active=True).order_by("code")


class FindingCount(TypedDict):
    finding_count: int


def patrols_for(
    user: User, *, grid: Grid | None = None
) -> QuerySet[WithAnnotations[Patrol, FindingCount]]:
    """A worker's own patrols, and every patrol of the grids the user manages, each with the
    number of its findings (`finding_count`)."""
    managed = Grid.objects.filter(
        scope_of(user).reach(Permission.MANAGE_GRIDS).division_q("community_id")
    )
    patrols = Patrol.objects.filter(Q(worker=user) | Q(grid__in=managed.values("pk")))
    if grid is not None:
        patrols = patrols.filter(grid=grid)
    return (
        patrols.select_related("grid", "worker")
        .annotate(finding_count=Count("findings"))
        .order_by("-started_at")
    )


def open_patrol_of(user: User) -> Patrol | None:
    return Patrol.objects.filter(worker=user, ended_at__isnull=True).select_related("grid").first()


def own_findings(user: User) -> QuerySet[PatrolFinding]:
    """The findings of the user's own patrols, newest first."""
    return (
        PatrolFinding.objects.filter(patrol__worker=user)
        .select_related("patrol__grid")
        .order_by("-found_at", "-pk")
    )


def access_own_finding(user: User, finding_id: int) -> PatrolFinding:
    """A finding of one of the user's own patrols; any other answers as if it did not exist."""
    found = own_findings(user).filter(pk=finding_id).first()
    if found is None:
        raise not_found("巡查发现")
    return found
