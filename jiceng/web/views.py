"""The pages of the web app itself: the workbench (工作台) and the display preference."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jiceng.accounts.access import public, signed_in
from jiceng.accounts.requests import AuthedRequest

from . import workbench
from .context_processors import ELDER_COOKIE

ELDER_COOKIE_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (about 400 days)


@signed_in
def home(request: AuthedRequest) -> HttpResponse:
    """工作台: the panels of the user's roles, each a short list of what to do now."""
    return render(request, "web/home.html", {"shown": workbench.panels_for(request.user)})


@public("显示偏好（大字模式）在登录前也要能切换，只写本浏览器的一个 Cookie")
@require_POST
def display(request: HttpRequest) -> HttpResponse:
    """Turns the large-text, high-contrast mode (适老化) on or off for this browser, then goes
    back to the page the switch was pressed on."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("web:home")
    response = redirect(back)
    if request.POST.get("elder") == "1":
        response.set_cookie(
            ELDER_COOKIE,
            "1",
            max_age=ELDER_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response
