"""The idle timeout: 30 minutes without a request ends the session. Time moves by core.clock."""

from __future__ import annotations

import datetime as dt

from django.test import Client, override_settings

from jiceng.accounts.models import User
from jiceng.accounts.sessions import LAST_SEEN_KEY
from jiceng.core import clock

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)
PAGE = "/orgs/"


def signed_in_at(client: Client, user: User, at: dt.datetime) -> None:
    client.force_login(user)
    with clock.frozen(at):
        assert client.get(PAGE).status_code == 200


def test_29_minutes_idle_is_still_signed_in(client: Client, secretary: User) -> None:
    signed_in_at(client, secretary, T0)

    with clock.frozen(T0 + dt.timedelta(minutes=29)):
        response = client.get(PAGE)

    assert response.status_code == 200
    assert "_auth_user_id" in client.session


def test_31_minutes_idle_signs_out_with_a_chinese_message(client: Client, secretary: User) -> None:
    signed_in_at(client, secretary, T0)

    with clock.frozen(T0 + dt.timedelta(minutes=31)):
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/orgs/"
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"]).content.decode()

    assert "30 分钟未操作" in page
    assert "请重新登录" in page


def test_each_request_starts_the_idle_time_again(client: Client, secretary: User) -> None:
    signed_in_at(client, secretary, T0)

    for minutes in (20, 40, 60):  # never 30 minutes apart
        with clock.frozen(T0 + dt.timedelta(minutes=minutes)):
            assert client.get(PAGE).status_code == 200


def test_requests_within_a_minute_do_not_rewrite_the_session(
    client: Client, secretary: User
) -> None:
    signed_in_at(client, secretary, T0)

    with clock.frozen(T0 + dt.timedelta(seconds=50)):
        client.get(PAGE)
    assert client.session[LAST_SEEN_KEY] == T0.timestamp()

    with clock.frozen(T0 + dt.timedelta(seconds=70)):
        client.get(PAGE)
    assert client.session[LAST_SEEN_KEY] == (T0 + dt.timedelta(seconds=70)).timestamp()


def test_an_htmx_request_sends_the_whole_page_to_sign_in(client: Client, secretary: User) -> None:
    signed_in_at(client, secretary, T0)

    with clock.frozen(T0 + dt.timedelta(minutes=31)):
        response = client.get(
            "/orgs/1/children/",
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/orgs/?q=x"},
        )

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=/orgs/%3Fq%3Dx"


@override_settings(JICENG_IDLE_MINUTES=5)
def test_idle_minutes_come_from_settings(client: Client, secretary: User) -> None:
    signed_in_at(client, secretary, T0)

    with clock.frozen(T0 + dt.timedelta(minutes=6)):
        response = client.get(PAGE)

    assert response.status_code == 302
    assert "5 分钟未操作" in client.get(response["Location"]).content.decode()


def test_anonymous_requests_are_left_alone(client: Client, db: None) -> None:
    with clock.frozen(T0):
        client.get("/accounts/login/")

    assert LAST_SEEN_KEY not in client.session
