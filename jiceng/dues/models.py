"""党费 (party dues), 2008 rules: the rate table by year, each member's yearly base, monthly
bills, payments with receipts, remittance upward, and the per-branch monthly totals.

Every amount is in fen (分), an integer: 0.5% of 3,000 yuan is 1,500 fen, never 15.0."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from jiceng.core import clock
from jiceng.members.models import Category

# Members on subsistence allowance (享受低保) pay the students' fixed sum whatever their
# category: a rate key beside members.models.Category, set on the member's base of the year.
SUBSISTENCE = "SUBSISTENCE"
RATE_CATEGORIES = [*Category.choices, (SUBSISTENCE, "享受低保人员")]


class Rate(models.Model):
    """One row of the rate table (党费收缴标准) in force from `year` until a later year's table:
    either a percentage of the whole base up to `up_to` (the lowest `up_to` that holds the
    base wins; a blank `up_to` is "above"), or a fixed monthly sum within [fixed_min,
    fixed_max] (farmers choose theirs; the others pay `fixed`)."""

    year = models.PositiveSmallIntegerField("执行年度")
    category = models.CharField("人员类别", max_length=20, choices=RATE_CATEGORIES)
    up_to = models.PositiveBigIntegerField("基数上限（分，含）", null=True, blank=True)
    permyriad = models.PositiveIntegerField("比例（万分之）", default=0)
    fixed = models.PositiveIntegerField("定额（分/月）", null=True, blank=True)
    fixed_min = models.PositiveIntegerField("定额下限（分）", null=True, blank=True)
    fixed_max = models.PositiveIntegerField("定额上限（分）", null=True, blank=True)

    class Meta:
        verbose_name = "党费收缴标准"
        verbose_name_plural = "党费收缴标准"
        ordering = ["year", "category", "up_to"]

    def __str__(self) -> str:
        return f"{self.year} {self.category} ≤{self.up_to}: {self.permyriad}‱ / {self.fixed}"


class DuesBase(models.Model):
    """A member's monthly base (党费计算基数) for one year, and the monthly amount it gives.
    The amount is worked out by dues.rates when the base is set; a hardship reduction or
    exemption (困难减免), approved with its reason, replaces it."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="dues_bases",
        verbose_name="党员",
        db_index=False,  # the index unique (member, year) serves it
    )
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("缴纳类别", max_length=20, choices=RATE_CATEGORIES)
    base = models.PositiveBigIntegerField("月基数（分）", null=True, blank=True)
    fixed_amount = models.PositiveIntegerField("自选定额（分）", null=True, blank=True)
    standard_amount = models.PositiveIntegerField("按标准月缴（分）")
    reduced_amount = models.PositiveIntegerField("减免后月缴（分）", null=True, blank=True)
    reduction_reason = models.CharField("减免原因", max_length=200, blank=True, default="")
    reduction_approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="减免批准人",
    )
    reduction_approved_on = models.DateField("减免批准日期", null=True, blank=True)
    set_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="录入人",
    )
    set_at = models.DateTimeField("录入时间", default=clock.now)

    class Meta:
        verbose_name = "党费基数"
        verbose_name_plural = "党费基数"
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="dues_base_member_year")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}: {self.monthly_amount}"

    @property
    def monthly_amount(self) -> int:
        return self.standard_amount if self.reduced_amount is None else self.reduced_amount


class PaymentMethod(models.TextChoices):
    CASH = "CASH", "现金交支部"
    TRANSFER = "TRANSFER", "转账"


