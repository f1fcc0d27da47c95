"""Turns a service's refusal into a page, so views need no try/except of their own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jiceng.core import audit
from jiceng.core.errors import DomainError, NotFound


class DomainErrorMiddleware:
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
