"""The smallest walk through the site: the sign-in page renders and a user gets in."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

WRONG_PASSWORD = "用户名或密码不正确"


def test_sign_in_page_renders(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/accounts/login/")

    expect(page).to_have_title(re.compile("登录"))
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_label("密码")).to_be_visible()


def test_member_signs_in(page: Page, live_url: str) -> None:
    get_user_model().objects.create_user(username="zhangwei", password="Xianlin-2024")

    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill("zhangwei")
    page.get_by_label("密码").fill("Xianlin-2024")
    page.get_by_role("button", name="登录").click()

    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.get_by_text(WRONG_PASSWORD)).to_have_count(0)
    assert any(cookie["name"] == "sessionid" for cookie in page.context.cookies())


def test_wrong_password_is_refused(page: Page, live_url: str) -> None:
    get_user_model().objects.create_user(username="zhangwei", password="Xianlin-2024")

    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill("zhangwei")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("alert")).to_contain_text(WRONG_PASSWORD)
    assert "/accounts/login/" in page.url


def test_sign_in_page_fits_a_phone(phone_page: Page, live_url: str) -> None:
    phone_page.goto(f"{live_url}/accounts/login/")

    expect(phone_page.get_by_role("button", name="登录")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
