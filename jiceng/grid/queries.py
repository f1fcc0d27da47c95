"""Reads of grids, grid workers and patrols, scoped to the user.

Who sees which grids: MANAGE_GRIDS and HANDLE_CASES hold over division code prefixes (a street
official's street, a community official's community); a grid worker's HANDLE_CASES names the
community too, but a grid worker sees only the grids they are assigned to (GridWorker rows).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.permissions import ROLE_PERMISSIONS, Permission, has_permission
from jiceng.accounts.scoping import scope_of
from jiceng.core.errors import NotFound
from jiceng.divisions.models import short_code_of

from .models import Grid, GridWorker, Patrol
from .services import can_manage_community

MAX_MAP_GRIDS = 5000  # a street has a few hundred grids; the map page draws at most this many
_SEEING_ROLES = [
    role
    for role, permissions in ROLE_PERMISSIONS.items()
    if role != Role.GRID_WORKER and permissions & {Permission.MANAGE_GRIDS, Permission.HANDLE_CASES}
]


def division_prefixes_for(user: User | AnonymousUser) -> list[str]:
    """The division prefixes where the user sees every grid (not a grid worker's community)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return []
    codes = RoleAssignment.objects.filter(
        user=user, role__in=_SEEING_ROLES, division__isnull=False
    ).values_list("division_id", flat=True)
    return sorted({short_code_of(code) for code in codes})


def grids_for(user: User | AnonymousUser) -> QuerySet[Grid]:
    """Grids the user may see: those in their divisions, and a grid worker's own grids."""
    if not isinstance(user, User) or not (
        has_permission(user, Permission.MANAGE_GRIDS)
        or has_permission(user, Permission.HANDLE_CASES)
    ):
        return Grid.objects.none()
    q = Q(pk__in=GridWorker.objects.filter(user=user).values("grid_id"))
    for prefix in division_prefixes_for(user):
        # A range, not __startswith: the foreign key column sorts by code (an index scan).
        q |= Q(community_id__gte=prefix, community_id__lt=prefix + "~")
    return Grid.objects.filter(q)


def access_grid(user: User | AnonymousUser, grid_id: int) -> Grid:
    """The grid if the user may see it; otherwise NotFound, as if it did not exist."""
    grid = grids_for(user).filter(pk=grid_id).first()
    if grid is None:
        raise NotFound("没有这个网格")
    return grid


def access_managed_grid(user: User, grid_id: int) -> Grid:
    """The grid if the user manages grids where it lies (MANAGE_GRIDS)."""
    grid = access_grid(user, grid_id)
    if not can_manage_community(user, grid.community_id):
        raise NotFound("没有这个网格")
    return grid


def can_manage(user: User, grid: Grid) -> bool:
    return can_manage_community(user, grid.community_id)


def workers_of(grid: Grid) -> QuerySet[User]:
    """The grid's workers (网格员), by name."""
    return User.objects.filter(grid_assignments__grid=grid).order_by("display_name", "username")


def worker_grids(user: User) -> QuerySet[Grid]:
    """The grids a grid worker is assigned to."""
    return Grid.objects.filter(workers__user=user, is_active=True).order_by("code")


def patrols_for(user: User, *, grid: Grid | None = None) -> QuerySet[Patrol]:
    """A worker's own patrols, and every patrol of the grids the user manages."""
    managed = Grid.objects.filter(_managed_q(user))  # where the user holds MANAGE_GRIDS
    patrols = Patrol.objects.filter(Q(worker=user) | Q(grid__in=managed.values("pk")))
    if grid is not None:
        patrols = patrols.filter(grid=grid)
    return patrols.select_related("grid", "worker").order_by("-started_at")


def _managed_q(user: User) -> Q:
    q = Q(pk__in=[])
    for prefix in scope_of(user).grant(Permission.MANAGE_GRIDS).division_prefixes:
        q |= Q(community_id__gte=prefix, community_id__lt=prefix + "~")
    return q


def open_patrol_of(user: User) -> Patrol | None:
    return Patrol.objects.filter(worker=user, ended_at__isnull=True).select_related("grid").first()
