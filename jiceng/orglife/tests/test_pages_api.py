"""Pages and API through Django's test client: who may do what, and the flows."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from icalendar import Calendar

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.orglife import compliance
from jiceng.orglife.attendance import check_in, join_online
from jiceng.orglife.calendars import issue_calendar_token
from jiceng.orglife.checkin_codes import checkin_token
from jiceng.orglife.models import (
    Attendance,
    AttendanceStatus,
    CalendarToken,
    HeartToHeartTalk,
    Meeting,
)
from jiceng.orgs.models import PartyGroup
from jiceng.testing.orglife_personas import DURING, THEME_DAY_START, Branch
from jiceng.testing.personas import Tree


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_month_page_schedules_a_theme_day(tree: Tree, orglife_branch: Branch):
    client = client_of(orglife_branch.secretary)
    with clock.frozen(dt.datetime(2025, 5, 1, 9)):
        page = client.get(f"/orglife/org/{tree.branch.pk}/month/?month=2025-05")
        assert page.status_code == 200 and "安排会议" in page.content.decode()
        done = client.post(
            f"/orglife/org/{tree.branch.pk}/schedule/",
            {
                "kind": "THEME_DAY",
                "title": "五月主题党日",
                "date": "2025-05-15",
                "start": "15:00",
                "end": "17:00",
                "is_online": "on",
                "agenda": "学习党章\n志愿服务",
                "repeat": "1",
            },
        )
    assert done.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.is_online and meeting.expected_count == 2


GROUP_MEETING_FORM = {
    "kind": "GROUP_MEETING",
    "title": "第一党小组学习",
    "date": "2025-05-10",
    "start": "19:00",
    "end": "20:30",
    "audience": "PARTY_GROUP",
}


def test_month_page_refuses_a_party_group_of_another_branch(tree: Tree, orglife_branch: Branch):
    own = PartyGroup.objects.create(organization=tree.branch, name="第一党小组")
    foreign = PartyGroup.objects.create(organization=tree.sibling, name="第一党小组")
    client = client_of(orglife_branch.secretary)
    url = f"/orglife/org/{tree.branch.pk}/schedule/"
    with clock.frozen(dt.datetime(2025, 5, 1, 9)):
        refused = client.post(url, {**GROUP_MEETING_FORM, "party_group": foreign.pk}, follow=True)
        unknown = client.post(url, {**GROUP_MEETING_FORM, "party_group": "999999"}, follow=True)
        assert not Meeting.objects.exists()
        done = client.post(url, {**GROUP_MEETING_FORM, "party_group": own.pk, "repeat": "3"})
    assert "党小组不存在或不属于该党组织" in refused.content.decode()
    assert "党小组不存在或不属于该党组织" in unknown.content.decode()
    assert done.status_code == 302
    assert [(m.month, m.party_group_id) for m in Meeting.objects.order_by("starts_at")] == [
        (202505, own.pk),
        (202506, own.pk),
        (202507, own.pk),
    ]


def test_api_refuses_a_party_group_of_another_branch(tree: Tree, orglife_branch: Branch):
    foreign = PartyGroup.objects.create(organization=tree.sibling, name="第一党小组")
    with clock.frozen(dt.datetime(2025, 5, 1, 9)):
        response = client_of(orglife_branch.secretary).post(
            "/api/v1/orglife/meetings",
            {
                "organization_id": tree.branch.pk,
                "kind": "GROUP_MEETING",
                "title": "第一党小组学习",
                "starts_at": "2025-05-10T19:00:00+08:00",
                "ends_at": "2025-05-10T20:30:00+08:00",
                "audience": "PARTY_GROUP",
                "party_group_id": foreign.pk,
            },
            content_type="application/json",
        )
    assert response.status_code == 400
    assert response.json()["detail"] == "党小组不存在或不属于该党组织"
    assert response.json()["fields"] == {"party_group_id": "党小组不属于所在党组织"}
    assert not Meeting.objects.exists()


def test_other_branch_secretary_gets_404(tree: Tree, theme_day: Meeting, sibling_secretary: User):
    client = client_of(sibling_secretary)
    assert client.get(f"/orglife/meetings/{theme_day.pk}/").status_code == 404
    assert client.get(f"/orglife/org/{tree.branch.pk}/month/").status_code == 404
    assert client.get(f"/api/v1/orglife/meetings/{theme_day.pk}").status_code == 404


def test_meeting_page_shows_qr_and_member_checks_in_by_link(
    theme_day: Meeting, orglife_branch: Branch
):
    secretary = client_of(orglife_branch.secretary)
    with clock.frozen(DURING):
        page = secretary.get(f"/orglife/meetings/{theme_day.pk}/").content.decode()
        assert "<svg" in page and "签到二维码" in page
        token = checkin_token(theme_day)
        member = client_of(orglife_branch.chen)
        assert "确认签到" in member.get(f"/orglife/checkin/{token}/").content.decode()
        assert member.post(f"/orglife/checkin/{token}/").status_code == 302
        panel = secretary.get(f"/orglife/meetings/{theme_day.pk}/attendance/").content.decode()
    assert "签到" in panel
    row = Attendance.objects.get(meeting=theme_day, member__user=orglife_branch.chen)
    assert row.status == AttendanceStatus.IN_PERSON
    with clock.frozen(theme_day.ends_at):  # the last moment of the window: still open
        assert (
            "<svg"
            in client_of(orglife_branch.secretary)
            .get(f"/orglife/meetings/{theme_day.pk}/")
            .content.decode()
        )
    with clock.frozen(theme_day.ends_at + dt.timedelta(seconds=1)):  # over: nothing to scan
        over = client_of(orglife_branch.secretary).get(f"/orglife/meetings/{theme_day.pk}/")
    text = over.content.decode()
    assert "<svg" not in text and "会议已结束，扫码签到已关闭" in text and "补记" in text
    assert "已结束，待记录" in text and "已安排" not in text  # until its minutes are signed


def test_the_secretary_marks_attendance_during_and_after_the_meeting(
    theme_day: Meeting, orglife_branch: Branch
):
    chen, zhao = (
        Attendance.objects.get(meeting=theme_day, member__user=user)
        for user in (orglife_branch.chen, orglife_branch.zhao)
    )
    url = f"/orglife/meetings/{theme_day.pk}/attendance/mark/"
    with clock.frozen(DURING):  # from the paper sheet while it runs: the time is the check-in's
        client_of(orglife_branch.secretary).post(
            url, {"member": chen.member_id, "status": "IN_PERSON"}
        )
    after = theme_day.ends_at + dt.timedelta(hours=2)
    with clock.frozen(after):  # afterwards: present, and no time made up
        secretary = client_of(orglife_branch.secretary)
        secretary.post(url, {"member": zhao.member_id, "status": "IN_PERSON"})
        page = secretary.get(f"/orglife/meetings/{theme_day.pk}/attendance/").content.decode()
    chen.refresh_from_db()
    zhao.refresh_from_db()
    assert (chen.status, zhao.status) == (AttendanceStatus.IN_PERSON,) * 2
    assert chen.checked_in_at == DURING and zhao.checked_in_at is None
    assert re.findall(r"\d\d:\d\d签到", page) == [f"{DURING.astimezone(clock.CHINA):%H:%M}签到"]


def test_minutes_form_signs_and_print_view(theme_day: Meeting, orglife_branch: Branch):
    secretary = client_of(orglife_branch.secretary)
    with clock.frozen(DURING):
        check_in(token=checkin_token(theme_day), by=orglife_branch.chen)
        join_online(meeting=theme_day, by=orglife_branch.zhao)
    with clock.frozen(THEME_DAY_START + dt.timedelta(hours=3)):
        secretary.post(
            f"/orglife/meetings/{theme_day.pk}/minutes/",
            {
                "items": "学习党章｜大家交流体会",
                "resolutions": "开展志愿服务",
                "tasks": "组织志愿服务｜陈晓｜2025-06-10",
                "action": "sign",
            },
        )
        printed = secretary.get(f"/orglife/meetings/{theme_day.pk}/print/").content.decode()
    theme_day.refresh_from_db()
    assert theme_day.status == "HELD" and theme_day.quorum_met
    assert "组织志愿服务" in printed and "赵磊（线上）" in printed


def test_compliance_page_and_api(tree: Tree, theme_day: Meeting, street_official: User):
    with clock.frozen(dt.datetime(2025, 5, 20, 9)):
        compliance.rollup_month(202505)
    client = client_of(street_official)
    page = client.get(f"/orglife/org/{tree.xianlin.pk}/compliance/?month=2025-05")
    assert page.status_code == 200
    assert 'id="compliance-data"' in page.content.decode()
    data = client.get(f"/api/v1/orglife/compliance/{tree.xianlin.pk}?month=2025-05").json()
    assert data["organization"]["branches"] == 2
    assert {f["name"] for f in data["failing"]} == {"文苑社区第一党支部", "文苑社区第二党支部"}
    assert client.get(f"/api/v1/orglife/compliance/{tree.yaohua.pk}?month=2025-05").status_code == (
        404
    )


def test_api_flow_check_in_online_leave(theme_day: Meeting, orglife_branch: Branch):
    secretary = client_of(orglife_branch.secretary)
    token = secretary.get(f"/api/v1/orglife/meetings/{theme_day.pk}/checkin-code").json()["token"]
    chen, zhao = client_of(orglife_branch.chen), client_of(orglife_branch.zhao)
    with clock.frozen(DURING):
        ok = chen.post("/api/v1/orglife/checkin", {"token": token}, content_type="application/json")
        assert ok.status_code == 200 and ok.json()["status"] == "IN_PERSON"
        again = chen.post(
            "/api/v1/orglife/checkin", {"token": token}, content_type="application/json"
        )
        assert again.status_code == 409
        joined = zhao.post(f"/api/v1/orglife/meetings/{theme_day.pk}/online/join")
        assert joined.status_code == 200 and joined.json()["is_remote"]
        mine = zhao.get("/api/v1/orglife/my-meetings").json()
    assert mine[0]["meeting"]["title"] == theme_day.title


def test_calendar_feed_parses_and_revoked_token_stops(theme_day: Meeting, orglife_branch: Branch):
    chen = client_of(orglife_branch.chen)
    chen.post("/orglife/calendar/", {"action": "issue"})
    token = CalendarToken.objects.get(user=orglife_branch.chen).token
    anonymous = Client()
    feed = anonymous.get(f"/orglife/ical/{token}/meetings.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["主题党日：五月主题党日：学习党章"]
    assert events[0].decoded("DTSTART") == THEME_DAY_START
    org_feed = anonymous.get(f"/orglife/ical/{token}/org/{theme_day.organization_id}.ics")
    assert org_feed.status_code == 200
    chen.post("/orglife/calendar/", {"action": "revoke"})
    assert anonymous.get(f"/orglife/ical/{token}/meetings.ics").status_code == 404
    assert anonymous.get("/orglife/ical/guess/meetings.ics").status_code == 404


def test_member_cannot_see_another_organizations_feed(
    tree: Tree, orglife_branch: Branch, other_member: User
):
    token = issue_calendar_token(by=other_member).token
    assert Client().get(f"/orglife/ical/{token}/org/{tree.branch.pk}.ics").status_code == 404


def test_my_meetings_page_lists_and_requests_leave(theme_day: Meeting, orglife_branch: Branch):
    chen = client_of(orglife_branch.chen)
    with clock.frozen(dt.datetime(2025, 5, 10, 9)):
        page = chen.get("/orglife/").content.decode()
        assert theme_day.title in page and "线上参会" in page
        chen.post(f"/orglife/meetings/{theme_day.pk}/leave/", {"reason": "出差"})
    row = Attendance.objects.get(meeting=theme_day, member__user=orglife_branch.chen)
    assert row.leave_status == "REQUESTED"


def test_member_cannot_schedule_through_the_api(tree: Tree, orglife_branch: Branch):
    response = client_of(orglife_branch.chen).post(
        "/api/v1/orglife/meetings",
        {
            "organization_id": tree.branch.pk,
            "kind": "THEME_DAY",
            "title": "x",
            "starts_at": "2025-05-15T15:00:00+08:00",
            "ends_at": "2025-05-15T17:00:00+08:00",
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_talks_page_records_a_talk_and_lists_who_still_lacks_one(
    tree: Tree, orglife_branch: Branch, sibling_secretary: User
):
    with clock.frozen(THEME_DAY_START):
        secretary = client_of(orglife_branch.secretary)
        url = f"/orglife/org/{tree.branch.pk}/talks/"
        before = secretary.get(url).content.decode()
        zhao = orglife_branch.zhao.member_id
        sent = secretary.post(url, {"member": zhao, "talked_on": "2025-05-10", "summary": "工作"})
        after = secretary.get(url).content.decode()
        assert client_of(sibling_secretary).get(url).status_code == 404
        refused = secretary.post(url, {"member": zhao, "talked_on": "2025-06-01"})
    assert sent.status_code == 302 and refused.status_code == 302
    talks = HeartToHeartTalk.objects.filter(organization=tree.branch)
    assert [(t.member_id, t.year) for t in talks] == [(zhao, 2025)]
    assert before.count("赵磊") == 2 and "赵磊（已谈）" in after
