"""Each of the demo's eleven sign-ins (`jiceng load-demo` prints them) on a phone: sign in
through the login page, land on the workbench with that role's panels, and do the role's main
task to the end through the pages, with no page answering 403 and none wider than the phone.

The logins are played by the personas of the unit tests, each with the demo login's role and
the same kind of scope (loading the whole demo district takes about a minute, which pytest-django
would redo for every test of a transactional live server):

    qixia-zzb        组织部门 of 栖霞区委          qixia-zzb (district_department)
    xianlin-dgw      组织部门 of 仙林街道党工委    xianlin-dgw (street_official)
    secretary-demo   支部书记 of a community branch li-xiuying (secretary)
    member-demo      党员 of that branch           chen-xiao (member_user)
    grid-demo        网格员 of a 仙林街道 grid      sun-li (grid_worker)
    xianlin-jiedao   街道干部 of 仙林街道          zhou-qiang (division_official)
    chengguan-demo   区城管局值班员                qian-jun (urban_staff)
    shuiwu-demo      区水务局值班员                feng-fang (water_staff)
    sysadmin-demo, secadmin-demo, auditadmin-demo  the three separated administrators (三员),
                     who enroll an authenticator at their first sign-in, as the demo's do.

The demo has no 支委委员 login, so there is no committee member's test here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, Response, expect

from jiceng.accounts.models import User
from jiceng.cases import services as case_services
from jiceng.cases import whistle
from jiceng.cases.models import Case, SummonsReport
from jiceng.core import clock
from jiceng.feedback.models import FeedbackKind, FeedbackStatus
from jiceng.feedback.services import submit_feedback
from jiceng.members.models import Member
from jiceng.orglife.models import Attendance, LeaveStatus, Meeting, MeetingKind
from jiceng.orglife.scheduling import schedule_meeting
from jiceng.testing.cases_personas import Units, submit
from jiceng.testing.orglife_personas import Branch
from jiceng.testing.personas import PASSWORD, Tree, new_id_number


@pytest.fixture
def phone(phone_page: Page, live_url: str) -> Iterator[Page]:
    """The phone, failing the test on any 403 the site answers while it is used."""
    refused: list[str] = []

    def seen(response: Response) -> None:
        if response.status == 403 and response.url.startswith(live_url):
            refused.append(response.url)

    phone_page.on("response", seen)
    yield phone_page
    assert refused == [], f"pages answered 403: {refused}"


def fits(page: Page) -> None:
    """No horizontal scrolling on the phone (once the page has loaded)."""
    page.wait_for_load_state()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} is {wide}px wider than the phone"


def sign_in(page: Page, live_url: str, username: str) -> None:
    page.goto(f"{live_url}/accounts/login/")
    fits(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def on_workbench(page: Page, live_url: str, *titles: str) -> None:
    """The role's workbench, with its panels; every link it shows (menu included) opens."""
    page.wait_for_url(f"{live_url}/")
    expect(page).to_have_title(re.compile("工作台"))
    for title in titles:
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    fits(page)
    hrefs = page.eval_on_selector_all(
        "a[href^='/']", "links => [...new Set(links.map(a => a.getAttribute('href')))]"
    )
    for href in hrefs:
        if href.split("?")[0].endswith(".xlsx"):  # a download starts an export: not a page
            continue
        status = page.request.get(f"{live_url}{href}").status
        assert status not in (403, 404, 500), f"the workbench links {href}, which answers {status}"


def enroll_second_factor(page: Page, live_url: str, user: User) -> None:
    """The administrator's first sign-in: bind an authenticator app by the key on the page."""
    expect(page.get_by_role("heading", name="绑定身份验证器")).to_be_visible()
    fits(page)
    device = TOTPDevice.objects.get(user=user)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_label("验证码").fill(f"{code:06d}")
    page.get_by_role("button", name="绑定并登录").click()


# --- the party-building side -------------------------------------------------------------------


