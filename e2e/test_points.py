"""积分 in real Chromium: a member checks in at a meeting and sees the points appear, with her
branch's distribution drawn on her phone (no names, no ranks)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from jiceng.core import clock
from jiceng.orglife.checkin_codes import checkin_token
from jiceng.orglife.models import MeetingKind
from jiceng.orglife.scheduling import schedule_meeting
from jiceng.testing.orglife_personas import Branch
from jiceng.testing.personas import Tree, add_member

from .test_orglife import signed_in_page

pytestmark = pytest.mark.e2e


def test_member_checks_in_and_sees_the_points_appear(
    browser: Browser, live_url: str, tree: Tree, orglife_branch: Branch
) -> None:
    for i in range(10):
        add_member(tree.branch, name=f"党员{i:02d}")
    now = clock.now().astimezone(clock.CHINA)
    start = now - dt.timedelta(minutes=5)
    end = start + dt.timedelta(minutes=90)
    if start.date() != end.date():
        pytest.skip("the meeting would cross midnight")
    meeting = schedule_meeting(
        organization=tree.branch,
        kind=MeetingKind.THEME_DAY,
        title="主题党日：学习党章",
        starts_at=start,
        ends_at=end,
        place="党群服务中心",
        is_online=False,
        agenda=["学习党章"],
        by=orglife_branch.secretary,
    )
    chen = signed_in_page(browser, live_url, orglife_branch.chen.username)
    chen.goto(f"{live_url}/points/")
    expect(chen.get_by_role("heading", name="我的积分")).to_be_visible()
    expect(chen.locator(".points-total")).to_have_text("0")
    expect(chen.get_by_text("暂无积分记录")).to_be_visible()

    chen.goto(live_url + reverse("orglife:checkin", kwargs={"token": checkin_token(meeting)}))
    chen.get_by_role("button", name="确认签到").click()
    expect(chen.get_by_text("签到成功")).to_be_visible()

    chen.goto(f"{live_url}/points/")
    expect(chen.locator(".points-total")).to_have_text("2")
    row = chen.locator("#entries tbody tr").first
    expect(row).to_contain_text("参加组织生活")
    expect(row).to_contain_text("+2")
    expect(chen.locator("#chart-distribution canvas")).to_be_visible()
    assert chen.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert "党员0" not in chen.locator("main").inner_text()  # nobody else's name
    chen.screenshot(path="/tmp/h4-points-phone.png", full_page=True)
    chen.context.close()
