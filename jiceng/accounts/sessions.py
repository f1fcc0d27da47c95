"""The idle timeout: a signed-in session that sees no request for JICENG_IDLE_MINUTES ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from jiceng.core import clock

from . import policy

LAST_SEEN_KEY = "jiceng_last_seen"
# How stale the stored time may get before a request writes it again. Without this every GET
# would rewrite the session row, and SQLite takes one writer at a time.
RESAVE_AFTER = dt.timedelta(minutes=1)


def redirect_away(request: HttpRequest, url: str | None = None) -> HttpResponse:
    """A redirect to `url` (by default the sign-in page) that brings the person back to this
    page afterwards. For an htmx request, whose path is only a fragment, it comes back to the
    page the fragment was on, and htmx is told to load the new page whole rather than swap it
    into the fragment's place."""
    if request.headers.get("HX-Request") == "true":
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = current.path + (f"?{current.query}" if current.query else "") or "/"
        response = HttpResponse(status=204)
        response["HX-Redirect"] = redirect_to_login(back, url)["Location"]
        return response
    return redirect_to_login(request.get_full_path(), url)


class IdleTimeoutMiddleware:
    """Runs after the authentication and message middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = clock.now()
            minutes = policy.current().idle_minutes
            idle = dt.timedelta(minutes=minutes)
            seen = request.session.get(LAST_SEEN_KEY)
            last = dt.datetime.fromtimestamp(seen, dt.UTC) if seen is not None else None
            if last is not None and now - last > idle:
                logout(request)
                messages.info(
                    request,
                    f"您已超过 {minutes} 分钟未操作，为保护账户安全已自动退出，请重新登录。",
                )
                return redirect_away(request)
            if last is None or now - last > RESAVE_AFTER:
                request.session[LAST_SEEN_KEY] = now.timestamp()
        return self.get_response(request)
