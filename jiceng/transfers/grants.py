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
from typing import Any

from django.db.models import CharField, Q, QuerySet, Value

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
    """One grant per member, from one read (the two relations' rows as one UNION): scope_of
    calls this on every request of a user whose roles name an organization subtree."""
    view = reaches.get(Permission.VIEW_MEMBERS)
    meetings = reaches.get(Permission.MANAGE_MEETINGS)
    parts: list[QuerySet[Any, tuple[int, str]]] = []
    if view is not None and view.paths:
        parts.append(
            Transfer.objects.filter(kind=TransferKind.WITHIN, state__in=RECEIVING_STATES)
            .filter(_receiving_side(view))
            .values_list("member_id", Value(GrantKind.TRANSFER.value, output_field=CharField()))
        )
    if meetings is not None and meetings.paths:
        parts.append(
            MobileRegistration.objects.filter(
                state=MobileState.ACTIVE, host__path__in=meetings.paths
            ).values_list(
                "member_id", Value(GrantKind.MOBILE_MEMBER.value, output_field=CharField())
            )
        )
    if not parts:
        return []
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    opens = {GrantKind.TRANSFER: TRANSFER_OPENS, GrantKind.MOBILE_MEMBER: MOBILE_OPENS}
    return [
        Grant(kind=GrantKind(kind), opens=opens[GrantKind(kind)], target_id=member_id)
        for member_id, kind in rows
    ]