def test_member_demo_asks_leave_for_a_meeting(
    phone: Page, live_url: str, tree: Tree, orglife_branch: Branch
) -> None:
    starts = clock.now().replace(microsecond=0) + dt.timedelta(days=3)
    meeting = schedule_meeting(
        organization=tree.branch,
        kind=MeetingKind.THEME_DAY,
        title="主题党日：重温入党誓词",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place="文苑社区党群服务中心",
        is_online=True,
        by=orglife_branch.secretary,
    )
    sign_in(phone, live_url, orglife_branch.chen.username)
    on_workbench(phone, live_url, "我的组织生活")

    phone.locator("[data-panel='orglife.member']").get_by_role(
        "link", name="主题党日：重温入党誓词"
    ).click()
    expect(phone.get_by_role("heading", name="主题党日：重温入党誓词")).to_be_visible()
    expect(phone.get_by_role("link", name="线上参会")).to_be_visible()
    fits(phone)

    # Her meetings, from the folded menu: she asks leave for this one.
    phone.get_by_text("菜单", exact=True).click()
    menu = phone.get_by_role("navigation", name="主菜单")
    menu.get_by_role("link", name="组织生活", exact=True).click()
    phone.wait_for_url(f"{live_url}/orglife/")
    fits(phone)
    phone.get_by_label("请假事由").fill("当天在外地出差")
    phone.get_by_role("button", name="请假").click()
    expect(phone.get_by_text("（请假待审批）")).to_be_visible()
    fits(phone)
    attendance = Attendance.objects.get(meeting=meeting, member=orglife_branch.chen.member)
    assert attendance.leave_status == LeaveStatus.REQUESTED


def test_secretary_demo_schedules_a_meeting(
    phone: Page, live_url: str, tree: Tree, orglife_branch: Branch
) -> None:
    sign_in(phone, live_url, orglife_branch.secretary.username)
    on_workbench(phone, live_url, "支部组织生活")

    panel = phone.locator("[data-panel='orglife.secretary']")
    panel.get_by_role("link", name="安排会议").click()
    phone.wait_for_url(re.compile(r"/orglife/org/\d+/month/"))
    fits(phone)
    day = (clock.now().astimezone(clock.CHINA) + dt.timedelta(days=2)).date()
    form = phone.locator("#schedule-form")
    form.get_by_label("会议类型").select_option("GENERAL_MEETING")
    form.get_by_label("会议主题").fill("支部党员大会：发展党员")
    form.get_by_label("日期").fill(day.isoformat())
    form.get_by_label("开始").fill("19:00")
    form.get_by_label("结束").fill("20:30")
    form.get_by_role("button", name="安排并通知").click()
    expect(phone.get_by_text("会议已安排，通知已发送")).to_be_visible()
    fits(phone)

    phone.get_by_role("link", name="基层党建云平台").click()
    on_workbench(phone, live_url, "支部组织生活")
    meeting = Meeting.objects.get(title="支部党员大会：发展党员")
    row = phone.locator("[data-panel='orglife.secretary'] li", has_text="已安排")
    expect(row.get_by_role("link", name="支部党员大会")).to_have_attribute(
        "href", f"/orglife/meetings/{meeting.pk}/"
    )
    expect(row).to_contain_text(f"{day.month}月{day.day}日 19:00")


def test_qixia_zzb_opens_the_district_compliance(
    phone: Page, live_url: str, tree: Tree, district_department: User
) -> None:
    sign_in(phone, live_url, district_department.username)
    on_workbench(phone, live_url, "下辖党组织", "组织生活达标")

    compliance = phone.locator("[data-panel='orglife.compliance']")
    compliance.get_by_role("link", name="查看达标情况").first.click()
    expect(
        phone.get_by_role("heading", name=f"{tree.district.name} · 组织生活达标情况")
    ).to_be_visible()
    fits(phone)


