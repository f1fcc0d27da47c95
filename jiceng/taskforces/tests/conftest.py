"""Named people and rows for the task force tests: 文苑社区党委 forms a flood defence task force
with two sites in 文苑社区 (inside the grids of jiceng.testing.grid_personas); 陈晓 (first
branch) and 黄敏 (second branch, living in 文苑社区) take places; 刘洋 lives in 尧化."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.members.models import Member
from jiceng.taskforces import services
from jiceng.taskforces.models import Shift, Site, TaskForce
from jiceng.testing.grid_personas import Grids
from jiceng.testing.orglife_personas import member_account
from jiceng.testing.personas import Tree, add_member, user_with

# Wednesday morning, 10 June 2026; the shifts are on the 11th.
NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=clock.CHINA)
DAY = dt.date(2026, 6, 11)
WENYUAN = "320113007001"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.CHINA)


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@dataclass
class Force:
    tf: TaskForce
    levee: Site  # 九乡河堤 in 文苑第一网格, led by 周红
    pump: Site  # 泵站 in 文苑第二网格
    morning: Shift  # levee 08:00-12:00, 2 places
    afternoon: Shift  # levee 12:00-16:00, 2 places
    pump_morning: Shift  # pump 08:00-12:00, 1 place
    committee: User  # 文苑社区党委's secretary (MANAGE_MEETINGS over the community)
    lead: User  # 周红, lead of the levee site
    chen: User
    huang: User


@pytest.fixture
def force(tree: Tree, grids: Grids, member_user: User, frozen: None) -> Force:
    committee = user_with(
        "wenyuan-sj", Role.BRANCH_SECRETARY, organization=tree.community, display_name="文苑书记"
    )
    tf = services.form_task_force(
        by=committee,
        organization=tree.community,
        name="防汛抢险党员突击队",
        purpose="九乡河防汛",
        starts_on=dt.date(2026, 6, 10),
        ends_on=dt.date(2026, 6, 20),
    )
    zhou = add_member(tree.branch, name="周红")
    lead = member_account(zhou, "zhou-hong")
    levee = services.add_site(
        by=committee, task_force=tf, name="九乡河堤", lon=118.902, lat=32.102, lead=zhou
    )
    pump = services.add_site(by=committee, task_force=tf, name="泵站", lon=118.907, lat=32.102)
    slots = services.parse_slots("08:00-12:00, 12:00-16:00")
    services.add_shifts(
        by=committee, site=levee, first_day=DAY, last_day=DAY, slots=slots, needed=2
    )
    services.add_shifts(
        by=committee, site=pump, first_day=DAY, last_day=DAY, slots=slots[:1], needed=1
    )
    shifts = Shift.objects.filter(task_force=tf).order_by("site_id", "starts_at")
    morning, afternoon, pump_morning = list(shifts)
    huang = add_member(tree.sibling, name="黄敏")
    Member.objects.filter(pk__in=[huang.pk, member_user.member_id]).update(
        residential_division_id=WENYUAN
    )
    tf.refresh_from_db()
    return Force(
        tf=tf,
        levee=levee,
        pump=pump,
        morning=morning,
        afternoon=afternoon,
        pump_morning=pump_morning,
        committee=committee,
        lead=lead,
        chen=member_user,
        huang=member_account(huang, "huang-min"),
    )
