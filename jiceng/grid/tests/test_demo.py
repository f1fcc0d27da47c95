"""The demo's outlines and grids: the streets tile the district, the communities their street
and the grids their community, without overlap, in irregular shapes; routing finds each
grid; an imported outline is kept and tiled; loading again adds nothing."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from jiceng.divisions import shapes
from jiceng.divisions.loading import load_divisions
from jiceng.divisions.models import Division, DivisionShape
from jiceng.grid import routing
from jiceng.grid.demo import grids_per_community, load_demo_grids, tile
from jiceng.grid.models import Grid

pytestmark = pytest.mark.django_db

# 栖霞区 with its streets and 仙林街道's ten communities, as the 2023 file has them.
SAMPLE = Path(__file__).parents[2] / "divisions" / "tests" / "data" / "divisions-sample.csv"
XIANLIN = "320113007000"


def outline(code: str) -> BaseGeometry:
    return shapely.from_geojson(DivisionShape.objects.get(division_id=code).boundary)


def assert_tiles(parent: BaseGeometry, parts: list[BaseGeometry]) -> None:
    """The parts cover the parent, stay inside it and do not overlap. Vertices are snapped to
    1e-7 degrees (about a centimetre), so a border may be off by that much: what is left over
    or doubled is at most the outline's length times that width."""
    assert all(p.is_valid and p.geom_type == "Polygon" for p in parts)
    slack = parent.length * shapes.PRECISION
    union = shapely.union_all(parts)
    assert parent.symmetric_difference(union).area < slack
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(parts, 2))
    assert overlap < slack
    # Adjacent: every part shares a border with another one.
    if len(parts) > 1:
        for part in parts:
            assert any(part.intersection(o).length > 0 for o in parts if o is not part)


@pytest.fixture
def demo() -> int:
    load_divisions(path=SAMPLE)
    return load_demo_grids()


def test_the_streets_tile_the_district_and_the_communities_their_street(demo: int) -> None:
    streets = list(
        Division.objects.filter(
            level=4, code__startswith="320113", children__isnull=False
        ).distinct()
    )
    assert_tiles(outline("320113000000"), [outline(s.code) for s in streets])
    communities = list(Division.objects.filter(parent_id=XIANLIN).values_list("code", flat=True))
    assert len(communities) == 10
    assert_tiles(outline(XIANLIN), [outline(c) for c in communities])


def test_each_communitys_grids_tile_it_in_irregular_shapes(demo: int) -> None:
    communities = list(Division.objects.filter(parent_id=XIANLIN).values_list("code", flat=True))
    assert demo == sum(grids_per_community(c) for c in communities)
    for code in communities:
        grids = [
            shapely.from_geojson(b)
            for b in Grid.objects.filter(community_id=code).values_list("boundary", flat=True)
        ]
        assert 3 <= len(grids) <= 6
        community = outline(code)
        assert all(community.buffer(1e-7).contains(g) for g in grids)
        assert_tiles(community, grids)
    squares = [
        g
        for g in Grid.objects.all()
        if abs(
            shapely.from_geojson(g.boundary).area - shapely.from_geojson(g.boundary).envelope.area
        )
        < 1e-12
    ]
    assert squares == []


def test_routing_finds_the_grid_of_points_inside_it(demo: int) -> None:
    routing.invalidate()
    grids = list(Grid.objects.all())
    geoms = {g.pk: shapely.from_geojson(g.boundary) for g in grids}
    for grid in grids:
        inside = geoms[grid.pk].representative_point()
        placed = routing.locate(inside.x, inside.y)
        assert (placed.grid_id, placed.how, placed.community_code) == (
            grid.pk,
            "inside",
            grid.community_id,
        )
    # Anywhere in the street is inside one of its grids, and the one that holds it.
    street = outline(XIANLIN)
    rng = random.Random(7)
    min_x, min_y, max_x, max_y = street.bounds
    tried = 0
    while tried < 200:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if not street.contains(shapely.Point(x, y)):
            continue
        tried += 1
        placed = routing.locate(x, y)
        assert placed.how == "inside" and placed.street_code == XIANLIN
        assert placed.grid_id is not None
        assert geoms[placed.grid_id].buffer(1e-7).contains(shapely.Point(x, y))


def test_loading_again_adds_nothing_and_keeps_the_shapes(demo: int) -> None:
    before = dict(DivisionShape.objects.values_list("division_id", "boundary"))
    grids = list(Grid.objects.values_list("code", "boundary"))
    assert load_demo_grids() == 0
    assert dict(DivisionShape.objects.values_list("division_id", "boundary")) == before
    assert list(Grid.objects.values_list("code", "boundary")) == grids
    assert Grid.objects.get(code="320113007001-01").name == "仙林新村社区第1网格"


def test_an_imported_outline_is_kept_and_its_grids_tile_it() -> None:
    load_divisions(path=SAMPLE)
    community = "320113007001"
    imported = shapely.Polygon([(118.93, 32.10), (118.95, 32.10), (118.95, 32.12), (118.93, 32.12)])
    shapes.save_shapes({community: shapes.outline_of(imported)})

    load_demo_grids()

    assert outline(community).equals(imported)
    grids = [
        shapely.from_geojson(b)
        for b in Grid.objects.filter(community_id=community).values_list("boundary", flat=True)
    ]
    assert_tiles(imported, grids)


def test_tile_is_the_same_for_the_same_seed() -> None:
    square = shapely.box(0, 0, 1, 1)
    first, again = tile(square, 5, "seed"), tile(square, 5, "seed")
    assert [p.wkt for p in first] == [p.wkt for p in again]
    assert_tiles(square, first)
    assert tile(square, 1, "seed") == [square]
