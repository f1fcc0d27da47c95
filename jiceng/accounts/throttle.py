"""Rate limits for the endpoints anyone may call without signing in (sign-in, citizen requests).

    @anonymous_rate("signin")
    def sign_in(request): ...

Each named rate in settings.JICENG_RATES ("20/m": twenty requests a minute) counts the requests
of one client address in a fixed window, in Django's default cache: `cache.incr` counts, and
`cache.add` opens the window on its first request. The request beyond the rate gets 429 with a
Retry-After header and a page that says when to try again.

The count is only as shared as the cache. The default LocMemCache counts per process, so with
two workers a client gets up to twice the rate; a production deployment with several workers
configures a shared cache (prod.py uses the database cache). On memcached or Redis `incr` is
atomic; on the database cache it is a read and a write, so two requests at the same instant may
count as one: the limit stays a limit on abuse, give or take a request, not an exact quota.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from jiceng.core import audit, clock

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
R = TypeVar("R", bound=HttpResponseBase)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """ "20/m" -> Rate(20, 60). Also "5/10m", five requests in ten minutes."""
    count, _, period = text.strip().partition("/")
    unit = period[-1:]
    multiple = period[:-1] or "1"
    if not (count.isdigit() and multiple.isdigit() and unit in _PERIODS and int(multiple) > 0):
        raise ImproperlyConfigured(f"a rate looks like '20/m', not {text!r}")
    return Rate(int(count), int(multiple) * _PERIODS[unit])


def rate_named(name: str) -> Rate:
    try:
        return parse_rate(settings.JICENG_RATES[name])
    except KeyError:
        raise ImproperlyConfigured(f"JICENG_RATES has no rate named {name!r}") from None


def client_ip(request: HttpRequest) -> str:
    """The client's address by core.audit's rule (also django-axes' AXES_CLIENT_IP_CALLABLE),
    as a key: "unknown" when it is not an IP address."""
    return audit.client_ip(request) or "unknown"


def hit(name: str, key: str) -> int | None:
    """Counts one request of `key` against the rate `name`. None if it is within the rate,
    else the seconds until the window ends."""
    return hit_rate(rate_named(name), name, key)


def hit_rate(rate: Rate, name: str, key: str) -> int | None:
    """Counts one request of `key` against `rate`, its windows kept under `name` (a rate that
    is not one of JICENG_RATES': an Open311 key's own). None within the rate, else the seconds
    until the window ends."""
    now = clock.now().timestamp()
    window = int(now // rate.seconds)
    cache_key = f"jiceng:rate:{name}:{key}:{window}"
    # Counting first: only the window's first request also opens it (one cache call a request,
    # not two). The key outlives its window a little so that a slow clock between workers does
    # not reopen it.
    try:
        count = cache.incr(cache_key)
    except ValueError:  # no window yet (unless another worker opened it just now)
        opened = cache.add(cache_key, 1, timeout=rate.seconds + 1)
        count = 1 if opened else cache.incr(cache_key)
    if count <= rate.count:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def over_rate(name: str, request: HttpRequest) -> int | None:
    """Counts the request against the rate `name` by its client address: None within the
    rate, else the seconds to wait (what every limited endpoint asks, page or API)."""
    return hit(name, client_ip(request))


def wait_text(retry_after: int) -> str:
    """What an API's 429 says (a page says it in throttled.html)."""
    return f"请求过于频繁，请 {retry_after} 秒后再试"


def refusing(response: R, retry_after: int) -> R:
    """`response` (a 429) with its Retry-After header."""
    response["Retry-After"] = str(retry_after)
    return response


def throttled(request: HttpRequest, retry_after: int) -> HttpResponse:
    context = {"retry_after": retry_after, "minutes": math.ceil(retry_after / 60)}
    return refusing(render(request, "accounts/throttled.html", context, status=429), retry_after)


def anonymous_rate(name: str, *, methods: Iterable[str] = ("POST",)) -> Callable[[View], View]:
    """Limits the view to the rate JICENG_RATES[name] per client address, counting only the
    given methods (by default POST: showing the sign-in form costs nothing)."""
    counted = frozenset(m.upper() for m in methods)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def limited(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            if request.method in counted:
                retry_after = over_rate(name, request)
                if retry_after is not None:
                    return throttled(request, retry_after)
            return view(request, *args, **kwargs)

        return cast(View, limited)

    return decorate
