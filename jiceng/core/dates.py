"""Dates as people write them in forms and spreadsheets."""

from __future__ import annotations

import calendar
import datetime as dt
import re

DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: object) -> dt.date | None:
    """A date from a date object or from 2024-07-01, 2024/7/1, 2024.7.1, 2024年7月1日 or
    20240701; None for a blank; ValueError for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    match = DATE_TEXT.match(text) or COMPACT_DATE.match(text)
    if match is None:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups())
    return dt.date(year, month, day)  # ValueError for 2024-02-30


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier); the month's last day where it has no such day
    (31 August plus six months is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
