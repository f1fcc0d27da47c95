"""The riders' page's short path (stations.fast): an anonymous rider gets the same page as the
long way gives, with the same headers, and without touching a session; anyone else, and any
refusal, goes the long way."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse

from jiceng.accounts.models import Role
from jiceng.core import clock
from jiceng.stations import fast, views
from jiceng.testing.personas import user_with

from .conftest import Stations

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY_NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
SUNDAY_NOON = dt.datetime(2026, 12, 6, 12, 0, tzinfo=SHANGHAI)
TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+')


def same_page(query: dict[str, str | list[str]], cookies: dict[str, str] | None = None) -> str:
    """The short path's page for this query, after checking it is the long way's."""
    factory = RequestFactory()
    short = factory.get(reverse("stations:finder"), query)
    long = factory.get(reverse("stations:finder"), query)
    for request in (short, long):
        request.COOKIES.update(cookies or {})
    long.user = AnonymousUser()
    quick = fast.answer(short)
    assert quick is not None
    slow = views.finder_page(long)
    assert quick.status_code == slow.status_code == 200
    body = quick.content.decode()
    assert TOKEN.sub(r"\1-", body) == TOKEN.sub(r"\1-", slow.content.decode())
    return body


def test_the_short_path_writes_the_long_ways_page(stations: Stations) -> None:
    with clock.frozen(MONDAY_NOON):
        asked = same_page({"lon": "118.907", "lat": "32.102", "a": ["water", "charging"]})
        assert asked.index("文苑驿站") < asked.index("仙鹤驿站") and "东区驿站" not in asked
        near = same_page({"lon": "118.9075", "lat": "32.1021"})
        assert near.index("东区驿站") < near.index("文苑驿站")  # another point, same shell
    with clock.frozen(SUNDAY_NOON):
        sunday = same_page({"lon": "118.902", "lat": "32.117", "a": "charging"})
        assert 'id="closed-stations"' in sunday and "仙鹤驿站" in sunday  # closed on Sundays
        same_page({"lon": "118.902", "lat": "32.117", "a": "charging"}, {"jiceng_elder": "1"})
    first = same_page({})
    assert 'id="open-stations"' not in first and "用我的位置查找" in first
    same_page({"a": ["water", "nonsense"]})


def test_an_anonymous_rider_gets_the_headers_and_no_session(stations: Stations) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("stations:finder"), {"lon": "118.907", "lat": "32.102"})
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    token = page.cookies["csrftoken"].value
    assert token and "sessionid" not in page.cookies and not Session.objects.exists()
    # the display switch posts with the token the page carries
    mark = TOKEN.search(page.content.decode())
    assert mark is not None
    posted = {"elder": "1", "next": "/stations/", "csrfmiddlewaretoken": mark.group(0)[-64:]}
    switched = client.post(reverse("web:display"), posted)
    assert switched.status_code == 302
    large = client.get(reverse("stations:finder"), {"lon": "118.907", "lat": "32.102"})
    assert '<html lang="zh-hans" class="elder">' in large.content.decode()


def test_a_refusal_and_a_signed_in_user_go_the_long_way(stations: Stations) -> None:
    outside = Client().get(reverse("stations:finder"), {"lon": "116.4", "lat": "39.9"})
    assert outside.status_code == 400 and "不在本平台的服务范围内" in outside.content.decode()
    half = Client().get(reverse("stations:finder"), {"lon": "118.9"})
    assert half.status_code == 400 and "经度和纬度须同时给出" in half.content.decode()
    member = Client()
    member.force_login(user_with("rider-member", Role.MEMBER))
    page = member.get(reverse("stations:finder"), {"lon": "118.907", "lat": "32.102"})
    assert page.status_code == 200 and "退出（" in page.content.decode()  # the signed-in frame
