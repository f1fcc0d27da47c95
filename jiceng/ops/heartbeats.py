"""Writes and reads the heartbeat of the background work (ops.models.Heartbeat)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from jiceng.core import clock

from .models import Heartbeat

BACKGROUND = "background"
# Stale after this many intervals of the heartbeat job, plus a margin for a worker busy with a
# long task (the heartbeat waits its turn in the same queue).
STALE_INTERVALS = 3
STALE_MARGIN = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Pulse:
    """What the heartbeat says: its age in seconds (None: never beat) and whether that is
    too old; `checked` is False when JICENG_SCHEDULE turns the heartbeat off."""

    age_seconds: float | None
    stale: bool
    checked: bool


def beat(*, name: str = BACKGROUND) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": clock.now()})


def interval() -> dt.timedelta | None:
    seconds = int(settings.JICENG_SCHEDULE.get("heartbeat", 0))
    return dt.timedelta(seconds=seconds) if seconds > 0 else None


def pulse(*, name: str = BACKGROUND) -> Pulse:
    every = interval()
    row = Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
    age = (clock.now() - row).total_seconds() if row is not None else None
    if every is None:
        return Pulse(age_seconds=age, stale=False, checked=False)
    limit = every * STALE_INTERVALS + STALE_MARGIN
    return Pulse(age_seconds=age, stale=age is None or age > limit.total_seconds(), checked=True)
