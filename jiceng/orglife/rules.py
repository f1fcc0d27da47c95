"""The rules of organizational life as pure functions and data (no database): required
frequencies, periods, quorum arithmetic, online presence, minutes lock, closed months,
monthly recurrence. Unit-tested without a database (tests/test_rules.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from dateutil.rrule import MONTHLY, rrule

from .models import Audience, MeetingKind, Period

K = MeetingKind
R = TypeVar("R")


@dataclass(frozen=True)
class Requirement:
    kind: MeetingKind
    period: Period
    times: int = 1
    fixed_day: int | None = None


# 《中国共产党支部工作条例（试行）》(2018): 支部党员大会一般每季度召开1次，支部委员会会议一般每月
# 召开1次，党小组会一般每月召开1次，党课每季度至少1次，主题党日每月相对固定1天，组织生活会和
# 民主评议党员一般每年1次。
DEFAULT_RULES: dict[MeetingKind, Requirement] = {
    K.GENERAL_MEETING: Requirement(K.GENERAL_MEETING, Period.QUARTER),
    K.COMMITTEE_MEETING: Requirement(K.COMMITTEE_MEETING, Period.MONTH),
    K.GROUP_MEETING: Requirement(K.GROUP_MEETING, Period.MONTH),
    K.PARTY_LECTURE: Requirement(K.PARTY_LECTURE, Period.QUARTER),
    K.THEME_DAY: Requirement(K.THEME_DAY, Period.MONTH, fixed_day=15),
    K.LIFE_MEETING: Requirement(K.LIFE_MEETING, Period.YEAR),
    K.DEMOCRATIC_REVIEW: Requirement(K.DEMOCRATIC_REVIEW, Period.YEAR),
    # 每年至少同每名党员谈心谈话1次
    K.HEART_TO_HEART_TALK: Requirement(K.HEART_TO_HEART_TALK, Period.YEAR),
}

# The kinds that are meetings (scheduled, attended, minuted); the talk is a requirement only.
MEETING_KINDS: tuple[MeetingKind, ...] = tuple(k for k in MeetingKind if k != K.HEART_TO_HEART_TALK)

# Bit of each kind in the compliance masks (models.Compliance.met / missing / pending).
KIND_BITS: dict[MeetingKind, int] = {kind: 1 << i for i, kind in enumerate(MeetingKind)}

# Who is expected by default at each kind.
DEFAULT_AUDIENCE: dict[MeetingKind, Audience] = {
    K.COMMITTEE_MEETING: Audience.COMMITTEE,
    K.GROUP_MEETING: Audience.PARTY_GROUP,
}


def kinds_in(mask: int) -> list[MeetingKind]:
    return [kind for kind, bit in KIND_BITS.items() if mask & bit]


# -- months and periods ---------------------------------------------------------------------


def month_of(day: dt.date) -> int:
    """YYYYMM of a date."""
    return day.year * 100 + day.month


def month_start(month: int) -> dt.date:
    return dt.date(month // 100, month % 100, 1)


def add_months(month: int, count: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + count
    return (index // 12) * 100 + index % 12 + 1


def parse_month(text: str) -> int:
    """'2025-03' → 202503; ValueError otherwise."""
    year, _, mon = text.strip().partition("-")
    if len(year) != 4 or not year.isdigit() or not mon.isdigit() or not 1 <= int(mon) <= 12:
        raise ValueError(text)
    return int(year) * 100 + int(mon)


def format_month(month: int) -> str:
    return f"{month // 100}-{month % 100:02d}"


def period_bounds(period: Period | str, month: int) -> tuple[int, int]:
    """First and last month (YYYYMM) of the period containing `month`."""
    year, mon = divmod(month, 100)
    if period == Period.MONTH:
        return month, month
    if period == Period.QUARTER:
        first = (mon - 1) // 3 * 3 + 1
        return year * 100 + first, year * 100 + first + 2
    return year * 100 + 1, year * 100 + 12


class KindStatus(StrEnum):
    MET = "MET"  # held with quorum often enough in the period so far
    MISSING = "MISSING"  # the period ends with this month and it was not
    PENDING = "PENDING"  # not yet, but the period goes on after this month


def kind_status(*, held: int, times: int, period: Period | str, month: int) -> KindStatus:
    """The state of one requirement as seen at the end of `month`, `held` counting the
    meetings with quorum from the period's start to `month`."""
    if held >= times:
        return KindStatus.MET
    return KindStatus.MISSING if period_bounds(period, month)[1] == month else KindStatus.PENDING


def applies(kind: MeetingKind, *, has_committee: bool, party_groups: int) -> bool:
    """A branch without a committee (fewer than 7 members) holds no committee meetings, one
    without party groups no group meetings."""
    if kind == K.COMMITTEE_MEETING:
        return has_committee
    if kind == K.GROUP_MEETING:
        return party_groups > 0
    return True


