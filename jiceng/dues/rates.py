"""The dues arithmetic (2008 rules), pure: no database. dues.billing writes the same table as
SQL for the bulk path; a test holds the two to the same answers.

Amounts are fen (分). A percentage applies to the whole base, not by brackets: a base of
3,001 yuan pays 1% of 3,001 (30.01 yuan), not 0.5% of 3,000 plus 1% of 1. The amount is
rounded half up to the fen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from jiceng.members.models import Category

SUBSISTENCE = "SUBSISTENCE"  # as dues.models.SUBSISTENCE (models imports Django's ORM)
# A monthly base above this (1,000,000 yuan) is a typing error, not a salary.
MAX_BASE = 1_000_000 * 100
PERCENT_CATEGORIES = frozenset({Category.EMPLOYED.value, Category.RETIRED.value})


@dataclass(frozen=True)
class RateRow:
    """One row of the table as dues.models.Rate stores it."""

    year: int
    category: str
    up_to: int | None = None
    permyriad: int = 0
    fixed: int | None = None
    fixed_min: int | None = None
    fixed_max: int | None = None


def yuan(amount: int) -> str:
    """Fen as yuan, as pages and receipts write it: 1500 → "15.00"."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def wan(amount: int) -> str:
    """Fen as 万元 with separators, for totals of a subtree: 278808631 → "278.81"."""
    return f"{amount / 1_000_000:,.2f}"


def fen_of(text: str) -> int:
    """Yuan as typed ("3500", "3,500.5", "3500.50元") → fen; ValueError for anything else,
    more than two decimals included."""
    cleaned = text.strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    whole, dot, part = cleaned.partition(".")
    negative = whole.startswith("-")
    whole = whole.removeprefix("-")
    if not whole.isdigit() or (dot and (not part.isdigit() or len(part) > 2)):
        raise ValueError(text)
    fen = int(whole) * 100 + (int(part.ljust(2, "0")) if part else 0)
    return -fen if negative else fen


def check_base(base: int) -> None:
    """Refuses a base no salary has, naming the rule."""
    if base < 0:
        raise ValueError("党费计算基数不能为负数：基数是按月计算的税后工资收入")
    if base > MAX_BASE:
        raise ValueError(
            f"党费计算基数每月超过{MAX_BASE // 100:,}元，应是录入错误：基数按月计，单位为元"
        )


def table_in_force(rows: Iterable[RateRow], year: int) -> list[RateRow]:
    """The rows of the latest table whose year is `year` or earlier."""
    listed = list(rows)
    years = [r.year for r in listed if r.year <= year]
    if not years:
        return []
    latest = max(years)
    return [r for r in listed if r.year == latest]


def rows_of(table: Iterable[RateRow], category: str) -> list[RateRow]:
    """A category's rows, the brackets in rising order (the open one last)."""
    found = [r for r in table if r.category == category]
    return sorted(found, key=lambda r: (r.up_to is None, r.up_to or 0))


def percent_of(base: int, permyriad: int) -> int:
    """base × permyriad / 10,000, rounded half up (integers only)."""
    return (base * permyriad + 5_000) // 10_000


def monthly_amount(
    table: Iterable[RateRow], *, category: str, base: int | None, fixed_amount: int | None = None
) -> int:
    """The month's dues of a member of `category` with this monthly base (fen) under `table`
    (the rows in force: table_in_force). ValueError, in Chinese, when the inputs do not fit
    the table: a percentage category without a base, a farmer's sum outside the range."""
    rows = rows_of(table, category)
    if not rows:
        raise ValueError("该年度的党费收缴标准中没有这一人员类别")
    if rows[0].fixed is not None or rows[0].fixed_min is not None:
        row = rows[0]
        if fixed_amount is None:
            return row.fixed if row.fixed is not None else (row.fixed_min or 0)
        low, high = row.fixed_min, row.fixed_max
        if low is None or high is None:
            if fixed_amount != row.fixed:
                raise ValueError(f"该类别党费为每月{yuan(row.fixed or 0)}元定额")
            return fixed_amount
        if not low <= fixed_amount <= high:
            raise ValueError(f"该类别党费每月{yuan(low)}元至{yuan(high)}元，由本人选定")
        return fixed_amount
    if base is None:
        raise ValueError("请填写月基数（税后工资收入）")
    check_base(base)
    for row in rows:
        if row.up_to is None or base <= row.up_to:
            return percent_of(base, row.permyriad)
    raise ValueError("该年度的党费收缴标准缺少最高一档")


def uses_base(table: Iterable[RateRow], category: str) -> bool:
    """Whether the category's dues are a percentage of a base (employed, retired)."""
    rows = rows_of(table, category)
    return bool(rows) and rows[0].fixed is None and rows[0].fixed_min is None


# -- months ---------------------------------------------------------------------------------


def month_of(day: dt.date) -> int:
    """YYYYMM of a date."""
    return day.year * 100 + day.month


def month_start(month: int) -> dt.date:
    return dt.date(month // 100, month % 100, 1)


def month_end(month: int) -> dt.date:
    return month_start(add_months(month, 1)) - dt.timedelta(days=1)


def add_months(month: int, count: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + count
    return (index // 12) * 100 + index % 12 + 1


def parse_month(text: str) -> int:
    """'2025-03' → 202503; ValueError otherwise."""
    year, _, mon = text.strip().partition("-")
    if len(year) != 4 or not year.isdigit() or not mon.isdigit() or not 1 <= int(mon) <= 12:
        raise ValueError(text)
    return int(year) * 100 + int(mon)


def format_month(month: int) -> str:
    return f"{month // 100}-{month % 100:02d}"


def month_label(month: int) -> str:
    return f"{month // 100}年{month % 100}月"


# -- arrears --------------------------------------------------------------------------------

ARREARS_MONTHS = 3  # unpaid months that show as arrears (欠缴)
LEAVING_MONTHS = 6  # without a valid reason: flagged for the 自行脱党 procedure


def standing(unpaid_months: int, *, has_reason: bool) -> str:
    """ "" (in order), "ARREARS", or "LEAVING" (flagged, never removed by the platform)."""
    if unpaid_months >= LEAVING_MONTHS and not has_reason:
        return "LEAVING"
    if unpaid_months >= ARREARS_MONTHS:
        return "ARREARS"
    return ""


# The national table of 2008 (中组部《关于中国共产党党费收缴、使用和管理的规定》), as the data
# migration seeds it.
TABLE_2008 = (
    RateRow(2008, Category.EMPLOYED.value, up_to=300_000, permyriad=50),
    RateRow(2008, Category.EMPLOYED.value, up_to=500_000, permyriad=100),
    RateRow(2008, Category.EMPLOYED.value, up_to=1_000_000, permyriad=150),
    RateRow(2008, Category.EMPLOYED.value, up_to=None, permyriad=200),
    RateRow(2008, Category.RETIRED.value, up_to=500_000, permyriad=50),
    RateRow(2008, Category.RETIRED.value, up_to=None, permyriad=100),
    RateRow(2008, Category.FARMER.value, fixed=50, fixed_min=20, fixed_max=100),
    RateRow(2008, Category.STUDENT.value, fixed=20),
    RateRow(2008, Category.UNEMPLOYED.value, fixed=20),
    RateRow(2008, SUBSISTENCE, fixed=20),
)
