"""What every dues write checks first: that the user manages the members of the organization
(a branch's secretary or committee member, or an organization department above it). Dues are
the members' business at the branch, so they go with MANAGE_MEMBERS rather than a permission
of their own."""

from __future__ import annotations

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.orgs.models import Organization
from jiceng.orgs.services import check_can_write


def check_can_manage_dues(by: User | None, organization: Organization) -> None:
    """Outside the user's scope the organization does not exist (NotFound); `by=None` is the
    system (the monthly task, seeding)."""
    check_can_write(by, organization, Permission.MANAGE_MEMBERS)
