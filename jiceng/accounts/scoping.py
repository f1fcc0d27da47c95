"""What a user may see: the one place that turns roles into a scope.

Every query of domain rows goes through `scope_of(user)` and the app's own filter built on it
(orgs.queries, members.queries). Default deny: a user with no role sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from .models import Role, User

# Roles whose scope is the subtree of the organization they name.
SUBTREE_ROLES = frozenset(
    {Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER, Role.ORGANIZATION_DEPARTMENT}
)
# Roles whose scope is the division they name: the organizations located inside it.
DIVISION_ROLES = frozenset({Role.STREET_OFFICIAL, Role.COMMUNITY_OFFICIAL})


@dataclass(frozen=True)
class Scope:
    org_paths: tuple[str, ...] = ()
    division_prefixes: tuple[str, ...] = ()
    own_member_id: int | None = None
    writable_paths: tuple[str, ...] = ()

    def organization_q(self, prefix: str = "") -> Q:
        """Rows whose organization lies in scope; `prefix` is the lookup path to it
        ("organization__" from members). A subtree is a range scan on the path."""
        q = Q(pk__in=[])
        for path in self.org_paths:
            q |= Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path + "~"})
        for code in self.division_prefixes:
            q |= Q(**{f"{prefix}division_id__startswith": code})
        return q

    def can_write(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.writable_paths)


def scope_of(user: User | AnonymousUser) -> Scope:
    """The scope of everything the user's roles name, computed once per request."""
    if not user.is_authenticated:
        return Scope()
    cached: Scope | None = getattr(user, "_jiceng_scope", None)
    if cached is not None:
        return cached
    paths: list[str] = []
    writable: list[str] = []
    prefixes: list[str] = []
    own_member_id = None
    for assignment in user.roles.select_related("organization", "division"):
        if assignment.role in SUBTREE_ROLES and assignment.organization is not None:
            paths.append(assignment.organization.path)
            writable.append(assignment.organization.path)
        elif assignment.role in DIVISION_ROLES and assignment.division is not None:
            prefixes.append(assignment.division.short_code)
        elif assignment.role == Role.MEMBER:
            own_member_id = user.member_id
    scope = Scope(
        org_paths=tuple(_outermost(paths)),
        division_prefixes=tuple(sorted(set(prefixes))),
        own_member_id=own_member_id,
        writable_paths=tuple(_outermost(writable)),
    )
    user._jiceng_scope = scope  # type: ignore[attr-defined]
    return scope


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths inside another listed path: a subtree already covers its descendants."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept
