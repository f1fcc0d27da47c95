"""红帆驿站 for the synthetic data sets (the demo, `jiceng seed`): stations in every street
that has grids, at a point inside one of its grids (so routing places them), hosted by the
community's party-service centre, a post office or a courier's depot; mostly 08:00-20:00,
some round the clock, some on weekdays only, a few with a midday break; a plausible kit
(water nearly everywhere, charging and a first-aid kit in most); and a year of anonymous
visits, more on weekdays and in summer. Idempotent: a street with stations is left alone."""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from dataclasses import dataclass

import shapely
from django.db import transaction

from jiceng.core import clock
from jiceng.core.paths import under
from jiceng.divisions.models import Division, common_name
from jiceng.grid.models import Grid
from jiceng.stations import finder
from jiceng.stations.models import AMENITY_BITS, Amenity, ServiceStation, StationVisitDay

from .writer import BulkWriter, Table

HOSTS = (
    "{c}党群服务中心",
    "中国邮政{s}揽投部",
    "{s}总工会职工服务站",
    "{c}新时代文明实践站",
    "美团外卖{s}站点",
    "{s}城管驿站",
    "中石化{s}加油站便利店",
)
WEEKDAY = [[8 * 60, 20 * 60]]
ROUND_THE_CLOCK = [[0, 24 * 60]]
WITH_BREAK = [[8 * 60, 12 * 60], [14 * 60, 21 * 60]]
# (share, Monday..Sunday)
HOUR_PLANS = (
    (0.55, [WEEKDAY] * 7),
    (0.15, [ROUND_THE_CLOCK] * 7),
    (0.15, [WEEKDAY] * 5 + [[], []]),
    (0.15, [WITH_BREAK] * 6 + [[[9 * 60, 17 * 60]]]),
)
AMENITY_SHARES = {
    Amenity.WATER: 0.95,
    Amenity.REST: 0.9,
    Amenity.TOILET: 0.6,
    Amenity.FIRST_AID: 0.8,
    Amenity.CHARGING: 0.75,
    Amenity.MICROWAVE: 0.55,
    Amenity.UMBRELLA: 0.5,
    Amenity.REPAIR_TOOLS: 0.3,
}


@dataclass
class StationSeedResult:
    stations: int = 0
    visit_days: int = 0


def _plan(rng: random.Random) -> list[list[list[int]]]:
    roll, total = rng.random(), 0.0
    for share, week in HOUR_PLANS:
        total += share
        if roll < total:
            return [list(day) for day in week]
    return [list(day) for day in HOUR_PLANS[0][1]]


def _amenities(rng: random.Random) -> int:
    mask = 0
    for amenity, share in AMENITY_SHARES.items():
        if rng.random() < share:
            mask |= AMENITY_BITS[amenity.value]
    return mask


@transaction.atomic
def seed_stations(
    *,
    district: str,
    seed: int = 1,
    per_street: tuple[int, int] = (3, 6),
    days: int = 365,
    pinned: frozenset[str] = frozenset(),
) -> StationSeedResult:
    """Stations in every street of `district` (a 6-digit code) that has grids, with `days`
    of visits up to today; each community of `pinned` that has a grid gets one of them (the
    demo's community official keeps a station of her own community)."""
    rng = random.Random(seed * 7919 + 17)  # noqa: S311  # synthetic data
    result = StationSeedResult()
    names = {
        code: common_name(name)
        for code, name in Division.objects.filter(
            under(district, "code"), level__in=(4, 5)
        ).values_list("code", "name")
    }
    grids = list(
        Grid.objects.filter(under(district, "street_id"), is_active=True)
        .order_by("code")
        .values_list("street_id", "community_id", "boundary")
    )
    by_street: dict[str, list[tuple[str, str]]] = {}
    for street, community, boundary in grids:
        by_street.setdefault(street, []).append((community, boundary))
    having = set(
        ServiceStation.objects.filter(street_code__startswith=district)
        .values_list("street_code", flat=True)
        .distinct()
    )
    now = clock.now()
    made: list[ServiceStation] = []
    for street in sorted(by_street):
        if street in having:
            continue
        street_grids = by_street[street]
        count = min(len(street_grids), rng.randint(*per_street))
        chosen = rng.sample(street_grids, count)
        for community in sorted(pinned - {c for c, _ in chosen}):
            chosen += [grid for grid in street_grids if grid[0] == community][:1]
        for community, boundary in chosen:
            point = shapely.point_on_surface(shapely.from_geojson(boundary))
            street_name, community_name = names.get(street, "街道"), names.get(community, "社区")
            host = rng.choice(HOSTS).format(
                c=community_name, s=street_name.removesuffix("街道").removesuffix("镇")
            )
            made.append(
                ServiceStation(
                    name=f"{community_name}红帆驿站",
                    address=f"{street_name}{community_name}{rng.randint(1, 200)}号",
                    lon=round(point.x, 6),
                    lat=round(point.y, 6),
                    community_id=community,
                    street_code=street,
                    host_unit=host,
                    weekly_hours=_plan(rng),
                    amenities=_amenities(rng),
                    code=secrets.token_urlsafe(12),
                    created_at=now - dt.timedelta(days=days + rng.randint(0, 400)),
                    updated_at=now,
                )
            )
    made = ServiceStation.objects.bulk_create(made, batch_size=2000)
    result.stations = len(made)
    today = clock.today()
    # A year of days for each station: rows of plain values through the bulk writer (the
    # ORM's bulk_create cost ten times the insert itself at scale), ids handed out here.
    last = StationVisitDay.objects.order_by("-pk").values_list("pk", flat=True).first()
    next_id = int(last or 0) + 1
    calendar = []
    for back in range(days):
        day = today - dt.timedelta(days=back)
        summer = 1.0 + 0.35 * math.cos((day.timetuple().tm_yday - 200) / 365 * 2 * math.pi)
        weekend = 0.7 if day.weekday() >= 5 else 1.0
        calendar.append((day.isoformat(), day.weekday(), summer * weekend))
    visits: list[tuple[int, int, str, int]] = []
    gauss = rng.gauss
    for station in made:
        busy = rng.uniform(4, 30)  # a quiet street's station to a busy one's
        open_on = [bool(hours) for hours in station.weekly_hours]
        for iso, weekday, factor in calendar:
            count = int(gauss(busy * factor, busy * 0.3)) if open_on[weekday] else 0
            if count > 0:
                visits.append((next_id, station.pk, iso, count))
                next_id += 1
    table = {"days": Table.of(StationVisitDay, ("id", "station_id", "day", "visits"))}
    with BulkWriter(table, defer_indexes=False) as writer:
        writer.write("days", visits)
    result.visit_days = len(visits)
    if made:
        transaction.on_commit(finder.bump_version)
    return result
