"""Who may do what in appraisal: a branch assesses itself (its secretary), the higher
committee reviews and names (an organization department whose subtree holds the organization
strictly below its own node), everyone who sees an organization sees its grade."""

from __future__ import annotations

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.scoping import Where, role_reach, scope_of
from jiceng.core.errors import Forbidden
from jiceng.orgs.models import Organization


def assessed_paths(user: User) -> tuple[str, ...]:
    """The organizations the user assesses: those their secretary's role names itself (a
    department above reviews; it does not fill in a branch's self-assessment)."""
    if not has_permission(user, Permission.MANAGE_ORGANIZATIONS):
        return ()
    return role_reach(user, Role.BRANCH_SECRETARY, Where.SUBTREE).paths


def may_assess(user: User, organization: Organization) -> bool:
    return organization.path in assessed_paths(user)


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
        raise Forbidden("自评由本党支部书记填写")


def check_may_review(user: User, organization: Organization) -> None:
    if not may_review(user, organization):
        raise Forbidden("只有上级党委（组织部门）可以审核、推荐和命名")
