"""Grids (网格) for the synthetic data set (`jiceng seed`): the NBS codes carry no outlines, so
every community (社区, a village-level division that is not a village) of the seeded tree gets
3 to 6 grids with made-up rectangles, enough for everything that needs grids (household
contacts, task forces, red-sail stations, routing by location) to have somewhere to be.

Where the rectangles are, from the codes alone and the divisions table, so a rerun or another
machine draws the same ones:
- each province has a box around a point in it (its capital, roughly), sized by how many
  county-level units it has; its counties are the cells of a square lattice in that box, in the
  order of their codes;
- a county's cell is cut the same way into its townships (乡级), a township's into its
  village-level divisions, and a community's cell into its grids (two rows of strips).
So no two synthetic grids overlap and every grid lies inside its community's cell, which lies
inside its street's; the shapes are rectangles, not the demo's Voronoi cells (jiceng.grid.demo),
because the demo's shapely work per community would cost more than the rest of the seed.

A community that has grids already (the demo district, grids loaded with `jiceng load-grids`)
keeps them as they are and gets none: a rerun adds nothing. Rows go through writer.BulkWriter
with ids handed out here, like the rest of the data set.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection

from jiceng.core import clock
from jiceng.core.paths import under, under_any
from jiceng.divisions.models import Division, Level, common_name
from jiceng.grid import services as grid_services
from jiceng.grid.demo import grids_per_community
from jiceng.grid.models import Grid
from jiceng.orgs.models import Organization, Sector

from .writer import BulkWriter, Table

# A point inside each province (lon, lat): its capital or thereabouts.
PROVINCE_POINTS = {
    "11": (116.40, 39.90),
    "12": (117.20, 39.13),
    "13": (115.20, 38.40),
    "14": (112.55, 37.87),
    "15": (111.70, 40.82),
    "21": (123.43, 41.80),
    "22": (125.32, 43.90),
    "23": (126.63, 45.75),
    "31": (121.47, 31.23),
    "32": (119.30, 32.90),
    "33": (120.15, 29.30),
    "34": (117.25, 31.85),
    "35": (118.30, 26.10),
    "36": (115.90, 27.60),
    "37": (117.90, 36.30),
    "41": (113.60, 34.00),
    "42": (112.30, 30.90),
    "43": (112.00, 27.60),
    "44": (113.30, 23.10),
    "45": (108.30, 23.30),
    "46": (109.80, 19.20),
    "50": (107.00, 29.90),
    "51": (103.50, 30.50),
    "52": (106.70, 26.60),
    "53": (102.00, 25.00),
    "54": (91.10, 29.65),
    "61": (108.95, 34.30),
    "62": (103.80, 36.05),
    "63": (101.80, 36.60),
    "64": (106.20, 38.50),
    "65": (87.60, 43.80),
}
ELSEWHERE = (105.0, 35.0)
COUNTY_CELL = 0.12  # degrees (about 12 km) a side for a county's cell in its province's box
DIGITS = 6  # decimals kept in the outlines (about 0.1 m)

GRID_COLUMNS = (
    "id",
    "code",
    "name",
    "community_id",
    "street_id",
    "boundary",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "is_active",
    "created_at",
    "updated_at",
)

Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


@dataclass
class GridSeedResult:
    communities: int = 0
    grids: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.grids / max(self.seconds, 1e-9)


def lattice(box: Box, count: int, index: int) -> Box:
    """The `index`-th of `count` cells of a near-square lattice over `box`, row by row from
    the south-west."""
    columns = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    row, column = divmod(index, columns)
    width = (box[2] - box[0]) / columns
    height = (box[3] - box[1]) / rows
    x, y = box[0] + column * width, box[1] + row * height
    return (x, y, x + width, y + height)


def province_box(province: str, counties: int) -> Box:
    lon, lat = PROVINCE_POINTS.get(province, ELSEWHERE)
    half = max(1, math.ceil(math.sqrt(counties))) * COUNTY_CELL / 2
    return (lon - half, lat - half, lon + half, lat + half)


def strips(box: Box, count: int) -> list[Box]:
    """`count` rectangles tiling `box`: one row of strips up to three, two rows above."""
    top = count // 2 if count > 3 else 0
    bottom = count - top
    height = (box[3] - box[1]) / (2 if top else 1)
    cells: list[Box] = []
    for row, n in enumerate((bottom, top)):
        width = (box[2] - box[0]) / max(n, 1)
        y = box[1] + row * height
        cells.extend(
            (box[0] + i * width, y, box[0] + (i + 1) * width, y + height) for i in range(n)
        )
    return cells


def geojson(box: Box) -> tuple[str, Box]:
    """The rectangle as GeoJSON text and its rounded bounds."""
    x0, y0, x1, y1 = (round(v, DIGITS) for v in box)
    ring = f"[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]"
    return '{"type":"Polygon","coordinates":[[' + ring + "]]}", (x0, y0, x1, y1)


def community_divisions(under: list[str] | None = None) -> dict[str, list[str]]:
    """The community divisions of the tree's community organizations (those below the paths
    `under`, or all), by county code."""
    found = Organization.objects.filter(sector=Sector.COMMUNITY, division__level=Level.VILLAGE)
    if under:
        found = found.filter(under_any(under))
    codes = found.order_by().values_list("division_id", flat=True).distinct()
    by_county: dict[str, list[str]] = defaultdict(list)
    for code in set(codes):
        by_county[code[:6]].append(code)
    return {county: sorted(found) for county, found in sorted(by_county.items())}


def county_boxes(counties: list[str]) -> dict[str, Box]:
    """Each county's cell in its province's box, from the order of the province's counties."""
    provinces = {c[:2] for c in counties}
    all_counties: dict[str, list[str]] = defaultdict(list)
    for code in (
        Division.objects.filter(level=Level.COUNTY).order_by("code").values_list("code", flat=True)
    ):
        if code[:2] in provinces:
            all_counties[code[:2]].append(code[:6])
    boxes = {}
    for province, codes in all_counties.items():
        box = province_box(province, len(codes))
        for i, code in enumerate(codes):
            boxes[code] = lattice(box, len(codes), i)
    return {c: boxes[c] for c in counties if c in boxes}


