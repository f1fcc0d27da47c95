"""党建+积分: an append-only ledger of points per member, and its rules as data.

Entries are never edited or removed: a correction (an attendance struck off, an award taken
back) is a reversing entry. The unique key (source kind, source id, member, reversal) makes the
same event earn at most once and be reversed at most once, so every posting may run twice.

Only points.posting (the sources), points.awards and points.rules_admin write these rows."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class SourceKind(models.TextChoices):
    # an online attendance counts as the meeting's attendance; nothing earns for time online
    ATTENDANCE = "ATTENDANCE", "参加组织生活"
    CASE = "CASE", "办结群众诉求"
    AWARD = "AWARD", "表彰奖励"
    # 双报到: hours a community confirmed (reporting.ServiceRecord); its rule's points are
    # per hour served
    SERVICE_HOURS = "SERVICE_HOURS", "社区确认的服务时长"
    # 党员突击队: a shift's hours confirmed by its site lead or by the member's check-out
    # (taskforces.Assignment), posted once the shift's correction window has closed
    TASKFORCE_HOURS = "TASKFORCE_HOURS", "突击队服务时长"


class CapPeriod(models.TextChoices):
    MONTH = "MONTH", "每月"
    YEAR = "YEAR", "每年"


class PointsRule(models.Model):
    """How many points a kind of event earns from `valid_from` on, within a subtree.

    A row without an organization is the national rule; for each event the rule of the nearest
    ancestor in force on the event's day wins (points.rules). `cap` limits how many events of
    the kind earn in a period (组织生活 at most 24 a year); `exempt_*` leave members out of the
    points altogether (免于积分: no entries, not in the distribution). Points count per calendar
    year (the yearly reset): a member's points are the sum of the year's entries."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="points_rules",
        verbose_name="适用党组织（空为全国默认）",
    )
    kind = models.CharField("积分来源", max_length=16, choices=SourceKind.choices)
    valid_from = models.DateField("起用日期")
    points = models.PositiveSmallIntegerField("每次积分（表彰为单次上限）")
    cap = models.PositiveSmallIntegerField("每周期计分次数上限（空为不限）", null=True, blank=True)
    cap_period = models.CharField(
        "上限周期", max_length=6, choices=CapPeriod.choices, default=CapPeriod.YEAR
    )
    exempt_retired = models.BooleanField("离退休党员免于积分", default=False)
    exempt_lost_contact = models.BooleanField("失联党员免于积分", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="设定人",
    )
    created_at = models.DateTimeField("设定时间", auto_now_add=True)

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "valid_from"], name="points_rule_once"
            ),
            models.UniqueConstraint(
                fields=["kind", "valid_from"],
                condition=models.Q(organization__isnull=True),
                name="points_rule_one_national",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points}分（{self.valid_from}起）"


def evidence_path(award: Award, filename: str) -> str:
    return f"points/evidence/{award.awarded_at:%Y/%m}/{filename}"


class Award(models.Model):
    """A manual award (表彰奖励) with its evidence (a document or an image) and its approver;
    its ledger entry names it as the source."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="党员"
    )
    points = models.PositiveSmallIntegerField("积分")
    reason = models.CharField("事由", max_length=200)
    evidence = models.FileField("证明材料", upload_to=evidence_path, max_length=200)
    evidence_type = models.CharField("材料类型", max_length=80)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="审批人",
    )
    awarded_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "表彰奖励"
        verbose_name_plural = "表彰奖励"

    def __str__(self) -> str:
        return self.reason


class PointsEntryQuerySet(models.QuerySet["PointsEntry"]):
    """Entries are added, never changed or removed: the ORM paths that would are refused."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("积分记录只增不改：更正请记一条冲正记录")

    def delete(self) -> NoReturn:
        raise TypeError("积分记录只增不删：更正请记一条冲正记录")


class PointsEntry(models.Model):
    """One line of the ledger. `year` is the yearly reset's key and `month` (YYYYMM) the
    posting's; on PostgreSQL the table can be range-partitioned by month."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="党员",
        db_index=False,  # the index (member, year) serves it
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="记分时所在党组织",
        db_index=False,  # the index (organization, year) serves it
    )
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveIntegerField("月份")
    occurred_at = models.DateTimeField("发生时间")
    source_kind = models.CharField("来源", max_length=16, choices=SourceKind.choices)
    source_id = models.BigIntegerField("来源编号")
    is_reversal = models.BooleanField("冲正", default=False)
    points = models.SmallIntegerField("积分")
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记录人",
    )
    created_at = models.DateTimeField("记录时间")

    objects = PointsEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id", "member", "is_reversal"],
                name="points_entry_once",
            )
        ]
        indexes = [
            models.Index(fields=["member", "year"]),
            models.Index(fields=["organization", "year"]),
            models.Index(fields=["month", "source_kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.points:+d} {self.source_kind}:{self.source_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("积分记录只增不改：更正请记一条冲正记录")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("积分记录只增不删：更正请记一条冲正记录")
