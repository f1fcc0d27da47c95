"""The pages of the web app itself: the workbench (工作台) and the display preference."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
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


def from_another_site(request: HttpRequest) -> bool:
    """A post a browser says another site made: its Sec-Fetch-Site (browsers since 2023), or
    else its Origin, names another site. A browser that sends neither is let through."""
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        return fetched_from not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is not None and urlsplit(origin).netloc != request.get_host()


@public("显示偏好（大字模式）在登录前也要能切换，只写本浏览器的一个 Cookie")
@csrf_exempt
@require_POST
def display(request: HttpRequest) -> HttpResponse:
    """Turns the large-text, high-contrast mode (适老化) on or off for this browser, then goes
    back to the page the switch was pressed on.

    Without a CSRF token, so that a page for anyone carries none (a token is a fresh secret
    and its mask: 0.4 ms of the riders' page, the busiest, bench/RESULTS.md): a forged switch
    could only change this browser's text size, and a post that the browser says came from
    another site is refused all the same."""
    if from_another_site(request):
        raise PermissionDenied("来自其他网站的请求，显示模式未切换")
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