def test_xianlin_dgw_registers_a_member(
    phone: Page, live_url: str, tree: Tree, street_official: User
) -> None:
    sign_in(phone, live_url, street_official.username)
    on_workbench(phone, live_url, "下辖党组织", "组织生活达标")

    # The branch has no committee yet, so the panel names it; its page registers members.
    subtree = phone.locator("[data-panel='orgs.subtree']")
    subtree.get_by_role("link", name=f"未配书记：{tree.branch.name}").click()
    expect(phone.get_by_role("heading", name=tree.branch.name)).to_be_visible()
    fits(phone)
    phone.get_by_role("link", name="登记党员").click()
    expect(phone.get_by_role("heading", name="登记党员")).to_be_visible()
    fits(phone)
    phone.get_by_label("姓名").fill("周晓燕")
    phone.get_by_label("身份证号").fill(new_id_number(birth=dt.date(1990, 3, 7)))
    phone.get_by_label("人员类别").select_option(index=1)
    phone.get_by_label("入党日期").fill("2015-07-01")
    phone.get_by_label("党籍状态").select_option(label="正式党员")
    phone.get_by_label("转正日期").fill("2016-07-01")
    phone.get_by_role("button", name=re.compile("保存|登记")).click()
    expect(phone.get_by_role("heading", name=re.compile("周晓燕"))).to_be_visible()
    fits(phone)
    assert Member.objects.filter(name="周晓燕", organization=tree.branch).exists()


# --- 接诉即办 and the grid ---------------------------------------------------------------------


def test_grid_demo_turns_a_patrol_finding_into_a_case(
    phone: Page, live_url: str, units: Units, grid_worker: User
) -> None:
    sign_in(phone, live_url, grid_worker.username)
    on_workbench(phone, live_url, "我的待办诉求", "网格巡查")

    phone.locator("[data-panel='grid.patrol']").get_by_role("link", name="开始巡查").click()
    phone.wait_for_url(f"{live_url}/grid/patrol/")
    fits(phone)
    phone.get_by_role("button", name="开始巡查").click()
    phone.get_by_label("发现的问题").fill("文苑路井盖缺失，行人有踩空的危险")
    phone.get_by_role("button", name="记录问题").click()
    expect(phone.get_by_role("heading", name="巡查发现转工单")).to_be_visible()
    fits(phone)
    phone.get_by_label("诉求类型").select_option(label="投诉")
    phone.get_by_label("诉求事项").select_option(label="占道经营")
    phone.get_by_role("button", name="转为工单并派单").click()
    case = Case.objects.get()
    expect(phone.get_by_text(f"已转为工单 {case.number}")).to_be_visible()
    fits(phone)


def test_xianlin_jiedao_blows_the_whistle(
    phone: Page, live_url: str, units: Units, grid_worker: User, division_official: User
) -> None:
    case = submit()
    case_services.accept_case(case=case, by=grid_worker)
    case_services.escalate_case(case=case, by=grid_worker, reason="需要城管执法")

    sign_in(phone, live_url, division_official.username)
    on_workbench(phone, live_url, "待派诉求", "吹哨报到")

    phone.get_by_role("link", name=re.compile(case.number)).first.click()
    phone.wait_for_url(f"{live_url}/cases/{case.pk}/")
    fits(phone)
    phone.get_by_role("button", name="签收").click()
    expect(phone.locator("#case-status")).to_have_text("已签收")
    phone.get_by_label("栖霞区城市管理局").check()
    phone.get_by_role("button", name="吹哨", exact=True).click()
    expect(phone.locator(".report")).to_have_count(1)
    fits(phone)
    assert SummonsReport.objects.filter(case=case, department=units.urban).exists()


def answers_a_summons(phone: Page, live_url: str, staff: User, case: Case, note: str) -> None:
    sign_in(phone, live_url, staff.username)
    on_workbench(phone, live_url, "我的待办诉求", "待报到吹哨")
    panel = phone.locator("[data-panel='cases.department']")
    panel.get_by_role("link", name=re.compile(case.number)).click()
    phone.wait_for_url(f"{live_url}/cases/{case.pk}/")
    fits(phone)
    phone.get_by_role("button", name="报到").click()
    phone.get_by_label("办理情况").fill(note)
    phone.get_by_role("button", name="提交完成").click()
    expect(phone.locator(".flash")).to_contain_text("已提交办理情况")
    fits(phone)
    report = SummonsReport.objects.get(case=case, department__staff__user=staff)
    assert report.finished_at is not None


