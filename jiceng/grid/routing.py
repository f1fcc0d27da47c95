"""Route a location to its grid (网格定位): inside a grid, else the nearest grid within
JICENG_GRID_NEAREST_METERS, else the street whose grids' hull holds it, else nowhere. An
address without a point goes through `locate_address`: the gazetteer, then the community,
then the street (grid.gazetteer).

Every process keeps one index of all active grids, built once from the database and reused:

- geometries are projected to spherical Web Mercator, which is conformal: over a few hundred
  metres its scale is the same in every direction, 1 / cos(latitude), so a Mercator distance
  times cos(latitude) is the distance on the ground. Within a grid's size the projected
  polygon and the lon/lat one differ by far less than a metre;
- batches (`locate_many`) look up lattice cells for candidates and test them with prepared
  `intersects_xy` as array operations; JICENG_GRID_THREADS (default 1: on the shared 2-core
  machine two threads measured slower, see bench/RESULTS.md) splits them over threads, since
  shapely releases the GIL; the STRtree answers the nearest grid;
- a hash of lattice cells to candidate grids answers one point (`locate`) without building a
  shapely Point (about 8 µs on its own), testing the candidates with prepared `intersects_xy`;
- street hulls: the convex hull of each street's grids, smallest first, for the street fallback.

The index is rebuilt when `GridIndexVersion` changes. Grid services write a fresh random token
there (a counter could repeat after a rolled-back transaction) and call `invalidate()`, so
this process rebuilds at its next call; other processes read the one small row at most every
JICENG_GRID_RECHECK_SECONDS (default 2) and rebuild when it differs.

A point on the border of two grids is inside both; the grid with the smaller code wins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from shapely import STRtree

from . import gazetteer
from .models import Grid, GridIndexVersion
from .rebuilt import Rebuilt

EARTH_RADIUS = 6378137.0  # the sphere of Web Mercator, metres
MAX_LAT = 85.0  # Mercator's useful range
HOW_INSIDE, HOW_NEAREST, HOW_STREET, HOW_NONE = "inside", "nearest", "street", "none"
_HOW_CODES = np.array([HOW_INSIDE, HOW_NEAREST, HOW_STREET, HOW_NONE], dtype=object)
_BATCH_PER_THREAD = 20_000  # below this one thread is faster than splitting


@dataclass(frozen=True)
class Placement:
    grid_id: int | None
    community_code: str | None
    street_code: str | None
    how: str  # "inside" | "nearest" | "street" | "none"
    distance_m: float = 0.0


NOWHERE = Placement(None, None, None, HOW_NONE)


@dataclass(frozen=True)
class Placements:
    """The placements of a batch as arrays, index i for point i. `how` holds 0 inside,
    1 nearest, 2 street, 3 none; `grid_ids` is -1 where no grid; the code arrays hold None."""

    grid_ids: np.ndarray  # int64
    community_codes: np.ndarray  # object: str | None
    street_codes: np.ndarray  # object: str | None
    how: np.ndarray  # int8
    distance_m: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.grid_ids)

    def __getitem__(self, i: int) -> Placement:
        gid = int(self.grid_ids[i])
        return Placement(
            grid_id=gid if gid >= 0 else None,
            community_code=self.community_codes[i],
            street_code=self.street_codes[i],
            how=str(_HOW_CODES[self.how[i]]),
            distance_m=float(self.distance_m[i]),
        )

    def hows(self) -> np.ndarray:
        """`how` as the strings of Placement.how."""
        strings: np.ndarray = _HOW_CODES[self.how]
        return strings


def project(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spherical Web Mercator, metres."""
    x = np.radians(lons) * EARTH_RADIUS
    y = np.log(np.tan(np.pi / 4 + np.radians(lats) / 2)) * EARTH_RADIUS
    return x, y


_CELL_OFFSET = 1 << 30  # cell numbers stay far below it; keys fit in int64


def _cell_key(cx: int, cy: int) -> int:
    return ((cx + _CELL_OFFSET) << 32) | (cy + _CELL_OFFSET)


