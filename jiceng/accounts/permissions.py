"""What each role may do, as data: the one table that turns roles into permissions.

A permission says *what* a user may do; `scoping.scope_of` says *where* (which subtree, which
division). Both are needed: a street official may view members, but only those in the street.
Nothing here consults `is_superuser` or `is_staff`: production does not rely on a Django
superuser, and the three separated administrators (三员) get exactly what their row names.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser

from .models import Role, User


class Permission(StrEnum):
    VIEW_OWN_RECORD = "view_own_record"  # a member's own entry in the registry
    VIEW_ORGANIZATIONS = "view_organizations"
    MANAGE_ORGANIZATIONS = "manage_organizations"  # create, move, dissolve, committees, import
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    VIEW_PERSONAL_DATA = "view_personal_data"  # the unmasked ID and phone number, audited
    EXPORT_DATA = "export_data"
    MANAGE_ACCOUNTS = "manage_accounts"  # system administrator: accounts and settings
    MANAGE_ROLES = "manage_roles"  # security administrator: roles and security policies
    READ_AUDIT = "read_audit"  # audit administrator, and nobody else


P = Permission
_ORG_READER = frozenset({P.VIEW_ORGANIZATIONS, P.VIEW_MEMBERS})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MEMBER: frozenset({P.VIEW_OWN_RECORD}),
    Role.BRANCH_SECRETARY: _ORG_READER
    | {P.MANAGE_ORGANIZATIONS, P.MANAGE_MEMBERS, P.VIEW_PERSONAL_DATA, P.EXPORT_DATA},
    Role.COMMITTEE_MEMBER: _ORG_READER | {P.MANAGE_MEMBERS, P.EXPORT_DATA},
    Role.ORGANIZATION_DEPARTMENT: _ORG_READER
    | {P.MANAGE_ORGANIZATIONS, P.MANAGE_MEMBERS, P.VIEW_PERSONAL_DATA, P.EXPORT_DATA},
    Role.STREET_OFFICIAL: _ORG_READER | {P.EXPORT_DATA},
    Role.COMMUNITY_OFFICIAL: _ORG_READER,
    # Grids, departments and service stations arrive with the governance issue; until then
    # these roles see no organization or member rows.
    Role.GRID_WORKER: frozenset(),
    Role.DEPARTMENT_STAFF: frozenset(),
    Role.STATION_KEEPER: frozenset(),
    Role.SYSTEM_ADMIN: frozenset({P.MANAGE_ACCOUNTS}),
    Role.SECURITY_ADMIN: frozenset({P.MANAGE_ROLES}),
    Role.AUDIT_ADMIN: frozenset({P.READ_AUDIT}),
}


def roles_of(user: User | AnonymousUser) -> frozenset[Role]:
    """The user's roles, read once per request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached: frozenset[Role] | None = getattr(user, "_jiceng_roles", None)
    if cached is None:
        cached = frozenset(Role(r) for r in user.roles.values_list("role", flat=True))
        user._jiceng_roles = cached  # type: ignore[attr-defined]
    return cached


def permissions_of(user: User | AnonymousUser) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles_of(user):
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def has_permission(user: User | AnonymousUser, permission: Permission) -> bool:
    return permission in permissions_of(user)
