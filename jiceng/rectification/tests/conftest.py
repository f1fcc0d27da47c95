from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from jiceng.core import clock
from jiceng.orgs.models import Committee, CommitteeSeat, Organization, Post
from jiceng.testing.personas import Tree, add_member

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=clock.CHINA)


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def committee(
    organization: Organization,
    *,
    start: dt.date = dt.date(2025, 12, 1),
    due: dt.date = dt.date(2028, 12, 1),
    secretary: bool = False,
) -> Committee:
    c = Committee.objects.create(organization=organization, term_start=start, term_due=due)
    if secretary:
        seat_secretary(c)
    return c


def seat_secretary(c: Committee) -> CommitteeSeat:
    member = add_member(c.organization, name="周书记")
    return CommitteeSeat.objects.create(committee=c, member=member, post=Post.SECRETARY)


@pytest.fixture
def young_tree(tree: Tree) -> Tree:
    """Every organization founded this year: no rule about development applies yet."""
    Organization.objects.update(founded_on=dt.date(2026, 1, 1))
    for node in vars(tree).values():
        node.refresh_from_db()
    return tree
