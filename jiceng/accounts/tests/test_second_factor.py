"""The TOTP second factor of the three administrators, driven through the real pages.

Codes come from django_otp.oath.totp with the device's own key at the real time, exactly as an
authenticator app computes them (TOTP reads the wall clock, not core.clock).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.test.client import RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiceng.accounts.models import ADMIN_ROLES, Role, User
from jiceng.accounts.second_factor import needs_second_factor, second_factor_satisfied
from jiceng.testing.personas import user_with

PASSWORD = "Pa55word!x"
VERIFY = "/accounts/second-factor/"
ENROLL = "/accounts/second-factor/enroll/"


@pytest.fixture(autouse=True)
def fresh_rate_counts() -> None:
    cache.clear()


@pytest.fixture
def system_admin(db: None) -> User:
    """赵敏, the system administrator (系统管理员) of the district."""
    return user_with("zhao-min", Role.SYSTEM_ADMIN, display_name="赵敏")


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def sign_in(client: Client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


def enrolled(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


def passes_to_pages(client: Client) -> bool:
    response = client.get("/")  # the workbench, or the code page before it
    return response.status_code == 200


def test_first_sign_in_of_an_admin_enrolls_then_opens_pages(
    client: Client, system_admin: User
) -> None:
    sign_in(client, "zhao-min")

    first = client.get("/")
    assert first.status_code == 302
    assert first["Location"] == f"{VERIFY}?next=/"
    to_enroll = client.get(first["Location"])
    assert to_enroll["Location"] == f"{ENROLL}?next=%2F"

    page = client.get(to_enroll["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "绑定身份验证器" in html
    assert "<svg" in html  # the QR code, inline
    device = TOTPDevice.objects.get(user=system_admin)
    assert not device.confirmed
    assert device.config_url.startswith("otpauth://totp/")
    assert "issuer=" in device.config_url
    secret = html.split('class="secret">')[1].split("</code>")[0].replace(" ", "")
    assert len(secret) == 32  # 20 bytes in base32

    done = client.post(ENROLL, {"code": code_for(device), "next": "/"})

    assert done.status_code == 302
    assert done["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert passes_to_pages(client)


def test_reloading_the_enrollment_page_keeps_the_secret(client: Client, system_admin: User) -> None:
    sign_in(client, "zhao-min")

    first = client.get(ENROLL).content
    again = client.get(ENROLL).content

    assert TOTPDevice.objects.filter(user=system_admin).count() == 1
    assert first.split(b'class="secret">')[1][:40] == again.split(b'class="secret">')[1][:40]


def test_a_wrong_code_does_not_enroll(client: Client, system_admin: User) -> None:
    sign_in(client, "zhao-min")
    client.get(ENROLL)
    device = TOTPDevice.objects.get(user=system_admin)

    response = client.post(ENROLL, {"code": wrong_code_for(device)})

    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not passes_to_pages(client)


def test_an_enrolled_admin_enters_a_code_after_the_password(
    client: Client, system_admin: User
) -> None:
    device = enrolled(system_admin)
    sign_in(client, "zhao-min")

    to_verify = client.get("/orgs/")
    assert to_verify["Location"] == f"{VERIFY}?next=/orgs/"
    page = client.get(to_verify["Location"])
    assert page.status_code == 200
    assert "身份验证" in page.content.decode()
    assert "<svg" not in page.content.decode()  # the secret is never shown again

    done = client.post(VERIFY, {"code": code_for(device), "next": "/orgs/"})

    assert done["Location"] == "/orgs/"
    assert passes_to_pages(client)


def test_a_wrong_code_is_refused(client: Client, system_admin: User) -> None:
    device = enrolled(system_admin)
    sign_in(client, "zhao-min")

    response = client.post(VERIFY, {"code": wrong_code_for(device)})

    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert not passes_to_pages(client)


def test_a_code_is_refused_right_after_a_wrong_one(client: Client, system_admin: User) -> None:
    device = enrolled(system_admin)
    sign_in(client, "zhao-min")
    client.post(VERIFY, {"code": wrong_code_for(device)})

    response = client.post(VERIFY, {"code": code_for(device)})  # django-otp's growing delay

    assert "错误次数过多" in response.content.decode()
    assert not passes_to_pages(client)


def test_a_used_code_cannot_be_used_again(system_admin: User) -> None:
    device = enrolled(system_admin)
    code = code_for(device)
    first, second = Client(), Client()
    sign_in(first, "zhao-min")
    sign_in(second, "zhao-min")

    assert first.post(VERIFY, {"code": code})["Location"] == "/"
    response = second.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert not passes_to_pages(second)


def test_an_enrolled_admin_cannot_enroll_another_device(client: Client, system_admin: User) -> None:
    enrolled(system_admin)
    sign_in(client, "zhao-min")

    response = client.get(ENROLL)

    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=system_admin).count() == 1


def test_a_verified_session_lasts_until_sign_out(client: Client, system_admin: User) -> None:
    device = enrolled(system_admin)
    sign_in(client, "zhao-min")
    client.post(VERIFY, {"code": code_for(device)})
    assert passes_to_pages(client)

    client.post("/accounts/logout/")
    sign_in(client, "zhao-min")

    assert not passes_to_pages(client)


def test_an_unverified_admin_may_sign_out_and_load_static_files(
    client: Client, system_admin: User
) -> None:
    sign_in(client, "zhao-min")

    assert client.get("/static/web/site.css").status_code != 302  # not sent to the code page
    response = client.post("/accounts/logout/")

    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_an_htmx_request_of_an_unverified_admin_loads_the_code_page_whole(
    client: Client, system_admin: User
) -> None:
    enrolled(system_admin)
    sign_in(client, "zhao-min")

    response = client.get(
        "/orgs/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/orgs/"}
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{VERIFY}?next=/orgs/"


def test_a_member_is_never_asked(client: Client, member_user: User) -> None:
    sign_in(client, "chen-xiao")

    assert passes_to_pages(client)
    assert client.get(VERIFY)["Location"] == "/"
    assert client.get(ENROLL)["Location"] == "/"
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_each_administrator_role_needs_the_second_factor(role: Role, db: None) -> None:
    assert needs_second_factor(user_with("admin", role))


@pytest.mark.parametrize("role", sorted(set(Role) - ADMIN_ROLES))
def test_no_other_role_needs_it(role: Role, db: None) -> None:
    assert not needs_second_factor(user_with("someone", role))


def test_second_factor_satisfied_reads_the_request(system_admin: User, nobody: User) -> None:
    request = RequestFactory().get("/")
    request.user = nobody
    assert second_factor_satisfied(request)

    request.user = system_admin  # without OTPMiddleware's is_verified: not verified
    assert not second_factor_satisfied(request)
