"""First secretaries and village work teams (驻村第一书记, 驻村工作队).

A `SendingUnit` (派出单位) sends cadres to a village; the cadres in one village form its
`VillageWorkTeam`. Each cadre's `Dispatch` is the record of their posting: the post (第一书记,
队长, 队员), the term, its renewal or recall, the end-of-term appraisal. A cadre logs each
day on site with one tap (`WorkDay`; a location is offered, never required), asks for leave
(`Leave`, approved by the township or the county department by its length), writes a monthly
work log (`MonthlyLog`, 月度工作纪实) and the things done for the village (`Deed`, 办实事).
The department's `SpotCheck` rows confirm or contradict the log; `PresenceRule` rows (data,
the deepest above the village wins) set the on-site share and the leave limits, and
`MonthlyPresence` is the month's finding, rebuilt by villages.presence."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from jiceng.core import clock


class SendingUnit(models.Model):
    """派出单位: an agency, institution or enterprise that sends cadres to villages."""

    name = models.CharField("单位名称", max_length=100, unique=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="单位党组织",
    )

    class Meta:
        verbose_name = "派出单位"
        verbose_name_plural = "派出单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VillageWorkTeam(models.Model):
    """驻村工作队: the cadres sent to one village organization; one open team a village."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="village_teams",
        verbose_name="村党组织",
    )
    path = models.CharField("路径", max_length=255, db_index=True)  # the organization's
    lead_unit = models.ForeignKey(
        SendingUnit, on_delete=models.PROTECT, related_name="teams", verbose_name="牵头派出单位"
    )
    formed_on = models.DateField("组建日期")
    is_active = models.BooleanField("在驻", default=True)

    class Meta:
        verbose_name = "驻村工作队"
        verbose_name_plural = "驻村工作队"
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(is_active=True), name="one_active_team"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}驻村工作队"


class Post(models.TextChoices):
    FIRST_SECRETARY = "FIRST_SECRETARY", "第一书记"
    TEAM_LEADER = "TEAM_LEADER", "工作队长"
    TEAM_MEMBER = "TEAM_MEMBER", "工作队员"


class DispatchStatus(models.TextChoices):
    SERVING = "SERVING", "在驻"
    RECALLED = "RECALLED", "已召回"
    ENDED = "ENDED", "任期届满"


class Grade(models.TextChoices):
    EXCELLENT = "EXCELLENT", "优秀"
    COMPETENT = "COMPETENT", "称职"
    BASICALLY_COMPETENT = "BASICALLY_COMPETENT", "基本称职"
    INCOMPETENT = "INCOMPETENT", "不称职"


class Dispatch(models.Model):
    """One cadre's posting to a village (选派): a first secretary (`FirstSecretary` in the
    glossary is a dispatch with this post) or a member of the work team."""

    team = models.ForeignKey(
        VillageWorkTeam, on_delete=models.PROTECT, related_name="dispatches", verbose_name="工作队"
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="village_dispatches",
        verbose_name="驻村干部",
    )
    sending_unit = models.ForeignKey(
        SendingUnit, on_delete=models.PROTECT, related_name="dispatches", verbose_name="派出单位"
    )
    post = models.CharField("职务", max_length=20, choices=Post.choices)
    starts_on = models.DateField("任期开始")
    ends_on = models.DateField("任期届满")
    renewals = models.PositiveSmallIntegerField("续任次数", default=0)
    status = models.CharField(
        "状态", max_length=20, choices=DispatchStatus.choices, default=DispatchStatus.SERVING
    )
    left_on = models.DateField("离任日期", null=True, blank=True)
    leave_reason = models.CharField("召回原因", max_length=200, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="选派人",
    )
    # The end-of-term appraisal by the county organization department (任期考核).
    grade = models.CharField("考核等次", max_length=20, choices=Grade.choices, blank=True)
    appraisal = models.TextField("考核评语", blank=True)
    appraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="考核人",
    )
    appraised_at = models.DateTimeField("考核时间", null=True, blank=True)

    class Meta:
        verbose_name = "驻村选派"
        verbose_name_plural = "驻村选派"
        constraints = [
            # one first secretary serving in a village at a time, and one posting per cadre
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(status="SERVING", post="FIRST_SECRETARY"),
                name="one_serving_first_secretary",
            ),
            models.UniqueConstraint(
                fields=["cadre"], condition=Q(status="SERVING"), name="one_serving_dispatch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} {self.get_post_display()}"

    @property
    def last_day(self) -> dt.date:
        """The last day of the posting: the recall, or the end of the term."""
        return self.left_on or self.ends_on


class WorkDay(models.Model):
    """One day on site in the cadre's work log (驻村日志), one tap. The location is the
    cadre's choice to add (offered, never required)."""

    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.CASCADE, related_name="work_days", verbose_name="选派"
    )
    day = models.DateField("日期")
    logged_at = models.DateTimeField("记录时间", default=clock.now)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField("当日工作", max_length=200, blank=True)

    class Meta:
        verbose_name = "在岗记录"
        verbose_name_plural = "在岗记录"
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "day"], name="one_work_day_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.dispatch_id} {self.day}"


