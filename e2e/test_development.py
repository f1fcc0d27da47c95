"""发展党员 in real Chromium, on a phone: a branch secretary registers an applicant and records
each step of the 2014 rules from the applicant's page, is refused (the rule beside the field)
when one introducer is named, the district's organization department records the pre-review
and the approval, and the applicant becomes a probationary member on the registry."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.development import rules
from jiceng.development.models import Applicant, Step
from jiceng.members.models import Member, MemberStatus
from jiceng.testing.development_personas import DAYS
from jiceng.testing.personas import PASSWORD, Tree, add_member, new_id_number

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


def fill_step(page: Page, step: Step, applied: dt.date) -> None:
    spec = rules.spec(step)
    expect(page.get_by_role("heading", name=f"下一步：{spec.label}")).to_be_visible()
    page.locator("#f-done_on").fill((applied + dt.timedelta(DAYS[step])).isoformat())
    if spec.people is not None:
        for name in ("周敏", "吴刚")[: spec.people.most]:
            page.get_by_label(name).check()
    if spec.training:
        page.get_by_label("培训天数").fill("3")
    if spec.votes:
        page.get_by_label("应到会有表决权的正式党员人数").fill("20")
        page.get_by_label("赞成人数").fill("18")
    if spec.document:
        page.get_by_label("入党志愿书编号").fill("3201132024001")
    if spec.outcomes:
        page.get_by_label("结果").select_option("APPROVED")
    if spec.decision_required:
        page.get_by_label(spec.decision_label).fill("政治审查合格")
    page.get_by_role("button", name=f"录入“{spec.label}”").click()
    expect(page.locator(".flash").first).to_have_text("已录入")


def test_a_secretary_takes_an_applicant_to_probationary_member(
    browser: Browser, live_url: str, tree: Tree, secretary: User, district_department: User
) -> None:
    for name in ("周敏", "吴刚"):
        add_member(tree.branch, name=name)
    applied = clock.today() - dt.timedelta(days=DAYS[Step.ADMISSION_APPROVAL] + 10)
    page = signed_in_page(browser, live_url, secretary.username)

    # from the top bar's menu to the branch's pipeline, and the registration form
    page.get_by_text("菜单").click()
    page.get_by_role("link", name="发展党员", exact=True).click()
    page.get_by_role("link", name="登记入党申请人").click()
    page.get_by_label("姓名").fill("赵青")
    page.get_by_label("身份证号").fill(new_id_number(birth=dt.date(2000, 4, 1)))
    page.get_by_label("人员类别").select_option("EMPLOYED")
    page.get_by_label("递交入党申请书日期").fill(applied.isoformat())
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("heading", name="赵青")).to_be_visible()
    applicant = Applicant.objects.get(name="赵青")

    department = signed_in_page(browser, live_url, district_department.username)
    step = rules.next_step(Step.APPLY)
    while step is not None and rules.ORDER[step] <= rules.ORDER[Step.ADMISSION_APPROVAL]:
        spec = rules.spec(step)
        if spec.approval:
            # the secretary is told whose step it is; the department records it
            page.reload()
            expect(page.get_by_text("该步骤由上级党委组织部门审批录入")).to_be_visible()
            department.goto(f"{live_url}/development/{applicant.pk}/")
            expect(department.get_by_label("审批的党组织")).to_have_value(str(tree.xianlin.pk))
            fill_step(department, step, applied)
            page.goto(f"{live_url}/development/{applicant.pk}/")
        elif step == Step.INTRODUCERS:
            # one introducer: refused, with the rule beside the field, nothing written
            page.locator("#f-done_on").fill((applied + dt.timedelta(DAYS[step])).isoformat())
            page.get_by_label("周敏").check()
            page.get_by_role("button", name="录入“确定入党介绍人”").click()
            expect(page.locator("#e-people")).to_have_text("应确定2名入党介绍人，现为1名")
            page.get_by_label("吴刚").check()
            page.get_by_role("button", name="录入“确定入党介绍人”").click()
            expect(page.locator(".flash").first).to_have_text("已录入")
        else:
            fill_step(page, step, applied)
        step = rules.next_step(step)

    applicant.refresh_from_db()
    assert applicant.standing == "PROBATIONARY"
    assert applicant.member_id is not None
    member = Member.objects.get(pk=applicant.member_id)
    assert member.status == MemberStatus.PROBATIONARY
    assert member.joined_on == applied + dt.timedelta(DAYS[Step.ADMISSION_MEETING])
    expect(page.locator("h1 .badge").first).to_have_text("预备党员")
    page.get_by_role("link", name="党员档案", exact=True).click()
    expect(page.get_by_role("heading", name="赵青")).to_be_visible()
    page.context.close()
    department.context.close()
