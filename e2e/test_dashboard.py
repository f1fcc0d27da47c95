"""The organization department opens the dashboard (党建驾驶舱) from its workbench on a phone:
the figures of its subtree, charts drawn, a figure that opens the list behind it, the
large-screen mode; and after a change in the records the dashboard shows it."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.orglife import rules
from jiceng.orglife.models import Compliance
from jiceng.testing.personas import PASSWORD, Tree, add_member


def sign_in(page: Page, live_url: str, username: str) -> None:
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_url}/")


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def figure(page: Page, tile: str, label: str) -> str:
    found = page.locator(f"[data-key='{tile}'] .tile-figure", has_text=label).locator("strong")
    return found.first.inner_text()


def test_the_department_sees_its_dashboard_and_the_change(
    phone_page: Page,
    live_url: str,
    tree: Tree,
    street_official: User,
    settings: Any,
) -> None:
    # Every request builds the tiles: the change must show at the next visit, not in 5 minutes.
    settings.JICENG_DASHBOARD_CACHE_SECONDS = 0
    for _ in range(3):
        add_member(tree.branch)
    month = rules.add_months(rules.month_of(clock.today()), -1)
    row = Compliance.objects.create(
        organization=tree.xianlin,
        month=month,
        path=tree.xianlin.path,
        depth=tree.xianlin.depth,
        branches=2,
        compliant=1,
    )
    page = phone_page
    sign_in(page, live_url, street_official.username)

    panel = page.locator("[data-panel='dashboard.cockpit']")
    panel.get_by_role("link", name="打开驾驶舱").click()
    expect(page).to_have_title(re.compile("党建驾驶舱"))
    expect(page.locator("#cockpit-org")).to_have_text(tree.xianlin.name)
    assert figure(page, "dashboard.members", "党员") == "3"
    assert figure(page, "dashboard.compliance", "达标率") == "50.0%"
    expect(page.locator("[data-chart='dashboard.members'][data-drawn='1']")).to_have_count(1)
    expect(page.locator("[data-chart='dashboard.compliance'][data-drawn='1']")).to_have_count(1)
    assert fits(page)

    # The branch holds its meetings and a member joins: the dashboard shows both.
    add_member(tree.sibling)
    Compliance.objects.filter(pk=row.pk).update(compliant=2)
    page.reload()
    assert figure(page, "dashboard.members", "党员") == "4"
    assert figure(page, "dashboard.compliance", "达标率") == "100.0%"

    # A figure opens the list behind it.
    page.locator("[data-key='dashboard.members'] .tile-figure", has_text="党员").first.locator(
        "a"
    ).click()
    expect(page).to_have_url(re.compile(rf"/members/\?org={tree.xianlin.pk}$"))
    page.go_back()

    # The large screen: no menu bar, the same figures.
    page.get_by_role("link", name="大屏模式").click()
    expect(page.locator(".cockpit-screen")).to_be_visible()
    expect(page.locator(".topbar")).to_be_hidden()
    assert figure(page, "dashboard.members", "党员") == "4"
