"""投诉建议 pages: a user's own page (send one, read the answers), the system administrator's
inbox and answer page. Thin: feedback.services writes, feedback.queries reads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jiceng.accounts.access import requires, signed_in
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import DomainError, InvalidInput

from . import queries
from .models import FeedbackKind, FeedbackStatus
from .services import ANSWERER, answer_feedback, can_answer, submit_feedback


@signed_in
@require_http_methods(["GET", "POST"])
def mine(request: AuthedRequest) -> HttpResponse:
    """我的投诉建议: the form, then what I sent with the answers."""
    values: dict[str, Any] = {"kind": FeedbackKind.SUGGESTION, "page": request.GET.get("from", "")}
    errors: dict[str, str] = {}
    problem = ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("kind", "subject", "body", "page")}
        try:
            submit_feedback(by=request.user, **values)
        except InvalidInput as exc:
            errors, problem = exc.fields, "" if exc.fields else exc.message
        else:
            messages.success(request, "已提交，系统管理员答复后会显示在本页")
            return redirect("feedback:mine")
    return render(
        request,
        "feedback/mine.html",
        {
            "rows": queries.my_feedback(request.user),
            "kinds": FeedbackKind.choices,
            "values": values,
            "errors": errors,
            "problem": problem,
            "answers": can_answer(request.user),
        },
    )


@signed_in
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    feedback = queries.access_own_feedback(request.user, pk)
    return render(request, "feedback/detail.html", {"feedback": feedback})


@requires(ANSWERER)
def inbox(request: AuthedRequest) -> HttpResponse:
    """投诉建议处理: those waiting for an answer, oldest first; the answered ones on a tab."""
    status = request.GET.get("status", FeedbackStatus.OPEN)
    if status not in FeedbackStatus.values:
        status = FeedbackStatus.OPEN
    page = Paginator(queries.inbox(status), settings.JICENG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "feedback/inbox.html",
        {"page": page, "status": status, "open_count": queries.open_count()},
    )


@requires(ANSWERER)
@require_http_methods(["GET", "POST"])
def answer(request: AuthedRequest, pk: int) -> HttpResponse:
    feedback = queries.access_own_feedback(request.user, pk)
    errors: dict[str, str] = {}
    text = ""
    if request.method == "POST":
        text = request.POST.get("answer", "")
        try:
            answer_feedback(feedback=feedback, answer=text, by=request.user)
        except InvalidInput as exc:
            errors = exc.fields or {"answer": exc.message}
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("feedback:answer", pk=pk)
        else:
            messages.success(request, "已答复，提出人可在“投诉建议”页看到")
            return redirect("feedback:inbox")
    return render(
        request,
        "feedback/answer.html",
        {"feedback": feedback, "errors": errors, "text": text},
    )
