"""core.bulk.insert_new: rows whose unique key is there already are left out, the others go in,
on both databases (PostgreSQL through a temporary table, gone afterwards)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from jiceng.core import bulk, clock
from jiceng.points.models import PointsEntry, SourceKind
from jiceng.points.posting import COLUMNS, UNIQUE
from jiceng.testing.personas import Tree, add_member

AT = dt.datetime(2026, 5, 6, 19, tzinfo=clock.CHINA)


def row(member_id: int, organization_id: int, source: int, points: int) -> tuple[object, ...]:
    at = connection.ops.adapt_datetimefield_value(AT)
    return (
        member_id,
        organization_id,
        2026,
        202605,
        at,
        SourceKind.ATTENDANCE,
        source,
        False,
        points,
        "",
        None,
        at,
    )


@pytest.mark.django_db
def test_rows_already_there_are_left_as_they_are_and_the_others_go_in(tree: Tree) -> None:
    member = add_member(tree.branch)
    org = tree.branch.pk
    bulk.insert_new(PointsEntry._meta.db_table, COLUMNS, [row(member.pk, org, 1, 2)], UNIQUE)
    rows = [row(member.pk, org, 1, 9), row(member.pk, org, 2, 3), row(member.pk, org, 3, 4)]
    with transaction.atomic():
        bulk.insert_new(PointsEntry._meta.db_table, COLUMNS, rows, UNIQUE)
        bulk.insert_new(PointsEntry._meta.db_table, COLUMNS, rows, UNIQUE)  # twice: nothing more
    found = dict(PointsEntry.objects.filter(member=member).values_list("source_id", "points"))
    assert found == {1: 2, 2: 3, 3: 4}
    assert PointsEntry.objects.get(member=member, source_id=2).occurred_at == AT
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('new_points_pointsentry')")
            assert cursor.fetchone() == (None,)
