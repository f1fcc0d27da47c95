"""Cooperatives led by village party organizations (党组织领办合作社) and the village
collective's income (村集体经济收入).

A `Cooperative` belongs to a village organization; its `CooperativeMember` rows are the
households that joined, with what they put in (land, cash, labour) and their shares; the
collective holds shares of its own (`collective_shares`). A `CooperativeYear` is a year's
income, profit, reserve, the collective's share and the dividends paid to members.

`VillageIncome` is the collective's income of a year. A village whose income is under the line
(`WeakLine` rows for a province or city, else the JICENG_WEAK_COLLECTIVE_* settings) is a weak
collective economy (集体经济薄弱村): a `WeakVillage` row is opened the first year it is under
and closed the first year it rises above, so the department follows it until then."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from jiceng.core import clock


class Cooperative(models.Model):
    village = models.ForeignKey(
        "orgs.Organization",
        verbose_name="领办党组织",
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("合作社名称", max_length=100)
    registered_on = models.DateField("登记日期")
    business = models.CharField("主营业务", max_length=200)
    collective_shares = models.DecimalField("村集体股份（股）", max_digits=12, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "党组织领办合作社"
        verbose_name_plural = "党组织领办合作社"
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="cooperative_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class CooperativeMember(models.Model):
    """A household that joined (入社农户): the head's name sealed, masked on every page."""

    cooperative = models.ForeignKey(
        Cooperative, verbose_name="合作社", on_delete=models.CASCADE, related_name="members"
    )
    head_sealed = models.BinaryField("户主姓名（密文）")
    head_masked = models.CharField("户主", max_length=50)
    land_mu = models.DecimalField("土地入股（亩）", max_digits=10, decimal_places=2, default=0)
    cash = models.DecimalField("资金入股（元）", default=0, max_digits=14, decimal_places=2)
    labour_days = models.DecimalField(
        "劳务入股（工日）", max_digits=10, decimal_places=1, default=0
    )
    shares = models.DecimalField("折股（股）", max_digits=12, decimal_places=2)
    joined_on = models.DateField("入社日期", default=clock.today)

    class Meta:
        verbose_name = "入社农户"
        verbose_name_plural = "入社农户"

    def __str__(self) -> str:
        return self.head_masked


class CooperativeYear(models.Model):
    cooperative = models.ForeignKey(
        Cooperative, verbose_name="合作社", on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField("年度")
    income = models.DecimalField("经营收入（元）", max_digits=14, decimal_places=2)
    profit = models.DecimalField("盈余（元）", max_digits=14, decimal_places=2)
    reserve = models.DecimalField(
        "提取公积公益金（元）", default=0, max_digits=14, decimal_places=2
    )
    collective_share = models.DecimalField(
        "村集体分红（元）", default=0, max_digits=14, decimal_places=2
    )
    dividends_paid = models.DecimalField(
        "社员分红（元）", default=0, max_digits=14, decimal_places=2
    )

    class Meta:
        verbose_name = "合作社年度经营"
        verbose_name_plural = "合作社年度经营"
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "year"], name="cooperative_year_once")
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} {self.year}"


class VillageIncome(models.Model):
    """村集体经济收入 of one year."""

    village = models.ForeignKey(
        "orgs.Organization", verbose_name="村党组织", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    total = models.DecimalField("集体经济总收入（元）", max_digits=14, decimal_places=2)
    operating = models.DecimalField("其中经营性收入（元）", max_digits=14, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField("录入时间", default=clock.now)

    class Meta:
        verbose_name = "村集体经济收入"
        verbose_name_plural = "村集体经济收入"
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="village_income_once")
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year}"


class WeakLine(models.Model):
    """A province's or city's line of a weak collective economy; the deepest division wins."""

    division = models.OneToOneField(
        "divisions.Division",
        verbose_name="适用地区",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    total_below = models.DecimalField("总收入低于（元）", max_digits=14, decimal_places=2)
    operating_below = models.DecimalField("经营性收入低于（元）", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "集体经济薄弱村标准"
        verbose_name_plural = "集体经济薄弱村标准"

    def __str__(self) -> str:
        return f"{self.division_id}: {self.total_below}/{self.operating_below}"


class WeakVillage(models.Model):
    """A village under the line from `first_year`, until `cleared_year` (the first year
    above it); rebuilt from the incomes by services.track_village."""

    village = models.ForeignKey(
        "orgs.Organization", verbose_name="村党组织", on_delete=models.CASCADE, related_name="+"
    )
    path = models.CharField("路径", max_length=255)  # the village organization's, for subtrees
    first_year = models.PositiveSmallIntegerField("列为薄弱村年度")
    cleared_year = models.PositiveSmallIntegerField("摘帽年度", null=True, blank=True)

    class Meta:
        verbose_name = "集体经济薄弱村"
        verbose_name_plural = "集体经济薄弱村"
        constraints = [
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(cleared_year__isnull=True),
                name="weak_village_open_once",
            )
        ]
        indexes = [models.Index(fields=["path"], name="weak_village_path")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.first_year}-{self.cleared_year or ''}"
