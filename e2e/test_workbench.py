"""On a phone, a member and a grid worker sign in and land on their workbench (工作台): their
panels, a page that does not overflow the screen, the compact menu that opens, and the
large-text mode that stays on."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Page, expect

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.orglife.models import MeetingKind
from jiceng.orglife.scheduling import schedule_meeting
from jiceng.testing.cases_personas import submit
from jiceng.testing.orglife_personas import Branch
from jiceng.testing.personas import PASSWORD, Tree


def sign_in(page: Page, live_url: str, username: str) -> None:
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_url}/")


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_member_lands_on_the_workbench_with_the_next_meeting(
    phone_page: Page, live_url: str, tree: Tree, orglife_branch: Branch
) -> None:
    starts = clock.now().replace(microsecond=0) + dt.timedelta(days=3)
    schedule_meeting(
        organization=tree.branch,
        kind=MeetingKind.THEME_DAY,
        title="主题党日：重温入党誓词",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place="文苑社区党群服务中心",
        by=orglife_branch.secretary,
    )
    page = phone_page
    sign_in(page, live_url, orglife_branch.chen.username)

    expect(page).to_have_title(re.compile("工作台"))
    panel = page.locator("[data-panel='orglife.member']")
    expect(panel.get_by_role("heading", name="我的组织生活")).to_be_visible()
    expect(panel.get_by_role("link", name="主题党日：重温入党誓词")).to_be_visible()
    assert fits(page)

    # The menu is folded on a phone; it opens with one tap and lists the member's pages only.
    menu = page.get_by_role("navigation", name="主菜单")
    expect(menu).to_be_hidden()
    page.get_by_text("菜单", exact=True).click()
    expect(menu.get_by_role("link", name="组织生活", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="组织架构")).to_have_count(0)
    assert fits(page)

    # 大字模式: larger text, kept on the next page.
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 18
    page.get_by_role("button", name="大字模式").click()
    expect(page.get_by_role("button", name="标准字号")).to_be_visible()
    larger = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert larger > size
    panel.get_by_role("link", name="主题党日：重温入党誓词").click()
    expect(page.get_by_role("heading", name="主题党日：重温入党誓词")).to_be_visible()
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    assert fits(page)


def test_a_grid_worker_lands_on_the_inbox_and_the_patrol(
    phone_page: Page, live_url: str, grid_worker: User, units: object
) -> None:
    case = submit()
    page = phone_page
    sign_in(page, live_url, grid_worker.username)

    inbox = page.locator("[data-panel='cases.inbox']")
    expect(inbox.locator(".figure", has_text="待办")).to_contain_text("1")
    expect(inbox.get_by_role("link", name=re.compile(case.number))).to_be_visible()
    patrol = page.locator("[data-panel='grid.patrol']")
    expect(patrol.get_by_role("link", name="开始巡查")).to_be_visible()
    assert fits(page)

    patrol.get_by_role("link", name="开始巡查").click()
    page.wait_for_url(f"{live_url}/grid/patrol/")
    page.get_by_role("link", name="基层党建云平台").click()
    page.wait_for_url(f"{live_url}/")
