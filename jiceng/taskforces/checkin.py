"""Checking in at a site (现场签到): the QR code posted at the site, or a location close enough
to it, and only within the shift. Pure rules and the code; the writes are services'."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.core import signing
from django.utils.timezone import localtime

from jiceng.core.errors import InvalidInput

CHECKIN_SALT = "jiceng.taskforces.checkin"
EARTH_RADIUS_M = 6_371_008.8


def checkin_meters() -> int:
    return int(settings.JICENG_TASKFORCE_CHECKIN_METERS)


def early() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.JICENG_TASKFORCE_CHECKIN_EARLY_MINUTES))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def site_token(site_id: int, secret: str) -> str:
    """What the QR code at the site carries: the site signed with its own secret."""
    return signing.dumps([site_id, secret[:8]], salt=CHECKIN_SALT)


def site_of_token(token: str) -> tuple[int, str]:
    try:
        site_id, tag = signing.loads(token, salt=CHECKIN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidInput("签到码无效，请重新扫描点位的二维码") from None
    return int(site_id), str(tag)


def check_near(*, site_lon: float, site_lat: float, lon: float, lat: float) -> None:
    """Refuses a location farther from the site than the set distance."""
    limit = checkin_meters()
    away = distance_m(site_lon, site_lat, lon, lat)
    if away > limit:
        raise InvalidInput(
            f"您距离点位约{round(away)}米，超出{limit}米，不能签到；请到点位后再签到或扫描点位二维码",
            fields={"location": f"距离点位超过{limit}米"},
        )


def within_shift(*, now: dt.datetime, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Whether a check-in is taken now: from a little before the shift until it ends."""
    return starts_at - early() <= now < ends_at


def check_within_shift(*, now: dt.datetime, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Refuses a check-in before the shift opens (a little early is fine) or after it ends."""
    if not within_shift(now=now, starts_at=starts_at, ends_at=ends_at):
        window = f"{localtime(starts_at):%m-%d %H:%M}–{localtime(ends_at):%H:%M}"
        raise InvalidInput(f"现在不在您的班次时间内（{window}），不能签到")


def served_minutes(
    *,
    checked_in_at: dt.datetime,
    checked_out_at: dt.datetime,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> int:
    """The minutes served within the shift: time before it starts or after it ends is not
    counted (a member who stays longer asks the site lead to confirm the longer time)."""
    start, end = max(checked_in_at, starts_at), min(checked_out_at, ends_at)
    return max(0, int((end - start).total_seconds() // 60))
