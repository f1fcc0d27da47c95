"""The relations of this app that open a limited view across subtrees (accounts.scoping,
registered in TransfersConfig.ready):

- GrantKind.TRANSFER: a transfer in progress opens, to whoever sees its receiving organization
  (the receiving branch and its approving committee), the member's record, masked as
  everywhere (VIEW_MEMBERS for that member: members.queries.members_for);
- GrantKind.MOBILE_MEMBER: a registration in force opens, to whoever manages the meetings of
  the host organization, that member's meetings only (MANAGE_MEETINGS for that member:
  transfers.queries.meetings_of_hosted)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Grant, GrantKind, Reach

from .models import MobileRegistration, MobileState, Transfer, TransferKind, TransferState

# The states in which the receiving side has something to do with the member.
RECEIVING_STATES = (TransferState.SENT, TransferState.OUT_APPROVED, TransferState.IN_APPROVED)
TRANSFER_OPENS = frozenset({Permission.VIEW_MEMBERS})
MOBILE_OPENS = frozenset({Permission.MANAGE_MEETINGS})


def _holds(reach: Reach | None) -> bool:
    return reach is not None and bool(reach.paths or reach.division_prefixes)


def grants_of(user: User, reaches: Mapping[Permission, Reach]) -> Iterable[Grant]:
    """One grant per member: at most two indexed reads, none for a user whose roles hold
    neither permission over an organization."""
    view = reaches.get(Permission.VIEW_MEMBERS)
    if _holds(view):
        assert view is not None
        for member_id in (
            Transfer.objects.filter(kind=TransferKind.WITHIN, state__in=RECEIVING_STATES)
            .filter(view.organization_q("to_organization__"))
            .values_list("member_id", flat=True)
        ):
            yield Grant(kind=GrantKind.TRANSFER, opens=TRANSFER_OPENS, target_id=member_id)
    meetings = reaches.get(Permission.MANAGE_MEETINGS)
    if _holds(meetings):
        assert meetings is not None
        for member_id in (
            MobileRegistration.objects.filter(state=MobileState.ACTIVE)
            .filter(meetings.organization_q("host__"))
            .values_list("member_id", flat=True)
        ):
            yield Grant(kind=GrantKind.MOBILE_MEMBER, opens=MOBILE_OPENS, target_id=member_id)
