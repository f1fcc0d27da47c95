"""通知中心: the signed-in user's notices of every app, newest first, marked read one by one or
all at once."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiceng.accounts.access import signed_in
from jiceng.accounts.requests import AuthedRequest

from . import queries, services


@signed_in
def centre(request: AuthedRequest) -> HttpResponse:
    return render(request, "notices/centre.html", {"items": queries.notices_of(request.user)})


@signed_in
@require_POST
def mark_read(request: AuthedRequest, source: str, pk: int) -> HttpResponse:
    services.mark_read(user=request.user, source=source, pk=pk)
    return redirect("notices:centre")


@signed_in
@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    return redirect("notices:centre")
