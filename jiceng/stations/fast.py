"""The riders' page (附近驿站) for an anonymous rider, without the site's page machinery.

The riders' page is the busiest page of the site (issue 16: 1,000 answers a second on two
cores, beside a bare Django GET). Through the whole stack an answer cost some 30 ms on this
machine: two thirds the template engine (the page frame, the static files' hashed names), the
rest the middleware of signed-in pages (session, sign-in, second factor, idle timeout,
messages, lockout). A rider holds no session, so none of it does anything for them.

`RiderPageMiddleware` (right after the machines' short path) answers a GET of the page by a
browser without a session or a pending message: the page is rendered once per display mode,
amenities asked and shape of the answer (a "shell" with marks where the answer goes, kept for
the life of the process: it holds no station data), and each answer writes the point, the
station cards and the map's points (stations.cards, built once per station per version of the
stations) into it. The page carries no CSRF token: it has no form that posts but the display
switch, which needs none (web.views.display). The headers are those the long way gives (the
frame and content-security policies, Vary: Cookie: the display mode is a cookie), and the
request carries the URL's match, so that the request metrics (ops) need not resolve it.
Anything else (a signed-in user, a bad point, a point outside the service area) goes the
long way, to views.finder_page, which gives the same page."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.template.loader import render_to_string
from django.urls import ResolverMatch, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import escape, json_script
from django.utils.safestring import mark_safe

from jiceng.core.errors import DomainError
from jiceng.web.context_processors import ELDER_COOKIE

from . import views
from .models import Amenity, amenity_mask

MARK = "@@jiceng-rider-{}@@"
_MARKS = re.compile(r"@@jiceng-rider-(\w+)@@")
# (elder, amenity mask, (any open, any closed) or None for the page without a point)
ShellKey = tuple[bool, int, tuple[bool, bool] | None]
POLICY_HEADERS = (HEADER, HEADER_REPORT_ONLY)
_shells: dict[ShellKey, list[str]] = {}


def _mark(name: str) -> str:
    # a constant of letters and @
    return mark_safe(MARK.format(name))  # noqa: S308  # nosec B308 B703


class _MarkedRequest:
    """What the page frame asks of the request: its path, back to which the display switch
    returns."""

    def get_full_path(self) -> str:
        return _mark("next")


def _shell(key: ShellKey, wanted: list[str], within: str, labels: str) -> list[str]:
    """The page as literal text and the names of the marks between, alternately."""
    parts = _shells.get(key)
    if parts is None:
        elder, _, shape = key
        context: dict[str, Any] = {
            "request": _MarkedRequest(),
            "user": AnonymousUser(),
            "messages": (),
            "elder": elder,
            "amenities": views.amenity_choices(wanted),
            "error": None,
            "points_script": _mark("points"),
        }
        if shape is not None:
            context |= {
                "found": SimpleNamespace(
                    lon=_mark("lon"),
                    lat=_mark("lat"),
                    open=shape[0],
                    closed=shape[1],
                    amenities=wanted,
                ),
                "open_cards": _mark("open"),
                "closed_cards": _mark("closed"),
                "within": within,
                "wanted_labels": labels,
            }
        parts = _MARKS.split(render_to_string("stations/finder.html", context))
        _shells[key] = parts
    return parts


def answer(request: HttpRequest) -> HttpResponse | None:
    """The page for this anonymous GET, or None for the long way."""
    try:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
        point = views.read_point(request)
        wanted = request.GET.getlist("a")
        values: dict[str, str] = {}
        shape: tuple[bool, bool] | None = None
        within = labels = ""
        if point is not None:
            found = views.found_context(point[0], point[1], wanted)
            shape = (bool(found["found"].open), bool(found["found"].closed))
            wanted = found["found"].amenities
            within, labels = found["within"], found["wanted_labels"]
            values = {
                "lon": escape(found["found"].lon),
                "lat": escape(found["found"].lat),
                "open": found["open_cards"],
                "closed": found["closed_cards"],
                "points": found["points_script"],
            }
        else:  # the page before a point: ticks of unknown amenities are left out, as there
            wanted = [a.value for a in Amenity if a.value in wanted]
            values["points"] = json_script(None, "station-points")
    except (DomainError, DisallowedHost):
        return None
    values["next"] = escape(request.get_full_path())
    elder = request.COOKIES.get(ELDER_COOKIE) == "1"
    parts = _shell((elder, amenity_mask(wanted), shape), wanted, within, labels)
    html = [parts[0]]
    for i in range(1, len(parts), 2):
        html += [values[parts[i]], parts[i + 1]]
    response = HttpResponse("".join(html))
    response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware does
    return response


class RiderPageMiddleware:
    """Answers an anonymous rider's GET of the riders' page (see the module's text). Goes
    right after the machines' short path (web.middleware.MachineEndpointsMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.path = ""
        self.match: ResolverMatch | None = None
        self.frame = XFrameOptionsMiddleware(get_response)
        self.policy: dict[str, str] | None = None  # the same for every answer (no nonces)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.match is None:
            self.path = reverse("stations:finder")
            self.match = resolve(self.path)
        cookies = request.COOKIES
        if (
            request.path_info != self.path
            or request.method != "GET"
            or settings.SESSION_COOKIE_NAME in cookies
            or CookieStorage.cookie_name in cookies
        ):
            return self.get_response(request)
        response = answer(request)
        if response is None:
            return self.get_response(request)
        request.user = AnonymousUser()
        request.resolver_match = self.match
        patch_vary_headers(response, ("Cookie",))
        self.frame.process_response(request, response)
        if self.policy is None:  # the first answer: the policy headers as the CSP middleware sets
            CSPMiddleware(self.get_response).process_response(request, response)
            self.policy = {h: response[h] for h in POLICY_HEADERS if h in response}
        for header, value in self.policy.items():
            response.headers.setdefault(header, value)
        return response
