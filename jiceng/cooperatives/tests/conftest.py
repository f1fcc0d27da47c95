from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.orgs.models import Organization, OrgKind, Sector
from jiceng.testing.personas import Tree, add, user_with

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=clock.CHINA)


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def village(tree: Tree) -> Organization:
    """仙林街道青山村党支部 (a village in the street, for the tests)."""
    return add(
        tree.xianlin,
        name="青山村党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.VILLAGE,
        division_id="320113007201",
    )


@pytest.fixture
def village_secretary(village: Organization) -> User:
    """何春生, secretary of 青山村党支部."""
    return user_with(
        "he-chunsheng", Role.BRANCH_SECRETARY, organization=village, display_name="何春生"
    )
