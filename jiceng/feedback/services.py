"""The writes of 投诉建议: a user sends one, the system administrator answers it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput

from .models import Feedback, FeedbackKind, FeedbackStatus

# The system administrator answers: the platform's own running is theirs (三员: accounts and
# settings), and no one else's role reads what every user wrote.
ANSWERER = Permission.MANAGE_ACCOUNTS
MAX_SUBJECT = 100
MAX_TEXT = 2000
# More than this many in a day from one account is a script or a stuck button, not a person.
DAILY_LIMIT = 20


def can_answer(user: User) -> bool:
    return has_permission(user, ANSWERER)


def _text(value: str, *, field: str, label: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"请填写{label}", fields={field: f"请填写{label}"})
    if len(value) > limit:
        message = f"{label}最多{limit}字（现有{len(value)}字）"
        raise InvalidInput(message, fields={field: message})
    return value


@transaction.atomic
def submit_feedback(*, by: User, kind: str, subject: str, body: str, page: str = "") -> Feedback:
    """提交投诉建议. Anyone signed in; what they wrote goes to the system administrator."""
    errors: dict[str, str] = {}
    if kind not in FeedbackKind.values:
        errors["kind"] = "请选择投诉或建议"
    checked = {}
    for field, label, value, limit in (
        ("subject", "标题", subject, MAX_SUBJECT),
        ("body", "内容", body, MAX_TEXT),
    ):
        try:
            checked[field] = _text(value, field=field, label=label, limit=limit)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:  # every field's reason at once, beside each field
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    subject, body = checked["subject"], checked["body"]
    now = clock.now()
    recent = Feedback.objects.filter(author=by, created_at__gte=now - dt.timedelta(days=1)).count()
    if recent >= DAILY_LIMIT:
        raise InvalidInput(f"一天内最多提交{DAILY_LIMIT}条，请明天再提交")
    feedback = Feedback.objects.create(
        author=by,
        kind=kind,
        subject=subject,
        body=body,
        page=page.strip()[:200] if page.startswith("/") else "",
        created_at=now,
    )
    audit.record(audit.AuditEvent.WRITE, action="feedback.submit", target=feedback)
    return feedback


@transaction.atomic
def answer_feedback(*, feedback: Feedback, answer: str, by: User) -> Feedback:
    """答复: once; the author sees it on their page."""
    if not can_answer(by):
        raise Forbidden("只有系统管理员可以答复投诉建议")
    answer = _text(answer, field="answer", label="答复", limit=MAX_TEXT)
    moved = Feedback.objects.filter(pk=feedback.pk, status=FeedbackStatus.OPEN).update(
        status=FeedbackStatus.ANSWERED, answer=answer, answered_by=by, answered_at=clock.now()
    )
    if moved != 1:
        raise Conflict("这条投诉建议已经答复过了")
    audit.record(audit.AuditEvent.WRITE, action="feedback.answer", target=feedback)
    return Feedback.objects.get(pk=feedback.pk)
