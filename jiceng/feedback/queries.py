"""Reads of 投诉建议: a user's own, and all of them for the system administrator."""

from __future__ import annotations

from django.db.models import QuerySet

from jiceng.accounts.models import User
from jiceng.core.errors import not_found

from .models import Feedback, FeedbackStatus
from .services import can_answer


def my_feedback(user: User, *, limit: int = 50) -> list[Feedback]:
    return list(Feedback.objects.filter(author=user).order_by("-created_at", "-pk")[:limit])


def access_own_feedback(user: User, pk: int) -> Feedback:
    """One of the user's own; the system administrator may open any."""
    found = Feedback.objects.select_related("author", "answered_by").filter(pk=pk).first()
    if found is None or (found.author_id != user.pk and not can_answer(user)):
        raise not_found("投诉建议")
    return found


def inbox(status: str = FeedbackStatus.OPEN) -> QuerySet[Feedback]:
    """The system administrator's list: the open ones oldest first (who waited longest), the
    answered ones newest first."""
    rows = Feedback.objects.select_related("author").filter(status=status)
    if status == FeedbackStatus.OPEN:
        return rows.order_by("created_at", "pk")
    return rows.order_by("-answered_at", "-pk")


def open_count() -> int:
    """How many wait for an answer (for the system administrator's workbench)."""
    return Feedback.objects.filter(status=FeedbackStatus.OPEN).count()