@pytest.fixture
def summoned(units: Units, grid_worker: User, division_official: User) -> Case:
    """A case the street has blown the whistle on for 区城管局 and 区水务局."""
    case = submit()
    whistle.summon_departments(
        case=case, departments=[units.urban, units.water], by=division_official
    )
    return case


def test_chengguan_demo_reports_to_a_summons_and_finishes(
    phone: Page, live_url: str, summoned: Case, urban_staff: User
) -> None:
    answers_a_summons(phone, live_url, urban_staff, summoned, "已清理占道摊位")


def test_shuiwu_demo_reports_to_a_summons_and_finishes(
    phone: Page, live_url: str, summoned: Case, water_staff: User
) -> None:
    answers_a_summons(phone, live_url, water_staff, summoned, "已疏通路边排水")


# --- the three separated administrators (三员) -------------------------------------------------


def test_sysadmin_demo_answers_a_feedback(
    phone: Page, live_url: str, system_admin: User, member_user: User
) -> None:
    feedback = submit_feedback(
        by=member_user,
        kind=FeedbackKind.SUGGESTION,
        subject="会议通知希望能提前一天提醒",
        body="有时忘记看通知，希望会前一天再提醒一次。",
    )
    sign_in(phone, live_url, system_admin.username)
    enroll_second_factor(phone, live_url, system_admin)
    on_workbench(phone, live_url, "系统管理")

    phone.get_by_text("菜单", exact=True).click()
    phone.get_by_role("navigation", name="主菜单").get_by_role("link", name="投诉建议处理").click()
    phone.wait_for_url(f"{live_url}/feedback/inbox/")
    fits(phone)
    phone.get_by_role("link", name="会议通知希望能提前一天提醒").click()
    phone.wait_for_url(f"{live_url}/feedback/inbox/{feedback.pk}/")
    fits(phone)
    phone.get_by_label(re.compile("答复内容")).fill("已加入会前一天的提醒，下个版本上线。")
    phone.get_by_role("button", name="答复").click()
    expect(phone.get_by_role("status")).to_contain_text("已答复")
    phone.get_by_role("link", name="已答复").click()
    expect(phone.get_by_role("link", name="会议通知希望能提前一天提醒")).to_be_visible()
    fits(phone)
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.ANSWERED


def test_secadmin_demo_opens_the_roles(
    phone: Page, live_url: str, security_admin: User, member_user: User
) -> None:
    sign_in(phone, live_url, security_admin.username)
    enroll_second_factor(phone, live_url, security_admin)
    on_workbench(phone, live_url, "系统管理")

    phone.get_by_role("link", name="进入安全管理员工作台").click()
    phone.wait_for_url(f"{live_url}/admin/")
    fits(phone)
    phone.get_by_role("link", name="角色", exact=True).first.click()
    phone.wait_for_url(f"{live_url}/admin/accounts/roleassignment/")
    roles = phone.locator("#result_list")
    expect(roles.get_by_role("columnheader", name="账号")).to_be_visible()
    expect(roles.get_by_role("row", name=re.compile(member_user.username))).to_contain_text("党员")
    expect(roles.locator("tbody tr")).to_have_count(2)
    fits(phone)


def test_auditadmin_demo_opens_the_audit_log(
    phone: Page, live_url: str, audit_admin: User, secretary: User
) -> None:
    sign_in(phone, live_url, audit_admin.username)
    enroll_second_factor(phone, live_url, audit_admin)
    on_workbench(phone, live_url, "系统管理")

    phone.get_by_role("link", name="进入审计管理员工作台").click()
    phone.wait_for_url(f"{live_url}/admin/")
    fits(phone)
    phone.get_by_role("link", name="审计记录", exact=True).first.click()
    phone.wait_for_url(f"{live_url}/admin/core/auditrecord/")
    # Its own sign-in is on the log, newest first.
    rows = phone.locator("#result_list tbody tr")
    expect(rows.filter(has_text=audit_admin.username).first).to_be_visible()
    fits(phone)