def county_grids(
    county_box: Box, communities: list[str], first_id: int, stamp: object
) -> list[tuple[object, ...]]:
    """The grid rows of one county's communities (those given)."""
    county = communities[0][:6]
    places = list(
        Division.objects.filter(under(county, "code"), level__in=(Level.TOWNSHIP, Level.VILLAGE))
        .order_by("code")
        .values_list("code", "name", "level")
    )
    townships = [code for code, _, level in places if level == Level.TOWNSHIP]
    localities: dict[str, list[str]] = defaultdict(list)
    for code, _, level in places:
        if level == Level.VILLAGE:
            localities[grid_services.street_code_of(code)].append(code)
    names = {code: name for code, name, _ in places}
    street_boxes = {t: lattice(county_box, len(townships), i) for i, t in enumerate(townships)}
    rows: list[tuple[object, ...]] = []
    next_id = first_id
    for community in communities:
        street = grid_services.street_code_of(community)
        siblings = localities.get(street, [])
        if street not in street_boxes or community not in siblings:
            continue  # a division the table no longer lists
        cell = lattice(street_boxes[street], len(siblings), siblings.index(community))
        label = common_name(names[community])
        for number, part in enumerate(strips(cell, grids_per_community(community)), start=1):
            text, (x0, y0, x1, y1) = geojson(part)
            rows.append(
                (
                    next_id,
                    f"{community}-{number:02d}",
                    f"{label}第{number}网格",
                    community,
                    street,
                    text,
                    x0,
                    y0,
                    x1,
                    y1,
                    True,
                    stamp,
                    stamp,
                )
            )
            next_id += 1
    return rows


def seed_grids(*, as_of: dt.date | None = None, under: list[str] | None = None) -> GridSeedResult:
    """Grids for every community organization's division (below the paths `under`, or all)
    that has none yet."""
    started = time.perf_counter()
    as_of = as_of or clock.today()
    result = GridSeedResult()
    wanted = community_divisions(under)
    gridded = set(Grid.objects.order_by().values_list("community_id", flat=True).distinct())
    wanted = {
        county: [c for c in codes if c not in gridded]
        for county, codes in wanted.items()
        if any(c not in gridded for c in codes)
    }
    if not wanted:
        result.seconds = time.perf_counter() - started
        return result
    boxes = county_boxes(list(wanted))
    stamp = connection.ops.adapt_datetimefield_value(
        dt.datetime.combine(as_of, dt.time(9), tzinfo=clock.CHINA)
    )
    last = Grid.objects.order_by("-pk").values_list("pk", flat=True).first()
    next_id = int(last or 0) + 1
    tables = {"grids": Table.of(Grid, GRID_COLUMNS)}
    with BulkWriter(tables, defer_indexes=last is None) as writer:
        for county, communities in wanted.items():
            if county not in boxes:
                continue
            rows = county_grids(boxes[county], communities, next_id, stamp)
            writer.write("grids", rows)
            next_id += len(rows)
            result.grids += len(rows)
            result.communities += len({row[3] for row in rows})
    if result.grids:
        grid_services.bump_version()
    result.seconds = time.perf_counter() - started
    return result
