"""The detection rules of weak organizations (软弱涣散) as data: each rule's national default
(its Chinese reason and parameters); a department sets its own for a subtree (DetectionRule
rows), the deepest row above an organization winning. Pure: no database."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from jiceng.orgs.models import Sector

from .models import RuleKind

# Cases of a village or community count only where the month gave this many to judge (a
# community with two rated cases is not judged by them).
CASES_MINIMUM = 5

# 长期未发展党员 is a trigger for village organizations (村党组织连续两年未发展党员): a small
# branch of an office, a school or a firm may rightly go two years without a development
# target, and flagging them all would put about half the branches of a district on the list.
NO_DEVELOPMENT_SECTORS = frozenset({Sector.VILLAGE})


@dataclass(frozen=True)
class Params:
    kind: RuleKind
    is_enabled: bool
    months: int
    threshold: int
    reason: str

    def text(self, detail: str = "") -> str:
        """The Chinese reason shown, with its parameters and the organization's detail."""
        said = _said(self.reason, self.months, self.threshold)
        return f"{said}（{detail}）" if detail else said


@functools.lru_cache(maxsize=256)
def _said(reason: str, months: int, threshold: int) -> str:
    """A rule's reason with its parameters: formatted once, not once per organization."""
    return reason.format(months=months, threshold=threshold)


DEFAULTS: dict[RuleKind, Params] = {
    RuleKind.SECRETARY_VACANT: Params(
        RuleKind.SECRETARY_VACANT, True, 3, 0, "书记职位空缺超过{months}个月"
    ),
    RuleKind.MEETINGS_MISSED: Params(
        RuleKind.MEETINGS_MISSED, True, 3, 0, "连续{months}个月未按规定开展组织生活"
    ),
    RuleKind.TERM_OVERDUE: Params(RuleKind.TERM_OVERDUE, True, 0, 0, "委员会任期届满未按期换届"),
    RuleKind.NO_DEVELOPMENT: Params(
        RuleKind.NO_DEVELOPMENT, True, 24, 0, "村党组织连续{months}个月未确定发展对象"
    ),
    RuleKind.DUES_ARREARS: Params(
        RuleKind.DUES_ARREARS,
        True,
        3,
        20,
        "欠缴党费{months}个月以上的党员超过{threshold}%",
    ),
    RuleKind.CASES_LOW: Params(
        RuleKind.CASES_LOW, True, 1, 60, "接诉即办满意率或响应率低于{threshold}%"
    ),
}


def params_for(kind: RuleKind, path: str, overrides: Iterable[tuple[str, Params]]) -> Params:
    """The rule in force at the organization with `path`: the deepest override above it."""
    best: tuple[int, Params] | None = None
    for prefix, params in overrides:
        deeper = best is None or len(prefix) > best[0]
        if params.kind == kind and path.startswith(prefix) and deeper:
            best = (len(prefix), params)
    return best[1] if best else DEFAULTS[kind]


def add_months(month: int, count: int) -> int:
    """YYYYMM moved by `count` months (negative: back)."""
    index = (month // 100) * 12 + month % 100 - 1 + count
    return (index // 12) * 100 + index % 12 + 1


def month_of(day: dt.date) -> int:
    return day.year * 100 + day.month


def months_before(day: dt.date, count: int) -> dt.date:
    """The same day `count` months earlier (the month's last day where it has fewer)."""
    month = add_months(month_of(day), -count)
    year, number = divmod(month, 100)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, number, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
