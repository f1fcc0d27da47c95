"""党员突击队 in real Chromium, on phones: a community committee forms a task force with two
sites and their shifts; two members fill places; the coverage board shows the gap left; the
gap notice reaches a member living in the community, who opens it from the notice centre and
takes the gap; the board then shows the site full."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.members.models import Member
from jiceng.taskforces.models import Shift, TaskForce
from jiceng.testing.grid_personas import Grids
from jiceng.testing.orglife_personas import member_account
from jiceng.testing.personas import PASSWORD, Tree, add_member, user_with

from .conftest import PHONE, TIMEOUT_MS

pytestmark = pytest.mark.e2e
NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=clock.CHINA)
WENYUAN = "320113007001"


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def signed_in_page(browser: Browser, live_url: str, username: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def resident(tree: Tree, name: str, username: str) -> User:
    member = add_member(tree.sibling, name=name)
    Member.objects.filter(pk=member.pk).update(residential_division_id=WENYUAN)
    return member_account(member, username)


def test_committee_forms_a_task_force_and_the_gap_notice_fills_the_gap(
    browser: Browser, live_url: str, frozen: None, tree: Tree, grids: Grids
) -> None:
    user_with(
        "wenyuan-sj", Role.BRANCH_SECRETARY, organization=tree.community, display_name="文苑书记"
    )
    chen = resident(tree, "陈晓", "chen-xiao")
    resident(tree, "黄敏", "huang-min")
    resident(tree, "吴涛", "wu-tao")

    committee = signed_in_page(browser, live_url, "wenyuan-sj")
    committee.goto(f"{live_url}/taskforces/")
    committee.get_by_role("link", name="组建突击队").click()
    committee.get_by_label("组建党组织").select_option(label="中共仙林街道文苑社区委员会")
    committee.get_by_label("突击队名称").fill("防汛抢险党员突击队")
    committee.get_by_label("开始日期").fill("2026-06-10")
    committee.get_by_label("结束日期").fill("2026-06-20")
    committee.get_by_role("button", name="组建").click()
    expect(committee.get_by_text("突击队已组建")).to_be_visible()
    for name, lon in (("九乡河堤", "118.902"), ("泵站", "118.907")):
        if not committee.get_by_label("点位名称").is_visible():
            committee.locator("summary", has_text="添加点位").click()
        committee.get_by_label("点位名称").fill(name)
        committee.get_by_label("经度 *").fill(lon)
        committee.get_by_label("纬度 *").fill("32.102")
        committee.get_by_role("button", name="添加点位").click()
        expect(committee.get_by_text("点位已添加")).to_be_visible()
    for site, needed in (("九乡河堤", "2"), ("泵站", "1")):
        committee.get_by_label("点位 *").select_option(label=site)
        committee.get_by_label("从 *").fill("2026-06-11")
        committee.get_by_label("到 *").fill("2026-06-11")
        committee.get_by_label("每天的班次 *").fill("08:00-12:00")
        committee.get_by_label("每班需要人数 *").fill(needed)
        committee.get_by_role("button", name="添加班次").click()
        expect(committee.get_by_text("班次已添加")).to_be_visible()
    task_force = TaskForce.objects.get(name="防汛抢险党员突击队")
    assert task_force.places_needed == 3

    # two members fill places: 陈晓 at the levee, 黄敏 at the pump
    for username, site in (("chen-xiao", "九乡河堤"), ("huang-min", "泵站")):
        member = signed_in_page(browser, live_url, username)
        member.goto(f"{live_url}/taskforces/")
        member.get_by_role("link", name="防汛抢险党员突击队").first.click()
        member.locator(".tf-open li", has_text=site).get_by_role("button", name="报名").click()
        expect(member.get_by_text("已报名：" + site)).to_be_visible()
        member.goto(f"{live_url}/taskforces/")  # my shift, not yet begun: it may be cancelled
        cancel = member.get_by_role("button", name="取消")
        expect(cancel).to_be_visible()
        assert member.get_by_text("开始前30分钟起可到现场签到").is_visible()
        # a button drawn as a link: not white on the white card (it was, and could not be seen)
        assert cancel.evaluate("e => getComputedStyle(e).color") != "rgb(255, 255, 255)"
        member.context.close()

    # the board of the 11th: one place left at the levee
    committee.goto(f"{live_url}/taskforces/{task_force.pk}/board/?day=2026-06-11")
    levee = committee.locator(".tf-site", has_text="九乡河堤")
    expect(levee.get_by_text("缺1人")).to_be_visible()
    expect(levee.get_by_text("陈晓")).to_be_visible()
    expect(committee.locator(".tf-site", has_text="泵站").get_by_text("已满员")).to_be_visible()
    committee.get_by_role("link", name="缺员清单与缺员通知").click()
    committee.get_by_role("button", name="发送缺员通知").click()
    expect(committee.get_by_text("缺员通知已发给居住在点位所在社区的3名党员")).to_be_visible()

    # 吴涛 reads it in the notice centre and takes the gap
    wu = signed_in_page(browser, live_url, "wu-tao")
    wu.goto(f"{live_url}/notices/")
    wu.get_by_role("link", name="防汛抢险党员突击队").first.click()
    wu.locator(".tf-open li", has_text="九乡河堤").get_by_role("button", name="报名").click()
    expect(wu.get_by_text("已报名：九乡河堤")).to_be_visible()

    committee.goto(f"{live_url}/taskforces/{task_force.pk}/board/?day=2026-06-11")
    expect(committee.locator(".tf-site", has_text="九乡河堤").get_by_text("已满员")).to_be_visible()
    expect(committee.get_by_text("吴涛")).to_be_visible()
    assert sum(Shift.objects.filter(task_force=task_force).values_list("taken", flat=True)) == 3
    assert chen.member_id is not None