def nearest_rule(path: str, rules_by_path: dict[str, R], step: int = 4) -> R | None:
    """The rule set at the nearest ancestor-or-self of the node at `path`."""
    for end in range(len(path), 0, -step):
        found = rules_by_path.get(path[:end])
        if found is not None:
            return found
    return None


# -- quorum ---------------------------------------------------------------------------------

# Kinds that are meetings of all the members: decisions need more than half of the full
# members (those with voting rights). The committee needs at least half of its members.
ALL_MEMBER_KINDS = frozenset({K.GENERAL_MEETING, K.THEME_DAY, K.LIFE_MEETING, K.DEMOCRATIC_REVIEW})


def committee_quorum(*, present: int, committee_size: int) -> bool:
    """支部委员会会议须有半数以上委员到会方可召开 (at least half)."""
    return committee_size > 0 and present * 2 >= committee_size


def general_quorum(*, present_full: int, full_members: int) -> bool:
    """支部党员大会……须有半数以上有表决权的党员到会 (more than half of the full members)."""
    return full_members > 0 and present_full * 2 > full_members


def quorum_met(
    kind: MeetingKind | str, *, present: int, expected: int, present_full: int, expected_full: int
) -> bool:
    if kind == K.COMMITTEE_MEETING:
        return committee_quorum(present=present, committee_size=expected)
    if kind in ALL_MEMBER_KINDS:
        return general_quorum(present_full=present_full, full_members=expected_full)
    return present > 0  # a lecture or group meeting needs someone there, no quorum


# -- online presence, windows, locks, closed months -------------------------------------------


def online_threshold_seconds(*, meeting_seconds: int, min_minutes: int) -> int:
    """Online presence counts from `min_minutes`, or half the meeting if that is shorter."""
    return max(0, min(min_minutes * 60, meeting_seconds // 2))


def online_counts(*, seconds: int, meeting_seconds: int, min_minutes: int) -> bool:
    return seconds >= online_threshold_seconds(
        meeting_seconds=meeting_seconds, min_minutes=min_minutes
    )


CHECKIN_EARLY = dt.timedelta(minutes=30)


def in_checkin_window(*, at: dt.datetime, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """The QR code opens half an hour before the meeting and closes when it ends."""
    return starts_at - CHECKIN_EARLY <= at <= ends_at


def minutes_lock_at(*, ends_at: dt.datetime, lock_days: int) -> dt.datetime:
    return ends_at + dt.timedelta(days=lock_days)


def month_closed(*, month: int, today: dt.date, close_day: int) -> bool:
    """A month closes on `close_day` of the following month: from then on nothing in it is
    back-filled (scheduled, attended or excused)."""
    closes_on = month_start(add_months(month, 1)) + dt.timedelta(days=close_day - 1)
    return today >= closes_on


def monthly_dates(*, first: dt.date, day: int, count: int) -> list[dt.date]:
    """`count` dates on `day` of consecutive months from `first` (months without that day, such
    as 31 in April, are skipped)."""
    if not 1 <= day <= 31 or count < 1:
        return []
    return [d.date() for d in rrule(MONTHLY, dtstart=first, bymonthday=day, count=count)]


# Photos of the minutes: the type is read from the first bytes, never from the file's name.
IMAGE_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
)


def image_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG or WebP by its magic bytes, else None."""
    for magic, offset, content_type, extension in IMAGE_SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return content_type, extension
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def evaluate_branch(
    *,
    requirements: dict[MeetingKind, Requirement],
    held: dict[MeetingKind, int],
    month: int,
    has_committee: bool,
    party_groups: int,
    members_without_talk: int = 0,
) -> tuple[int, int, int]:
    """(met, missing, pending) bit masks of one branch at the end of `month`; `held[kind]`
    counts its meetings with quorum from the start of that kind's period to `month`, except
    for group meetings: `held[GROUP_MEETING]` is the number of the branch's party groups that
    held one, met when every group did (at least once each, whatever `times` says). The
    heart-to-heart talk is met when no active member is without one in the period so far."""
    met = missing = pending = 0
    for kind, requirement in requirements.items():
        if not applies(kind, has_committee=has_committee, party_groups=party_groups):
            continue
        count = held.get(kind, 0)
        if kind == K.GROUP_MEETING:
            count = requirement.times if count >= party_groups else 0
        elif kind == K.HEART_TO_HEART_TALK:
            count = requirement.times if members_without_talk == 0 else 0
        state = kind_status(
            held=count,
            times=requirement.times,
            period=requirement.period,
            month=month,
        )
        bit = KIND_BITS[kind]
        if state == KindStatus.MET:
            met |= bit
        elif state == KindStatus.MISSING:
            missing |= bit
        else:
            pending |= bit
    return met, missing, pending
