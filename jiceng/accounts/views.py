"""Sign-in pages: the password, the lockout answer, the second factor and its enrollment."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from jiceng.core import clock

from . import policy, second_factor
from .access import public, signed_in
from .forms import CodeForm
from .requests import AuthedRequest
from .throttle import anonymous_rate

sign_in = public("the sign-in page")(
    anonymous_rate("signin")(auth_views.LoginView.as_view(template_name="accounts/login.html"))
)
# Signing out needs no check: without a session there is nothing to end.
sign_out = public("signing out")(auth_views.LogoutView.as_view())


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page axes answers with once a username has failed too often (AXES_LOCKOUT_CALLABLE).
    Each further try during the lockout starts the cool-off again, so it ends a cool-off after
    this request."""
    in_force = policy.current()
    cool_off = dt.timedelta(minutes=in_force.lockout_minutes)
    retry_at = clock.now() + cool_off
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "failures": in_force.lockout_failures,
            "minutes": math.ceil(cool_off.total_seconds() / 60),
            "retry_at": retry_at,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(request: HttpRequest, name: str) -> HttpResponse:
    response = redirect(name)
    wanted = request.GET.get("next")
    if wanted:
        response["Location"] += "?" + request.GET.urlencode()
    return response


@signed_in
def verify(request: AuthedRequest) -> HttpResponse:
    """The code page of an administrator who has enrolled."""
    if second_factor.second_factor_satisfied(request):
        return redirect(_next_url(request))
    device = second_factor.confirmed_device(request.user)
    if device is None:
        return _with_next(request, "accounts:enroll")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = second_factor.check_code(request, device, form.cleaned_data["code"])
        if refusal is None:
            return redirect(_next_url(request))
        form.add_error("code", refusal.message)
    return render(
        request, "accounts/second_factor.html", {"form": form, "next": _next_url(request)}
    )


@signed_in
def enroll(request: AuthedRequest) -> HttpResponse:
    """First sign-in of an administrator: scan the secret, confirm it with a first code."""
    if not second_factor.needs_second_factor(request.user):
        return redirect(_next_url(request))
    if second_factor.confirmed_device(request.user) is not None:
        return _with_next(request, "accounts:second_factor")
    device = second_factor.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = second_factor.check_code(request, device, form.cleaned_data["code"])
        if refusal is None:
            return redirect(_next_url(request))
        form.add_error("code", refusal.message)
    return render(
        request,
        "accounts/enroll.html",
        {
            "form": form,
            "enrollment": second_factor.enrollment(device),
            "next": _next_url(request),
        },
    )
