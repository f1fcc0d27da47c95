"""The points rules as data (points.PointsRule rows) and their pure arithmetic: which rule is
in force for an event, whether a member is exempt, how many of a period's events may earn.
No database here beyond loading the rows of one kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jiceng.members.models import Category, MemberStatus

from .models import CapPeriod, PointsRule, SourceKind

STEP = 4  # characters of one level of the organization path (treebeard's steplen)


@dataclass(frozen=True)
class Rule:
    kind: str
    points: int
    cap: int | None
    cap_period: str
    exempt_retired: bool
    exempt_lost_contact: bool
    valid_from: dt.date = dt.date(2000, 1, 1)
    path: str = ""  # the subtree it is set for; "" for the nation

    def is_exempt(self, *, category: str, status: str) -> bool:
        return (self.exempt_retired and category == Category.RETIRED) or (
            self.exempt_lost_contact and status == MemberStatus.LOST_CONTACT
        )

    def period_of(self, month: int) -> int:
        """The cap's period key of a YYYYMM month: the month itself, or its year."""
        return month if self.cap_period == CapPeriod.MONTH else month // 100


# Without any row: the national defaults. 组织生活 earns 2 a time, at most 24 times a year
# (三会一课 and the theme day: about two a month); a handled case 3, at most 10 a month; an
# award at most 20 points each, as its approver decides; an hour of community service
# or of a task force's shift 1.
DEFAULTS: dict[str, Rule] = {
    SourceKind.ATTENDANCE: Rule(SourceKind.ATTENDANCE, 2, 24, CapPeriod.YEAR, False, True),
    SourceKind.CASE: Rule(SourceKind.CASE, 3, 10, CapPeriod.MONTH, False, True),
    SourceKind.AWARD: Rule(SourceKind.AWARD, 20, None, CapPeriod.YEAR, False, True),
    # 社区确认的服务时长: 1 point an hour served, no cap on the days (the yearly hours target
    # is reporting's rule, not a cap on points)
    SourceKind.SERVICE_HOURS: Rule(SourceKind.SERVICE_HOURS, 1, None, CapPeriod.YEAR, False, True),
    # 突击队服务时长: likewise 1 point an hour of a shift served
    SourceKind.TASKFORCE_HOURS: Rule(
        SourceKind.TASKFORCE_HOURS, 1, None, CapPeriod.YEAR, False, True
    ),
}


class RuleBook:
    """The rules of one kind, answering for (organization path, day) with a cache: a month's
    posting asks once per branch, not once per row."""

    def __init__(self, kind: str, rules: list[Rule]) -> None:
        self.kind = kind
        self.by_path: dict[str, list[Rule]] = {}
        for rule in sorted(rules, key=lambda r: r.valid_from, reverse=True):
            self.by_path.setdefault(rule.path, []).append(rule)
        self.cache: dict[tuple[str, dt.date], Rule] = {}

    @classmethod
    def load(cls, kind: str) -> RuleBook:
        rows = PointsRule.objects.filter(kind=kind).values_list(
            "organization__path",
            "points",
            "cap",
            "cap_period",
            "exempt_retired",
            "exempt_lost_contact",
            "valid_from",
        )
        return cls(
            kind,
            [
                Rule(kind, points, cap, period, retired, lost, since, path or "")
                for path, points, cap, period, retired, lost, since in rows
            ],
        )

    def rule_for(self, path: str, day: dt.date) -> Rule:
        key = (path, day)
        found = self.cache.get(key)
        if found is None:
            found = self._resolve(path, day)
            self.cache[key] = found
        return found

    def _resolve(self, path: str, day: dt.date) -> Rule:
        # nearest ancestor first (the organization itself included), the nation last
        for end in range(len(path), -1, -STEP):
            for rule in self.by_path.get(path[:end], ()):
                if rule.valid_from <= day:
                    return rule
        return DEFAULTS[self.kind]


def capped_points(rule: Rule, *, earned_before: int) -> int:
    """The points of one more event, when `earned_before` events already earned this period."""
    if rule.cap is not None and earned_before >= rule.cap:
        return 0
    return rule.points
