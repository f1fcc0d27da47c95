"""Every write of cooperatives and village collective income; each refusal in Chinese, beside
its field, with nothing written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.conf import settings
from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import clock, crypto, masking
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.orgs.models import Organization, Sector

from .models import (
    Cooperative,
    CooperativeMember,
    CooperativeYear,
    VillageIncome,
    WeakLine,
    WeakVillage,
)

HEAD_FIELD = "cooperative_head"
MAX_MEMBER_SHARE = Fraction(1, 5)  # no member above 20% of the shares
MAX_MONEY = Decimal("1000000000000")


def parse_amount(text: str, field: str, *, negative: bool = False) -> Decimal:
    """An amount in yuan (or mu, days) as typed: digits, at most two decimals."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput("数字格式不正确", fields={field: "请填写数字，如 125000.00"}) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or abs(value) >= MAX_MONEY:
        raise InvalidInput("数字格式不正确", fields={field: "最多两位小数"})
    if value < 0 and not negative:
        raise InvalidInput("数字不能为负", fields={field: "不能为负数"})
    return value


def _check_year(year: int, field: str = "year", earliest: int = 1978) -> None:
    if not earliest <= year <= clock.today().year:
        raise InvalidInput("年度有误", fields={field: f"年度应在 {earliest} 年到今年之间"})


@transaction.atomic
def register_cooperative(
    *,
    village: Organization,
    name: str,
    registered_on: dt.date,
    business: str,
    collective_shares: Decimal,
    by: User | None,
) -> Cooperative:
    """党组织领办合作社: registered by the village organization for the collective."""
    fields: dict[str, str] = {}
    name, business = name.strip(), business.strip()
    if village.sector != Sector.VILLAGE:
        raise InvalidInput("只有村党组织可以领办合作社")
    if not name:
        fields["name"] = "请填写合作社名称"
    elif Cooperative.objects.filter(village=village, name=name).exists():
        fields["name"] = "本村已登记同名合作社"
    if not business:
        fields["business"] = "请填写主营业务"
    if registered_on > clock.today():
        fields["registered_on"] = "登记日期不能晚于今天"
    if collective_shares <= 0:
        fields["collective_shares"] = "村集体应持有股份"
    if fields:
        raise InvalidInput("合作社信息有误", fields=fields)
    return Cooperative.objects.create(
        village=village,
        name=name[:100],
        registered_on=registered_on,
        business=business[:200],
        collective_shares=collective_shares,
        created_by=by,
    )


@transaction.atomic
def add_member(
    *,
    cooperative: Cooperative,
    head: str,
    land_mu: Decimal,
    cash: Decimal,
    labour_days: Decimal,
    shares: Decimal,
    by: User | None,
) -> CooperativeMember:
    """A household joins with land, cash or labour; no member may hold above 20% of all
    shares (the collective's included)."""
    Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()
    fields: dict[str, str] = {}
    head = head.strip()
    if not head:
        fields["head"] = "请填写户主姓名"
    if not (land_mu or cash or labour_days):
        fields["land_mu"] = "请填写土地、资金或劳务中至少一项"
    if shares <= 0:
        fields["shares"] = "折股应大于 0"
    if fields:
        raise InvalidInput("入社信息有误", fields=fields)
    held = sum(cooperative.members.values_list("shares", flat=True), Decimal(0))
    total = held + cooperative.collective_shares + shares
    if Fraction(shares) / Fraction(total) > MAX_MEMBER_SHARE:
        raise InvalidInput(
            "单个社员持股不得超过总股本的 20%",
            fields={"shares": f"加入后总股本 {total} 股，该户最多 {total / 5:.2f} 股"},
        )
    return CooperativeMember.objects.create(
        cooperative=cooperative,
        head_sealed=crypto.seal(head, field=HEAD_FIELD),
        head_masked=masking.mask_name(head),
        land_mu=land_mu,
        cash=cash,
        labour_days=labour_days,
        shares=shares,
    )


@transaction.atomic
def record_year(
    *,
    cooperative: Cooperative,
    year: int,
    income: Decimal,
    profit: Decimal,
    reserve: Decimal,
    collective_share: Decimal,
    dividends_paid: Decimal,
    by: User | None,
) -> CooperativeYear:
    """A year's accounts: what is taken from the surplus (reserve, the collective's share and
    the members' dividends) cannot exceed it."""
    _check_year(year, earliest=cooperative.registered_on.year)
    if CooperativeYear.objects.filter(cooperative=cooperative, year=year).exists():
        raise Conflict(f"{year}年度已录入")
    if reserve + collective_share + dividends_paid > max(profit, Decimal(0)):
        raise InvalidInput(
            "分配超过当年盈余",
            fields={"dividends_paid": "公积公益金、村集体分红和社员分红之和不能超过盈余"},
        )
    return CooperativeYear.objects.create(
        cooperative=cooperative,
        year=year,
        income=income,
        profit=profit,
        reserve=reserve,
        collective_share=collective_share,
        dividends_paid=dividends_paid,
    )


@dataclass(frozen=True)
class Line:
    total_below: Decimal
    operating_below: Decimal


def line_for(division_id: str | None) -> Line:
    """The weak-collective line of the deepest division above `division_id` that sets one,
    else the settings' (JICENG_WEAK_COLLECTIVE_TOTAL, JICENG_WEAK_COLLECTIVE_OPERATING)."""
    code = division_id or ""
    prefixes = [code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)] if code else []
    found = WeakLine.objects.filter(division_id__in=prefixes).order_by("-division_id").first()
    if found is not None:
        return Line(found.total_below, found.operating_below)
    return Line(
        Decimal(settings.JICENG_WEAK_COLLECTIVE_TOTAL),
        Decimal(settings.JICENG_WEAK_COLLECTIVE_OPERATING),
    )


def is_weak(total: Decimal, operating: Decimal, line: Line) -> bool:
    """Under either line (total or operating income)."""
    return total < line.total_below or operating < line.operating_below


@transaction.atomic
def record_village_income(
    *, village: Organization, year: int, total: Decimal, operating: Decimal, by: User | None
) -> VillageIncome:
    """村集体经济收入 of a year, then the village's weak-economy record rebuilt."""
    if village.sector != Sector.VILLAGE:
        raise InvalidInput("只有村党组织录入村集体经济收入")
    _check_year(year)
    if operating > total:
        raise InvalidInput("经营性收入有误", fields={"operating": "经营性收入不能超过总收入"})
    if VillageIncome.objects.filter(village=village, year=year).exists():
        raise Conflict(f"{year}年度的村集体经济收入已录入")
    income = VillageIncome.objects.create(
        village=village, year=year, total=total, operating=operating, recorded_by=by
    )
    track_village(village)
    return income


def track_village(village: Organization) -> None:
    """The village's WeakVillage rows rebuilt from its incomes in year order: a row opens the
    first year under the line, and closes the first year above it. Idempotent."""
    line = line_for(village.division_id)
    WeakVillage.objects.filter(village=village).delete()
    open_row: WeakVillage | None = None
    for year, total, operating in (
        VillageIncome.objects.filter(village=village)
        .order_by("year")
        .values_list("year", "total", "operating")
    ):
        weak = is_weak(total, operating, line)
        if weak and open_row is None:
            open_row = WeakVillage.objects.create(
                village=village, path=village.path, first_year=year
            )
        elif not weak and open_row is not None:
            WeakVillage.objects.filter(pk=open_row.pk).update(cleared_year=year)
            open_row = None
