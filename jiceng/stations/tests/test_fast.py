"""The riders' page's short path (stations.fast): an anonymous rider gets the same page as the
long way gives, with the same headers, and without touching a session or making a CSRF token;
anyone else, and any refusal, goes the long way."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.html import json_script
from prometheus_client import REGISTRY

from jiceng.accounts.models import Role
from jiceng.core import clock
from jiceng.stations import fast, queries, views
from jiceng.stations.models import ServiceStation
from jiceng.testing.personas import user_with

from .conftest import Stations

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY_NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
SUNDAY_NOON = dt.datetime(2026, 12, 6, 12, 0, tzinfo=SHANGHAI)
POINTS = re.compile(r'<script id="station-points" type="application/json">.*?</script>')


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
    assert body == slow.content.decode()
    assert "csrf" not in body.lower()  # a page for anyone makes no token
    return body


def test_the_maps_points_are_json_script_of_the_answers_stations(stations: Stations) -> None:
    """The points joined from the cards' JSON are what json_script writes of the list."""
    spot: dict[str, str | list[str]] = {"lon": "118.907", "lat": "32.102"}
    with clock.frozen(SUNDAY_NOON):  # 仙鹤驿站 closed: a point of each state
        body = same_page(spot)
        found = queries.nearby(lon=118.907, lat=32.102, amenities=[])
    assert found.open and found.closed
    rows = {s.pk: s for s in ServiceStation.objects.all()}
    expected = [
        {
            "id": hit.station_id,
            "name": rows[hit.station_id].name,
            "lon": rows[hit.station_id].lon,
            "lat": rows[hit.station_id].lat,
            "url": reverse("stations:station", args=[hit.station_id]),
            "open": hit.state.is_open,
        }
        for hit in (*found.open, *found.closed)
    ]
    expected.append({"you": True, "lon": 118.907, "lat": 32.102})
    shown = POINTS.search(body)
    assert shown is not None and shown.group(0) == json_script(expected, "station-points")


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


def served(view: str) -> float:
    labels = {"view": view, "method": "GET", "status": "200"}
    return REGISTRY.get_sample_value("jiceng_http_requests_total", labels) or 0.0


def test_an_anonymous_rider_gets_the_headers_and_no_session(stations: Stations) -> None:
    client = Client(enforce_csrf_checks=True)
    spot = {"lon": "118.907", "lat": "32.102"}
    counted = served("stations:finder")
    page = client.get(reverse("stations:finder"), spot)
    assert page.status_code == 200
    assert served("stations:finder") == counted + 1  # the metrics' label, unresolved
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    assert page["Vary"] == "Cookie"  # the display mode is a cookie
    assert not page.cookies and not Session.objects.exists()  # no CSRF cookie, no session
    # The long way (a stale session cookie sends the rider there) gives the same headers
    # (Content-Length too), and, of its own middleware, the language's.
    stale = Client()
    stale.cookies["sessionid"] = "gone"
    long = stale.get(reverse("stations:finder"), spot)
    assert long.content == page.content
    headers = dict(long.headers)
    assert headers.pop("Content-Language") == "zh-hans"
    assert set(headers.pop("Vary").split(", ")) == {"Cookie", "Accept-Language"}
    assert headers == {k: v for k, v in page.headers.items() if k != "Vary"}
    assert set(long.cookies) == {"sessionid"}  # the stale session's cookie cleared
    # The display switch posts without a token, and works.
    switched = client.post(reverse("web:display"), {"elder": "1", "next": "/stations/"})
    assert switched.status_code == 302 and switched["Location"] == "/stations/"
    large = client.get(reverse("stations:finder"), spot)
    assert '<html lang="zh-hans" class="elder">' in large.content.decode()
    assert '<button class="tool" aria-pressed="true">标准字号</button>' in large.content.decode()


def test_a_refusal_and_a_signed_in_user_go_the_long_way(stations: Stations) -> None:
    outside = Client().get(reverse("stations:finder"), {"lon": "116.4", "lat": "39.9"})
    assert outside.status_code == 400 and "不在本平台的服务范围内" in outside.content.decode()
    half = Client().get(reverse("stations:finder"), {"lon": "118.9"})
    assert half.status_code == 400 and "经度和纬度须同时给出" in half.content.decode()
    member = Client()
    member.force_login(user_with("rider-member", Role.MEMBER))
    page = member.get(reverse("stations:finder"), {"lon": "118.907", "lat": "32.102"})
    assert page.status_code == 200 and "退出（" in page.content.decode()  # the signed-in frame