class LeaveStatus(models.TextChoices):
    PENDING = "PENDING", "待审批"
    APPROVED = "APPROVED", "已批准"
    REFUSED = "REFUSED", "未批准"


class Approver(models.TextChoices):
    TOWNSHIP = "TOWNSHIP", "乡镇党委"
    COUNTY = "COUNTY", "县委组织部"


class Leave(models.Model):
    """请假: days away from the village, approved by the township or the county department
    according to their number (PresenceRule.township_leave_days)."""

    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.CASCADE, related_name="leaves", verbose_name="选派"
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    days = models.PositiveSmallIntegerField("工作日天数")
    reason = models.CharField("事由", max_length=200)
    approver = models.CharField("审批单位", max_length=20, choices=Approver.choices)
    status = models.CharField(
        "状态", max_length=20, choices=LeaveStatus.choices, default=LeaveStatus.PENDING
    )
    asked_at = models.DateTimeField("申请时间", default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = "请假"
        verbose_name_plural = "请假"
        indexes = [models.Index(fields=["status", "approver"], name="leave_status_approver")]

    def __str__(self) -> str:
        return f"{self.dispatch_id} {self.starts_on}–{self.ends_on}"


class SpotCheck(models.Model):
    """抽查: the department checked on a day whether the cadre was on site."""

    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.CASCADE, related_name="spot_checks", verbose_name="选派"
    )
    day = models.DateField("抽查日期")
    found_on_site = models.BooleanField("在岗")
    note = models.CharField("情况说明", max_length=200, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="抽查人",
    )
    recorded_at = models.DateTimeField("记录时间", default=clock.now)

    class Meta:
        verbose_name = "抽查"
        verbose_name_plural = "抽查"
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "day"], name="one_spot_check_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.dispatch_id} {self.day}"


class MonthlyLog(models.Model):
    """月度工作纪实: what the cadre did in a month (YYYYMM)."""

    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.CASCADE, related_name="monthly_logs", verbose_name="选派"
    )
    month = models.PositiveIntegerField("月份")
    text = models.TextField("工作纪实")
    filed_at = models.DateTimeField("提交时间", default=clock.now)

    class Meta:
        verbose_name = "月度工作纪实"
        verbose_name_plural = "月度工作纪实"
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "month"], name="one_monthly_log")
        ]

    def __str__(self) -> str:
        return f"{self.dispatch_id} {self.month}"


class Deed(models.Model):
    """办实事: one thing done for the village."""

    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.CASCADE, related_name="deeds", verbose_name="选派"
    )
    done_on = models.DateField("完成日期")
    title = models.CharField("实事", max_length=100)
    detail = models.TextField("具体情况", blank=True)
    recorded_at = models.DateTimeField("记录时间", default=clock.now)

    class Meta:
        verbose_name = "办实事"
        verbose_name_plural = "办实事"

    def __str__(self) -> str:
        return self.title


class PresenceRule(models.Model):
    """The on-site rule and the leave limits for the subtree of `organization` (the deepest
    row above a village wins; none: rules.DEFAULT_RULE)."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="适用范围"
    )
    path = models.CharField("路径", max_length=255)
    on_site_percent = models.PositiveSmallIntegerField("在岗天数不少于工作日的（%）", default=67)
    township_leave_days = models.PositiveSmallIntegerField(
        "乡镇党委可批准的请假天数（工作日）", default=3
    )
    backfill_days = models.PositiveSmallIntegerField("可补记几天前的在岗", default=3)

    class Meta:
        verbose_name = "驻村在岗规则"
        verbose_name_plural = "驻村在岗规则"

    def __str__(self) -> str:
        return f"{self.organization}：{self.on_site_percent}%"


class MonthlyPresence(models.Model):
    """The month's check of the on-site rule for one dispatch, from the log, the approved
    leave and the spot checks (villages.presence)."""

    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.CASCADE, related_name="presence", verbose_name="选派"
    )
    month = models.PositiveIntegerField("月份")
    path = models.CharField("路径", max_length=255)  # the village organization's
    working_days = models.PositiveSmallIntegerField("应在岗工作日")
    leave_days = models.PositiveSmallIntegerField("请假工作日")
    on_site_days = models.PositiveSmallIntegerField("在岗天数")
    absent_at_checks = models.PositiveSmallIntegerField("抽查不在岗")
    required_days = models.PositiveSmallIntegerField("规定在岗天数")
    meets_rule = models.BooleanField("达到在岗要求")

    class Meta:
        verbose_name = "月度在岗核查"
        verbose_name_plural = "月度在岗核查"
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "month"], name="one_presence_a_month")
        ]
        indexes = [models.Index(fields=["month", "meets_rule", "path"], name="presence_month")]

    def __str__(self) -> str:
        return f"{self.dispatch_id} {self.month}"
