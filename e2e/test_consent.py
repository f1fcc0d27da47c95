"""居民意见征询 in real Chromium, on phones: a community official registers a lift project for
one unit with its flats and owners (one owner of two flats), opens a round, enters two paper
answers (one against, with an objection about light), sends a one-time code by SMS; the owner
answers on their own phone with it; the page shows the count short of the rule until the owner
of two flats agrees, then met."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import User
from jiceng.consent.models import ConsentAnswer, ConsentProject
from jiceng.core import clock
from jiceng.divisions.models import Division
from jiceng.notices import sms
from jiceng.testing.personas import PASSWORD

from .conftest import PHONE, TIMEOUT_MS

pytestmark = pytest.mark.e2e


def phone(browser: Browser) -> Page:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def signed_in(browser: Browser, live_url: str, username: str) -> Page:
    page = phone(browser)
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def add_flat(page: Page, room: str, floor: int, area: str, name: str, mobile: str) -> None:
    page.get_by_text("登记房屋", exact=True).first.click()
    page.get_by_label("房号").fill(room)
    page.get_by_label("楼层").fill(str(floor))
    page.get_by_label("专有部分面积（㎡）").fill(area)
    page.get_by_label("业主姓名").fill(name)
    page.get_by_label("业主手机号（选填，用于短信征询）").fill(mobile)
    if room == "101":
        page.get_by_label("电梯占用该户专有部分").check()
    page.get_by_role("button", name="登记房屋").click()
    expect(page.locator(".flash").first).to_have_text(f"已登记{room}室")


def paper(page: Page, owner_label: str, choice: str, *, light: bool = False) -> None:
    page.get_by_label("业主").select_option(label=owner_label)
    page.get_by_label(choice, exact=True).check()
    if light:
        page.get_by_label("采光").check()
    page.get_by_role("button", name="录入意见").click()


def test_a_community_runs_a_lift_consent_round_until_the_rule_is_met(
    browser: Browser,
    live_url: str,
    wenyuan_official: User,
    grid_divisions: dict[str, Division],
) -> None:
    sms.LocmemBackend.outbox.clear()
    page = signed_in(browser, live_url, wenyuan_official.username)
    page.goto(f"{live_url}/")
    page.get_by_text("菜单", exact=True).click()
    page.get_by_role("link", name="居民意见征询").click()
    page.get_by_text("登记新事项").click()
    page.get_by_label("名称").fill("文苑小区3栋2单元加装电梯")
    page.get_by_label("楼栋").fill("3栋")
    page.get_by_role("button", name="登记事项").click()
    expect(page.locator("h1")).to_have_text("文苑小区3栋2单元加装电梯")

    add_flat(page, "101", 1, "88.50", "赵建华", "13800000101")
    add_flat(page, "201", 2, "88.50", "孙明", "13800000201")
    add_flat(page, "301", 3, "88.50", "周伟", "13800000301")
    add_flat(page, "401", 4, "88.50", "王芳", "13800000401")
    add_flat(page, "501", 5, "88.50", "王芳", "13800000401")  # the same owner: one head
    expect(page.get_by_role("row").filter(has_text="501")).to_contain_text("王*")
    assert "13800000401" not in page.content()

    deadline = clock.now().astimezone(clock.CHINA) + dt.timedelta(days=14)
    page.get_by_label("截止时间").fill(f"{deadline:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="发起征询").click()
    expect(page.locator(".flash").first).to_have_text("已发起征询")
    expect(page.locator("#verdict")).to_have_text("按目前意见，尚未达到表决规则")

    paper(page, "101 赵**", "同意")
    expect(page.locator(".flash").first).to_have_text("已录入业主赵**的书面意见")
    paper(page, "201 孙*", "不同意", light=True)
    expect(page.locator(".owner-list li").filter(has_text="201")).to_contain_text("提出采光")

    # 周伟 answers on his own phone with the code the community sends him
    page.locator(".owner-list li").filter(has_text="301").get_by_role(
        "button", name="发送短信验证码"
    ).click()
    expect(page.locator(".flash").first).to_have_text("已向138****0301发送验证码")
    (message,) = sms.LocmemBackend.outbox
    link = message.text.split("打开 ")[1].split(" ")[0]
    code = message.text.split("验证码")[1][:8]
    owner = phone(browser)
    owner.goto(link)
    owner.get_by_label("短信验证码").fill(code)
    owner.get_by_role("button", name="下一步").click()
    expect(owner.get_by_text("您名下：301室（88.50㎡）")).to_be_visible()
    owner.get_by_label("同意", exact=True).check()
    owner.get_by_role("button", name="提交意见").click()
    expect(owner.locator("#done")).to_have_text("您的意见（同意）已记录，谢谢！")

    # three of four owners have answered, but with 60% of the area: short of two thirds
    page.reload()
    expect(page.locator("#verdict")).to_have_text("按目前意见，尚未达到表决规则")
    expect(page.locator(".checks li").first).to_contain_text("未达到")
    paper(page, "401、501 王*", "同意")
    expect(page.locator("#verdict")).to_have_text("按目前意见，已达到表决规则")
    # a second answer from the same owner is refused (the list no longer offers him; the
    # owner's code page refuses a used code)
    owner.goto(link)
    owner.get_by_label("短信验证码").fill(code)
    owner.get_by_role("button", name="下一步").click()
    expect(owner.get_by_role("alert")).to_contain_text("验证码不正确或已失效")

    project = ConsentProject.objects.get()
    assert ConsentAnswer.objects.filter(round__project=project).count() == 4
    page.get_by_role("link", name="本轮全部意见记录").click()
    expect(page.get_by_role("row")).to_have_count(5)
