"""双报到 (dual reporting): organizations report to the community where they are located and
sign a joint-building agreement (共建协议); their members report to the community where they
live. The community keeps three lists (需求清单, 资源清单, 项目清单), members sign up, the
community confirms the hours served (posted to the points ledger), and every half year writes
its feedback on each reported member, which goes back to the member's own branch.

Only reporting.services writes these rows; reporting.queries reads them within a scope."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class ReportStatus(models.TextChoices):
    PENDING = "PENDING", "待社区确认"
    CONFIRMED = "CONFIRMED", "已报到"
    DECLINED = "DECLINED", "社区退回"
    ENDED = "ENDED", "已结束"


OPEN_STATUSES = (ReportStatus.PENDING, ReportStatus.CONFIRMED)


class CommunityReport(models.Model):
    """One report (报到) to a residential community: of a member (where they live) or of an
    organization (where it is located, with its 共建协议). Exactly one of the two is set."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="报到党员",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="报到单位党组织",
    )
    community = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="报到社区",
        db_constraint=False,
    )
    grid = models.ForeignKey(
        "grid.Grid",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所在网格",
    )
    address = models.CharField("居住地址（单位为所在地址）", max_length=200)
    status = models.CharField(
        "状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    # 共建协议 (organizations only): what the organization offers, one line each.
    offers = models.TextField("共建协议：提供的资源", blank=True)
    agreement_signed_on = models.DateField("共建协议签订日期", null=True, blank=True)
    agreement_until = models.DateField("共建协议有效期至", null=True, blank=True)
    reported_at = models.DateTimeField("报到时间")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="报到人",
    )
    decided_at = models.DateTimeField("社区确认时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    decline_reason = models.CharField("退回原因", max_length=200, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "双报到"
        verbose_name_plural = "双报到"
        constraints = [
            models.CheckConstraint(
                condition=(Q(member__isnull=False) & Q(organization__isnull=True))
                | (Q(member__isnull=True) & Q(organization__isnull=False)),
                name="report_member_or_organization",
            ),
            # A member reports to one residential community at a time; an organization once
            # to each community.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=OPEN_STATUSES, member__isnull=False),
                name="one_open_member_report",
            ),
            models.UniqueConstraint(
                fields=["organization", "community"],
                condition=Q(status__in=OPEN_STATUSES, organization__isnull=False),
                name="one_open_organization_report",
            ),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        who = self.member or self.organization
        return f"{who} → {self.community_id}"

    @property
    def is_member_report(self) -> bool:
        return self.member_id is not None

    @property
    def offer_lines(self) -> list[str]:
        return [line.strip() for line in self.offers.splitlines() if line.strip()]


class ListStatus(models.TextChoices):
    OPEN = "OPEN", "进行中"
    CLOSED = "CLOSED", "已结束"


class Need(models.Model):
    """需求清单: what the community needs done (tutoring, visiting the elderly, a clean-up)."""

    community = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="社区",
        db_constraint=False,
    )
    title = models.CharField("需求", max_length=100)
    description = models.TextField("说明", blank=True)
    needed_on = models.DateField("时间（选填）", null=True, blank=True)
    places = models.PositiveSmallIntegerField("需要人数", validators=[MinValueValidator(1)])
    status = models.CharField(
        "状态", max_length=8, choices=ListStatus.choices, default=ListStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发布人",
    )
    created_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = "需求清单"
        verbose_name_plural = "需求清单"
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.title


