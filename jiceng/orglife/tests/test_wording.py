"""What the pages say about time and outcomes: a meeting to come is not missed, the month
under way is not a failure, and a requirement not met says why."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.orglife import compliance
from jiceng.orglife.attendance import check_in
from jiceng.orglife.checkin_codes import checkin_token
from jiceng.orglife.compliance import MeetingFacts, why_not_met
from jiceng.orglife.minutes import record_minutes, sign_minutes
from jiceng.orglife.models import AttendanceStatus, Meeting, MeetingKind, MeetingStatus, Period
from jiceng.orglife.templatetags.orglife_tags import attendance_state
from jiceng.orglife.views import short_names
from jiceng.testing.orglife_personas import DURING, THEME_DAY_START, Branch
from jiceng.testing.personas import Tree

BODY = {"items": [{"title": "学习党章", "summary": "学习第一章"}], "resolutions": [], "tasks": []}
ENDS = THEME_DAY_START + dt.timedelta(hours=2)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state_at(now: dt.datetime, status: str = AttendanceStatus.ABSENT, meeting: str = "SCHEDULED"):
    return attendance_state(
        status=status,
        label=AttendanceStatus(status).label,
        meeting_status=meeting,
        starts_at=THEME_DAY_START,
        ends_at=ENDS,
        now=now,
    )[0]


def test_an_attendance_reads_by_the_meetings_time():
    before = THEME_DAY_START - dt.timedelta(days=3)
    assert state_at(before) == "未开始"
    assert state_at(DURING) == "未签到"
    assert state_at(ENDS + dt.timedelta(minutes=1)) == "缺席"
    assert state_at(DURING, meeting=MeetingStatus.HELD) == "缺席"  # signed off: it is over
    assert state_at(before, status=AttendanceStatus.EXCUSED) == "请假"
    assert state_at(DURING, status=AttendanceStatus.IN_PERSON) == "签到"
    assert state_at(before, meeting=MeetingStatus.CANCELLED) == "会议已取消"


def test_my_meetings_shows_a_meeting_to_come_as_not_started(
    theme_day: Meeting, orglife_branch: Branch
):
    client = client_of(orglife_branch.chen)
    with clock.frozen(THEME_DAY_START - dt.timedelta(days=2)):
        page = client.get("/orglife/").content.decode()
        detail = client.get(f"/orglife/meetings/{theme_day.pk}/").content.decode()
    assert "未开始" in page and "缺席" not in page
    assert "未开始" in detail and "缺席" not in detail
    with clock.frozen(ENDS + dt.timedelta(hours=1)):  # a new session: the old one timed out
        after = client_of(orglife_branch.chen).get("/orglife/").content.decode()
    assert "缺席" in after
    past = after[after.index("已结束的会议") :]  # the past as one line each: no form to act on
    assert theme_day.title in past and "请假事由" not in past and "近期没有会议" in after


def test_the_secretarys_list_of_a_meeting_to_come_has_nobody_absent(
    theme_day: Meeting, orglife_branch: Branch
):
    client = client_of(orglife_branch.secretary)
    with clock.frozen(THEME_DAY_START - dt.timedelta(days=2)):
        page = client.get(f"/orglife/meetings/{theme_day.pk}/").content.decode()
    assert page.count("未开始") >= 2 and "缺席</td>" not in page


def test_a_requirement_not_met_says_why():
    now = dt.datetime(2025, 6, 1, tzinfo=clock.CHINA)
    held = MeetingFacts(7, MeetingStatus.HELD, False, 3, 22, THEME_DAY_START, ENDS)
    unsigned = MeetingFacts(8, MeetingStatus.SCHEDULED, None, 0, 22, THEME_DAY_START, ENDS)
    later = MeetingFacts(9, MeetingStatus.SCHEDULED, None, 0, 22, now, now)
    theme = MeetingKind.THEME_DAY
    assert why_not_met(theme, Period.MONTH, [held], now) == (
        "已召开，但到会人数未过半（实到3/应到22），不计入达标",
        7,
    )
    committee = why_not_met(MeetingKind.COMMITTEE_MEETING, Period.MONTH, [held], now)
    assert "到会委员不足半数" in committee[0]
    assert why_not_met(theme, Period.MONTH, [unsigned], now) == (
        "会议已开，会议记录尚未签发（签发后计入）",
        8,
    )
    assert why_not_met(theme, Period.MONTH, [later], now) == ("已安排在6月1日召开", 9)
    assert why_not_met(MeetingKind.PARTY_LECTURE, Period.QUARTER, [], now) == (
        "本季度尚未召开",
        None,
    )


def test_a_theme_day_held_without_quorum_says_so_on_the_branch_page(
    tree: Tree, theme_day: Meeting, orglife_branch: Branch
):
    """Signed, but only one of the two full members came: not half (more than half is
    needed), so the theme day does not count, and the page says why."""
    with clock.frozen(DURING):
        check_in(token=checkin_token(theme_day), by=orglife_branch.chen)
    with clock.frozen(ENDS + dt.timedelta(hours=1)):
        record_minutes(meeting=theme_day, body=BODY, by=orglife_branch.secretary)
        sign_minutes(meeting=theme_day, by=orglife_branch.secretary)
        compliance.rollup_month(202505)
    theme_day.refresh_from_db()
    assert theme_day.status == MeetingStatus.HELD and theme_day.quorum_met is False
    with clock.frozen(dt.datetime(2025, 6, 3, 9, tzinfo=clock.CHINA)):
        page = client_of(orglife_branch.secretary).get(
            f"/orglife/org/{tree.branch.pk}/compliance/?month=2025-05"
        )
    text = page.content.decode()
    assert "主题党日：未完成" in text
    assert "到会人数未过半（实到1/应到2）" in text
    assert f"/orglife/meetings/{theme_day.pk}/" in text


def test_compliance_opens_on_the_last_complete_month(
    tree: Tree, theme_day: Meeting, street_official: User
):
    with clock.frozen(dt.datetime(2025, 6, 20, 9, tzinfo=clock.CHINA)):
        compliance.rollup_month(202505)
        compliance.rollup_month(202506)
        client = client_of(street_official)
        opened = client.get(f"/orglife/org/{tree.xianlin.pk}/compliance/").content.decode()
        current = client.get(
            f"/orglife/org/{tree.xianlin.pk}/compliance/?month=2025-06"
        ).content.decode()
    assert 'value="2025-05"' in opened and "2025年5月" in opened and "进行中" not in opened
    assert "2025年6月" in current and "进行中" in current and "尚未完成" in current
    with clock.frozen(dt.datetime(2025, 6, 20, 9, tzinfo=clock.CHINA)):
        kept = client.get("/orglife/compliance/?month=2025-06")
    assert kept["Location"] == f"/orglife/org/{tree.xianlin.pk}/compliance/?month=2025-06"
    data = json.loads(
        current.split('id="compliance-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["months"][-1] == "2025-06\n进行中" and data["rates"][-1] is None
    assert data["rates"][-2] is not None  # May, a complete month, is drawn


def test_bars_of_sub_organizations_get_short_names():
    assert short_names(
        "中共南京市栖霞区委",
        ["中共南京市栖霞区国有企业工作委员会", "中共仙林街道工作委员会", "文苑社区第一党支部"],
    ) == ["国有企业工委", "仙林街道工委", "文苑社区第一支部"]
