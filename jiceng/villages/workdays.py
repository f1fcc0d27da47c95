"""Working days (工作日) from the State Council's holiday and adjusted-workday calendar, as the
`chinesecalendar` package keeps it (import name chinese_calendar; one release a year when the
General Office publishes the next year's arrangement). Never typed by hand here.

A year the installed package does not cover yet (the arrangement is published in the autumn
before) counts Monday to Friday and says so (`is_covered`), so a page can tell the reader."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

import chinese_calendar


def is_covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


# Remembered: the village seed asks for every day of every cadre's year, and the calendar
# validates the date on each call (a quarter of that seed's time before).
@functools.lru_cache(maxsize=4096)
def is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def days_between(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def workdays_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The working days from `first` to `last`, both included."""
    return [d for d in days_between(first, last) if is_workday(d)]


def month_bounds(month: int) -> tuple[dt.date, dt.date]:
    """The first and last day of month YYYYMM."""
    year, number = divmod(month, 100)
    first = dt.date(year, number, 1)
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def month_of(day: dt.date) -> int:
    return day.year * 100 + day.month
