"""Counts of every subtree, kept on the organization rows so a dashboard reads one row.

Incremental: each service that adds or removes members or organizations calls one of the
functions below in its own transaction; `rebuild` recomputes everything from the rows (the
`jiceng rebuild-rollups` command, and the end of every bulk load).

The ancestors of a node are the prefixes of its path, so an update of all of them is one
statement on the primary-key-like path index, whatever the depth.

`move_keyed_rows` is the same move of a subtree for the rollups other apps keep in rows of
their own (dues' months, development's years), called by their receivers of
orgs.signals.organization_moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Greatest

from jiceng.core.paths import under_sql
from jiceng.members.models import ACTIVE_STATUSES, MemberStatus

from .models import BRANCH_KINDS, GRASSROOTS_KINDS, Organization

STEP = Organization.steplen


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    end = len(path) + (1 if include_self else 1 - STEP)
    return [path[:i] for i in range(STEP, end, STEP)]


def add_members(*, organization: Organization, members: int, full_members: int) -> None:
    """`members` active and `full_members` full members joined (negative: left) one org."""
    if not members and not full_members:
        return
    Organization.objects.filter(pk=organization.pk).update(
        member_count=F("member_count") + members,
        full_member_count=F("full_member_count") + full_members,
    )
    if members:
        Organization.objects.filter(path__in=ancestor_paths(organization.path)).update(
            subtree_member_count=F("subtree_member_count") + members
        )


def add_subtree(*, above: str, members: int, branches: int, organizations: int) -> None:
    """A subtree with these totals arrived under (negative: left) the node at path `above`,
    which counts it, as do all of that node's ancestors."""
    if not above or not (members or branches or organizations):
        return
    Organization.objects.filter(path__in=ancestor_paths(above)).update(
        subtree_member_count=F("subtree_member_count") + members,
        subtree_branch_count=F("subtree_branch_count") + branches,
        subtree_org_count=F("subtree_org_count") + organizations,
    )


def move_keyed_rows(
    model: type[models.Model],
    *,
    key: str,
    columns: Sequence[str],
    organization: Organization,
    old_parent_path: str,
    new_parent_path: str,
) -> None:
    """A rollup kept in rows per organization and `key` (a month, a year), each row summing
    `columns` over the organization's subtree, follows a move of `organization`'s subtree: the
    root's own rows, one per key it holds, leave every old ancestor that is not also a new one
    and join every new ancestor that was not an old one (the shape of `add_subtree`). Rows
    inside the subtree sum the same organizations as before and stay as they are.

    A constant number of statements whatever the keys held: each ancestor row takes the root's
    row of its own key through a correlated subquery. An old ancestor's row left all zero is
    deleted (a rebuild makes no row where nothing is counted); a new ancestor without a row
    of that key gets one. Called in the move's transaction (orgs.signals.organization_moved).
    """
    old = set(ancestor_paths(old_parent_path))
    new = set(ancestor_paths(new_parent_path))
    left, joined = sorted(old - new), sorted(new - old)
    rows = model._default_manager.all()
    own = rows.filter(organization=organization)
    keys = list(own.values_list(key, flat=True))
    if not keys:
        return

    def root_value(column: str) -> Subquery:
        return Subquery(own.filter(**{key: OuterRef(key)}).values(column)[:1])

    if left:
        above = rows.filter(organization__path__in=left, **{f"{key}__in": keys})
        # Never below zero: a row already short (a month not yet rolled up again) must not
        # fail the move on the columns' CHECK (>= 0); the next rebuild puts it right.
        above.update(**{c: Greatest(F(c) - root_value(c), Value(0)) for c in columns})
        above.filter(**dict.fromkeys(columns, 0)).delete()
    if joined:
        above = rows.filter(organization__path__in=joined, **{f"{key}__in": keys})
        above.update(**{c: F(c) + root_value(c) for c in columns})
        have = set(above.values_list("organization_id", key))
        ancestors = list(Organization.objects.filter(path__in=joined).values_list("pk", flat=True))
        model._default_manager.bulk_create(
            [
                model(organization_id=pk, **{key: row[key]}, **{c: row[c] for c in columns})
                for row in own.values(key, *columns)
                for pk in ancestors
                if (pk, row[key]) not in have
            ]
        )


def own_weight(organization: Organization) -> tuple[int, int]:
    """(branches, grassroots organizations) that this one node counts for, itself alone."""
    if organization.dissolved_on is not None:
        return 0, 0
    return int(organization.kind in BRANCH_KINDS), int(organization.kind in GRASSROOTS_KINDS)


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))  # enum values, never user input


@transaction.atomic
def rebuild() -> None:
    """Recompute every count from the member and organization rows.

    Direct counts by one grouped pass over members; subtree sums bottom-up, one statement per
    depth, each node adding its children's already-final sums.
    """
    org = Organization._meta.db_table
    active = _quoted(ACTIVE_STATUSES)
    branch = _quoted(BRANCH_KINDS)
    grassroots = _quoted(GRASSROOTS_KINDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {org} SET
              member_count = COALESCE((SELECT COUNT(*) FROM members_member m
                  WHERE m.organization_id = {org}.id AND m.status IN ({active})), 0),
              full_member_count = COALESCE((SELECT COUNT(*) FROM members_member m
                  WHERE m.organization_id = {org}.id AND m.status = '{MemberStatus.FULL}'), 0),
              subtree_branch_count = CASE WHEN dissolved_on IS NULL AND kind IN ({branch})
                  THEN 1 ELSE 0 END,
              subtree_org_count = CASE WHEN dissolved_on IS NULL AND kind IN ({grassroots})
                  THEN 1 ELSE 0 END
            """  # noqa: S608 - table names and enum values, no user input
        )
        cursor.execute(f"UPDATE {org} SET subtree_member_count = member_count")  # noqa: S608
        cursor.execute(f"SELECT COALESCE(MAX(depth), 0) FROM {org}")  # noqa: S608
        deepest = cursor.fetchone()[0]
        children = f"FROM {org} c WHERE c.depth = %s AND {under_sql('c.path', f'{org}.path')}"
        sums = ", ".join(
            f"{col} = {col} + COALESCE((SELECT SUM(c.{col}) {children}), 0)"
            for col in ("subtree_member_count", "subtree_branch_count", "subtree_org_count")
        )
        for depth in range(deepest - 1, 0, -1):
            cursor.execute(
                f"UPDATE {org} SET {sums} WHERE depth = %s AND numchild > 0",  # noqa: S608
                [depth + 1, depth + 1, depth + 1, depth],
            )
