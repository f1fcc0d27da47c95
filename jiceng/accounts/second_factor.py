"""The second factor (TOTP, django-otp) of the three separated administrators (三员).

After the password an administrator enters a six-digit code from an authenticator app before
any page opens. On the first sign-in, with no confirmed device yet, they enroll: the page shows
the secret as a QR code and in text, and a first correct code confirms it. Other users are never
asked. A lost phone is reset by deleting the device (the security administrator's job); the next
sign-in enrolls again.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiceng.core.clock import CHINA

from .models import ADMIN_ROLES, User
from .permissions import roles_of
from .sessions import redirect_away

DEVICE_NAME = "身份验证器"


def needs_second_factor(user: User | AnonymousUser) -> bool:
    """Holds one of the administrator roles (ADMIN_ROLES)."""
    return bool(roles_of(user) & ADMIN_ROLES)


def second_factor_satisfied(request: HttpRequest) -> bool:
    """The user needs no second factor, or has passed it in this session."""
    user = request.user
    if not needs_second_factor(user):
        return True
    return bool(getattr(user, "is_verified", lambda: False)())


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device an administrator is enrolling; the same one on every visit of the
    enrollment page, so that reloading it does not change the secret under their phone."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class Enrollment:
    """What the enrollment page shows."""

    secret: str  # base32, in groups of four for typing by hand
    uri: str  # otpauth://totp/...
    qr_svg: SafeString


def enrollment(device: TOTPDevice) -> Enrollment:
    secret = b32encode(device.bin_key).decode()
    uri = device.config_url
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title="用身份验证器扫描此二维码"
    )
    # segno's own SVG of our otpauth URI: it holds no markup from anyone.
    qr_svg = mark_safe(svg)  # noqa: S308  # nosec B308 B703
    return Enrollment(
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=uri,
        qr_svg=qr_svg,
    )


@dataclass(frozen=True)
class Refusal:
    message: str


def check_code(request: HttpRequest, device: TOTPDevice, code: str) -> Refusal | None:
    """Verifies `code` against `device` (which must be the signed-in user's) and, if it is
    right, marks the session as having passed the second factor. Confirms an enrolling device.
    django-otp refuses a code already used and, after wrong codes, waits longer each time."""
    allowed, why = device.verify_is_allowed()
    if not allowed:
        wait = ""
        if why and why.get("locked_until"):
            wait = f"，请在 {why['locked_until'].astimezone(CHINA).strftime('%H:%M:%S')} 之后"
        return Refusal(f"验证码错误次数过多{wait}再试。")
    if not device.verify_token(code.strip().replace(" ", "")):
        return Refusal("验证码不正确或已使用，请输入身份验证器上当前显示的 6 位数字。")
    if not device.confirmed:
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
    django_otp.login(request, device)
    return None


EXEMPT_NAMES = ("accounts:second_factor", "accounts:enroll", "accounts:logout")


class SecondFactorMiddleware:
    """Sends a signed-in administrator who has not passed the second factor to the code page,
    from every path but that page, the enrollment page, sign-out and static files. Runs after
    the authentication, django-otp and message middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not self._exempt(request.path)
            and not second_factor_satisfied(request)
        ):
            return redirect_away(request, reverse("accounts:second_factor"))
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        return path.startswith(settings.STATIC_URL) or path in {
            reverse(name) for name in EXEMPT_NAMES
        }
