"""评星定级 in real Chromium, on a phone: a branch secretary opens the year's checklist (the
items the records answer already scored), is refused an evidence file that is not a document
or image (the reason beside the field), assesses with a photo; the street's department finds
the self-assessments awaiting its review, reviews them and sees the branch graded."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import User
from jiceng.appraisal import scoring
from jiceng.appraisal.models import Review, SelfAssessment, StandardizationChecklist
from jiceng.appraisal.tests.helpers import comply, seat_committee
from jiceng.core import clock
from jiceng.testing.orglife_personas import PNG_BYTES
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


def test_a_branch_assesses_itself_and_the_street_reviews_and_grades(
    browser: Browser,
    live_url: str,
    tree: Tree,
    secretary: User,
    street_official: User,
    tmp_path: Path,
    settings: object,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    year = clock.today().year
    months = clock.today().month - 1 or 12
    comply(tree.branch, year=year, months=months, good=months)
    seat_committee(tree.branch)
    scoring.compute_year(root=tree.xianlin, year=year)

    page = signed_in_page(browser, live_url, secretary.username)
    page.get_by_text("菜单").click()
    page.get_by_role("link", name="评星定级", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("文苑社区第一党支部")
    expect(page.locator(".appraisal-total .score strong")).to_have_text("75")
    expect(page.get_by_text("平台记录自动评分").first).to_be_visible()

    place = page.locator("li.item", has_text="阵地建设")
    place.get_by_label("自评分（0–10）").fill("10")
    bad = tmp_path / "活动室.jpg"
    bad.write_bytes(b"MZ\x90\x00 this is a program, not a photo")
    place.locator("input[type=file]").set_input_files(str(bad))
    place.get_by_role("button", name="提交自评").click()
    place = page.locator("li.item", has_text="阵地建设")
    expect(place.locator(".errors")).to_have_text("不是文档或图片")
    assert not SelfAssessment.objects.exists()

    good = tmp_path / "活动室.png"
    good.write_bytes(PNG_BYTES)
    place.get_by_label("自评分（0–10）").fill("10")
    place.locator("input[type=file]").set_input_files(str(good))
    place.get_by_role("button", name="提交自评").click()
    expect(page.locator(".flash").first).to_contain_text("待上级党委审核")
    role = page.locator("li.item", has_text="发挥作用")
    role.get_by_label("自评分（0–15）").fill("15")
    role.get_by_label("说明（做了什么）").fill("牵头加装电梯3部，结对帮扶困难户12户")
    role.get_by_role("button", name="提交自评").click()
    expect(page.locator(".flash").first).to_contain_text("待上级党委审核")
    # not reviewed yet: the self-scores count nothing
    expect(page.locator(".appraisal-total")).to_contain_text("2项自评待上级党委审核")
    expect(page.locator(".appraisal-total .score strong")).to_have_text("75")

    street = signed_in_page(browser, live_url, street_official.username)
    street.get_by_text("菜单").click()
    street.get_by_role("link", name="评星定级", exact=True).click()
    expect(street.get_by_role("heading", name="待审核的自评（2）")).to_be_visible()
    street.get_by_role("link", name="文苑社区第一党支部").first.click()
    place = street.locator("li.item", has_text="阵地建设")
    expect(place.get_by_role("link", name="佐证材料")).to_be_visible()
    place.get_by_label("审核分（0–10）").fill("9")
    place.get_by_label("审核意见").fill("活动室已规范，制度上墙")
    place.get_by_role("button", name="审核").click()
    expect(street.locator(".flash").first).to_contain_text("已审核")
    role = street.locator("li.item", has_text="发挥作用")
    role.get_by_label("审核分（0–15）").fill("3")
    role.get_by_role("button", name="审核").click()
    expect(street.locator(".appraisal-total .score strong")).to_have_text("87")
    expect(street.locator(".appraisal-total .badge")).to_have_text("四星级")
    assert SelfAssessment.objects.filter(status=Review.ACCEPTED).count() == 2

    street.get_by_role("link", name="辖区评星定级").click()
    expect(street.locator(".star-bars li", has_text="四星级")).to_contain_text("1（50%）")
    row = street.locator("tbody tr", has_text="文苑社区第一党支部")
    expect(row).to_contain_text("87")
    graded = StandardizationChecklist.objects.get(organization=tree.branch, year=year)
    assert (graded.score, graded.stars) == (87, 4)
