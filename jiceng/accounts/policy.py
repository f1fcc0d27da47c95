"""The sign-in policy in force: the security administrator's SecurityPolicy row where it sets a
value, the installation's settings elsewhere. Read where it is used (a sign-in attempt, a
signed-in request), so a change applies at once in every worker process."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .models import SecurityPolicy


@dataclass(frozen=True)
class Policy:
    lockout_failures: int
    lockout_minutes: int
    idle_minutes: int


def current() -> Policy:
    row = SecurityPolicy.objects.first()
    return Policy(
        lockout_failures=(row and row.lockout_failures) or settings.JICENG_LOCKOUT_FAILURES,
        lockout_minutes=(row and row.lockout_minutes) or settings.JICENG_LOCKOUT_MINUTES,
        idle_minutes=(row and row.idle_minutes) or settings.JICENG_IDLE_MINUTES,
    )


def failure_limit(request: HttpRequest | None, credentials: Any) -> int:
    """AXES_FAILURE_LIMIT: failures of one username before it is locked."""
    return current().lockout_failures


def lockout_period(request: HttpRequest | None = None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: how long a locked username stays locked."""
    return dt.timedelta(minutes=current().lockout_minutes)
