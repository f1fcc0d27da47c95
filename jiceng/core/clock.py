"""The one source of the current time. Tests freeze it with `frozen`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.utils import timezone

CHINA = ZoneInfo("Asia/Shanghai")
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """An aware datetime in UTC (as Django stores it)."""
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    """Today's date in China, whatever the server's own zone."""
    return now().astimezone(CHINA).date()


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    global _frozen
    if at.tzinfo is None:
        at = at.replace(tzinfo=CHINA)
    previous, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = previous
