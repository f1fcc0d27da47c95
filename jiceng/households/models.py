"""Household contacts (党员联系户): the households of a grid, the members linked to them, and
the visits they log.

A resident's name and phone number are personal data: stored sealed (SM4-GCM, core.crypto),
with the masked form beside them for every list; only households.queries.reveal_resident
unseals them, for the household's own contacts and its grid's workers, and audits each look.
Only households.services writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Way(models.TextChoices):
    """How a visit was made (走访方式)."""

    IN_PERSON = "IN_PERSON", "入户"
    PHONE = "PHONE", "电话"
    WECHAT = "WECHAT", "微信"
    OTHER = "OTHER", "其他"


class ContactRule(models.Model):
    """The contact rule of a division and everything inside it (the most specific one holds):
    whether a household may have only one contact member in its grid."""

    division = models.OneToOneField(
        "divisions.Division",
        verbose_name="适用区划",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    one_contact_per_household = models.BooleanField("每户只能有一名联系党员", default=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "联系户规则"
        verbose_name_plural = "联系户规则"

    def __str__(self) -> str:
        return f"{self.division_id} 每户{'一名' if self.one_contact_per_household else '可多名'}"


class Household(models.Model):
    """A household (住户) of a grid. `last_visited_on` is the latest visit's date, kept by
    services.log_visit, so the overdue lists are one index range per grid."""

    grid = models.ForeignKey(
        "grid.Grid", verbose_name="网格", on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField("住址（门牌）", max_length=200)
    resident_name_sealed = models.BinaryField("户主姓名（密文）")
    resident_name_masked = models.CharField("户主", max_length=50)
    phone_sealed = models.BinaryField("联系电话（密文）", null=True, blank=True)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    note = models.CharField("情况说明", max_length=200, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    last_visited_on = models.DateField("最近走访", null=True, blank=True)
    is_active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["grid", "address"]
        verbose_name = "联系户"
        verbose_name_plural = "联系户"
        indexes = [
            models.Index(fields=["grid", "last_visited_on"], name="household_grid_visited"),
        ]

    def __str__(self) -> str:
        return self.address


class HouseholdContact(models.Model):
    """A member's link to a household (联系户): open while `ended_on` is empty."""

    household = models.ForeignKey(
        Household, verbose_name="联系户", on_delete=models.PROTECT, related_name="contacts"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="联系党员",
        on_delete=models.PROTECT,
        related_name="household_contacts",
    )
    started_on = models.DateField("联系开始")
    ended_on = models.DateField("联系结束", null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="分配人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["household", "started_on"]
        verbose_name = "联系关系"
        verbose_name_plural = "联系关系"
        constraints = [
            models.UniqueConstraint(
                fields=["household", "member"],
                condition=models.Q(ended_on__isnull=True),
                name="household_contact_open_unique",
            ),
        ]
        indexes = [models.Index(fields=["member", "ended_on"], name="household_contact_member")]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.household_id}"


class Visit(models.Model):
    """A visit to a household (走访): when, how, what was found; a finding may become a case
    of 接诉即办 (services.open_case), linked here."""

    household = models.ForeignKey(
        Household, verbose_name="联系户", on_delete=models.PROTECT, related_name="visits"
    )
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="走访人",
        on_delete=models.PROTECT,
        related_name="household_visits",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="联系党员",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    visited_on = models.DateField("走访日期")
    way = models.CharField("走访方式", max_length=12, choices=Way.choices)
    finding = models.CharField("发现的情况", max_length=1000, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name="转办工单",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="household_visit",
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        indexes = [models.Index(fields=["household", "-visited_on"], name="visit_household_date")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"
