"""The subtree totals (SubtreeTotal) follow a move of the organization tree at once: after
orgs.services.move_organization every row equals what a full rebuild from the bills gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiceng.core import clock
from jiceng.dues import billing, payments
from jiceng.dues.models import SubtreeTotal
from jiceng.members.models import Member
from jiceng.orgs import rollups, services
from jiceng.orgs.models import Organization, OrgKind, Sector
from jiceng.testing.personas import Tree, add_member

NOW = dt.datetime(2026, 6, 10, 10, tzinfo=clock.CHINA)
MONTHS = (202605, 202606)

Rows = dict[tuple[str, int], tuple[int, int, int, int]]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def billed(tree: Tree) -> Tree:
    """Two months of bills across the tree, some paid, rolled up as the monthly task does; and
    a second community under 仙林 with no member, so no row of its own."""
    student = add_member(tree.branch, category="学生", name="学生")
    add_member(tree.branch, category="农牧渔民", name="务农")
    add_member(tree.sibling, category="农牧渔民")
    add_member(tree.yaohua_branch, category="学生")
    add_member(tree.community, category="学生")  # a committee's own member moves with it
    for month in MONTHS:
        billing.generate_bills(organization=None, month=month, by=None)
    payments.record_payment(member=student, months=[202605], method="CASH", by=None)
    services.create_organization(
        parent=tree.xianlin,
        name="中共仙林街道东方社区委员会",
        kind=OrgKind.COMMITTEE,
        sector=Sector.COMMUNITY,
        by=None,
    )
    return tree


def rows() -> Rows:
    """Every subtree total, by organization path (the ids stay, the paths of the moved change)."""
    return {
        (path, month): (expected, collected, billed, paid)
        for path, month, expected, collected, billed, paid in SubtreeTotal.objects.values_list(
            "organization__path", "month", "expected", "collected", "billed", "paid"
        )
    }


def rebuilt(months: tuple[int, ...] = MONTHS) -> Rows:
    """The totals a full rebuild makes from the bills (the daily task's way)."""
    for month in months:
        billing.refresh_totals(organization=None, month=month)
    return rows()


def of(organization: Organization, found: Rows) -> dict[int, tuple[int, int, int, int]]:
    path = Organization.objects.get(pk=organization.pk).path
    return {month: totals for (p, month), totals in found.items() if p == path}


def second_community() -> Organization:
    return Organization.objects.get(name="中共仙林街道东方社区委员会")


@pytest.mark.parametrize(
    ("moved", "target"),
    [
        ("branch", "yaohua"),  # a branch to another street: 仙林 and the community lose it
        ("community", "yaohua"),  # a mid-level organization with its two branches
        ("branch", "second_community"),  # within 仙林: the street and above share both sides
    ],
)
def test_a_move_carries_the_subtree_totals_to_the_new_ancestors(
    billed: Tree, moved: str, target: str
) -> None:
    tree = billed
    organization = getattr(tree, moved)
    new_parent = second_community() if target == "second_community" else getattr(tree, target)
    old_parent_path = organization.path[: -Organization.steplen]
    shared = set(rollups.ancestor_paths(old_parent_path)) & set(
        rollups.ancestor_paths(new_parent.path)
    )
    before = rows()
    moving = of(organization, before)
    assert moving and all(totals[0] > 0 for totals in moving.values())

    services.move_organization(organization=organization, new_parent=new_parent, by=None)

    after = rows()
    assert after == rebuilt()
    # The ancestors both sides share count the subtree before and after, unchanged.
    assert {k: v for k, v in after.items() if k[0] in shared} == {
        k: v for k, v in before.items() if k[0] in shared
    }
    # The old parent no longer counts the subtree, the new one does.
    old_parent = Organization.objects.get(path=old_parent_path)
    for month, totals in moving.items():
        was = of(old_parent, before)[month]
        left = tuple(a - b for a, b in zip(was, totals, strict=True))
        assert of(old_parent, after).get(month, (0, 0, 0, 0)) == left
        had = of(new_parent, before).get(month, (0, 0, 0, 0))
        assert of(new_parent, after)[month] == tuple(
            a + b for a, b in zip(had, totals, strict=True)
        )
    assert of(organization, after) == moving  # the subtree's own rows stay as they were


def test_a_payment_after_the_move_counts_at_the_new_ancestors(billed: Tree) -> None:
    """The incremental updates that follow a move start from right rows."""
    tree = billed
    services.move_organization(organization=tree.branch, new_parent=tree.yaohua, by=None)
    member = Member.objects.get(name="务农")
    payments.record_payment(member=member, months=[202606], method="CASH", by=None)
    assert rows() == rebuilt()


def test_the_move_costs_a_few_statements_whatever_the_months_held(billed: Tree) -> None:
    """The rows of every month move together, not one month after another."""
    tree = billed
    earlier = (202601, 202602, 202603, 202604)
    for month in earlier:
        billing.generate_bills(organization=None, month=month, by=None)
    with CaptureQueriesContext(connection) as queries:
        services.move_organization(organization=tree.branch, new_parent=tree.yaohua, by=None)
    table = SubtreeTotal._meta.db_table
    assert len([q for q in queries.captured_queries if table in q["sql"]]) <= 7
    assert rows() == rebuilt((*earlier, *MONTHS))
