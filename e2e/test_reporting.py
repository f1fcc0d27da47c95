"""双报到 in real Chromium, on phones: a member reports to the community where she lives
(found from her home address), the community confirms it and publishes a need, she signs up,
the community confirms her hours, and the points appear on her points page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.testing.grid_personas import Grids

from .test_orglife import signed_in_page

pytestmark = pytest.mark.e2e


def test_member_reports_signs_up_and_the_confirmed_hours_become_points(
    browser: Browser, live_url: str, grids: Grids, member_user: User, wenyuan_official: User
) -> None:
    chen = signed_in_page(browser, live_url, member_user.username)
    chen.goto(f"{live_url}/reporting/")
    expect(chen.get_by_role("heading", name="到居住社区报到")).to_be_visible()
    chen.get_by_label("居住地址").fill("火星大道1号")
    chen.get_by_role("button", name="报到").click()
    expect(chen.locator("#f-address-error")).to_contain_text("无法从该地址确定所在社区")
    chen.get_by_label("居住地址").fill("仙林街道文苑社区学海路8号3栋")
    chen.get_by_role("button", name="报到").click()
    expect(chen.get_by_text("已向文苑社区报到，待社区确认")).to_be_visible()

    zheng = signed_in_page(browser, live_url, wenyuan_official.username)
    zheng.goto(f"{live_url}/reporting/community/")
    expect(zheng.get_by_role("heading", name="文苑社区 · 双报到")).to_be_visible()
    pending = zheng.locator("#pending li", has_text="陈晓")
    pending.get_by_role("button", name="确认").click()
    expect(zheng.get_by_text("已确认陈晓的报到")).to_be_visible()
    zheng.locator("#needs summary", has_text="发布需求").click()
    zheng.get_by_label("需求", exact=True).fill("陪伴独居老人")
    zheng.locator("#n-places").fill("3")
    zheng.get_by_role("button", name="发布需求").click()
    expect(zheng.get_by_text("需求已发布")).to_be_visible()

    chen.goto(f"{live_url}/reporting/")
    need = chen.locator("#needs li", has_text="陪伴独居老人")
    need.get_by_role("button", name="报名").click()
    expect(chen.get_by_text("已报名“陪伴独居老人”")).to_be_visible()

    zheng.goto(f"{live_url}/reporting/community/")
    zheng.get_by_role("link", name="陪伴独居老人").click()
    expect(zheng.locator("#signups")).to_contain_text("陈晓")
    zheng.get_by_label("党员").select_option(label="陈晓")
    zheng.get_by_label("服务日期").fill(clock.today().isoformat())
    zheng.get_by_label("服务时长（小时，以半小时计）").fill("2")
    zheng.get_by_role("button", name="确认时长").click()
    expect(zheng.get_by_text("已确认陈晓服务2小时，积分已记入")).to_be_visible()

    chen.goto(f"{live_url}/reporting/")
    expect(chen.locator("#hours")).to_contain_text("2小时")
    chen.goto(f"{live_url}/points/")
    expect(chen.locator(".points-total")).to_have_text("2")
    row = chen.locator("#entries tbody tr").first
    expect(row).to_contain_text("社区确认的服务时长")
    expect(row).to_contain_text("+2")
