"""The pages and the API through Django's test client: the cadre's one tap and its refusal
beside the field, leave, the monthly log; the department's pages; who opens what."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.orgs.models import Organization
from jiceng.villages import presence, workdays
from jiceng.villages.models import Dispatch, Leave, WorkDay

pytestmark = pytest.mark.django_db


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_cadre_taps_once_and_a_second_tap_is_refused_beside_the_field(
    first_secretary: Dispatch, cadre: User
) -> None:
    client = client_of(cadre)
    page = client.get("/villages/").content.decode()
    assert "今日在岗" in page and "附上当前位置（可选）" in page
    done = client.post("/villages/", {"latitude": "", "longitude": ""})
    assert done.status_code == 302
    assert "今天已记录在岗" in client.get("/villages/").content.decode()
    again = client.post("/villages/", {"day": "2026-12-03"})
    assert '<p class="errors">2026年12月3日已记录在岗，不能重复记录</p>' in again.content.decode()
    future = client.post("/villages/", {"day": "2026-12-05"})
    assert "不能记录未来的日期" in future.content.decode()
    assert WorkDay.objects.count() == 1
    month = client.get("/villages/month/").content.decode()
    assert "2026年12月在岗" in month and 'class="on"' in month


@pytest.mark.parametrize(
    ("now", "shown"),
    [
        (dt.datetime(2026, 12, 3, 9, 30), "<strong>未记录</strong><span>今日</span>"),
        (dt.datetime(2026, 12, 5, 9, 30), "<strong>休息日</strong><span>今日</span>"),  # Saturday
        (dt.datetime(2026, 10, 2, 9, 30), "<strong>休息日</strong><span>今日</span>"),  # 国庆
    ],
    ids=["a-working-day", "a-saturday", "a-holiday"],
)
def test_the_workbench_asks_for_today_only_on_a_working_day(
    first_secretary: Dispatch, cadre: User, now: dt.datetime, shown: str
) -> None:
    with clock.frozen(now.replace(tzinfo=clock.CHINA)):
        page = client_of(cadre).get("/").content.decode()
    assert shown in page
    assert ('class="figure warn"' in page) == ("未记录" in shown)
    assert "今日在岗</a>" in page  # a day on site may be recorded all the same


def test_the_cadre_asks_leave_files_a_log_and_records_a_deed(
    first_secretary: Dispatch, cadre: User
) -> None:
    client = client_of(cadre)
    client.post(
        "/villages/leave/", {"starts_on": "2026-12-07", "ends_on": "2026-12-08", "reason": "就医"}
    )
    assert Leave.objects.get().days == 2
    empty = client.get("/villages/log/?month=202611").content.decode()
    assert "提交工作纪实" in empty  # nothing filed for the month yet
    client.post("/villages/log/?month=202611", {"month": "2026-11", "text": "入户走访30户"})
    assert "入户走访30户" in client.get("/villages/log/?month=202611").content.decode()
    assert first_secretary.monthly_logs.get().month == 202611
    client.post("/villages/deeds/", {"title": "修通村西路灯", "done_on": "2026-11-20"})
    assert "修通村西路灯" in client.get("/villages/deeds/").content.decode()


def test_the_department_sees_the_team_the_cadre_below_the_rule_and_decides_leave(
    village: Organization,
    first_secretary: Dispatch,
    cadre: User,
    district_department: User,
    street_official: User,
) -> None:
    days = workdays.workdays_between(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    WorkDay.objects.bulk_create(WorkDay(dispatch=first_secretary, day=d) for d in days[:5])
    presence.check_month(202611)
    county = client_of(district_department)
    teams = county.get("/villages/teams/").content.decode()
    assert "周卫东" in teams and "第一书记" in teams
    below = county.get("/villages/below/").content.decode()
    assert "周卫东" in below and f"5 / {-(-len(days) * 67 // 100)}" in below
    org_page = county.get(f"/orgs/{village.pk}/").content.decode()
    assert "驻村工作队" in org_page and "周卫东" in org_page
    client_of(cadre).post(
        "/villages/leave/", {"starts_on": "2026-12-07", "ends_on": "2026-12-08", "reason": "就医"}
    )
    leave = Leave.objects.get()
    township = client_of(street_official)
    assert "就医" in township.get("/villages/leaves/").content.decode()
    township.post(f"/villages/leaves/{leave.pk}/decide/", {"approve": "1"})
    leave.refresh_from_db()
    assert leave.status == "APPROVED"
    assert township.get("/villages/teams/new/").content.decode().count("选派由县级以上") == 1


def test_who_opens_what(
    first_secretary: Dispatch,
    cadre: User,
    member_user: User,
    yaohua_official: User,
    district_department: User,
) -> None:
    assert Client().get("/villages/").status_code == 302  # to sign in
    assert client_of(member_user).get("/villages/").status_code == 403
    assert client_of(member_user).get("/villages/teams/").status_code == 403
    assert client_of(cadre).get("/villages/teams/").status_code == 403
    url = f"/villages/dispatch/{first_secretary.pk}/"
    assert client_of(yaohua_official).get(url).status_code == 404  # another street
    assert client_of(district_department).get(url).status_code == 200


def test_the_api_logs_a_day_and_lists_the_cadres_below_the_rule(
    first_secretary: Dispatch, cadre: User, district_department: User
) -> None:
    client = client_of(cadre)
    made = client.post(
        "/api/v1/villages/me/work-days", json.dumps({}), content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["has_location"] is False
    again = client.post(
        "/api/v1/villages/me/work-days", json.dumps({}), content_type="application/json"
    )
    assert again.status_code == 400 and "不能重复记录" in again.json()["detail"]
    me = client.get("/api/v1/villages/me").json()
    assert me["dispatch"]["post_name"] == "第一书记" and me["month"]["on_site_days"] == 1
    presence.check_month(202611)
    rows = client_of(district_department).get("/api/v1/villages/below-rule?month=202611").json()
    assert [r["cadre"] for r in rows] == ["周卫东"] and rows[0]["on_site_days"] == 0
    assert client.get("/api/v1/villages/teams").status_code == 403
