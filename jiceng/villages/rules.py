"""The on-site rule (在岗要求) and the leave limits as data, and the month's arithmetic, pure.

Local rules differ (two thirds of working days, 20 days a month, 200 days a year); Jiceng
keeps the share of working days, set per subtree by PresenceRule rows, with two thirds as the
default. A cadre's month:

- the working days are those of the official calendar (workdays) inside the posting;
- approved leave on working days is taken out of them: an absence the township or the county
  department approved is not held against the cadre;
- the days on site are the days logged in the work log (a Saturday on site counts too), less
  any day a spot check found the cadre away;
- the rule is met when the days on site reach the share of the remaining working days,
  rounded up ("at least")."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from .models import Approver

APPRAISAL_WINDOW_DAYS = 90  # the appraisal opens this many days before the term ends


@dataclass(frozen=True)
class Rule:
    on_site_percent: int = 67
    township_leave_days: int = 3  # longer leave goes to the county department
    backfill_days: int = 3  # a day missed may be logged up to this many days later


DEFAULT_RULE = Rule()


def rule_for(path: str, overrides: Iterable[tuple[str, Rule]]) -> Rule:
    """The rule in force at the village with `path`: the deepest override above it."""
    best: tuple[int, Rule] | None = None
    for prefix, rule in overrides:
        if path.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), rule)
    return best[1] if best else DEFAULT_RULE


def approver_for(working_days: int, rule: Rule) -> Approver:
    """Who approves a leave of this many working days."""
    return Approver.TOWNSHIP if working_days <= rule.township_leave_days else Approver.COUNTY


@dataclass(frozen=True)
class MonthCount:
    working_days: int
    leave_days: int
    on_site_days: int
    absent_at_checks: int
    required_days: int

    @property
    def meets_rule(self) -> bool:
        return self.on_site_days >= self.required_days


def count_month(
    *,
    workdays: Iterable[dt.date],
    logged: Iterable[dt.date],
    leave: Iterable[dt.date],
    checks_absent: Iterable[dt.date],
    percent: int,
) -> MonthCount:
    """One cadre's month. Every argument already lies inside the posting and the month."""
    working = set(workdays)
    on_leave = working & set(leave)
    away = set(checks_absent)
    logged_days = set(logged)
    on_site = logged_days - away
    base = len(working) - len(on_leave)
    return MonthCount(
        working_days=len(working),
        leave_days=len(on_leave),
        on_site_days=len(on_site),
        absent_at_checks=len(away),
        required_days=math.ceil(base * percent / 100),
    )
