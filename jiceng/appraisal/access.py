"""Who may do what in appraisal: a branch assesses itself (whoever manages it), the higher
committee reviews and names (an organization department whose subtree holds the organization
strictly below its own node), everyone who sees an organization sees its grade."""

from __future__ import annotations

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Where, role_reach, scope_of
from jiceng.core.errors import Forbidden
from jiceng.orgs.models import Organization


def may_assess(user: User, organization: Organization) -> bool:
    return scope_of(user).allows(
        Permission.MANAGE_ORGANIZATIONS,
        path=organization.path,
        division_id=organization.division_id,
    )


def department_paths(user: User) -> tuple[str, ...]:
    """The subtrees the user stands for as an organization department that also manages them."""
    managed = scope_of(user).reach(Permission.MANAGE_ORGANIZATIONS).paths
    return tuple(
        p
        for p in role_reach(user, Role.ORGANIZATION_DEPARTMENT, Where.SUBTREE).paths
        if any(p.startswith(m) for m in managed)
    )


def may_review(user: User, organization: Organization) -> bool:
    """The higher committee: a department above the organization, never the organization
    itself (a branch does not review its own self-assessment)."""
    return any(
        organization.path.startswith(p) and organization.path != p for p in department_paths(user)
    )


def check_may_assess(user: User, organization: Organization) -> None:
    if not may_assess(user, organization):
        raise Forbidden("只有本党组织的书记、委员或上级党委可以填写自评")


def check_may_review(user: User, organization: Organization) -> None:
    if not may_review(user, organization):
        raise Forbidden("只有上级党委（组织部门）可以审核、推荐和命名")
