"""投诉建议: a complaint or suggestion about the platform itself, from any signed-in user to
the system administrator, and the administrator's answer (国办函〔2026〕12号: an app for the
grassroots has a complaint-and-suggestion function).

Only feedback.services writes these rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FeedbackKind(models.TextChoices):
    COMPLAINT = "COMPLAINT", "投诉"
    SUGGESTION = "SUGGESTION", "建议"


class FeedbackStatus(models.TextChoices):
    OPEN = "OPEN", "待答复"
    ANSWERED = "ANSWERED", "已答复"


class Feedback(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # accounts are deactivated, never deleted
        related_name="+",
        verbose_name="提出人",
    )
    kind = models.CharField("类型", max_length=12, choices=FeedbackKind.choices)
    subject = models.CharField("标题", max_length=100)
    body = models.TextField("内容", max_length=2000)
    # the page it is about, if the person came from one (the link's ?from=)
    page = models.CharField("相关页面", max_length=200, blank=True, default="")
    created_at = models.DateTimeField("提交时间")
    status = models.CharField(
        "状态", max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN
    )
    answer = models.TextField("答复", max_length=2000, blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="答复人",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = "投诉建议"
        verbose_name_plural = "投诉建议"
        indexes = [
            models.Index(fields=["author", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.subject