class Resource(models.Model):
    """资源清单: what reported organizations (or the community's partners) offer."""

    community = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="社区",
        db_constraint=False,
    )
    title = models.CharField("资源", max_length=100)
    description = models.TextField("说明", blank=True)
    report = models.ForeignKey(
        CommunityReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name="提供单位（共建协议）",
    )
    provider = models.CharField("提供方", max_length=100)
    is_active = models.BooleanField("可用", default=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "资源清单"
        verbose_name_plural = "资源清单"
        indexes = [models.Index(fields=["community", "is_active"])]

    def __str__(self) -> str:
        return self.title


class Project(models.Model):
    """项目清单: a piece of work over a period (a reading corner, an elderly canteen)."""

    community = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="社区",
        db_constraint=False,
    )
    title = models.CharField("项目", max_length=100)
    description = models.TextField("说明", blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    places = models.PositiveSmallIntegerField("需要人数", validators=[MinValueValidator(1)])
    status = models.CharField(
        "状态", max_length=8, choices=ListStatus.choices, default=ListStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发布人",
    )
    created_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = "项目清单"
        verbose_name_plural = "项目清单"
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    """A member signing up (报名) for a need or a project of the community they reported to."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="党员"
    )
    report = models.ForeignKey(
        CommunityReport, on_delete=models.PROTECT, related_name="signups", verbose_name="报到"
    )
    need = models.ForeignKey(
        Need,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signups",
        verbose_name="需求",
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signups",
        verbose_name="项目",
    )
    signed_at = models.DateTimeField("报名时间")

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        constraints = [
            models.CheckConstraint(
                condition=(Q(need__isnull=False) & Q(project__isnull=True))
                | (Q(need__isnull=True) & Q(project__isnull=False)),
                name="signup_need_or_project",
            ),
            models.UniqueConstraint(
                fields=["member", "need"], condition=Q(need__isnull=False), name="signup_need_once"
            ),
            models.UniqueConstraint(
                fields=["member", "project"],
                condition=Q(project__isnull=False),
                name="signup_project_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.need or self.project}"

    @property
    def item(self) -> Need | Project:
        found = self.need or self.project
        assert found is not None
        return found


class ServiceRecord(models.Model):
    """Hours served (服务时长) as the community confirms them, for one sign-up and one day.
    A confirmation taken back (`revoked_at`) stays, and its points are reversed."""

    signup = models.ForeignKey(
        SignUp,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name="报名",
        db_index=False,  # the index unique (signup, served_on) serves it
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="党员",
        db_index=False,  # the index (member, served_on) serves it
    )
    community = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="社区",
        db_constraint=False,
        db_index=False,  # the index (community, served_on) serves it
    )
    served_on = models.DateField("服务日期")
    hours = models.DecimalField(
        "服务时长（小时）",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    note = models.CharField("说明", max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    confirmed_at = models.DateTimeField("确认时间")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "服务时长"
        verbose_name_plural = "服务时长"
        constraints = [
            models.UniqueConstraint(
                fields=["signup", "served_on"], name="service_record_once_a_day"
            )
        ]
        indexes = [
            models.Index(fields=["member", "served_on"]),
            models.Index(fields=["community", "served_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.served_on} {self.hours}h"

    @property
    def stands(self) -> bool:
        return self.revoked_at is None


class Rating(models.TextChoices):
    EXCELLENT = "EXCELLENT", "优秀"
    GOOD = "GOOD", "良好"
    FAIR = "FAIR", "一般"
    POOR = "POOR", "较差"


class Feedback(models.Model):
    """The community's half-yearly word (半年反馈) on one reported member, for the member's
    own branch. `half` is YYYYH: 20261 the first half of 2026, 20262 the second."""

    report = models.ForeignKey(
        CommunityReport,
        on_delete=models.PROTECT,
        related_name="feedback",
        verbose_name="报到",
        db_index=False,  # the index unique (report, half) serves it
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="党员"
    )
    # the member's branch when written: the one the feedback goes back to
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="所在党组织",
        db_index=False,  # the index (organization, half) serves it
    )
    half = models.PositiveIntegerField("半年度")
    activities = models.PositiveSmallIntegerField("参加活动次数")
    hours = models.DecimalField("服务时长（小时）", max_digits=6, decimal_places=1)
    rating = models.CharField("评价", max_length=10, choices=Rating.choices)
    comment = models.CharField("社区意见", max_length=300, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="填写人",
    )
    written_at = models.DateTimeField("填写时间")
    read_at = models.DateTimeField("支部阅知时间", null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="阅知人",
    )

    class Meta:
        verbose_name = "社区反馈"
        verbose_name_plural = "社区反馈"
        constraints = [
            models.UniqueConstraint(fields=["report", "half"], name="feedback_once_a_half")
        ]
        indexes = [models.Index(fields=["organization", "half"])]

    def __str__(self) -> str:
        return f"{self.member_id} {self.half}"

    @property
    def half_label(self) -> str:
        return f"{self.half // 10}年{'上' if self.half % 10 == 1 else '下'}半年"


class ReportingRule(models.Model):
    """报到要求 as data: at least `min_activities_per_quarter` activities a quarter and
    `yearly_hours` hours a year, for the members reporting to communities in `province`
    (blank: the national rule), from `valid_from_year` on. The newest row in force wins; the
    province's before the nation's; none: rules.DEFAULT."""

    province = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="省份（空为全国）",
        db_constraint=False,
    )
    valid_from_year = models.PositiveSmallIntegerField("起用年度")
    min_activities_per_quarter = models.PositiveSmallIntegerField("每季度至少参加活动次数")
    yearly_hours = models.DecimalField("年度服务时长目标（小时）", max_digits=5, decimal_places=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="设定人",
    )
    created_at = models.DateTimeField("设定时间")

    class Meta:
        verbose_name = "报到要求"
        verbose_name_plural = "报到要求"
        constraints = [
            models.UniqueConstraint(
                fields=["province", "valid_from_year"], name="reporting_rule_once"
            ),
            models.UniqueConstraint(
                fields=["valid_from_year"],
                condition=Q(province__isnull=True),
                name="reporting_rule_one_national",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province_id or '全国'} {self.valid_from_year}"
