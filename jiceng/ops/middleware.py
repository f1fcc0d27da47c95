"""The two middleware of ops: the probes' short path, and the request metrics.

Both go first in MIDDLEWARE, the probes before the metrics: a probe every few seconds from
each balancer would otherwise outnumber the people in the request counts."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from . import metrics, views

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": views.healthz,
    "/readyz": views.readyz,
    "/metrics": views.metrics_view,
}
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ProbeMiddleware:
    """Answers /healthz, /readyz and /metrics before any other middleware (ops.views says
    why): no host check, no HTTPS redirect, no session, not counted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = PROBES.get(request.path_info)
        if view is None:
            return self.get_response(request)
        return view(request)


def view_label(request: HttpRequest) -> str:
    """The URL name of the view that answered ("cases:detail"): a bounded set, unlike paths.
    The short paths that answer before the URL resolver (the riders' page) are resolved
    here; static files are "static", anything else that resolves to nothing "unresolved"."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return "static"
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unresolved"
    return match.view_name or match._func_path


class RequestMetricsMiddleware:
    """Counts every request by view, method and status, and times it (up to the response's
    headers: a streamed download's body is not in the time)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            metrics.record(
                view=view_label(request),
                method=request.method if request.method in METHODS else "other",
                status=status,
                seconds=time.perf_counter() - started,
            )
