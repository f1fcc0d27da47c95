"""The monthly check of the on-site rule (在岗核查): every dispatch serving in the month, from
its work log, approved leave and spot checks, into MonthlyPresence rows, rebuilt whole for the
month. Run by the periodic job `village_presence` (last month and this month so far) and by
`jiceng check-village-presence --month YYYYMM`. A handful of queries whatever the number of
cadres: one per table for the month, then pure arithmetic (rules.count_month)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction

from jiceng.core import clock

from . import queries, rules, services, workdays
from .models import Leave, LeaveStatus, MonthlyPresence, PresenceRule, SpotCheck, WorkDay

BATCH = 2000


@transaction.atomic
def check_month(month: int, *, up_to: dt.date | None = None) -> int:
    """Rebuild the month's rows; `up_to` ends the count early (the month under way)."""
    first, last = workdays.month_bounds(month)
    end_of_count = min(last, up_to) if up_to else last
    dispatches = list(
        queries.serving_in(month).values_list("pk", "starts_on", "ends_on", "left_on", "team__path")
    )

    logged: dict[int, set[dt.date]] = defaultdict(set)
    for pk, day in WorkDay.objects.filter(day__range=(first, last)).values_list(
        "dispatch_id", "day"
    ):
        logged[pk].add(day)
    leave: dict[int, set[dt.date]] = defaultdict(set)
    for pk, a, b in Leave.objects.filter(
        status=LeaveStatus.APPROVED, starts_on__lte=last, ends_on__gte=first
    ).values_list("dispatch_id", "starts_on", "ends_on"):
        leave[pk].update(workdays.days_between(max(a, first), min(b, last)))
    away: dict[int, set[dt.date]] = defaultdict(set)
    for pk, day in SpotCheck.objects.filter(
        day__range=(first, last), found_on_site=False
    ).values_list("dispatch_id", "day"):
        away[pk].add(day)
    overrides = [
        (r.path, rules.Rule(r.on_site_percent, r.township_leave_days, r.backfill_days))
        for r in PresenceRule.objects.all()
    ]
    month_workdays = set(workdays.workdays_between(first, end_of_count))
    rows = []
    for pk, starts_on, ends_on, left_on, path in dispatches:
        start, end = max(first, starts_on), min(end_of_count, left_on or ends_on)
        if start > end:
            continue
        window = set(workdays.days_between(start, end))
        count = rules.count_month(
            workdays=month_workdays & window,
            logged=logged[pk] & window,
            leave=leave[pk] & window,
            checks_absent=away[pk] & window,
            percent=rules.rule_for(path, overrides).on_site_percent,
        )
        rows.append(
            MonthlyPresence(
                dispatch_id=pk,
                month=month,
                path=path,
                working_days=count.working_days,
                leave_days=count.leave_days,
                on_site_days=count.on_site_days,
                absent_at_checks=count.absent_at_checks,
                required_days=count.required_days,
                meets_rule=count.meets_rule,
            )
        )
    MonthlyPresence.objects.filter(month=month).delete()
    MonthlyPresence.objects.bulk_create(rows, batch_size=BATCH)

    return len(rows)


def run() -> dict[str, int]:
    """The periodic job: terms past their end ended, last month and this month checked."""
    today = clock.today()
    ended = services.end_terms(today=today)
    checked = check_month(queries.last_checked_month())
    checked += check_month(workdays.month_of(today), up_to=today - dt.timedelta(days=1))
    return {"ended": ended, "checked": checked}
