"""An export made in the background (导出): asked for on a page, written by a task worker
with its progress, kept under the var directory for a limited time, downloadable only by the
user who asked.

Only exports.services writes these rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ExportKind(models.TextChoices):
    MEMBERS = "MEMBERS", "党员名单"
    ORGANIZATIONS = "ORGANIZATIONS", "党组织"


class ExportStatus(models.TextChoices):
    QUEUED = "QUEUED", "排队中"
    RUNNING = "RUNNING", "生成中"
    DONE = "DONE", "已完成"
    FAILED = "FAILED", "失败"
    EXPIRED = "EXPIRED", "已过期"


class ExportJob(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # accounts are deactivated, never deleted
        related_name="+",
        verbose_name="申请人",
    )
    kind = models.CharField("类型", max_length=16, choices=ExportKind.choices)
    # what was asked for, to be asked again by the worker as the same user: the member list's
    # filters (never an ID number: a search by one is exported at once, not here) or the
    # organization whose subtree is exported
    params = models.JSONField("条件", default=dict)
    title = models.CharField("名称", max_length=200)
    filename = models.CharField("下载文件名", max_length=200)
    # the address the request came from, for the export's audit record written by the worker
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已写行数", default=0)
    # the file's name inside JICENG_EXPORT_DIR (random: never derived from what it holds)
    stored_as = models.CharField("文件", max_length=100, blank=True, default="")
    error = models.CharField("失败原因", max_length=300, blank=True, default="")
    created_at = models.DateTimeField("申请时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("保留至", null=True, blank=True)

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        indexes = [
            models.Index(fields=["requested_by", "created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0

    @property
    def is_working(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
