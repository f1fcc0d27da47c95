"""Reads of 红帆驿站: the riders' nearest stations (public: stations are public places), a
station's page, and the scoped registry (a street's or community's stations; a keeper's own).

The riders' answer is the finder's (in process) and one query for the rows shown."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import InvalidInput, not_found
from jiceng.core.paths import under
from jiceng.divisions.models import short_code_of
from jiceng.grid import routing

from . import finder, hours
from .models import AMENITY_BITS, Amenity, ServiceStation, StationVisitDay, amenity_mask
from .services import OUTSIDE_MESSAGE

SHOWN_OPEN = 5
SHOWN_CLOSED = 3
ASKED_ANY = 12  # the one question's list (bench_stations: enough at 100% of day points)


def walk_url(*, lon: float, lat: float, name: str) -> str:
    """The walking-directions link of a station (JICENG_STATION_WALK_URL)."""
    return settings.JICENG_STATION_WALK_URL.format(
        lon=f"{lon:.6f}".rstrip("0").rstrip("."),
        lat=f"{lat:.6f}".rstrip("0").rstrip("."),
        name=urllib.parse.quote(name),
    )


def distance_text(metres: float) -> str:
    if metres < 1000:
        return f"{int(round(metres / 10) * 10)} 米"
    return f"{metres / 1000:.1f} 公里"


@dataclass(frozen=True)
class Hit:
    """A station as the riders' answer holds it: which, how far, open or when it opens."""

    station_id: int
    distance_m: float
    state: hours.OpenState

    @property
    def distance(self) -> str:
        return distance_text(self.distance_m)


@dataclass
class Nearby:
    lon: float
    lat: float
    amenities: list[str]
    open: list[Hit] = field(default_factory=list)
    closed: list[Hit] = field(default_factory=list)
    within_m: float = 0.0
    index: finder.StationIndex | None = None


def week_minute(at: dt.datetime | None = None) -> tuple[int, int]:
    local = timezone.localtime(clock.now() if at is None else at)
    return local.weekday(), local.hour * 60 + local.minute