def _project_coords(coords: np.ndarray) -> np.ndarray:
    x, y = project(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


class GridIndex:
    """Every active grid of one version, ready to answer points."""

    def __init__(
        self,
        *,
        version: int,
        ids: Sequence[int],
        communities: Sequence[str],
        streets: Sequence[str],
        boundaries: Sequence[str],
        nearest_meters: float,
    ) -> None:
        self.version = version
        self.nearest_meters = float(nearest_meters)
        self.grid_ids = np.asarray(ids, dtype=np.int64)
        # The code arrays carry one extra None at the end so index -1 means "no grid".
        self.communities = np.array([*communities, None], dtype=object)
        self.streets = np.array([*streets, None], dtype=object)
        self.size = len(self.grid_ids)
        if self.size:
            lonlat = shapely.from_geojson(np.asarray(boundaries, dtype=object))
            self.geoms = shapely.transform(lonlat, _project_coords)
        else:
            self.geoms = np.empty(0, dtype=object)
        shapely.prepare(self.geoms)
        self.tree = STRtree(self.geoms)
        self._build_cells()
        self._build_street_hulls(list(streets))

    # -- one point: lattice cells ----------------------------------------------------------

    def _build_cells(self) -> None:
        bounds = shapely.bounds(self.geoms) if self.size else np.empty((0, 4))
        if self.size:
            extent = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
            self.cell = float(max(np.median(extent), 1.0))
        else:
            self.cell = 1.0
        cells: dict[tuple[int, int], list[int]] = {}
        lo = np.floor(bounds[:, :2] / self.cell).astype(np.int64)
        hi = np.floor(bounds[:, 2:] / self.cell).astype(np.int64)
        for i in range(self.size):
            # A huge grid would fill many cells; it is found by the tree instead.
            x0, y0, x1, y1 = int(lo[i, 0]), int(lo[i, 1]), int(hi[i, 0]), int(hi[i, 1])
            if (x1 - x0 + 1) * (y1 - y0 + 1) > 64:
                cells.setdefault((0, -(2**40)), []).append(i)  # the "large" list
                continue
            for cx in range(x0, x1 + 1):
                for cy in range(y0, y1 + 1):
                    cells.setdefault((cx, cy), []).append(i)
        self.large = tuple(cells.pop((0, -(2**40)), []))
        # Candidates in ascending index order, so the first hit is the smallest code.
        self.cells = {key: tuple(sorted(v)) for key, v in cells.items()}
        self.bounds = bounds.tolist()
        self.bounds_array = bounds
        # The same cells as sorted arrays for batches: a key per cell, and its candidates
        # as a slice of one array (compressed rows).
        ordered = sorted(self.cells.items(), key=lambda kv: _cell_key(kv[0][0], kv[0][1]))
        self.cell_keys = np.array([_cell_key(*k) for k, _ in ordered], dtype=np.int64)
        counts = np.array([len(v) for _, v in ordered], dtype=np.int64)
        self.cell_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.cell_candidates = np.array([i for _, v in ordered for i in v], dtype=np.int64)
        self.large_tree = STRtree(self.geoms[list(self.large)]) if self.large else None

    def locate(self, lon: float, lat: float) -> Placement:
        if not (-180.0 <= lon <= 180.0 and -MAX_LAT <= lat <= MAX_LAT) or not self.size:
            return NOWHERE
        x = math.radians(lon) * EARTH_RADIUS
        y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * EARTH_RADIUS
        key = (math.floor(x / self.cell), math.floor(y / self.cell))
        candidates = self.cells.get(key, ())
        if self.large:
            candidates = tuple(sorted({*candidates, *self.large}))
        bounds, geoms, intersects_xy = self.bounds, self.geoms, shapely.lib.intersects_xy
        for i in candidates:
            b = bounds[i]
            if b[0] <= x <= b[2] and b[1] <= y <= b[3] and intersects_xy(geoms[i], x, y):
                return self._placement(i, HOW_INSIDE, 0.0)
        return self.locate_many(np.array([lon]), np.array([lat]))[0]

    def _placement(self, i: int, how: str, distance: float) -> Placement:
        return Placement(int(self.grid_ids[i]), self.communities[i], self.streets[i], how, distance)

    # -- many points: the tree ---------------------------------------------------------------

    def _build_street_hulls(self, streets: list[str]) -> None:
        by_street: dict[str, list[int]] = {}
        for i, street in enumerate(streets):
            by_street.setdefault(street, []).append(i)
        codes = list(by_street)
        hulls = [shapely.convex_hull(shapely.union_all(self.geoms[by_street[c]])) for c in codes]
        order = sorted(range(len(codes)), key=lambda k: shapely.area(hulls[k]))  # smallest first
        self.hull_codes = np.array([*(codes[k] for k in order), None], dtype=object)
        self.hulls = np.array([hulls[k] for k in order], dtype=object)
        shapely.prepare(self.hulls)
        self.hull_tree = STRtree(self.hulls)

    def locate_many(
        self, lons: Sequence[float] | np.ndarray, lats: Sequence[float] | np.ndarray
    ) -> Placements:
        lons = np.asarray(lons, dtype=np.float64)
        lats = np.asarray(lats, dtype=np.float64)
        if lons.shape != lats.shape or lons.ndim != 1:
            raise ValueError("lons and lats must be 1-D arrays of one length")
        n = len(lons)
        grid = np.full(n, -1, dtype=np.int64)
        how = np.full(n, 3, dtype=np.int8)
        distance = np.zeros(n, dtype=np.float64)
        street = np.full(n, -1, dtype=np.int64)
        valid = (np.abs(lons) <= 180.0) & (np.abs(lats) <= MAX_LAT)  # NaN fails both
        if self.size and valid.any():
            where = np.flatnonzero(valid)
            x, y = project(lons[where], lats[where])
            inside = self._inside(x, y)
            hit = inside >= 0
            grid[where[hit]] = inside[hit]
            how[where[hit]] = 0
            missed = where[~hit]
            if len(missed):
                points = shapely.points(x[~hit], y[~hit])
                self._nearest(missed, points, lats[missed], grid, how, distance)
                left = missed[grid[missed] < 0]
                if len(left):
                    x2, y2 = project(lons[left], lats[left])
                    hull = self._first_hits(self.hull_tree, shapely.points(x2, y2))
                    street[left] = hull
                    how[left[hull >= 0]] = 2
        streets = self.streets[grid].copy()  # index -1 is the trailing None
        on_street = how == 2
        streets[on_street] = self.hull_codes[street[on_street]]
        ids = np.where(grid >= 0, self.grid_ids[np.maximum(grid, 0)] if self.size else -1, -1)
        return Placements(
            grid_ids=ids.astype(np.int64),
            community_codes=self.communities[grid],
            street_codes=streets,
            how=how,
            distance_m=distance,
        )

    def _nearest(
        self,
        rows: np.ndarray,
        points: np.ndarray,
        lats: np.ndarray,
        grid: np.ndarray,
        how: np.ndarray,
        distance: np.ndarray,
    ) -> None:
        if self.nearest_meters <= 0:
            return
        scale = np.cos(np.radians(lats))  # ground metres per Mercator metre
        reach = self.nearest_meters / float(scale.min())
        found, dist = self.tree.query_nearest(
            points, max_distance=reach, return_distance=True, all_matches=False
        )
        ground = dist * scale[found[0]]
        close = ground <= self.nearest_meters
        targets = rows[found[0][close]]
        grid[targets] = found[1][close]
        how[targets] = 1
        distance[targets] = ground[close]

    def _inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """For each projected point, the smallest index of a grid holding it, or -1: the
        lattice cells give candidates, their boxes filter them, prepared `intersects_xy`
        decides, all as array operations (no Point objects), split over threads."""
        n = len(x)
        threads = _threads()
        if threads > 1 and n >= 2 * _BATCH_PER_THREAD:
            parts = np.array_split(np.arange(n), threads)
            with ThreadPoolExecutor(threads) as pool:
                answers = list(pool.map(lambda p: self._inside_part(x[p], y[p]), parts))
            result = np.concatenate(answers)
        else:
            result = self._inside_part(x, y)
        if self.large_tree is not None:
            missed = np.flatnonzero(result < 0)
            if len(missed):
                points = shapely.points(x[missed], y[missed])
                found = self._first_hits(self.large_tree, points)
                large = np.asarray(self.large, dtype=np.int64)
                hit = found >= 0
                result[missed[hit]] = large[found[hit]]
        return result

    def _inside_part(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        n = len(x)
        result = np.full(n, -1, dtype=np.int64)
        if not len(self.cell_keys):
            return result
        kx = np.floor(x / self.cell).astype(np.int64) + _CELL_OFFSET
        ky = np.floor(y / self.cell).astype(np.int64) + _CELL_OFFSET
        keys = (kx << 32) | ky
        pos = np.minimum(np.searchsorted(self.cell_keys, keys), len(self.cell_keys) - 1)
        known = self.cell_keys[pos] == keys
        starts = self.cell_offsets[pos]
        counts = np.where(known, self.cell_offsets[pos + 1] - starts, 0)
        total = int(counts.sum())
        if not total:
            return result
        point = np.repeat(np.arange(n), counts)
        ends = np.cumsum(counts)
        within = np.arange(total) - np.repeat(ends - counts, counts)
        grid = self.cell_candidates[np.repeat(starts, counts) + within]
        px, py = x[point], y[point]
        b = self.bounds_array[grid]
        near = (b[:, 0] <= px) & (px <= b[:, 2]) & (b[:, 1] <= py) & (py <= b[:, 3])
        point, grid, px, py = point[near], grid[near], px[near], py[near]
        hit = shapely.intersects_xy(self.geoms[grid], px, py)
        point, grid = point[hit], grid[hit]
        if not len(point):
            return result
        result[point] = grid
        # A point on a shared border is in two grids: keep the smaller index.
        repeated = np.flatnonzero(point[1:] == point[:-1])
        if len(repeated):
            mask = np.isin(point, point[repeated])
            np.minimum.at(result, point[mask], grid[mask])
        return result

    def _first_hits(self, tree: STRtree, points: np.ndarray) -> np.ndarray:
        """For each point, the smallest tree index it intersects, or -1."""
        n = len(points)
        result = np.full(n, -1, dtype=np.int64)
        if n == 0:
            return result
        threads = _threads()
        if threads > 1 and n >= 2 * _BATCH_PER_THREAD:
            parts = np.array_split(np.arange(n), threads)
            with ThreadPoolExecutor(threads) as pool:
                answers = list(
                    pool.map(lambda p: tree.query(points[p], predicate="intersects"), parts)
                )
            pairs = np.concatenate(
                [np.vstack([part[a[0]], a[1]]) for part, a in zip(parts, answers, strict=True)],
                axis=1,
            )
        else:
            pairs = tree.query(points, predicate="intersects")
        if pairs.shape[1] == 0:
            return result
        inputs, found = pairs[0], pairs[1]
        result[inputs] = found
        # Rows come grouped by input; a point on a shared border appears twice or more.
        repeated = np.flatnonzero(inputs[1:] == inputs[:-1])
        if len(repeated):
            mask = np.isin(inputs, inputs[repeated])
            np.minimum.at(result, inputs[mask], found[mask])
        return result


# -- the process's index ---------------------------------------------------------------------


def _threads() -> int:
    return max(1, settings.JICENG_GRID_THREADS)


def current_version() -> int:
    return GridIndexVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def build_index(*, version: int | None = None) -> GridIndex:
    """Load every active grid (one query) into a new index."""
    if version is None:
        version = current_version()
    rows = list(
        Grid.objects.filter(is_active=True)
        .order_by("code")
        .values_list("pk", "community_id", "street_id", "boundary")
    )
    return GridIndex(
        version=version,
        ids=[r[0] for r in rows],
        communities=[r[1] for r in rows],
        streets=[r[2] for r in rows],
        boundaries=[r[3] for r in rows],
        nearest_meters=settings.JICENG_GRID_NEAREST_METERS,
    )


_index: Rebuilt[GridIndex, int] = Rebuilt(
    version=lambda: current_version(), build=lambda version: build_index(version=version)
)


def current_index() -> GridIndex:
    """The index of the current grids: the kept one unless its version is out of date."""
    return _index.get()


def invalidate() -> None:
    """Read the version again at the next call (the grid services call this on a change);
    the address book (gazetteer) too, which holds the grids."""
    _index.invalidate()
    gazetteer.invalidate()


def locate(lon: float, lat: float) -> Placement:
    """Where one point belongs."""
    return current_index().locate(lon, lat)


def locate_many(
    lons: Sequence[float] | np.ndarray, lats: Sequence[float] | np.ndarray
) -> Placements:
    """Where each of many points belongs, as arrays; `result[i]` is point i's Placement."""
    return current_index().locate_many(lons, lats)


def locate_address(address: str) -> gazetteer.Resolution:
    """Where an address belongs: one candidate, several (the operator chooses), or none."""
    return gazetteer.resolve(address)
