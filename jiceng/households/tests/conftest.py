"""The people of the household contact tests, in 文苑社区 (320113007001):

    陈晓 (chen-xiao), a member of 文苑社区第一党支部 who lives in 文苑社区: contact of 301;
    赵敏 (zhao-min), another member living there, with an account, no households;
    孙丽 (sun-li), grid worker of 文苑第一网格 (grid_personas);
    文苑社区 (wenyuan-sq), the community's official, who assigns the contacts;
    刘洋 (liu-yang), a member of 尧化 (other_member), who sees none of it.

Households: 学海路8号3栋301 (张红梅, 13912345678, contact 陈晓), 学海路8号3栋302 (李建华).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.households import services
from jiceng.households.models import Household
from jiceng.members.models import Member
from jiceng.testing.cases_personas import Units
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import PASSWORD, Tree, add_member, user_with

WENYUAN = "320113007001"
RESIDENT_NAME, RESIDENT_PHONE = "张红梅", "13912345678"


@dataclass
class Place:
    contact: User  # 陈晓
    neighbour: User  # 赵敏
    worker: User  # 孙丽
    community: User  # 文苑社区
    first: Household  # 301, 陈晓's
    second: Household  # 302, nobody's yet


def resident_member(tree: Tree, username: str, name: str) -> User:
    member = add_member(tree.branch, name=name)
    Member.objects.filter(pk=member.pk).update(residential_division_id=WENYUAN)
    member.refresh_from_db()
    user = User.objects.create_user(username=username, password=PASSWORD, member=member)
    RoleAssignment.objects.create(user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def place(tree: Tree, grids: Grids, grid_worker: User, units: Units) -> Place:
    contact = resident_member(tree, "chen-xiao", "陈晓")
    neighbour = resident_member(tree, "zhao-min", "赵敏")
    community = user_with(
        "wenyuan-sq", Role.COMMUNITY_OFFICIAL, division_id=WENYUAN, display_name="文苑社区"
    )
    first = services.add_household(
        grid=grids.wenyuan,
        address="学海路8号3栋301",
        resident_name=RESIDENT_NAME,
        phone=RESIDENT_PHONE,
        note="独居老人",
        by=community,
    )
    second = services.add_household(
        grid=grids.wenyuan, address="学海路8号3栋302", resident_name="李建华", by=community
    )
    assert contact.member is not None
    services.assign_contact(household=first, member=contact.member, by=community)
    return Place(contact, neighbour, grid_worker, community, first, second)
