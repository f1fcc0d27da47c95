"""驻村 in real Chromium, on a phone: a first secretary logs a week on site with one tap a
day (no location asked), is refused a second tap, files the month's work log; after the
monthly check the county organization department sees the cadre below the on-site rule,
with the days counted."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.orgs.models import OrgKind, Sector
from jiceng.testing.personas import PASSWORD, Tree, add, add_member
from jiceng.villages import presence, services, workdays
from jiceng.villages.models import Post, SendingUnit, WorkDay

from .conftest import PHONE, TIMEOUT_MS

pytestmark = pytest.mark.e2e
WEEK = [dt.date(2026, 11, d) for d in range(23, 28)]  # Monday to Friday


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


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 8, 30, tzinfo=clock.CHINA)


def test_a_first_secretary_logs_a_week_and_the_county_sees_the_month_below_the_rule(
    browser: Browser, live_server: object, tree: Tree, district_department: User
) -> None:
    village = add(
        tree.xianlin,
        name="中共仙林街道石埠桥村委员会",
        kind=OrgKind.COMMITTEE,
        sector=Sector.VILLAGE,
        division_id="320113007002",
    )
    member = add_member(tree.branch, name="周卫东")
    cadre = User.objects.create_user(
        username="zhou-weidong", password=PASSWORD, display_name="周卫东", member=member
    )
    with clock.frozen(at(dt.date(2026, 11, 2))):
        services.dispatch_cadre(
            organization=village,
            cadre=cadre,
            sending_unit=SendingUnit.objects.create(name="栖霞区农业农村局"),
            post=Post.FIRST_SECRETARY,
            starts_on=dt.date(2026, 11, 2),
            by=district_department,
        )

    with clock.frozen(at(WEEK[0])):
        page = signed_in_page(browser, str(live_server), cadre.username)
        page.goto(f"{live_server}/villages/")
        expect(page.get_by_text("附上当前位置（可选）")).to_be_visible()
    for day in WEEK:
        with clock.frozen(at(day)):
            # a new morning: the idle timeout signed the cadre out overnight; sign in again
            page.context.clear_cookies()
            page.goto(f"{live_server}/accounts/login/")
            page.get_by_label("用户名").fill(cadre.username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_load_state()
            page.goto(f"{live_server}/villages/")
            page.get_by_role("button", name="今日在岗").click()
            expect(page.locator(".flash").first).to_contain_text(f"已记录{day:%-m月%-d日}在岗")
            expect(page.get_by_text("今天已记录在岗")).to_be_visible()
    with clock.frozen(at(WEEK[-1])):
        page.get_by_text("补记前几天的在岗").click()
        page.get_by_label("日期").fill(WEEK[-1].isoformat())  # a second tap the same day
        page.get_by_role("button", name="补记在岗").click()
        expect(page.locator("p.errors")).to_have_text("2026年11月27日已记录在岗，不能重复记录")
        page.get_by_role("link", name="我的本月").click()
        expect(page.locator(".meter")).to_contain_text("在岗 5 天")
        page.get_by_role("link", name="月度纪实").click()
        page.get_by_label("本月工作纪实").fill("入户走访农户26户，协调修复村西灌溉渠。")
        page.get_by_role("button", name="提交工作纪实").click()
        expect(page.locator(".flash").first).to_contain_text("2026年11月工作纪实已提交")
        expect(page.locator(".timeline")).to_contain_text("入户走访农户26户")
    assert sorted(WorkDay.objects.values_list("day", flat=True)) == WEEK
    assert WorkDay.objects.filter(latitude__isnull=False).count() == 0

    with clock.frozen(at(dt.date(2026, 12, 1))):
        presence.run()  # the daily job: November is now a whole month
        page = signed_in_page(browser, str(live_server), district_department.username)
        page.goto(f"{live_server}/villages/teams/")
        page.get_by_role("link", name="11月未达在岗要求").click()
        row = page.get_by_role("row").filter(has_text="周卫东")
        working = len(workdays.workdays_between(dt.date(2026, 11, 2), dt.date(2026, 11, 30)))
        expect(row).to_contain_text(f"5 / {-(-working * 67 // 100)}")
        expect(row).to_contain_text("中共仙林街道石埠桥村委员会")