def check_point(lon: float, lat: float) -> None:
    """A rider's point inside the platform's service area (grid.routing), else a clear
    message (no station list for a place the platform does not serve)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput("位置不在有效的经纬度范围内", fields={"location": "请重新定位"})
    if routing.locate(lon, lat).how == routing.HOW_NONE:
        raise InvalidInput(
            "您所在的位置不在本平台的服务范围内，附近没有登记的红帆驿站",
            fields={"location": OUTSIDE_MESSAGE},
        )


def check_amenity_names(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in AMENITY_BITS]
    if unknown:
        raise InvalidInput("没有这项服务设施", fields={"amenities": "请从列表中选择"})
    return [a.value for a in Amenity if a.value in values]


def nearby(
    *, lon: float, lat: float, amenities: list[str], at: dt.datetime | None = None
) -> Nearby:
    """The nearest open stations with every amenity asked for, and the nearest closed ones
    (each says when it opens), within JICENG_STATION_SEARCH_METERS."""
    check_point(lon, lat)
    wanted = check_amenity_names(amenities)
    weekday, minute = week_minute(at)
    index = finder.current_index()
    within = finder.search_metres()
    mask = amenity_mask(wanted)
    found_open, found_closed = open_and_closed(index, lon, lat, mask, weekday, minute, within)
    result = Nearby(lon=lon, lat=lat, amenities=wanted, within_m=within, index=index)
    result.open = [_hit(index, f, weekday, minute) for f in found_open]
    result.closed = [_hit(index, f, weekday, minute) for f in found_closed]
    return result


def open_and_closed(
    index: finder.StationIndex,
    lon: float,
    lat: float,
    mask: int,
    weekday: int,
    minute: int,
    within: float,
) -> tuple[list[finder.Found], list[finder.Found]]:
    """The nearest open stations (SHOWN_OPEN) and the closed ones among the nearest in any
    state (SHOWN_CLOSED of SHOWN_OPEN + SHOWN_CLOSED)."""
    # One question mostly answers both lists: the nearest stations in any state, among which
    # the open ones are the nearest open ones once they are SHOWN_OPEN or the list is all
    # there is; else the open-only question (at night, where most are closed).
    found_any = index.nearest(
        lon,
        lat,
        amenities=mask,
        weekday=weekday,
        minute=minute,
        only_open=False,
        limit=ASKED_ANY,
        within_m=within,
    )
    found_open = [f for f in found_any if f.is_open][:SHOWN_OPEN]
    if len(found_open) < SHOWN_OPEN and len(found_any) == ASKED_ANY:
        found_open = index.nearest(
            lon,
            lat,
            amenities=mask,
            weekday=weekday,
            minute=minute,
            limit=SHOWN_OPEN,
            within_m=within,
        )
    found_closed = [f for f in found_any[: SHOWN_OPEN + SHOWN_CLOSED] if not f.is_open]
    found_closed = found_closed[:SHOWN_CLOSED]
    return found_open, found_closed


def _hit(index: finder.StationIndex, found: finder.Found, weekday: int, minute: int) -> Hit:
    return Hit(found.station_id, found.distance_m, index.state(found.station_id, weekday, minute))


def state_now(station: ServiceStation, at: dt.datetime | None = None) -> hours.OpenState:
    weekday, minute = week_minute(at)
    return hours.open_state(station.weekly_hours, weekday, minute)


def public_station(pk: int) -> ServiceStation:
    station = ServiceStation.objects.filter(pk=pk, is_active=True).first()
    if station is None:
        raise not_found("驿站")
    return station


def station_by_code(code: str) -> ServiceStation:
    station = ServiceStation.objects.filter(code=code, is_active=True).first()
    if station is None:
        raise not_found("驿站")
    return station


# -- the registry (signed in) -----------------------------------------------------------------


def managed(user: User) -> QuerySet[ServiceStation]:
    """The stations of the streets and communities the user registers stations for."""
    reach = scope_of(user).reach(Permission.MANAGE_SERVICE_STATIONS)
    return ServiceStation.objects.filter(reach.division_q("community_id")).order_by(
        "community_id", "name"
    )


def kept(user: User) -> QuerySet[ServiceStation]:
    """The stations the user keeps, in the community their keeper's role names."""
    reach = scope_of(user).reach(Permission.KEEP_SERVICE_STATIONS)
    return ServiceStation.objects.filter(reach.division_q("community_id"), keeper=user).order_by(
        "name"
    )


def access_managed(user: User, pk: int) -> ServiceStation:
    station = managed(user).filter(pk=pk).select_related("keeper").first()
    if station is None:
        raise not_found("驿站")
    return station


def access_kept(user: User, pk: int) -> ServiceStation:
    """A station the user may edit the hours of: their own, or one they register."""
    station = (managed(user).filter(pk=pk) | kept(user).filter(pk=pk)).first()
    if station is None:
        raise not_found("驿站")
    return station


def may_manage(user: User, station: ServiceStation) -> bool:
    reach = scope_of(user).reach(Permission.MANAGE_SERVICE_STATIONS)
    return reach.covers_division(station.community_id)


@dataclass(frozen=True)
class Visits:
    today: int
    last_30_days: int
    last_365_days: int


def visits_of(station: ServiceStation) -> Visits:
    today = clock.today()
    rows = StationVisitDay.objects.filter(
        station=station, day__gt=today - dt.timedelta(days=365)
    ).values_list("day", "visits")
    year = month = now = 0
    for day, count in rows:
        year += count
        if day > today - dt.timedelta(days=30):
            month += count
        if day == today:
            now += count
    return Visits(today=now, last_30_days=month, last_365_days=year)


def visit_totals(station_ids: list[int], *, days: int = 30) -> dict[int, int]:
    since = clock.today() - dt.timedelta(days=days)
    return dict(
        StationVisitDay.objects.filter(station_id__in=station_ids, day__gt=since)
        .values("station_id")
        .annotate(total=Sum("visits"))
        .values_list("station_id", "total")
    )


def stations_in(division_code: str, *, limit: int = 5) -> list[ServiceStation]:
    """Active stations inside a division (a rider's branch's place), for the workbench."""
    return list(
        ServiceStation.objects.filter(
            under(short_code_of(division_code), "community_id"), is_active=True
        ).order_by("street_code", "name")[: limit * 4]
    )
