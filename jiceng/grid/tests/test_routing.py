"""Routing a location to its grid: inside, on a border, nearest, by street, nowhere."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.test import override_settings

from jiceng.grid import routing, services
from jiceng.grid.models import GridIndexVersion
from jiceng.testing.grid_personas import Grids, square

pytestmark = pytest.mark.django_db

METRES_PER_DEGREE_LAT = 6378137.0 * math.pi / 180  # on Web Mercator's sphere


def west_of(lon: float, lat: float, metres: float) -> float:
    return lon - metres / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat)))


def test_a_point_inside_a_grid_is_routed_to_it(grids: Grids) -> None:
    placement = routing.locate(118.902, 32.102)
    assert placement == routing.Placement(
        grids.wenyuan.pk, "320113007001", "320113007000", "inside", 0.0
    )
    assert routing.locate(118.952, 32.152).grid_id == grids.yaohua.pk


def test_a_point_on_a_shared_border_goes_to_the_smaller_code(grids: Grids) -> None:
    assert routing.locate(118.905, 32.102).grid_id == grids.wenyuan.pk
    assert routing.locate_many([118.905], [32.102])[0].grid_id == grids.wenyuan.pk
    # On the outer border the grid is still "inside".
    assert routing.locate(118.910, 32.102) == routing.Placement(
        grids.wenyuan_east.pk, "320113007001", "320113007000", "inside", 0.0
    )


def test_a_point_just_outside_goes_to_the_nearest_grid_with_the_distance(grids: Grids) -> None:
    lon = west_of(118.900, 32.102, 100)
    placement = routing.locate(lon, 32.102)
    assert placement.how == "nearest"
    assert placement.grid_id == grids.wenyuan.pk
    assert placement.community_code == "320113007001"
    assert placement.distance_m == pytest.approx(100, abs=1)


@override_settings(JICENG_GRID_NEAREST_METERS=50)
def test_the_nearest_distance_is_a_setting(grids: Grids) -> None:
    routing.invalidate()
    routing._index.forget()  # the setting is read when the index is built
    assert routing.locate(west_of(118.900, 32.102, 100), 32.102).how == "none"
    assert routing.locate(west_of(118.900, 32.102, 40), 32.102).how == "nearest"
    routing._index.forget()


def test_a_point_far_from_grids_but_inside_the_streets_hull_goes_to_the_street(
    grids: Grids,
) -> None:
    # 555 m from 文苑 and from 仙鹤, inside the hull of 仙林街道's grids.
    placement = routing.locate(118.9055, 32.110)
    assert placement == routing.Placement(None, None, "320113007000", "street", 0.0)


def test_a_point_nowhere_near_is_placed_nowhere(grids: Grids) -> None:
    assert routing.locate(116.40, 39.90) == routing.NOWHERE
    assert routing.locate(float("nan"), 32.1) == routing.NOWHERE
    assert routing.locate(200.0, 32.1) == routing.NOWHERE


def test_no_grids_at_all_places_nothing(db: None) -> None:
    assert routing.locate(118.902, 32.102) == routing.NOWHERE
    assert len(routing.locate_many([], [])) == 0


def test_a_batch_agrees_with_single_points(grids: Grids) -> None:
    rng = np.random.default_rng(7)
    lons = rng.uniform(118.895, 118.96, 3000)
    lats = rng.uniform(32.095, 32.16, 3000)
    batch = routing.locate_many(lons, lats)
    for i in range(0, 3000, 7):
        assert batch[i] == routing.locate(float(lons[i]), float(lats[i]))
    assert set(batch.hows()) == {"inside", "nearest", "street", "none"}


@override_settings(JICENG_GRID_THREADS=2)
def test_a_large_batch_split_over_threads_gives_the_same_answer(grids: Grids) -> None:
    rng = np.random.default_rng(8)
    lons = rng.uniform(118.899, 118.911, 50_000)
    lats = np.full(50_000, 32.102)
    lons[::100] = 118.905  # on the shared border
    threaded = routing.locate_many(lons, lats)
    with override_settings(JICENG_GRID_THREADS=1):
        single = routing.locate_many(lons, lats)
    assert np.array_equal(threaded.grid_ids, single.grid_ids)
    assert set(threaded.grid_ids[::100]) == {grids.wenyuan.pk}


def test_the_index_is_rebuilt_after_a_grid_changes(grids: Grids) -> None:
    assert routing.locate(118.902, 32.102).grid_id == grids.wenyuan.pk
    before = routing.current_index()
    services.change_grid(
        grid=grids.wenyuan, boundary=square(118.920, 32.100, 118.925, 32.105), by=None
    )
    assert routing.current_index() is not before
    assert routing.locate(118.922, 32.102).grid_id == grids.wenyuan.pk
    assert routing.locate(118.902, 32.102).grid_id != grids.wenyuan.pk
    services.change_grid(grid=grids.wenyuan, is_active=False, by=None)
    assert routing.locate(118.922, 32.102).grid_id is None


@override_settings(JICENG_GRID_RECHECK_SECONDS=0)
def test_another_process_change_is_seen_through_the_version_row(grids: Grids) -> None:
    index = routing.current_index()
    assert routing.current_index() is index  # same version: reused
    GridIndexVersion.objects.filter(pk=1).update(version=12345)  # as another process would
    assert routing.current_index() is not index
    assert routing.current_index().version == 12345
