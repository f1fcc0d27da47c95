"""Middleware of the web app: refusals as pages, and the short path of the machines' endpoints."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from jiceng.core import audit
from jiceng.core.errors import DomainError, NotFound

# What a machine's answer (JSON, XML) may load or be framed by: nothing.
MACHINE_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class DomainErrorMiddleware:
    """Turns a service's refusal into a page, so views need no try/except of their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            audit.record_refusal(request, exception)  # a refused write; reads are not recorded
        if isinstance(exception, NotFound):
            raise Http404(exception.message)  # the same page as any other 404: nothing leaks
        if isinstance(exception, DomainError):
            return render(
                request, "web/refused.html", {"message": exception.message}, status=exception.status
            )
        return None


class MachineEndpointsMiddleware:
    """The machines' endpoints (the paths in JICENG_MACHINE_PATHS: Open311) skip the pages'
    middleware. Goes right after SecurityMiddleware.

    They take an API key, answer JSON or XML, and use no session, cookie, CSRF token, message,
    language or template: the page middleware after this one (sessions, sign-in, second factor,
    idle timeout, messages, CSP, htmx, lockout) was a tenth of an Open311 intake's time and did
    nothing for it (bench/bench_intake.py). Here such a request is resolved and its view called
    as the last middleware would, with the host checked, the caller anonymous and the audit
    context set; its answer may load and be framed by nothing. A path that does not resolve
    goes the long way, to the 404 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(settings.JICENG_MACHINE_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.prefixes or not request.path_info.startswith(self.prefixes):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware would check it
        request.user = AnonymousUser()
        request.resolver_match = match
        with audit.handling(request):
            response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        response.headers.setdefault("Content-Security-Policy", MACHINE_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
