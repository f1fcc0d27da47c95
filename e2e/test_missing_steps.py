"""The steps that were only in the API, walked in real Chromium on a phone: a grid worker's
patrol finding becomes a case; a citizen without the link tracks a case by its number and the
phone's last four digits; the street takes back a summons from a department without an account."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from jiceng.accounts.models import User
from jiceng.cases import whistle
from jiceng.cases.models import Case, CaseEvent, EventKind, SummonsReport
from jiceng.cases.workflow import Channel
from jiceng.testing.cases_personas import Units

PASSWORD = "Pa55word!x"  # the personas' password


def sign_in(page: Page, live_url: str, username: str, then: str) -> None:
    page.goto(f"{live_url}/accounts/login/?next={then}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_url}{then}")


def test_a_patrol_finding_becomes_a_case_on_a_phone(
    live_url: str, phone_page: Page, units: Units, grid_worker: User
) -> None:
    page = phone_page
    sign_in(page, live_url, grid_worker.username, "/cases/inbox/")
    page.get_by_role("link", name="网格巡查").click()
    page.get_by_role("button", name="开始巡查").click()
    page.get_by_label("发现的问题").fill("文苑路井盖缺失，行人有踩空的危险")
    page.get_by_role("button", name="记录问题").click()
    expect(page.get_by_role("heading", name="巡查发现转工单")).to_be_visible()
    page.get_by_label("诉求类型").select_option(label="投诉")
    page.get_by_label("诉求事项").select_option(label="占道经营")
    page.get_by_role("button", name="转为工单并派单").click()
    case = Case.objects.get()
    expect(page.get_by_text(f"已转为工单 {case.number}")).to_be_visible()
    assert case.channel == Channel.PATROL and case.entered_by == grid_worker
    page.goto(f"{live_url}/grid/patrol/")
    expect(page.locator("#patrol-findings")).to_contain_text("已转工单")
    page.get_by_role("button", name="结束巡查").click()
    expect(page.locator("#patrol-recent")).to_contain_text("发现问题 1 个")


def test_a_citizen_tracks_a_case_by_its_number_on_a_phone(
    live_url: str, phone_page: Page, submit_case: Callable[..., Case]
) -> None:
    case = submit_case(reporter_name="王建国", reporter_phone="13912345678")
    page = phone_page
    page.goto(f"{live_url}/cases/submit/")
    page.get_by_role("link", name="已经反映过？凭工单号查询进度").click()
    page.get_by_label("工单号").fill(case.number)
    page.get_by_label("手机号后四位").fill("1234")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_have_text("工单号或手机号后四位不对，请核对后再试")
    page.get_by_label("手机号后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    result = page.locator("#lookup-result")
    expect(result).to_contain_text("已派单")
    expect(result).not_to_contain_text("王建国")
    expect(result).not_to_contain_text("5678")


def test_the_street_withdraws_a_summons_nobody_can_answer_on_a_phone(
    live_url: str,
    phone_page: Page,
    submit_case: Callable[..., Case],
    units: Units,
    division_official: User,
) -> None:
    case = submit_case()
    whistle.summon_departments(case=case, departments=[units.housing], by=division_official)
    page = phone_page
    sign_in(page, live_url, division_official.username, "/cases/whistle/")
    expect(page.get_by_text("（该部门暂无账号）")).to_be_visible()
    page.get_by_role("link", name="撤回或改派").click()
    reports = page.locator("#summons-reports")
    expect(reports).to_contain_text("该部门还没有账号，无人能报到")
    reports.get_by_label("理由").fill("住建局尚未开通账号，改由街道协调")
    reports.get_by_role("button", name="撤回吹哨").click()
    expect(page.get_by_text(f"已撤回对{units.housing.name}的吹哨")).to_be_visible()
    assert not SummonsReport.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case, kind=EventKind.UNSUMMONED).exists()
