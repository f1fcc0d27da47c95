"""软弱涣散 in real Chromium, on a phone: a branch that missed its required meetings three
months running appears on the street department's weak list with the reason after the monthly
detection; the department confirms it, names the responsible leader (包联) with a plan, records
progress, is refused the acceptance (销号) with the reason named, and accepts once the branch
holds its meetings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.members.models import ACTIVE_STATUSES, Member
from jiceng.orglife import compliance
from jiceng.orglife.attendance import record_attendance
from jiceng.orglife.minutes import record_minutes, sign_minutes
from jiceng.orglife.models import Attendance, AttendanceStatus, Compliance, MeetingKind
from jiceng.orglife.scheduling import schedule_meeting
from jiceng.orglife.talks import record_talk
from jiceng.orgs.models import Committee, CommitteeSeat, Organization, Post
from jiceng.rectification import detection
from jiceng.rectification.models import Rectification, Status
from jiceng.testing.personas import PASSWORD, Tree, add_member

from .conftest import PHONE, TIMEOUT_MS

pytestmark = pytest.mark.e2e
NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=clock.CHINA)


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


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


# What the branch holds in June to be whole (nothing missing, nothing pending, as the
# detection asks of the current month): the monthly committee meeting and theme day, the
# quarter's general meeting and party lecture, and the year's organizational life meeting,
# democratic review and heart-to-heart talks (still "pending" in June until they are held).
JUNE = [
    (MeetingKind.COMMITTEE_MEETING, "六月支部委员会", 2),
    (MeetingKind.GENERAL_MEETING, "第二季度党员大会", 3),
    (MeetingKind.PARTY_LECTURE, "第二季度党课", 4),
    (MeetingKind.THEME_DAY, "六月主题党日", 5),
    (MeetingKind.LIFE_MEETING, "年度组织生活会", 6),
    (MeetingKind.DEMOCRATIC_REVIEW, "民主评议党员", 7),
]


def hold_june_meetings(branch: Organization, secretary: User) -> None:
    """The secretary holds June's required meetings through orglife's services, as the pages
    do: scheduled, everyone expected marked present from the sign-in sheet, minutes recorded
    and signed (signing brings the month's compliance up to date); a talk with each member."""
    with clock.frozen(dt.datetime(2026, 6, 1, 10, 0, tzinfo=clock.CHINA)):
        for member in Member.objects.filter(organization=branch, status__in=ACTIVE_STATUSES):
            record_talk(
                organization=branch,
                member=member,
                talked_on=dt.date(2026, 6, 1),
                summary="谈思想、谈工作",
                by=secretary,
            )
    for kind, title, day in JUNE:
        starts = dt.datetime(2026, 6, day, 15, 0, tzinfo=clock.CHINA)
        with clock.frozen(starts - dt.timedelta(days=1)):
            meeting = schedule_meeting(
                organization=branch,
                kind=kind,
                title=title,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                place="文苑社区党群服务中心",
                by=secretary,
            )
        with clock.frozen(starts + dt.timedelta(minutes=10)):
            for member_id in Attendance.objects.filter(
                month=meeting.month, meeting=meeting
            ).values_list("member_id", flat=True):
                record_attendance(
                    meeting=meeting,
                    member_id=member_id,
                    status=AttendanceStatus.IN_PERSON,
                    by=secretary,
                )
        with clock.frozen(starts + dt.timedelta(hours=3)):
            record_minutes(
                meeting=meeting,
                body={"items": [{"title": title, "summary": "按计划召开"}]},
                by=secretary,
            )
            sign_minutes(meeting=meeting, by=secretary)


def test_a_branch_missing_its_meetings_is_rectified_once_it_holds_them(
    browser: Browser,
    live_server: object,
    frozen: None,
    tree: Tree,
    street_official: User,
    secretary: User,
) -> None:
    # A young branch with a full committee: only its meetings are wanting.
    Organization.objects.update(founded_on=dt.date(2026, 1, 1))
    for branch in (tree.branch, tree.sibling, tree.yaohua_branch):
        c = Committee.objects.create(
            organization=branch, term_start=dt.date(2025, 1, 1), term_due=dt.date(2030, 1, 1)
        )
        CommitteeSeat.objects.create(
            committee=c, member=add_member(branch, name="书记"), post=Post.SECRETARY
        )
    for month in (202603, 202604, 202605):  # no meeting held: the rollup finds them missing
        compliance.rollup_month(month)
    detection.detect_month()  # the scheduler's monthly run, for May

    page = signed_in_page(browser, str(live_server), street_official.username)
    page.goto(f"{live_server}/rectification/")
    row = page.get_by_role("row").filter(has_text="文苑社区第一党支部")
    expect(row).to_contain_text("连续3个月未按规定开展组织生活（2026年3月起）")
    row.get_by_role("button", name="确定为整顿对象").click()
    expect(page.locator(".flash").first).to_contain_text("已确定文苑社区第一党支部为整顿对象")

    page.get_by_label("包联领导").select_option(str(street_official.pk))
    page.get_by_label("整顿方案").fill("规范三会一课，街道党工委包联督导")
    page.get_by_label("整改措施").fill("每月按期召开支部委员会和党小组会")
    page.get_by_role("button", name="保存整顿方案").click()
    expect(page.locator(".flash").first).to_have_text("整顿方案已保存")

    page.get_by_label("本月进展").fill("已制定全年组织生活计划")
    page.get_by_role("button", name="记录进展").click()
    expect(page.get_by_text("已制定全年组织生活计划")).to_be_visible()

    page.get_by_role("button", name="申请销号").click()
    expect(page.locator(".flash").first).to_contain_text(
        "不能销号：以下问题仍然存在——连续3个月未按规定开展组织生活"
    )
    assert Rectification.objects.get().status == Status.RECTIFYING

    # The branch holds this month's required meetings through the services: signing the
    # minutes makes June's compliance whole.
    hold_june_meetings(tree.branch, secretary)
    june = Compliance.objects.get(organization=tree.branch, month=202606)
    assert (june.missing, june.pending) == (0, 0)
    page.get_by_role("button", name="申请销号").click()
    expect(page.locator(".flash").first).to_have_text("文苑社区第一党支部整顿已销号")
    assert Rectification.objects.get().status == Status.ACCEPTED
