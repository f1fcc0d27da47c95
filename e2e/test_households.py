"""党员联系户 in real Chromium, on a phone: a member opens 我的联系户, logs a door visit to one
of her households and, in the same step, turns what she found into a case of 接诉即办, which
is dispatched to the household's grid; the grid worker of that grid sees, on the workbench,
the other household that nobody has visited for longer than the set days, and opens it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import User
from jiceng.cases.models import Case
from jiceng.core import clock
from jiceng.households import services
from jiceng.households.models import Visit, Way
from jiceng.households.tests.conftest import Place, resident_member
from jiceng.testing.cases_personas import Units, ensure_categories
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import PASSWORD, Tree, user_with

from .conftest import PHONE, TIMEOUT_MS

pytestmark = pytest.mark.e2e


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


@pytest.fixture
def households(tree: Tree, grids: Grids, grid_worker: User, units: Units) -> Place:
    ensure_categories()
    contact = resident_member(tree, "chen-xiao", "陈晓")
    neighbour = resident_member(tree, "zhao-min", "赵敏")
    community = user_with("wenyuan-sq", "COMMUNITY_OFFICIAL", division_id="320113007001")
    first = services.add_household(
        grid=grids.wenyuan, address="学海路8号3栋301", resident_name="张红梅", by=community
    )
    second = services.add_household(
        grid=grids.wenyuan, address="学海路8号3栋302", resident_name="李建华", by=community
    )
    assert contact.member is not None and neighbour.member is not None
    services.assign_contact(household=first, member=contact.member, by=community)
    services.assign_contact(household=second, member=neighbour.member, by=community)
    # 302 was last visited four months ago: past the 90 days.
    services.log_visit(
        household=second,
        by=neighbour,
        visited_on=clock.today() - dt.timedelta(days=120),
        way=Way.PHONE,
    )
    return Place(contact, neighbour, grid_worker, community, first, second)


def test_a_member_logs_a_visit_whose_finding_becomes_a_case_and_the_worker_sees_the_overdue(
    browser: Browser, live_url: str, households: Place
) -> None:
    page = signed_in_page(browser, live_url, "chen-xiao")
    expect(page.get_by_role("heading", name="我的联系户")).to_be_visible()
    page.get_by_role("link", name="全部联系户").click()
    page.get_by_role("link", name="学海路8号3栋301").click()
    expect(page.get_by_text("张**")).to_be_visible()
    page.get_by_role("link", name="记录走访").click()
    page.get_by_label("入户").check()
    page.get_by_label("发现的情况（没有可不填）").fill("楼道灯不亮，老人晚上出行不便")
    page.get_by_text("需要办理？同时转为工单").click()
    page.get_by_label("把发现的情况转为接诉即办工单，按网格派单").check()
    page.get_by_label("诉求类型").select_option(label="投诉")
    page.locator("#id_subject").select_option(index=1)
    page.get_by_role("button", name="保存走访").click()
    case = Case.objects.get()
    expect(page.get_by_text(f"已转为工单 {case.number}").first).to_be_visible()
    visit = Visit.objects.get(household=households.first)
    assert visit.case == case and case.grid_id == households.first.grid_id
    assert visit.way == Way.IN_PERSON
    page.context.close()

    worker = signed_in_page(browser, live_url, "sun-li")
    panel = worker.locator('[data-panel="households.overdue"]')
    expect(panel.get_by_role("link", name="学海路8号3栋302")).to_be_visible()
    expect(panel.get_by_text("学海路8号3栋301")).to_have_count(0)  # just visited
    # The same household, and the new case in the worker's inbox.
    panel.get_by_role("link", name="学海路8号3栋302").click()
    expect(worker.get_by_text("已超过 90 天未走访")).to_be_visible()
    expect(worker.get_by_text("赵敏", exact=True)).to_be_visible()
    worker.goto(f"{live_url}/households/grids/{households.first.grid_id}/?overdue=1")
    expect(worker.get_by_text("学海路8号3栋302")).to_be_visible()
    worker.context.close()
