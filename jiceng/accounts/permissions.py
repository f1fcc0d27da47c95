"""What each role may do, as data: the one table that turns roles into permissions.

A permission says *what* a user may do; `scoping.scope_of` says *where* (which subtree, which
division, which units). Both are needed: a street official may view members, but only those in
the street. Both are read from one read of the user's role rows (`role_rows`).
Nothing here consults `is_superuser` or `is_staff`: production does not rely on a Django
superuser, and the three separated administrators (三员) get exactly what their row names.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    # Organizational life (组织生活)
    ATTEND_MEETINGS = "attend_meetings"  # a member's own meetings: check in, join online, leave
    MANAGE_MEETINGS = "manage_meetings"  # schedule, record attendance, minutes
    MANAGE_MEETING_RULES = "manage_meeting_rules"  # required frequencies for a subtree
    # 发展党员: the higher committee's pre-review and approvals, time rules and yearly plans
    APPROVE_DEVELOPMENT = "approve_development"
    # Community governance (网格化管理, 接诉即办)
    HANDLE_CASES = "handle_cases"  # accept, handle, resolve, escalate cases routed here
    DISPATCH_CASES = "dispatch_cases"  # intake, dispatch, merge, reassign, follow-up
    SUMMON_DEPARTMENTS = "summon_departments"  # blow the whistle (吹哨)
    ANSWER_SUMMONS = "answer_summons"  # a department reports (报到) and handles
    MANAGE_GRIDS = "manage_grids"  # grids, their polygons, their workers
    VIEW_GRIDS = "view_grids"  # the grids and their map
    VIEW_CASE_METRICS = "view_case_metrics"  # rates, ranking, hot spots
    # 驻村第一书记与工作队 (villages): a cadre's own work log, leave, monthly logs, things done;
    # the department's teams, leave approvals, spot checks, appraisal (which need the county
    # level, villages.services checks)
    LOG_VILLAGE_WORK = "log_village_work"
    MANAGE_VILLAGE_TEAMS = "manage_village_teams"
    # 红帆驿站: the registry (stations, their keepers) and a keeper's own station
    MANAGE_SERVICE_STATIONS = "manage_service_stations"
    KEEP_SERVICE_STATIONS = "keep_service_stations"  # hours and amenities of one's station
    # 双报到 (reporting): a member reports where they live, signs up, sees own hours ...
    SERVE_COMMUNITY = "serve_community"
    # ... and the community confirms reports, keeps its three lists, confirms hours
    MANAGE_COMMUNITY_SERVICE = "manage_community_service"
    # Administration (三员)
    MANAGE_ACCOUNTS = "manage_accounts"  # system administrator: accounts and settings
    MANAGE_SETTINGS = (
        "manage_settings"  # system administrator: reference data such as case categories
    )
    MANAGE_ROLES = "manage_roles"  # security administrator: roles and security policies
    READ_AUDIT = "read_audit"  # audit administrator, and nobody else


P = Permission
_ORG_READER = frozenset({P.VIEW_ORGANIZATIONS, P.VIEW_MEMBERS})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MEMBER: frozenset({P.VIEW_OWN_RECORD, P.ATTEND_MEETINGS, P.SERVE_COMMUNITY}),
    Role.BRANCH_SECRETARY: _ORG_READER
    | {P.MANAGE_ORGANIZATIONS, P.MANAGE_MEMBERS, P.VIEW_PERSONAL_DATA, P.EXPORT_DATA}
    | {P.MANAGE_MEETINGS},
    Role.COMMITTEE_MEMBER: _ORG_READER | {P.MANAGE_MEMBERS, P.EXPORT_DATA, P.MANAGE_MEETINGS},
    Role.ORGANIZATION_DEPARTMENT: _ORG_READER
    | {P.MANAGE_ORGANIZATIONS, P.MANAGE_MEMBERS, P.VIEW_PERSONAL_DATA, P.EXPORT_DATA}
    | {P.MANAGE_MEETINGS, P.MANAGE_MEETING_RULES, P.APPROVE_DEVELOPMENT}
    | {P.MANAGE_VILLAGE_TEAMS},
    Role.STREET_OFFICIAL: _ORG_READER
    | {P.EXPORT_DATA, P.DISPATCH_CASES, P.HANDLE_CASES, P.SUMMON_DEPARTMENTS}
    | {P.MANAGE_GRIDS, P.VIEW_GRIDS, P.VIEW_CASE_METRICS, P.MANAGE_COMMUNITY_SERVICE}
    | {P.MANAGE_SERVICE_STATIONS},
    Role.COMMUNITY_OFFICIAL: _ORG_READER
    | {P.DISPATCH_CASES, P.HANDLE_CASES, P.VIEW_GRIDS, P.VIEW_CASE_METRICS}
    | {P.MANAGE_COMMUNITY_SERVICE, P.MANAGE_SERVICE_STATIONS},
    # Where these hold is scoping's: a grid worker's over the grids they work (grid.GridWorker
    # rows), a department's staff's cases over their departments (cases.DepartmentStaff rows).
    Role.GRID_WORKER: frozenset({P.HANDLE_CASES, P.VIEW_GRIDS}),
    Role.DEPARTMENT_STAFF: frozenset({P.ANSWER_SUMMONS, P.HANDLE_CASES, P.VIEW_GRIDS}),
    Role.VILLAGE_CADRE: frozenset({P.LOG_VILLAGE_WORK}),
    # The stations the keeper keeps (ServiceStation.keeper) in the community the row names.
    Role.STATION_KEEPER: frozenset({P.KEEP_SERVICE_STATIONS}),
    Role.SYSTEM_ADMIN: frozenset({P.MANAGE_ACCOUNTS, P.MANAGE_SETTINGS}),
    Role.SECURITY_ADMIN: frozenset({P.MANAGE_ROLES}),
    Role.AUDIT_ADMIN: frozenset({P.READ_AUDIT}),
}


@dataclass(frozen=True)
class RoleRow:
    """A role the user holds and what its row names: an organization (by its path, with the
    division it is located in) or a division (by its code)."""

    role: Role
    organization_path: str | None
    division_id: str | None
    organization_division_id: str | None


def role_rows(user: User | AnonymousUser) -> tuple[RoleRow, ...]:
    """The user's role rows, read once per request in one query. The raw material of both
    what the user may do (below) and where (scoping.scope_of); nothing else reads them."""
    if not isinstance(user, User) or not user.is_active:
        return ()
    cached: tuple[RoleRow, ...] | None = getattr(user, "_jiceng_role_rows", None)
    if cached is None:
        cached = tuple(
            RoleRow(Role(role), path, division_id, located_in)
            for role, path, division_id, located_in in user.roles.values_list(
                "role", "organization__path", "division_id", "organization__division_id"
            )
        )
        user._jiceng_role_rows = cached  # type: ignore[attr-defined]
    return cached


def roles_of(user: User | AnonymousUser) -> frozenset[Role]:
    """The user's roles (which administrator, for the admin site); where they act is
    scoping.scope_of's answer."""
    return frozenset(row.role for row in role_rows(user))


def permissions_of(user: User | AnonymousUser) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles_of(user):
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def has_permission(user: User | AnonymousUser, permission: Permission) -> bool:
    return permission in permissions_of(user)
