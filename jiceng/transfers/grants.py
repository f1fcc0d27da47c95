"""The relations of this app that open a limited view across subtrees (accounts.scoping,
registered in TransfersConfig.ready):

- GrantKind.TRANSFER: a transfer in progress opens the member's record, masked as everywhere
  (VIEW_MEMBERS for that member: members.queries.members_for), to the receiving side: roles
  naming the receiving organization, its approving committee or what lies between them, or
  the organization right above that committee (the department that approves for it). Higher
  up (a province's department) sees the transfer itself, not a grant per member: that would
  be every transfer into the province read on each of its requests;
- GrantKind.MOBILE_MEMBER: a registration in force opens, to the roles naming the host
  organization itself, that member's meetings only (MANAGE_MEETINGS for that member:
  transfers.queries.meetings_of_hosted).

Where a grant reaches is data (GRANT_LEVELS_ABOVE_APPROVER)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db.models import Q

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Grant, GrantKind, Reach
from jiceng.core.paths import under
from jiceng.orgs.models import Organization

from .models import MobileRegistration, MobileState, Transfer, TransferKind, TransferState

# The states in which the receiving side has something to do with the member.
RECEIVING_STATES = (TransferState.SENT, TransferState.OUT_APPROVED, TransferState.IN_APPROVED)
TRANSFER_OPENS = frozenset({Permission.VIEW_MEMBERS})
MOBILE_OPENS = frozenset({Permission.MANAGE_MEETINGS})


# How far above the receiving side's approving committee the grant of a transfer reaches.
GRANT_LEVELS_ABOVE_APPROVER = 1
STEP = Organization.steplen


def _receiving_side(reach: Reach) -> Q:
    """Transfers into the subtrees of `reach` whose approving committee is at most
    GRANT_LEVELS_ABOVE_APPROVER levels below the role's organization."""
    q = Q(pk__in=[])
    for path in reach.paths:
        q |= under(path, "to_organization__path") & Q(
            in_approver__depth__lte=len(path) // STEP + GRANT_LEVELS_ABOVE_APPROVER
        )
    return q


def grants_of(user: User, reaches: Mapping[Permission, Reach]) -> Iterable[Grant]:
    """One grant per member: at most two indexed reads, none for a user whose roles hold
    neither permission over an organization subtree."""
    view = reaches.get(Permission.VIEW_MEMBERS)
    if view is not None and view.paths:
        for member_id in (
            Transfer.objects.filter(kind=TransferKind.WITHIN, state__in=RECEIVING_STATES)
            .filter(_receiving_side(view))
            .values_list("member_id", flat=True)
        ):
            yield Grant(kind=GrantKind.TRANSFER, opens=TRANSFER_OPENS, target_id=member_id)
    meetings = reaches.get(Permission.MANAGE_MEETINGS)
    if meetings is not None and meetings.paths:
        for member_id in MobileRegistration.objects.filter(
            state=MobileState.ACTIVE, host__path__in=meetings.paths
        ).values_list("member_id", flat=True):
            yield Grant(kind=GrantKind.MOBILE_MEMBER, opens=MOBILE_OPENS, target_id=member_id)
