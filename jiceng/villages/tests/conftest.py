"""A village under 仙林街道 with a first secretary sent by a county unit; the frozen clock
stands on Thursday 2026-12-03 (the calendar's 2026 arrangement applies)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.orgs.models import Organization, OrgKind, Sector
from jiceng.testing.personas import Tree, add, add_member
from jiceng.villages import services
from jiceng.villages.models import Dispatch, Post, SendingUnit

TODAY = dt.date(2026, 12, 3)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen(dt.datetime(2026, 12, 3, 9, 30, tzinfo=clock.CHINA)):
        yield


@pytest.fixture
def village(tree: Tree) -> Organization:
    return add(
        tree.xianlin,
        name="中共仙林街道石埠桥村委员会",
        kind=OrgKind.COMMITTEE,
        sector=Sector.VILLAGE,
        division_id="320113007002",
    )


@pytest.fixture
def unit() -> SendingUnit:
    return SendingUnit.objects.create(name="栖霞区农业农村局")


@pytest.fixture
def cadre(tree: Tree) -> User:
    member = add_member(tree.branch, name="周卫东")
    return User.objects.create_user(
        username="zhou-weidong", password="x", display_name="周卫东", member=member
    )


@pytest.fixture
def first_secretary(
    village: Organization, unit: SendingUnit, cadre: User, district_department: User
) -> Dispatch:
    return services.dispatch_cadre(
        organization=village,
        cadre=cadre,
        sending_unit=unit,
        post=Post.FIRST_SECRETARY,
        starts_on=dt.date(2026, 3, 1),
        by=district_department,
    )
