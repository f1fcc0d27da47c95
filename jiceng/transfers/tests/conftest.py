"""People of the transfer tests, beside jiceng.testing.personas: the secretary of the branch in
another street that receives a member (尧化社区党支部)."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.members.models import Member
from jiceng.testing.personas import Tree, add_member, user_with

TODAY = dt.datetime(2025, 6, 2, 10, 0, tzinfo=clock.CHINA)


@pytest.fixture
def frozen() -> object:
    with clock.frozen(TODAY):
        yield TODAY


@pytest.fixture
def yaohua_secretary(tree: Tree) -> User:
    """孙丽, secretary of 尧化社区党支部 (尧化街道): the receiving branch."""
    return user_with(
        "sun-li", Role.BRANCH_SECRETARY, organization=tree.yaohua_branch, display_name="孙丽"
    )


@pytest.fixture
def mover(tree: Tree) -> Member:
    """赵磊, a full member of 文苑社区第一党支部 who moves to 尧化."""
    return add_member(tree.branch, name="赵磊")
