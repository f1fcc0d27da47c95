"""Demo outlines and grids for 栖霞区 (320113): plausible shapes from the divisions table.

The NBS codes carry no shapes, so the demo makes them up, the way a real district is cut:

- the district's outline, an irregular shape around where its streets lie;
- its streets (街道 and the development zones, 乡级), a Voronoi partition of the outline
  from one seed per street: the nine streets at about their real places in Nanjing, so a
  basemap (JICENG_MAP_TILE_URL) is roughly right, the zones a cluster on the east edge;
- each street's communities (社区/村), a Voronoi partition of the street from seeds spread by
  two rounds of Lloyd's relaxation (each seed moved to its cell's centroid), so the cells are
  of similar size and irregular, not a block of squares;
- each community's grids (3 to 6 of them), partitioned the same way inside the community.

Every level tiles its parent: the cells are clipped to the parent and snapped to the outlines'
precision, so neighbours share their borders and nothing overlaps, and routing finds a point's
grid inside. A division that already has an outline (imported by an administrator) keeps it,
and its grids tile that. Everything is drawn from random generators seeded by the codes, so
running it again gives the same shapes; it adds only what is missing. Grid codes are the
community code and a number (320113007001-01).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import shapely
from django.db import transaction
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from jiceng.core import audit, clock
from jiceng.divisions import shapes
from jiceng.divisions.models import Division, DivisionShape, Level, common_name

from . import services
from .models import Grid

DISTRICT = "320113"
# Where the streets of 栖霞区 lie, roughly (lon, lat of a point inside each).
STREET_SEEDS = {
    "320113001": (118.872, 32.130),  # 尧化街道
    "320113002": (118.880, 32.058),  # 马群街道
    "320113003": (118.805, 32.105),  # 迈皋桥街道
    "320113004": (118.820, 32.143),  # 燕子矶街道
    "320113005": (118.960, 32.155),  # 栖霞街道
    "320113006": (119.070, 32.170),  # 龙潭街道
    "320113007": (118.935, 32.102),  # 仙林街道
    "320113009": (118.790, 32.185),  # 八卦洲街道
    "320113010": (119.000, 32.112),  # 西岗街道
}
# The development zones (乡级 units such as 仙林大学城 that the NBS lists beside the streets)
# are a cluster of small cells on the east edge, where 南京经济技术开发区 is.
ZONES_FROM = (119.105, 32.118)
ZONE_STEP = 0.013  # degrees between the zones' seeds
ZONES_PER_ROW = 4
GRIDS_PER_COMMUNITY = (3, 6)
LLOYD_ROUNDS = 2


def tile(parent: BaseGeometry, count: int, seed: str) -> list[BaseGeometry]:
    """`count` irregular polygons that tile `parent` (adjacent, not overlapping), in a
    deterministic order (by their seeds from south-west to north-east)."""
    if count <= 1:
        return [parent]
    rng = random.Random(seed)  # noqa: S311 (made-up shapes, not secrets)
    points = _scatter(parent, count, rng)
    cells: list[BaseGeometry] = []
    for _ in range(LLOYD_ROUNDS + 1):
        cells = _voronoi(parent, points)
        points = [_inside(cell) for cell in cells]
    order = sorted(range(count), key=lambda i: (round(points[i][1], 3), points[i][0]))
    return [cells[i] for i in order]


def _scatter(parent: BaseGeometry, count: int, rng: random.Random) -> list[tuple[float, float]]:
    """Random points inside `parent`, kept apart (rejection sampling with a shrinking gap)."""
    min_x, min_y, max_x, max_y = parent.bounds
    gap = math.sqrt(parent.area / count) * 0.6
    prepared = prep(parent)
    points: list[tuple[float, float]] = []
    tries = 0
    while len(points) < count:
        tries += 1
        if tries % 200 == 0:
            gap *= 0.8
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if not prepared.contains(Point(x, y)):
            continue
        if all(math.hypot(x - px, y - py) >= gap for px, py in points):
            points.append((x, y))
    return points


def _voronoi(parent: BaseGeometry, points: Sequence[tuple[float, float]]) -> list[BaseGeometry]:
    """The Voronoi cells of `points` (in their order) clipped to `parent`."""
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=parent, ordered=True)
    cells = [cell.intersection(parent) for cell in diagram.geoms]
    return [shapely.set_precision(_polygonal(cell), shapes.PRECISION) for cell in cells]


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The areal part of an intersection (which may hold stray lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def _inside(cell: BaseGeometry) -> tuple[float, float]:
    centre = cell.centroid
    if not cell.contains(centre):
        centre = cell.representative_point()
    return (centre.x, centre.y)


def district_outline(seeds: Sequence[tuple[float, float]], code: str) -> Polygon:
    """An irregular outline around the streets' seeds: their hull, widened, its edge pushed
    in and out at random. A hull is star-shaped about its centroid, so moving each vertex
    along its ray keeps the ring simple (a valid polygon)."""
    rng = random.Random(code)  # noqa: S311
    hull = MultiPoint(seeds).convex_hull.buffer(0.02, quad_segs=8)
    cx, cy = hull.centroid.x, hull.centroid.y
    ring = []
    for x, y in hull.exterior.coords[:-1]:
        scale = rng.uniform(0.93, 1.05)
        ring.append((cx + (x - cx) * scale, cy + (y - cy) * scale))
    return Polygon(ring)


def _street_seeds(streets: Sequence[str]) -> list[tuple[float, float]]:
    seeds = []
    zone = 0
    for code in streets:
        if code[:9] in STREET_SEEDS:
            seeds.append(STREET_SEEDS[code[:9]])
        else:
            row, column = divmod(zone, ZONES_PER_ROW)
            lon = ZONES_FROM[0] + column * ZONE_STEP + (row % 2) * ZONE_STEP / 2
            seeds.append((lon, ZONES_FROM[1] + row * ZONE_STEP))
            zone += 1
    return seeds


def _stored(codes: Sequence[str]) -> dict[str, BaseGeometry]:
    rows = DivisionShape.objects.filter(division_id__in=codes).values_list(
        "division_id", "boundary"
    )
    return {code: shapely.from_geojson(text) for code, text in rows}


def demo_outlines() -> dict[str, BaseGeometry]:
    """The outline of the district, each street and each community: stored ones as they are,
    the missing ones made up (and saved)."""
    district = DISTRICT.ljust(12, "0")
    streets = list(
        Division.objects.filter(code__startswith=DISTRICT, level=Level.TOWNSHIP)
        .order_by("code")
        .values_list("code", flat=True)
    )
    communities: dict[str, list[str]] = {}
    for code in (
        Division.objects.filter(code__startswith=DISTRICT, level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    ):
        communities.setdefault(services.street_code_of(code), []).append(code)
    streets = [s for s in streets if s in communities]
    if not streets:
        return {}
    stored = _stored([district, *streets, *(c for cs in communities.values() for c in cs)])
    made: dict[str, BaseGeometry] = {}
    seeds = _street_seeds(streets)
    outline = stored.get(district) or district_outline(seeds, district)
    outline = shapely.set_precision(outline, shapes.PRECISION)
    made[district] = outline
    street_cells = _voronoi(outline, seeds)
    for street, cell in zip(streets, street_cells, strict=True):
        street_shape = stored.get(street, cell)
        made[street] = street_shape
        members = communities[street]
        for community, part in zip(members, tile(street_shape, len(members), street), strict=True):
            made[community] = stored.get(community, part)
    shapes.save_shapes(
        {code: shapes.outline_of(geom) for code, geom in made.items() if code not in stored}
    )
    return made


def grids_per_community(code: str) -> int:
    return random.Random(f"grids-{code}").randint(*GRIDS_PER_COMMUNITY)  # noqa: S311


@transaction.atomic
def load_demo_grids() -> int:
    """Create the demo district's outlines and grids; returns how many grids were created."""
    outlines = demo_outlines()
    names = dict(
        Division.objects.filter(code__in=list(outlines), level=Level.VILLAGE).values_list(
            "code", "name"
        )
    )
    existing = set(Grid.objects.filter(code__startswith=DISTRICT).values_list("code", flat=True))
    now = clock.now()
    new: list[Grid] = []
    for community, name in sorted(names.items()):
        if any(code.startswith(f"{community}-") for code in existing):
            continue  # a community with grids keeps them as they are
        parts = tile(outlines[community], grids_per_community(community), f"grids-{community}")
        for number, part in enumerate(parts, start=1):
            min_lon, min_lat, max_lon, max_lat = part.bounds
            new.append(
                Grid(
                    code=f"{community}-{number:02d}",
                    name=f"{common_name(name)}第{number}网格",
                    community_id=community,
                    street_id=services.street_code_of(community),
                    boundary=shapely.to_geojson(part),
                    min_lon=min_lon,
                    min_lat=min_lat,
                    max_lon=max_lon,
                    max_lat=max_lat,
                    created_at=now,
                    updated_at=now,
                )
            )
    if new:
        Grid.objects.bulk_create(new, batch_size=1000)
        services.bump_version()
        audit.record(
            audit.AuditEvent.WRITE,
            action="grid.load_demo_grids",
            detail={"created": len(new)},
        )
    return len(new)
