"""429 beyond a configurable rate for anonymous endpoints (accounts.throttle)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.test.client import RequestFactory

from jiceng.accounts.throttle import Rate, anonymous_rate, client_ip, parse_rate
from jiceng.core import clock

LOGIN = "/accounts/login/"
# The start of a minute, so that a window holds every request of a test.
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)
RATES = {"signin": "3/m", "citizen_case": "2/h"}


@pytest.fixture(autouse=True)
def fresh_rate_counts() -> None:
    cache.clear()


def post_sign_in(client: Client):
    return client.post(LOGIN, {"username": "no-such-user", "password": "whatever"})


@override_settings(JICENG_RATES=RATES)
def test_the_post_beyond_the_rate_gets_429_with_retry_after(client: Client, db: None) -> None:
    with clock.frozen(T0 + dt.timedelta(seconds=15)):
        for _ in range(3):
            assert post_sign_in(client).status_code == 200

        response = post_sign_in(client)

    assert response.status_code == 429
    assert response["Retry-After"] == "45"  # the rest of the minute
    page = response.content.decode()
    assert "请求过于频繁" in page
    assert "45 秒后再试" in page


@override_settings(JICENG_RATES=RATES)
def test_the_next_window_lets_requests_in_again(client: Client, db: None) -> None:
    with clock.frozen(T0):
        for _ in range(4):
            post_sign_in(client)
    with clock.frozen(T0 + dt.timedelta(seconds=60)):
        assert post_sign_in(client).status_code == 200


@override_settings(JICENG_RATES=RATES)
def test_showing_the_sign_in_page_is_not_counted(client: Client, db: None) -> None:
    with clock.frozen(T0):
        for _ in range(10):
            assert client.get(LOGIN).status_code == 200

        assert post_sign_in(client).status_code == 200


@override_settings(JICENG_RATES=RATES)
def test_another_address_has_its_own_count(db: None) -> None:
    here, there = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    with clock.frozen(T0):
        for _ in range(4):
            post_sign_in(here)

        assert post_sign_in(here).status_code == 429
        assert post_sign_in(there).status_code == 200


@override_settings(JICENG_RATES=RATES)
def test_a_throttled_post_does_not_reach_the_password_check(client: Client, db: None) -> None:
    from axes.models import AccessAttempt

    with clock.frozen(T0):
        for _ in range(6):
            post_sign_in(client)

    # 3 counted failures; the 3 refused by the rate never reached authenticate()
    assert AccessAttempt.objects.get().failures_since_start == 3


@override_settings(
    JICENG_RATES=RATES,
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "jiceng_cache",
        }
    },
)
def test_counts_in_the_database_cache_production_shares(db: None) -> None:
    call_command("createcachetable")  # as a deployment does after migrate
    here, there = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    with clock.frozen(T0):
        answers = [post_sign_in(here).status_code for _ in range(4)]

        assert answers == [200, 200, 200, 429]
        assert post_sign_in(there).status_code == 200


@override_settings(JICENG_RATES=RATES)
def test_the_decorator_serves_any_view_by_the_rate_it_names(rf: RequestFactory) -> None:
    @anonymous_rate("citizen_case", methods=("POST", "PUT"))
    def submit(request: HttpRequest) -> HttpResponse:
        return HttpResponse("收到")

    with clock.frozen(T0 + dt.timedelta(minutes=30)):
        answers = [submit(rf.post("/cases/new/")).status_code for _ in range(3)]
        put = submit(rf.put("/cases/new/"))
        get = submit(rf.get("/cases/new/"))

    assert answers == [200, 200, 429]
    assert put.status_code == 429
    assert put["Retry-After"] == str(30 * 60)
    assert "30 分钟后再试" in put.content.decode()
    assert get.status_code == 200


@override_settings(JICENG_RATES={"signin": "3/m"})
def test_an_unknown_rate_name_is_a_configuration_error(rf: RequestFactory) -> None:
    view = anonymous_rate("nonexistent")(lambda request: HttpResponse())

    with pytest.raises(ImproperlyConfigured):
        view(rf.post("/"))


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("20/m", Rate(20, 60)),
        ("10/s", Rate(10, 1)),
        ("100/h", Rate(100, 3600)),
        ("1000/d", Rate(1000, 86400)),
        ("5/10m", Rate(5, 600)),
        (" 20/m ", Rate(20, 60)),
    ],
)
def test_parse_rate(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "20", "20/", "20/x", "x/m", "-1/m", "20/0m", "20/m/s"])
def test_parse_rate_refuses_nonsense(text: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_rate(text)


def test_client_ip_is_remote_addr_without_proxies(rf: RequestFactory) -> None:
    request = rf.get("/", REMOTE_ADDR="10.9.8.7", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "10.9.8.7"  # a client cannot choose its address by a header


@override_settings(JICENG_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_counts(rf: RequestFactory) -> None:
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    assert client_ip(request) == "203.0.113.9"  # not the left end, which the client wrote


@override_settings(JICENG_PROXY_COUNT=2)
def test_a_short_forwarded_header_falls_back_to_remote_addr(rf: RequestFactory) -> None:
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_ip(request) == "127.0.0.1"
