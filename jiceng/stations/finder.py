"""The nearest open stations to a point (附近的驿站), answered in process.

Every process keeps the active stations in arrays, built once from the database (one query)
and rebuilt when `StationIndexVersion` changes (grid.rebuilt, as the grid index: the version
row is read at most every JICENG_GRID_RECHECK_SECONDS; services write a fresh random token
there and call `invalidate()`):

- a bucket index: the stations sorted by a lattice cell of CELL_DEGREES (about 1 km), with
  each cell's slice of the sorted arrays in a dict, so a question reads the cells in rings
  around the point, nearest ring first, and stops once the k-th station found is nearer than
  any cell not yet read (or the search radius is passed);
- the amenities as the bits of `ServiceStation.amenities` (one AND per candidate);
- the hours as two int16 arrays (station, weekday, period) of opening and closing minutes,
  so "open at this minute" is a vectorized comparison, exact to the minute.

Distances are equirectangular from the point (within the search radius of a few kilometres
the error is far under 1%), in metres.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from jiceng.grid.rebuilt import Rebuilt

from .hours import MAX_PERIODS, OpenState, open_state
from .models import ServiceStation, StationIndexVersion

CELL_DEGREES = 0.01
METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON = 111_320.0  # at the equator; times cos(latitude)
BLOCKS_KEPT = 100_000  # cells whose 3x3 block of rows is kept (StationIndex._block)
STATES_KEPT = 50_000  # stations' states at a minute kept (StationIndex.state)


@dataclass(frozen=True)
class Found:
    station_id: int
    distance_m: float
    is_open: bool


def _cells(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.floor(lons / CELL_DEGREES).astype(np.int64),
        np.floor(lats / CELL_DEGREES).astype(np.int64),
    )


def _key(cx: int | np.ndarray, cy: int | np.ndarray) -> int | np.ndarray:
    return (cx + (1 << 30)) * (1 << 32) + (cy + (1 << 30))


class StationIndex:
    """The active stations of one version, sorted by cell."""

    def __init__(
        self,
        *,
        ids: Sequence[int],
        lons: Sequence[float],
        lats: Sequence[float],
        amenities: Sequence[int],
        weeks: Sequence[list[list[list[int]]]],
    ) -> None:
        lon = np.asarray(lons, dtype=np.float64)
        lat = np.asarray(lats, dtype=np.float64)
        cx, cy = _cells(lon, lat)
        keys = np.asarray(_key(cx, cy), dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self.ids = np.asarray(ids, dtype=np.int64)[order]
        self.lon, self.lat = lon[order], lat[order]
        self.amenities = np.asarray(amenities, dtype=np.int64)[order]
        opens = np.full((len(order), 7, MAX_PERIODS), -1, dtype=np.int16)
        closes = np.full((len(order), 7, MAX_PERIODS), -1, dtype=np.int16)
        for row, source in enumerate(order):
            week = weeks[source]
            for day in range(min(7, len(week))):
                for p, (o, c) in enumerate(week[day][:MAX_PERIODS]):
                    opens[row, day, p], closes[row, day, p] = o, c
        self.opens, self.closes = opens, closes
        self.weeks: dict[int, list[list[list[int]]]] = dict(zip(ids, weeks, strict=True))
        # What pages build once per station from its row (stations.cards), kept as long as
        # this version of the stations: a rider's answer then reads no station row.
        self.cards: dict[tuple[int, int], object] = {}
        # A cell's rings 0 and 1 as one array, and a station's state at a minute, both asked
        # again and again by the riders' page (one numpy pass instead of two, and no
        # hours.open_state): kept up to BLOCKS_KEPT and STATES_KEPT.
        self.blocks: dict[int, np.ndarray] = {}
        self.states: dict[tuple[int, int, int], OpenState] = {}
        sorted_keys = keys[order]
        self.slices: dict[int, tuple[int, int]] = {}
        if len(sorted_keys):
            starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
            ends = np.r_[starts[1:], len(sorted_keys)]
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                self.slices[int(sorted_keys[s])] = (s, e)

    def __len__(self) -> int:
        return len(self.ids)

    def _ring(self, cx: int, cy: int, r: int) -> np.ndarray | None:
        """The sorted-array rows of the cells at Chebyshev distance r from (cx, cy)."""
        if r == 0:
            cells = [(cx, cy)]
        else:
            cells = [(cx + dx, cy - r) for dx in range(-r, r + 1)]
            cells += [(cx + dx, cy + r) for dx in range(-r, r + 1)]
            cells += [(cx - r, cy + dy) for dy in range(-r + 1, r)]
            cells += [(cx + r, cy + dy) for dy in range(-r + 1, r)]
        parts = []
        for x, y in cells:
            found = self.slices.get(int(_key(x, y)))
            if found is not None:
                parts.append(np.arange(found[0], found[1]))
        return np.concatenate(parts) if parts else None

    def _block(self, cx: int, cy: int) -> np.ndarray | None:
        """The rows of rings 0 and 1 around (cx, cy), in the order _ring reads them."""
        key = int(_key(cx, cy))
        rows = self.blocks.get(key)
        if rows is None:
            parts = [p for p in (self._ring(cx, cy, 0), self._ring(cx, cy, 1)) if p is not None]
            if not parts:
                return None
            rows = np.concatenate(parts)
            if len(self.blocks) < BLOCKS_KEPT:
                self.blocks[key] = rows
        return rows

    def state(self, station_id: int, weekday: int, minute: int) -> OpenState:
        """The station's hours.open_state at `weekday` and `minute`."""
        key = (station_id, weekday, minute)
        found = self.states.get(key)
        if found is None:
            found = open_state(self.weeks.get(station_id, []), weekday, minute)
            if len(self.states) >= STATES_KEPT:
                self.states.clear()
            self.states[key] = found
        return found

    def nearest(
        self,
        lon: float,
        lat: float,
        *,
        amenities: int = 0,
        weekday: int | None = None,
        minute: int = 0,
        only_open: bool = True,
        limit: int = 5,
        within_m: float = 5000.0,
    ) -> list[Found]:
        """Up to `limit` stations nearest to (lon, lat) within `within_m` metres that offer
        every amenity of `amenities` (bits) and, with `only_open`, are open at `weekday`
        (0 Monday) and `minute`; nearest first, each with whether it is open then."""
        if not len(self.ids):
            return []
        kx = METRES_PER_DEGREE_LON * math.cos(math.radians(lat))
        cell_m = CELL_DEGREES * min(kx, METRES_PER_DEGREE_LAT)
        cx, cy = math.floor(lon / CELL_DEGREES), math.floor(lat / CELL_DEGREES)
        # The point's distance to its own cell's nearest edge: a station in ring r+1 or beyond
        # lies at least r * cell_m + that far away.
        inset = min(
            lon / CELL_DEGREES - cx, cx + 1 - lon / CELL_DEGREES,
            lat / CELL_DEGREES - cy, cy + 1 - lat / CELL_DEGREES,
        ) * cell_m  # fmt: skip
        rows_found: list[np.ndarray] = []
        dists_found: list[np.ndarray] = []
        best: np.ndarray = np.empty(0)
        max_ring = int(within_m // cell_m) + 2
        # rings 0 and 1 read at once: ring 0 alone (one cell) rarely holds enough
        for r in range(1, max_ring + 1):
            rows = self._block(cx, cy) if r == 1 else self._ring(cx, cy, r)
            if rows is not None:
                if amenities:
                    rows = rows[(self.amenities[rows] & amenities) == amenities]
                if only_open and weekday is not None and len(rows):
                    o, c = self.opens[rows, weekday], self.closes[rows, weekday]
                    rows = rows[((o <= minute) & (minute < c)).any(axis=1)]
                if len(rows):
                    dx = (self.lon[rows] - lon) * kx
                    dy = (self.lat[rows] - lat) * METRES_PER_DEGREE_LAT
                    dist = np.sqrt(dx * dx + dy * dy)
                    keep = dist <= within_m
                    rows_found.append(rows[keep])
                    dists_found.append(dist[keep])
                    best = np.sort(np.concatenate(dists_found))[:limit]
            reached = r * cell_m + inset  # nothing unread is nearer than this
            if len(best) >= limit and best[-1] <= reached:
                break
            if reached > within_m:
                break
        if not rows_found:
            return []
        rows = np.concatenate(rows_found)
        dist = np.concatenate(dists_found)
        order = np.argsort(dist, kind="stable")[:limit]
        chosen = rows[order]
        if weekday is None:
            open_now = np.zeros(len(chosen), dtype=bool)
        else:
            o, c = self.opens[chosen, weekday], self.closes[chosen, weekday]
            open_now = ((o <= minute) & (minute < c)).any(axis=1)
        return [
            Found(int(self.ids[i]), float(d), bool(op))
            for i, d, op in zip(
                chosen.tolist(), dist[order].tolist(), open_now.tolist(), strict=True
            )
        ]


def current_version() -> int:
    return StationIndexVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def build_index() -> StationIndex:
    """Every active station (one query)."""
    rows = list(
        ServiceStation.objects.filter(is_active=True).values_list(
            "pk", "lon", "lat", "amenities", "weekly_hours"
        )
    )
    return StationIndex(
        ids=[r[0] for r in rows],
        lons=[r[1] for r in rows],
        lats=[r[2] for r in rows],
        amenities=[r[3] for r in rows],
        weeks=[r[4] for r in rows],
    )


_index: Rebuilt[StationIndex, int] = Rebuilt(
    version=lambda: current_version(), build=lambda version: build_index()
)


def current_index() -> StationIndex:
    return _index.get()


def invalidate() -> None:
    """Read the version again at the next call (the station services call this)."""
    _index.invalidate()


def bump_version() -> None:
    """A station changed: a fresh random token (a counter could repeat after a rollback)."""
    StationIndexVersion.objects.update_or_create(
        pk=1,
        defaults={"version": random.randrange(1, 2**62)},  # noqa: S311
    )
    invalidate()


def search_metres() -> float:
    return float(settings.JICENG_STATION_SEARCH_METERS)
