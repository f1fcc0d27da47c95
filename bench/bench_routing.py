"""Routes points to grids: 30,000 synthetic grid polygons, a batch and one point at a time.

    .venv/bin/python bench/bench_routing.py [--grids 30000] [--points 1000000]

The grids tile a lattice around 南京 (118.9°E 32.1°N) without gaps, like a city's grids: every
cell an octagon whose corners and edge midpoints are jittered and shared with its neighbours,
about 330 m across, in 100 streets (for the street hulls). The points are uniform over the
tiled area and a margin around it, so a few percent take the nearest, street and none paths.

Prints, from one run: building the index (from GeoJSON text, as routing.build_index does);
`locate_many` points per second with the configured threads and with one; a bare shapely
`STRtree.query(points, predicate="intersects")` of the same points as the baseline (the ratio);
`locate` microseconds per point for points inside grids and for points outside. No database:
the index is built from generated rows and put in place of the process's index.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lattice(n: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    step = 0.003  # degrees, about 280 m east-west and 330 m north-south here
    lon0, lat0 = 118.9 - side * step / 2, 32.1 - side * step / 2
    corners = rng.uniform(-0.18, 0.18, (side + 1, side + 1, 2)) * step
    mid_h = rng.uniform(-0.1, 0.1, (side + 1, side, 2)) * step  # horizontal edges
    mid_v = rng.uniform(-0.1, 0.1, (side, side + 1, 2)) * step  # vertical edges

    def corner(i: int, j: int) -> list[float]:
        return [lon0 + i * step + corners[i, j, 0], lat0 + j * step + corners[i, j, 1]]

    def on_h(i: int, j: int) -> list[float]:  # the edge from corner (i, j) to (i+1, j)
        return [lon0 + (i + 0.5) * step + mid_h[j, i, 0], lat0 + j * step + mid_h[j, i, 1]]

    def on_v(i: int, j: int) -> list[float]:  # the edge from corner (i, j) to (i, j+1)
        return [lon0 + i * step + mid_v[j, i, 0], lat0 + (j + 0.5) * step + mid_v[j, i, 1]]

    boundaries, communities, streets = [], [], []
    for k in range(n):
        i, j = k % side, k // side
        ring = [
            corner(i, j), on_h(i, j), corner(i + 1, j), on_v(i + 1, j),
            corner(i + 1, j + 1), on_h(i, j + 1), corner(i, j + 1), on_v(i, j),
        ]  # fmt: skip
        ring.append(ring[0])
        boundaries.append(json.dumps({"type": "Polygon", "coordinates": [ring]}))
        street = (i * 10 // side) * 10 + (j * 10 // side)  # 10 × 10 blocks of cells
        streets.append(f"320113{street:03d}000")
        communities.append(f"320113{street:03d}{(i % 7) * 7 + j % 7 + 1:03d}")
    return boundaries, communities, streets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=30_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--singles", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import numpy as np
    import shapely
    from django.conf import settings

    from jiceng.grid import routing

    boundaries, communities, streets = lattice(args.grids, args.seed)
    started = time.perf_counter()
    index = routing.GridIndex(
        version=1,
        ids=list(range(1, args.grids + 1)),
        communities=communities,
        streets=streets,
        boundaries=boundaries,
        nearest_meters=200,
    )
    build_s = time.perf_counter() - started
    routing._index = index
    routing._next_check = float("inf")  # measure routing, not the version row

    minx, miny, maxx, maxy = shapely.bounds(shapely.from_geojson(boundaries)).T
    lon_lo, lon_hi = minx.min() - 0.01, maxx.max() + 0.01
    lat_lo, lat_hi = miny.min() - 0.01, maxy.max() + 0.01
    rng = np.random.default_rng(args.seed + 1)
    lons = rng.uniform(lon_lo, lon_hi, args.points)
    lats = rng.uniform(lat_lo, lat_hi, args.points)

    def best(fn: object, runs: int) -> float:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            times.append(time.perf_counter() - t0)
        return min(times)

    threads = routing._threads()
    batch = routing.locate_many(lons, lats)
    hows = {h: int((batch.how == k).sum()) for k, h in enumerate(routing._HOW_CODES)}
    t_batch = best(lambda: routing.locate_many(lons, lats), args.runs)
    settings.JICENG_GRID_THREADS = 1
    t_batch_one = best(lambda: routing.locate_many(lons, lats), args.runs)
    settings.JICENG_GRID_THREADS = threads
    x, y = routing.project(lons, lats)
    points = shapely.points(x, y)
    t_bare = best(lambda: index.tree.query(points, predicate="intersects"), args.runs)
    t_bare_points = best(
        lambda: index.tree.query(shapely.points(*routing.project(lons, lats)), "intersects"),
        args.runs,
    )

    inside = np.flatnonzero(batch.how == 0)[: args.singles]
    outside = np.flatnonzero(batch.how != 0)[: args.singles // 10]
    single_in, single_out = [], []
    for _ in range(args.runs):
        pts = [(float(lons[i]), float(lats[i])) for i in inside]
        t0 = time.perf_counter()
        for lon, lat in pts:
            routing.locate(lon, lat)
        single_in.append((time.perf_counter() - t0) / len(pts) * 1e6)
        pts = [(float(lons[i]), float(lats[i])) for i in outside]
        t0 = time.perf_counter()
        for lon, lat in pts:
            routing.locate(lon, lat)
        single_out.append((time.perf_counter() - t0) / len(pts) * 1e6)

    # The single path and the batch agree.
    for i in inside[:2000]:
        assert routing.locate(float(lons[i]), float(lats[i])) == batch[int(i)]

    n = args.points
    print(f"grids {args.grids:,}, points {n:,}, threads {threads}, cpus {os.cpu_count()}")
    print(f"placements: {hows}")
    print(f"build index from GeoJSON: {build_s:.2f} s")
    print(f"locate_many ({threads} threads): {n / t_batch:,.0f} points/s")
    print(f"locate_many (1 thread): {n / t_batch_one:,.0f} points/s")
    print(f"bare STRtree.query intersects, points prebuilt: {n / t_bare:,.0f} points/s")
    print(f"bare projection + points + query: {n / t_bare_points:,.0f} points/s")
    print(
        f"ratio locate_many / bare (1 thread, with projection): {t_bare_points / t_batch_one:.2f}"
    )
    print(
        f"locate one point inside: median {statistics.median(single_in):.2f} µs, "
        f"best {min(single_in):.2f} µs"
    )
    print(
        f"locate one point outside (nearest/street/none): median "
        f"{statistics.median(single_out):.2f} µs"
    )


if __name__ == "__main__":
    main()
