"""Where a user may act: the one place that turns roles into a scope.

`permissions.ROLE_PERMISSIONS` says what each role may do; this module says where. A scope is
kept per permission, so a user who is a member in one branch and the secretary of another may
manage only the second, and see the unmasked ID numbers only where a role grants that.

Where a permission holds (its `Reach`) is made of organization subtrees (paths), divisions
(code prefixes) and units: the grids a grid worker works (grid.GridWorker), the departments a
member of staff works for (cases.DepartmentStaff), the service stations (站所) of a street
official's street. Which of these each role's permissions hold over is data (`ROLE_PLACE`,
`UNIT_PERMISSIONS`), so a rule such as "a grid worker sees the grids they work, not the whole
community their role names" lives here and never as a role filter in an app's queries.

Every query of domain rows goes through `scope_of(user)` and the app's own filter built on it
(orgs.queries, members.queries, grid.queries, cases.queries). Default deny: a user with no role
sees nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from jiceng.core.paths import is_under, under_any
from jiceng.divisions.models import LEVEL_DIGITS, short_code_of

from .models import Role, User
from .permissions import ROLE_PERMISSIONS, Permission, role_rows

P = Permission

# What a role row names (accounts.services checks it): an organization, whose subtree ...
SUBTREE_ROLES = frozenset(
    {
        Role.BRANCH_SECRETARY,
        Role.COMMITTEE_MEMBER,
        Role.ORGANIZATION_DEPARTMENT,
        Role.VILLAGE_CADRE,  # the village organization the cadre is sent to
    }
)
# ... or a division: a street, a community, a grid worker's community, a department's district,
# the community of a service station's keeper.
DIVISION_ROLES = frozenset(
    {
        Role.STREET_OFFICIAL,
        Role.COMMUNITY_OFFICIAL,
        Role.GRID_WORKER,
        Role.DEPARTMENT_STAFF,
        Role.STATION_KEEPER,
    }
)


class Where(StrEnum):
    """What a role's permission holds over."""

    SUBTREE = "subtree"  # the organization the role row names, and everything below it
    DIVISION = "division"  # the division the role row names, and every division inside it
    STATIONS = "stations"  # the service stations (站所) of the streets in that division
    GRIDS = "grids"  # the grids the user works (grid.GridWorker)
    DEPARTMENTS = "departments"  # the departments the user works for (cases.DepartmentStaff)
    OWN_RECORD = "own_record"  # the member the account is


# Where each role's permissions hold, unless UNIT_PERMISSIONS says otherwise. The separated
# administrators are not here: their permissions name no place.
ROLE_PLACE: dict[Role, Where] = {
    Role.MEMBER: Where.OWN_RECORD,
    Role.BRANCH_SECRETARY: Where.SUBTREE,
    Role.COMMITTEE_MEMBER: Where.SUBTREE,
    Role.ORGANIZATION_DEPARTMENT: Where.SUBTREE,
    Role.VILLAGE_CADRE: Where.SUBTREE,
    Role.STREET_OFFICIAL: Where.DIVISION,
    Role.COMMUNITY_OFFICIAL: Where.DIVISION,
    # The row names the community, but a grid worker works their own grids only.
    Role.GRID_WORKER: Where.GRIDS,
    # The row names the district: its grids are on the staff's map (VIEW_GRIDS) ...
    Role.DEPARTMENT_STAFF: Where.DIVISION,
    # The row names the community; stations.queries narrows it to the keeper's own stations.
    Role.STATION_KEEPER: Where.DIVISION,
}
# ... while they handle and answer for their departments; a street official handles for the
# street and its stations too (小事网格办、大事站所办、难事部门办).
UNIT_PERMISSIONS: dict[tuple[Role, Permission], frozenset[Where]] = {
    (Role.STREET_OFFICIAL, P.HANDLE_CASES): frozenset({Where.DIVISION, Where.STATIONS}),
    (Role.DEPARTMENT_STAFF, P.HANDLE_CASES): frozenset({Where.DEPARTMENTS}),
    (Role.DEPARTMENT_STAFF, P.ANSWER_SUMMONS): frozenset({Where.DEPARTMENTS}),
}


def where_of(role: Role, permission: Permission) -> frozenset[Where]:
    """What `permission` holds over when `role` grants it."""
    place = ROLE_PLACE.get(role)
    default = frozenset({place}) if place is not None else frozenset()
    return UNIT_PERMISSIONS.get((role, permission), default)


