"""The relations of this app that open a limited view across subtrees (accounts.scoping,
registered in TransfersConfig.ready):

- GrantKind.TRANSFER: a transfer in progress opens the member's record, masked as everywhere
  (VIEW_MEMBERS for that member: members.queries.members_for), to the receiving side: the
  roles naming the receiving organization, its approving committee, or an organization
  between the two. Those above the approving committee see the transfer itself (its subtree
  is theirs), not a grant per member, which would be every transfer into a province read on
  each of its department's requests;
- GrantKind.MOBILE_MEMBER: a registration in force opens, to the roles naming the host
  organization itself, that member's meetings only (MANAGE_MEETINGS for that member:
  transfers.queries.meetings_of_hosted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import connection
from django.db.models import Model

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Grant, GrantKind, Reach
from jiceng.core.paths import under_sql
from jiceng.orgs.models import Organization

from .models import MobileRegistration, MobileState, Transfer, TransferKind, TransferState

# The states in which the receiving side has something to do with the member.
RECEIVING_STATES = (TransferState.SENT, TransferState.OUT_APPROVED, TransferState.IN_APPROVED)
TRANSFER_OPENS = frozenset({Permission.VIEW_MEMBERS})
MOBILE_OPENS = frozenset({Permission.MANAGE_MEETINGS})


STEP = Organization.steplen


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def grants_of(user: User, reaches: Mapping[Permission, Reach]) -> Iterable[Grant]:
    """One grant per member, from one read: scope_of calls this on every request of a user
    whose roles name an organization subtree, so it is one SQL statement (the two relations
    as a UNION, each an index range on the organization's path) written out here: the ORM's
    compiling of the same UNION cost a hundred times its running.

    A transfer: its receiving organization under a path of the user's VIEW_MEMBERS reach,
    and its approving committee at or above that path (one of the path's prefixes), so each
    path costs a few index lookups however large its subtree. A mobile member: registered
    with an organization the user's MANAGE_MEETINGS role names itself."""
    view = reaches.get(Permission.VIEW_MEMBERS)
    meetings = reaches.get(Permission.MANAGE_MEETINGS)
    parts: list[str] = []
    params: list[str | int] = []
    organizations = _table(Organization)
    if view is not None and view.paths:
        ranges: list[str] = []
        range_params: list[str | int] = []
        for path in view.paths:
            prefixes = [path[:i] for i in range(STEP, len(path) + 1, STEP)]
            marks = ", ".join(["%s"] * len(prefixes))
            ranges.append(f"(a.path IN ({marks}) AND {under_sql('o.path', '%s')})")
            range_params += [*prefixes, path, path]
        states = [s.value for s in RECEIVING_STATES]
        parts.append(
            f"SELECT t.member_id, %s FROM {_table(Transfer)} t "  # noqa: S608 - our tables
            f"JOIN {organizations} o ON o.id = t.to_organization_id "
            f"JOIN {organizations} a ON a.id = t.in_approver_id "
            f"WHERE t.kind = %s AND t.state IN ({', '.join(['%s'] * len(states))}) "
            f"AND ({' OR '.join(ranges)})"
        )
        params += [GrantKind.TRANSFER.value, TransferKind.WITHIN.value, *states, *range_params]
    if meetings is not None and meetings.paths:
        parts.append(
            f"SELECT r.member_id, %s FROM {_table(MobileRegistration)} r "  # noqa: S608
            f"JOIN {organizations} h ON h.id = r.host_id "
            f"WHERE r.state = %s AND h.path IN ({', '.join(['%s'] * len(meetings.paths))})"
        )
        params += [GrantKind.MOBILE_MEMBER.value, MobileState.ACTIVE.value, *meetings.paths]
    if not parts:
        return []
    opens = {GrantKind.TRANSFER: TRANSFER_OPENS, GrantKind.MOBILE_MEMBER: MOBILE_OPENS}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    return [
        Grant(kind=GrantKind(kind), opens=opens[GrantKind(kind)], target_id=member_id)
        for member_id, kind in rows
    ]
