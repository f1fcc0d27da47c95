"""组织生活 in real Chromium: a secretary schedules a theme day, one member checks in through the
QR link on a phone, another (a mobile member) joins online, the secretary records and signs the
minutes, and the compliance page shows the branch compliant for this month's theme day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.core import clock
from jiceng.testing.orglife_personas import Branch
from jiceng.testing.personas import PASSWORD, Tree

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
def pages(browser: Browser, live_url: str, orglife_branch: Branch) -> Iterator[dict[str, Page]]:
    made = {
        "secretary": signed_in_page(browser, live_url, orglife_branch.secretary.username),
        "chen": signed_in_page(browser, live_url, orglife_branch.chen.username),
        "zhao": signed_in_page(browser, live_url, orglife_branch.zhao.username),
    }
    yield made
    for page in made.values():
        page.context.close()


def test_theme_day_from_schedule_to_compliance(
    pages: dict[str, Page], live_url: str, tree: Tree, settings
) -> None:
    settings.JICENG_ONLINE_MIN_MINUTES = 0  # the browser cannot wait half an hour online
    now = clock.now().astimezone(clock.CHINA)
    start = now - dt.timedelta(minutes=5)
    end = start + dt.timedelta(minutes=90)
    if start.date() != end.date():
        pytest.skip("the meeting would cross midnight")
    secretary = pages["secretary"]

    # 1. the secretary schedules this month's theme day
    secretary.goto(f"{live_url}/orglife/month/")
    form = secretary.locator("#schedule-form")
    form.get_by_label("会议类型").select_option("THEME_DAY")
    form.get_by_label("会议主题").fill("主题党日：学习党章")
    form.get_by_label("日期").fill(start.date().isoformat())
    form.get_by_label("开始").fill(start.strftime("%H:%M"))
    form.get_by_label("结束").fill(end.strftime("%H:%M"))
    form.get_by_label("可线上参会").check()
    form.get_by_label("议程").fill("学习党章\n志愿服务安排")
    form.get_by_role("button", name="安排并通知").click()
    expect(secretary.get_by_text("会议已安排，通知已发送")).to_be_visible()
    secretary.get_by_role("link", name="主题党日：学习党章").click()
    expect(secretary.get_by_role("heading", name="签到二维码")).to_be_visible()
    expect(secretary.locator(".qr-code svg")).to_be_visible()
    checkin_url = secretary.locator("#checkin-link").get_attribute("href")
    assert checkin_url and "/orglife/checkin/" in checkin_url
    meeting_url = secretary.url

    # 2. 陈晓 scans the code on her phone and checks in
    chen = pages["chen"]
    chen.goto(checkin_url)
    chen.get_by_role("button", name="确认签到").click()
    expect(chen.get_by_text("签到成功")).to_be_visible()

    # 3. 赵磊 works in 苏州 and joins online
    zhao = pages["zhao"]
    zhao.goto(f"{live_url}/orglife/")
    zhao.get_by_role("link", name="线上参会").click()
    zhao.get_by_role("button", name="进入线上会议").click()
    expect(zhao.locator("#online-state")).to_contain_text("您正在线上会议中")

    # 4. the live list shows both; the secretary records and signs the minutes
    secretary.goto(meeting_url)
    attendance = secretary.locator("#attendance")
    expect(attendance.locator('tr[data-member="陈晓"]')).to_contain_text("签到")
    expect(attendance.locator('tr[data-member="赵磊"]')).to_contain_text("在线中")
    minutes = secretary.locator("#minutes-form")
    minutes.get_by_label("议题摘要").fill("学习党章｜书记领学，党员交流体会")
    minutes.get_by_label("决议").fill("下月开展社区清洁志愿服务")
    minutes.get_by_label("后续任务").fill(
        f"组织志愿服务｜陈晓｜{(now + dt.timedelta(days=10)):%Y-%m-%d}"
    )
    minutes.get_by_role("button", name="保存并签发").click()
    expect(secretary.get_by_text("会议记录已签发")).to_be_visible()
    expect(secretary.get_by_text("达到法定人数")).to_be_visible()

    # 5. the compliance page (it opens on the last complete month: this one is asked for, and
    # marked 进行中): this month's theme day is done for the branch
    secretary.goto(f"{live_url}/orglife/compliance/?month={now:%Y-%m}")
    expect(secretary.locator("#month-state")).to_contain_text("进行中")
    expect(secretary.locator('#kinds li[data-kind="THEME_DAY"]')).to_contain_text("已完成")
    expect(secretary.locator('#kinds li[data-kind="THEME_DAY"]')).to_have_class("met")