@dataclass(frozen=True)
class Reach:
    """Where one permission holds; empty: nowhere."""

    paths: tuple[str, ...] = ()  # organization subtrees
    division_prefixes: tuple[str, ...] = ()  # divisions: short codes, see short_code_of
    station_prefixes: tuple[str, ...] = ()  # the stations of the streets under these codes
    grid_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    # The divisions the organizations of `paths` are located in (short codes; "" for one
    # located nowhere in particular, the national root): where this permission may place
    # something, never what it sees (see may_place_in).
    subtree_divisions: tuple[str, ...] = ()

    def organization_q(self, prefix: str = "") -> Q:
        """Rows whose organization lies inside: in a subtree, or located in a division.
        `prefix` is the lookup path to the organization ("organization__" from members)."""
        return under_any(self.paths, f"{prefix}path") | under_any(
            self.division_prefixes, f"{prefix}division_id"
        )

    def key(self) -> str:
        """A short name for what `organization_q` selects, for a cache key: two reaches over
        the same subtrees and divisions share it."""
        named = "|".join(sorted(self.paths)) + "/" + "|".join(sorted(self.division_prefixes))
        return hashlib.sha256(named.encode()).hexdigest()[:32]

    def division_q(self, field: str) -> Q:
        """Rows whose division `field` ("community_id", "case__street_id") lies inside."""
        return under_any(self.division_prefixes, field)

    def covers(self, *, path: str, division_id: str | None) -> bool:
        """Whether the organization with this path and division lies inside."""
        return any(is_under(path, p) for p in self.paths) or self.covers_division(division_id)

    def covers_division(self, code: str | None) -> bool:
        return any(is_under(code, p) for p in self.division_prefixes)

    def may_place_in(self, code: str | None) -> bool:
        """Whether something this permission writes may be located in division `code` (an
        organization's division): inside a division it holds, or inside the division of an
        organization whose subtree it holds. A branch's secretary may place it within the
        branch's own community, and so the street that supervises it by division still
        sees it; no one places it elsewhere in the country."""
        return self.covers_division(code) or any(is_under(code, p) for p in self.subtree_divisions)

    def covers_stations_of(self, street_code: str | None) -> bool:
        """Whether the user acts for the service stations of this street."""
        return any(is_under(street_code, p) for p in self.station_prefixes)

    def __or__(self, other: Reach) -> Reach:
        return Reach(
            paths=_outermost([*self.paths, *other.paths]),
            division_prefixes=_outermost([*self.division_prefixes, *other.division_prefixes]),
            station_prefixes=_outermost([*self.station_prefixes, *other.station_prefixes]),
            grid_ids=self.grid_ids | other.grid_ids,
            department_ids=self.department_ids | other.department_ids,
            subtree_divisions=_outermost([*self.subtree_divisions, *other.subtree_divisions]),
        )


class GrantKind(StrEnum):
    """Relations that open a limited view across subtrees. Each arrives with the work that
    needs it, as a grant source (register_grant_source) whose grants scope_of adds to the
    scope, never as a filter in that work's own queries."""

    # 组织关系转接 in progress: the sending and the receiving branch both see the transfer.
    TRANSFER = "transfer"
    # 流动党员: the branch where a mobile member is now sees that member's meetings only.
    MOBILE_MEMBER = "mobile_member"
    # 双报到: the residential community a member reported to sees their name, masked phone and
    # service hours.
    COMMUNITY_REPORT = "community_report"
    # 驻村干部 (第一书记, 工作队员): their dispatch, work log and leave, seen by the village's
    # county organization department and by the sending unit (派出单位).
    VILLAGE_CADRE = "village_cadre"


@dataclass(frozen=True)
class Grant:
    """One such relation: its kind, what it is about (an organization's `path`, or the row
    `target_id` of the transfer, member or work team), and the permissions it opens there,
    which hold for that target only."""

    kind: GrantKind
    opens: frozenset[Permission]
    path: str = ""
    target_id: int | None = None


@dataclass(frozen=True)
class Scope:
    """Where the user may act: per permission, and through grants across subtrees."""

    reaches: Mapping[Permission, Reach] = field(default_factory=dict)
    own_member_id: int | None = None
    grants: tuple[Grant, ...] = ()

    def reach(self, permission: Permission) -> Reach:
        return self.reaches.get(permission, Reach())

    def granted_ids(self, kind: GrantKind, permission: Permission) -> frozenset[int]:
        """The targets (`Grant.target_id`) of the user's grants of `kind` that open
        `permission`: e.g. the members a transfer in progress shows the receiving branch."""
        return frozenset(
            g.target_id
            for g in self.grants
            if g.kind is kind and permission in g.opens and g.target_id is not None
        )

    def organization_q(
        self, permission: Permission = Permission.VIEW_ORGANIZATIONS, prefix: str = ""
    ) -> Q:
        """Rows whose organization lies where `permission` holds; `prefix` is the lookup path
        to the organization ("organization__" from members)."""
        return self.reach(permission).organization_q(prefix)

    def allows(self, permission: Permission, *, path: str, division_id: str | None) -> bool:
        """Whether `permission` holds at the organization with this path and division."""
        return self.reach(permission).covers(path=path, division_id=division_id)

    @property
    def org_paths(self) -> tuple[str, ...]:
        return self.reach(Permission.VIEW_ORGANIZATIONS).paths

    @property
    def division_prefixes(self) -> tuple[str, ...]:
        return self.reach(Permission.VIEW_ORGANIZATIONS).division_prefixes


