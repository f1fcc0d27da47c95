"""Weak and lax organizations (软弱涣散党组织) and their rectification (整顿).

`DetectionRule` rows set a rule's parameters for a subtree (the deepest row above an
organization wins; none: rules.DEFAULTS). `Detection` rows are the monthly finding, one per
organization, month and rule, rebuilt whole by detection.detect_month. A `Rectification` is
what a department makes of a detection: confirmed, a responsible leader (包联) and a plan,
monthly progress, then the acceptance (销号)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from jiceng.core import clock


class RuleKind(models.TextChoices):
    SECRETARY_VACANT = "SECRETARY_VACANT", "书记职位空缺"
    MEETINGS_MISSED = "MEETINGS_MISSED", "未按规定开展组织生活"
    TERM_OVERDUE = "TERM_OVERDUE", "超期未换届"
    NO_DEVELOPMENT = "NO_DEVELOPMENT", "长期未发展党员"
    DUES_ARREARS = "DUES_ARREARS", "党费欠缴"
    CASES_LOW = "CASES_LOW", "接诉即办响应率或满意率低"


class DetectionRule(models.Model):
    """A rule's parameters for the subtree of `organization`."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="适用范围"
    )
    kind = models.CharField("规则", max_length=20, choices=RuleKind.choices)
    is_enabled = models.BooleanField("启用", default=True)
    months = models.PositiveSmallIntegerField("月数", default=3)
    # a rate in percent (CASES_LOW: the lowest acceptable; DUES_ARREARS: the share of members
    # behind that flags the branch)
    threshold = models.PositiveSmallIntegerField("比例（%）", default=0)
    reason = models.CharField("原因表述", max_length=200)

    class Meta:
        verbose_name = "研判规则"
        verbose_name_plural = "研判规则"
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="one_rule_per_subtree")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.organization_id}）"


class Detection(models.Model):
    """One reason found for one organization in one month (YYYYMM)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="党组织"
    )
    month = models.PositiveIntegerField("月份")
    kind = models.CharField("规则", max_length=20, choices=RuleKind.choices)
    reason = models.CharField("原因", max_length=300)
    path = models.CharField("路径", max_length=255)  # the organization's, for subtree ranges

    class Meta:
        verbose_name = "研判结果"
        verbose_name_plural = "研判结果"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "month", "kind"], name="one_detection_per_rule"
            )
        ]
        indexes = [models.Index(fields=["month", "path"], name="detection_month_path")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month}: {self.reason}"


class Status(models.TextChoices):
    CONFIRMED = "CONFIRMED", "已确定，待制定方案"
    RECTIFYING = "RECTIFYING", "整顿中"
    ACCEPTED = "ACCEPTED", "已销号"


class Rectification(models.Model):
    """The rectification of one weak organization (整顿)."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="rectifications",
        verbose_name="党组织",
    )
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField("状态", max_length=20, choices=Status.choices)
    reasons = models.TextField("确定时的原因")
    # empty for rectifications loaded from elsewhere (the synthetic data set has no accounts)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确定人",
    )
    confirmed_at = models.DateTimeField("确定时间", default=clock.now)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="包联领导",
    )
    first_secretary = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="第一书记",
    )
    plan = models.TextField("整顿方案", blank=True)
    measures = models.TextField("整改措施", blank=True)
    due_on = models.DateField("计划完成日期", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="销号人",
    )
    accepted_at = models.DateTimeField("销号时间", null=True, blank=True)

    class Meta:
        verbose_name = "整顿"
        verbose_name_plural = "整顿"
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=~Q(status="ACCEPTED"),
                name="one_open_rectification",
            )
        ]
        indexes = [
            # the open ones by planned end (queries.open_under: a department's list)
            models.Index(
                fields=["due_on", "id"],
                condition=~Q(status="ACCEPTED"),
                name="rectification_open_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}（{self.year}）"

    @property
    def is_open(self) -> bool:
        return self.status != Status.ACCEPTED


class Progress(models.Model):
    """A month's progress of a rectification (整顿进展), appended, never edited."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="progress", verbose_name="整顿"
    )
    month = models.PositiveIntegerField("月份")
    text = models.TextField("进展情况")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="录入人",
    )
    recorded_at = models.DateTimeField("录入时间", default=clock.now)

    class Meta:
        verbose_name = "整顿进展"
        verbose_name_plural = "整顿进展"
        ordering = ["month", "pk"]

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.month}"
