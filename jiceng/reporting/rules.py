"""报到要求 (the reporting rules) and the calendar arithmetic of reporting, pure: which rule
holds for a community in a year, the quarters and half years, and what a member's record
lacks against the rule. The rows are `ReportingRule`; `load_rules` is the only read here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .models import ReportingRule


@dataclass(frozen=True)
class Rule:
    min_activities_per_quarter: int
    yearly_hours: Decimal
    province: str | None = None  # the province's code, None for the nation
    valid_from_year: int = 2000


# Without any row: at least one activity a quarter and 12 hours a year (the common local
# practice: "每季度至少参加一次社区活动", "每年服务不少于12小时").
DEFAULT = Rule(1, Decimal(12))


def shown(hours: Decimal) -> str:
    """Hours as written: 6, 2.5 (never 6.0 or 1E+1)."""
    return f"{hours.normalize():f}"


def province_of(community_code: str) -> str:
    return community_code[:2] + "0" * 10


def load_rules() -> list[Rule]:
    return [
        Rule(n, Decimal(hours), province, year)
        for province, year, n, hours in ReportingRule.objects.values_list(
            "province_id", "valid_from_year", "min_activities_per_quarter", "yearly_hours"
        )
    ]


def rule_for(rules: Iterable[Rule], *, community_code: str, year: int) -> Rule:
    """The province's newest rule in force in `year`, else the nation's, else DEFAULT."""
    province = province_of(community_code)
    in_force = [r for r in rules if r.valid_from_year <= year]
    for wanted in (province, None):
        found = [r for r in in_force if r.province == wanted]
        if found:
            return max(found, key=lambda r: r.valid_from_year)
    return DEFAULT


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> dt.date:
    return dt.date(year, 3 * quarter - 2, 1)


def half_of(day: dt.date) -> int:
    """YYYYH: 20261 for January to June 2026, 20262 for July to December."""
    return day.year * 10 + (1 if day.month <= 6 else 2)


def half_range(half: int) -> tuple[dt.date, dt.date]:
    """The first day of the half year and the first day after it."""
    year, part = divmod(half, 10)
    if part == 1:
        return dt.date(year, 1, 1), dt.date(year, 7, 1)
    return dt.date(year, 7, 1), dt.date(year + 1, 1, 1)


def previous_half(half: int) -> int:
    year, part = divmod(half, 10)
    return half - 1 if part == 2 else (year - 1) * 10 + 2


def half_label(half: int) -> str:
    return f"{half // 10}年{'上' if half % 10 == 1 else '下'}半年"


@dataclass(frozen=True)
class Shortfall:
    """What one member's year lacks against the rule, in words for the branch."""

    quarters_short: tuple[int, ...]
    hours: Decimal
    hours_due: Decimal

    @property
    def is_short(self) -> bool:
        return bool(self.quarters_short) or self.hours < self.hours_due

    def reasons(self, rule: Rule) -> list[str]:
        found = [
            f"第{q}季度参加活动少于{rule.min_activities_per_quarter}次" for q in self.quarters_short
        ]
        if self.hours < self.hours_due:
            found.append(
                f"本年服务{shown(self.hours)}小时，按年度目标{shown(rule.yearly_hours)}小时"
                f"到目前应达{shown(self.hours_due)}小时"
            )
        return found


def shortfall(
    rule: Rule,
    *,
    today: dt.date,
    reported_on: dt.date,
    activity_days: Sequence[dt.date],
    hours: Decimal,
) -> Shortfall:
    """The quarters of `today`'s year that ended after the member reported with fewer
    activities than the rule asks, and the hours due by now: the yearly target times the
    share of the year's quarters that ended and that the member was reported for from their
    first day (a member who reported in May owes nothing for the first two quarters)."""
    year = today.year
    counted = [
        q
        for q in range(1, 5)
        if quarter_start(year, q) >= reported_on and _quarter_end(year, q) <= today
    ]
    per_quarter = dict.fromkeys(counted, 0)
    for day in activity_days:
        if day.year == year and quarter_of(day) in per_quarter:
            per_quarter[quarter_of(day)] += 1
    short = tuple(q for q, n in per_quarter.items() if n < rule.min_activities_per_quarter)
    due = (rule.yearly_hours * len(counted) / 4).quantize(Decimal("0.1"))
    return Shortfall(short, hours, due)


def _quarter_end(year: int, quarter: int) -> dt.date:
    return quarter_start(year + 1, 1) if quarter == 4 else quarter_start(year, quarter + 1)
