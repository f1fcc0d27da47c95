"""Sign-in through the real page, and the lockout (django-axes) after repeated failures."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db.models import F
from django.test import Client, override_settings

from jiceng.accounts.models import User

LOGIN = "/accounts/login/"
PASSWORD = "Pa55word!x"  # the personas' password
LOCKED = "账户已暂时锁定"


@pytest.fixture(autouse=True)
def fresh_rate_counts() -> None:
    cache.clear()  # the sign-in rate limit counts in the cache, which outlives a test


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        response = sign_in(client, username, "wrong-password")
        assert response.status_code == 200  # the form again, with its error


def lock(client: Client, username: str) -> None:
    fail(client, username, 4)
    assert sign_in(client, username, "wrong-password").status_code == 429


def age_attempts(minutes: int) -> None:
    """Moves every recorded failure `minutes` into the past. Axes reads its own clock
    (django.utils.timezone.now), not core.clock, so the rows age instead of time moving."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=minutes))


def test_sign_in_page_is_chinese(client: Client, db: None) -> None:
    response = client.get(LOGIN)

    assert response.status_code == 200
    page = response.content.decode()
    assert "用户名" in page and "密码" in page


def test_right_password_signs_in(client: Client, secretary: User) -> None:
    response = sign_in(client, "li-xiuying")

    assert response.status_code == 302
    assert is_signed_in(client)


def test_wrong_password_is_refused_in_chinese(client: Client, secretary: User) -> None:
    response = sign_in(client, "li-xiuying", "wrong-password")

    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert not is_signed_in(client)


def test_fifth_failure_locks_the_username_with_a_chinese_page(
    client: Client, secretary: User
) -> None:
    fail(client, "li-xiuying", 4)

    response = sign_in(client, "li-xiuying", "wrong-password")

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert LOCKED in page
    assert "连续 5 次登录失败" in page and "锁定 15 分钟" in page
    assert "之后再试" in page


def test_locked_username_is_refused_even_with_the_right_password(
    client: Client, secretary: User
) -> None:
    lock(client, "li-xiuying")

    response = sign_in(client, "li-xiuying")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not is_signed_in(client)


def test_lockout_is_per_username_not_per_address(
    client: Client, secretary: User, member_user: User
) -> None:
    lock(client, "li-xiuying")

    response = sign_in(client, "chen-xiao")  # same client, same address

    assert response.status_code == 302
    assert is_signed_in(client)


def test_lockout_follows_the_username_to_another_address(secretary: User) -> None:
    fail(Client(REMOTE_ADDR="10.1.1.1"), "li-xiuying", 3)
    fail(Client(REMOTE_ADDR="10.2.2.2"), "li-xiuying", 1)

    response = sign_in(Client(REMOTE_ADDR="10.3.3.3"), "li-xiuying", "wrong-password")

    assert response.status_code == 429


def test_sign_in_works_again_after_the_cool_off(client: Client, secretary: User) -> None:
    lock(client, "li-xiuying")

    age_attempts(14)
    assert sign_in(client, "li-xiuying").status_code == 429  # 14 minutes: still locked

    age_attempts(16)
    response = sign_in(client, "li-xiuying")

    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_success_clears_the_failures(client: Client, secretary: User) -> None:
    fail(client, "li-xiuying", 4)
    assert sign_in(client, "li-xiuying").status_code == 302
    assert not AccessAttempt.objects.exists()

    client.post("/accounts/logout/")
    fail(client, "li-xiuying", 4)  # four more are again below the limit

    assert sign_in(client, "li-xiuying").status_code == 302


@override_settings(JICENG_LOCKOUT_FAILURES=3, JICENG_LOCKOUT_MINUTES=60)
def test_failure_limit_and_cool_off_come_from_settings(client: Client, secretary: User) -> None:
    fail(client, "li-xiuying", 2)

    response = sign_in(client, "li-xiuying", "wrong-password")

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "连续 3 次登录失败" in response.content.decode()
    age_attempts(59)
    assert sign_in(client, "li-xiuying").status_code == 429


def test_unknown_usernames_are_counted_too(client: Client, db: None) -> None:
    fail(client, "no-such-user", 4)

    assert sign_in(client, "no-such-user", "wrong-password").status_code == 429
