"""Where a user may act: the one place that turns roles into a scope.

`permissions.ROLE_PERMISSIONS` says what each role may do; this module says where. A scope is
kept per permission, so a user who is a member in one branch and the secretary of another may
manage only the second, and see the unmasked ID numbers only where a role grants that.

Every query of domain rows goes through `scope_of(user)` and the app's own filter built on it
(orgs.queries, members.queries). Default deny: a user with no role sees nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from jiceng.divisions.models import short_code_of

from .models import Role, User
from .permissions import ROLE_PERMISSIONS, Permission

# Roles whose scope is the subtree of the organization they name.
SUBTREE_ROLES = frozenset(
    {Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER, Role.ORGANIZATION_DEPARTMENT}
)
# Roles whose scope is the division they name: the organizations located inside it.
DIVISION_ROLES = frozenset(
    {Role.STREET_OFFICIAL, Role.COMMUNITY_OFFICIAL, Role.GRID_WORKER, Role.DEPARTMENT_STAFF}
)


@dataclass(frozen=True)
class Grant:
    """Where one permission holds: organization subtrees (paths) and divisions (code prefixes)."""

    paths: tuple[str, ...] = ()
    division_prefixes: tuple[str, ...] = ()

    def organization_q(self, prefix: str = "") -> Q:
        """Rows whose organization lies inside; a subtree is a range scan on the path."""
        q = Q(pk__in=[])
        for path in self.paths:
            q |= Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path + "~"})
        for code in self.division_prefixes:
            # A range, not __startswith (which a foreign key does not take): the division
            # codes under a prefix sort together, so this is an index range scan too.
            q |= Q(**{f"{prefix}division_id__gte": code, f"{prefix}division_id__lt": code + "~"})
        return q

    def covers(self, *, path: str, division_id: str | None) -> bool:
        return any(path.startswith(p) for p in self.paths) or bool(
            division_id and any(division_id.startswith(c) for c in self.division_prefixes)
        )


@dataclass(frozen=True)
class Scope:
    grants: Mapping[Permission, Grant] = field(default_factory=dict)
    own_member_id: int | None = None

    def grant(self, permission: Permission) -> Grant:
        return self.grants.get(permission, Grant())

    def organization_q(
        self, permission: Permission = Permission.VIEW_ORGANIZATIONS, prefix: str = ""
    ) -> Q:
        """Rows whose organization lies where `permission` holds; `prefix` is the lookup path
        to the organization ("organization__" from members)."""
        return self.grant(permission).organization_q(prefix)

    def allows(self, permission: Permission, *, path: str, division_id: str | None) -> bool:
        """Whether `permission` holds at the organization with this path and division."""
        return self.grant(permission).covers(path=path, division_id=division_id)

    @property
    def org_paths(self) -> tuple[str, ...]:
        return self.grant(Permission.VIEW_ORGANIZATIONS).paths

    @property
    def division_prefixes(self) -> tuple[str, ...]:
        return self.grant(Permission.VIEW_ORGANIZATIONS).division_prefixes


def scope_of(user: User | AnonymousUser) -> Scope:
    """The scope of everything the user's roles name, computed once per request from one read
    of the role rows."""
    if not isinstance(user, User) or not user.is_active:
        return Scope()
    cached: Scope | None = getattr(user, "_jiceng_scope", None)
    if cached is not None:
        return cached
    paths: dict[Permission, list[str]] = {}
    prefixes: dict[Permission, list[str]] = {}
    own_member_id = None
    for assignment in user.roles.select_related("organization"):
        role = Role(assignment.role)
        for permission in ROLE_PERMISSIONS[role]:
            if role in SUBTREE_ROLES and assignment.organization is not None:
                paths.setdefault(permission, []).append(assignment.organization.path)
            elif role in DIVISION_ROLES and assignment.division_id is not None:
                prefixes.setdefault(permission, []).append(short_code_of(assignment.division_id))
            elif permission == Permission.VIEW_OWN_RECORD:
                own_member_id = user.member_id
    grants = {
        permission: Grant(
            paths=tuple(_outermost(paths.get(permission, []))),
            division_prefixes=tuple(_outermost(prefixes.get(permission, []))),
        )
        for permission in {*paths, *prefixes}
    }
    scope = Scope(grants=grants, own_member_id=own_member_id)
    user._jiceng_scope = scope  # type: ignore[attr-defined]
    return scope


def _outermost(paths: list[str]) -> list[str]:
    """Drop prefixes inside another listed one: a subtree already covers its descendants."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept
