from __future__ import annotations

from django.conf import settings
from django.db import models


class Reading(models.Model):
    """That a user has read an organizational-life notice (orglife.Notice): a warning to a
    branch is one row that its secretary and committee members each read for themselves, so
    the notice cannot carry its own read time as a case's notice (cases.Notice.read_at) does."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="用户"
    )
    notice = models.ForeignKey(
        "orglife.Notice", on_delete=models.CASCADE, related_name="readings", verbose_name="通知"
    )
    read_at = models.DateTimeField("已读时间")

    class Meta:
        verbose_name = "已读记录"
        verbose_name_plural = "已读记录"
        constraints = [models.UniqueConstraint(fields=["user", "notice"], name="notices_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.notice_id}"