class Payment(models.Model):
    """One payment (缴纳) of one or several months, recorded by the branch, with its receipt
    number: per organization and year, 1, 2, 3 ..."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="收缴党组织",
        db_index=False,  # the index unique (organization, receipt_year, receipt_number) serves it
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="dues_payments",
        verbose_name="党员",
        db_index=False,  # the index (member, paid_on) serves it
    )
    amount = models.PositiveBigIntegerField("金额（分）")
    method = models.CharField("方式", max_length=10, choices=PaymentMethod.choices)
    reference = models.CharField("转账凭证号", max_length=64, blank=True, default="")
    paid_on = models.DateField("缴纳日期")
    first_month = models.PositiveIntegerField("起始月份")
    last_month = models.PositiveIntegerField("截止月份")
    months = models.PositiveSmallIntegerField("月数")
    receipt_year = models.PositiveSmallIntegerField("收据年度")
    receipt_number = models.PositiveIntegerField("收据号")
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="经手人",
    )
    recorded_at = models.DateTimeField("录入时间", default=clock.now)

    class Meta:
        verbose_name = "党费缴纳"
        verbose_name_plural = "党费缴纳"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "receipt_year", "receipt_number"],
                name="dues_payment_receipt",
            )
        ]
        indexes = [models.Index(fields=["member", "paid_on"])]

    def __str__(self) -> str:
        return self.receipt_label

    @property
    def receipt_label(self) -> str:
        """The number printed on the receipt: 2026-0007."""
        return f"{self.receipt_year}-{self.receipt_number:04d}"


class Bill(models.Model):
    """What a member owes for one month (应缴), at the branch they belonged to that month.
    Paid when a payment covers it; written in bulk by dues.billing (raw SQL), one per member
    and month."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="dues_bills",
        verbose_name="党员",
        db_index=False,  # the unique (member, month) index leads with it
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="党组织",
        db_index=False,  # (month, organization) below
    )
    month = models.PositiveIntegerField("月份")  # YYYYMM
    amount = models.PositiveIntegerField("应缴（分）")
    payment = models.ForeignKey(
        Payment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bills",
        verbose_name="缴纳",
        db_index=False,  # a partial index below: the paid bills only
    )

    class Meta:
        verbose_name = "党费账单"
        verbose_name_plural = "党费账单"
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_bill_member_month")
        ]
        indexes = [
            models.Index(fields=["month", "organization"], name="dues_bill_month_org"),
            # What is owed: a few percent of the rows, read by every arrears question.
            models.Index(
                fields=["organization", "member", "month"],
                name="dues_bill_unpaid",
                condition=Q(payment__isnull=True, amount__gt=0),
            ),
            # A payment's bills. Partial, without the unpaid rows: a full index on payment_id
            # offers SQLite "payment_id IS NULL" as an equality, and it took it over the
            # subtree's own rows, reading every unpaid bill in the country for one branch.
            models.Index(
                fields=["payment"], name="dues_bill_payment", condition=Q(payment__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month}: {self.amount}"

    @property
    def is_paid(self) -> bool:
        return self.payment_id is not None or self.amount == 0


class MonthTotal(models.Model):
    """A branch's month (应缴/实缴): written from the bills when they are generated, then kept
    up by each payment with F(); rebuilt from the bills by dues.billing.refresh_totals. The
    department's view sums these over a subtree, never the bills."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="党组织",
        db_index=False,
    )
    month = models.PositiveIntegerField("月份")
    expected = models.PositiveBigIntegerField("应缴（分）", default=0)
    collected = models.PositiveBigIntegerField("实缴（分）", default=0)
    billed = models.PositiveIntegerField("应缴人数", default=0)
    paid = models.PositiveIntegerField("已缴人数", default=0)

    class Meta:
        verbose_name = "党费月度汇总"
        verbose_name_plural = "党费月度汇总"
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="dues_total_org_month")
        ]
        indexes = [models.Index(fields=["month", "organization"], name="dues_total_month_org")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month}: {self.collected}/{self.expected}"


class SubtreeTotal(models.Model):
    """An organization's month summed over its whole subtree (itself and everything below): the
    rollup of the branches' MonthTotal rows, so a department's panel and totals page read one
    row and its children's whatever the subtree holds (a national subtree has five million
    branches). Rebuilt by dues.billing.refresh_totals with the branches' rows (bottom-up, one
    grouped statement per depth), kept up by each payment on the ancestors with F(). A move of
    an organization moves its rows' sums from the old ancestors to the new ones in the move's
    transaction (billing.follow_move, on orgs.signals.organization_moved)."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="党组织",
        db_index=False,  # the unique (organization, month) index leads with it
    )
    month = models.PositiveIntegerField("月份")
    expected = models.PositiveBigIntegerField("应缴（分）", default=0)
    collected = models.PositiveBigIntegerField("实缴（分）", default=0)
    billed = models.PositiveIntegerField("应缴人数", default=0)
    paid = models.PositiveIntegerField("已缴人数", default=0)

    class Meta:
        verbose_name = "党费月度汇总（含下级）"
        verbose_name_plural = "党费月度汇总（含下级）"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "month"], name="dues_subtree_total_org_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month}: {self.collected}/{self.expected}"


class Remittance(models.Model):
    """上缴: what an organization passed up to the one above it for a month."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="上缴党组织"
    )
    to_organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="接收党组织"
    )
    month = models.PositiveIntegerField("月份")
    amount = models.PositiveBigIntegerField("金额（分）")
    reference = models.CharField("凭证号", max_length=64, blank=True, default="")
    remitted_on = models.DateField("上缴日期")
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="经手人",
    )
    recorded_at = models.DateTimeField("录入时间", default=clock.now)

    class Meta:
        verbose_name = "党费上缴"
        verbose_name_plural = "党费上缴"
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="dues_remittance_month")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month}: {self.amount}"


class ArrearsReason(models.Model):
    """A valid reason (正当理由) for not paying, recorded by the branch: a member with one is not
    flagged for the 自行脱党 procedure at six months (arrears still show)."""

    member = models.OneToOneField(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="dues_arrears_reason",
        verbose_name="党员",
    )
    reason = models.CharField("理由", max_length=200)
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="录入人",
    )
    recorded_at = models.DateTimeField("录入时间", default=clock.now)

    class Meta:
        verbose_name = "欠缴正当理由"
        verbose_name_plural = "欠缴正当理由"

    def __str__(self) -> str:
        return f"{self.member_id}: {self.reason}"
