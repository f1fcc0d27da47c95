"""Who besides the security administrator may grant a role (授权): the one table of
delegations.

Granting and taking away roles is the security administrator's (MANAGE_ROLES). A few roles are
appointed where the work is done, by a role that holds that place: each row names the
grantor's role, the role it may grant, and within what: the organization subtree
(Where.SUBTREE) or the division (Where.DIVISION) that the grantor's own role row names.
`services.assign_role` and `services.remove_role` check every grant and removal against this
table (`services.check_can_grant`), and the audit record names the delegation used.

The rule for new roles: work that adds a Role adds its row here, or lists the role in
`SECURITY_ADMIN_ONLY`; tests/test_delegations.py fails on a role in neither. A row is written
only once its Role exists. A row with `up_to_level` also asks that the grantor's own row name
an organization located at that division level or above (3: a county's committee, so a
township's or a street's committee holding the same role does not appoint).
"""

from __future__ import annotations

from dataclasses import dataclass

from jiceng.divisions.models import Level

from .models import Role
from .scoping import Where


@dataclass(frozen=True)
class Delegation:
    grantor: Role
    grants: Role
    within: Where  # the grantor's own place: Where.SUBTREE or Where.DIVISION
    occasion: str  # when the grant is made, for the reader
    up_to_level: int | None = None  # divisions.models.Level of the grantor's organization


DELEGATIONS: tuple[Delegation, ...] = (
    # 换届: the organization department records the election of a committee in its subtree.
    Delegation(Role.ORGANIZATION_DEPARTMENT, Role.BRANCH_SECRETARY, Where.SUBTREE, "记录换届选举"),
    Delegation(Role.ORGANIZATION_DEPARTMENT, Role.COMMITTEE_MEMBER, Where.SUBTREE, "记录换届选举"),
    # The street (or a district's official, whose row names the district) appoints the grid
    # workers of its grids (grid.services.assign_worker).
    Delegation(Role.STREET_OFFICIAL, Role.GRID_WORKER, Where.DIVISION, "任命网格员"),
    # The community appoints the keepers of its service stations (红帆驿站).
    Delegation(Role.COMMUNITY_OFFICIAL, Role.STATION_KEEPER, Where.DIVISION, "任命驿站管理员"),
    # 选派驻村第一书记、工作队员: the county organization department (县委组织部), in its
    # subtree, when it records a dispatch (villages.services.dispatch_cadre); a recall or the
    # end of the term takes the role away through the same row.
    Delegation(
        Role.ORGANIZATION_DEPARTMENT,
        Role.VILLAGE_CADRE,
        Where.SUBTREE,
        "选派驻村干部",
        up_to_level=Level.COUNTY,
    ),
)

# Granted by the security administrator alone (and by `jiceng create-admin` at the console).
SECURITY_ADMIN_ONLY = frozenset(
    {
        Role.MEMBER,
        Role.ORGANIZATION_DEPARTMENT,
        Role.STREET_OFFICIAL,
        Role.COMMUNITY_OFFICIAL,
        Role.DEPARTMENT_STAFF,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    }
)


def delegations_of(role: Role) -> tuple[Delegation, ...]:
    """The rows through which someone other than the security administrator grants `role`."""
    return tuple(d for d in DELEGATIONS if d.grants == role)