# Where grants come from: one function per relation, registered by the app that keeps the
# relation (in its AppConfig.ready), called with the user and the reaches of their roles.
GrantSource = Callable[[User, Mapping[Permission, Reach]], Iterable[Grant]]
GRANT_SOURCES: list[GrantSource] = []


def register_grant_source(source: GrantSource) -> GrantSource:
    """Add a source of grants to every scope worked out from now on (idempotent)."""
    if source not in GRANT_SOURCES:
        GRANT_SOURCES.append(source)
    return source


def scope_of(user: User | AnonymousUser) -> Scope:
    """The scope of everything the user's roles name, worked out once per request: one read
    of the role rows (shared with the permission checks), and one of the user's grids or
    departments only for a grid worker or a department's staff."""
    if not isinstance(user, User) or not user.is_active:
        return Scope()
    cached: Scope | None = getattr(user, "_jiceng_scope", None)
    if cached is not None:
        return cached
    named: dict[tuple[Permission, Where], set[str]] = defaultdict(set)
    by_unit: dict[Where, set[Permission]] = defaultdict(set)
    located: dict[Permission, set[str]] = defaultdict(set)
    own_member_id = None
    for row in role_rows(user):
        for permission in ROLE_PERMISSIONS[row.role]:
            for where in where_of(row.role, permission):
                if where is Where.SUBTREE and row.organization_path:
                    named[permission, where].add(row.organization_path)
                    located[permission].add(short_code_of(row.organization_division_id or ""))
                elif where in (Where.DIVISION, Where.STATIONS) and row.division_id:
                    named[permission, where].add(short_code_of(row.division_id))
                elif where in (Where.GRIDS, Where.DEPARTMENTS):
                    by_unit[where].add(permission)
                elif where is Where.OWN_RECORD:
                    own_member_id = user.member_id
    grid_ids = (
        frozenset(user.grid_assignments.values_list("grid_id", flat=True))
        if by_unit[Where.GRIDS]
        else frozenset()
    )
    department_ids = (
        frozenset(user.department_posts.values_list("department_id", flat=True))
        if by_unit[Where.DEPARTMENTS]
        else frozenset()
    )
    permissions = {p for p, _ in named} | by_unit[Where.GRIDS] | by_unit[Where.DEPARTMENTS]
    reaches = {
        p: Reach(
            paths=_outermost(named.get((p, Where.SUBTREE), ())),
            division_prefixes=_outermost(named.get((p, Where.DIVISION), ())),
            station_prefixes=_outermost(named.get((p, Where.STATIONS), ())),
            grid_ids=grid_ids if p in by_unit[Where.GRIDS] else frozenset(),
            department_ids=department_ids if p in by_unit[Where.DEPARTMENTS] else frozenset(),
            subtree_divisions=_outermost(located.get(p, ())),
        )
        for p in permissions
    }
    grants = tuple(grant for source in GRANT_SOURCES for grant in source(user, reaches))
    scope = Scope(reaches=reaches, own_member_id=own_member_id, grants=grants)
    user._jiceng_scope = scope  # type: ignore[attr-defined]
    return scope


def role_reach(
    user: User | AnonymousUser, role: Role, within: Where, *, up_to_level: int | None = None
) -> Reach:
    """What the user's rows of `role` name: their organization subtrees (Where.SUBTREE) or
    divisions (Where.DIVISION), whatever the role's permissions. Where a role granted through
    a delegation may land (accounts.delegations). `up_to_level` keeps only the rows whose
    organization is located in a division of that level or above (3: a county's committee; an
    organization located nowhere in particular, the national root, is above every level)."""
    rows = [row for row in role_rows(user) if row.role == role]
    if up_to_level is not None:
        rows = [r for r in rows if level_of(r.organization_division_id) <= up_to_level]
    if within is Where.SUBTREE:
        return Reach(paths=_outermost(r.organization_path for r in rows if r.organization_path))
    if within is Where.DIVISION:
        return Reach(
            division_prefixes=_outermost(
                short_code_of(r.division_id) for r in rows if r.division_id
            )
        )
    return Reach()


def level_of(division_id: str | None) -> int:
    """The level (divisions.models.Level) of a 12-digit division code from its digits alone;
    0 for none."""
    if not division_id:
        return 0
    short = len(short_code_of(division_id))
    return next((lv for lv, digits in LEVEL_DIGITS.items() if digits == short), 0)


def _outermost(prefixes: Iterable[str]) -> tuple[str, ...]:
    """Drop prefixes inside another listed one: a subtree already covers its descendants."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes)):
        if not any(is_under(prefix, k) for k in kept):
            kept.append(prefix)
    return tuple(kept)
