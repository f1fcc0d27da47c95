"""The demo grids: four per community, inside their street's block, loaded once."""

from __future__ import annotations

import pytest

from jiceng.divisions.models import Division
from jiceng.grid import routing
from jiceng.grid.demo import load_demo_grids
from jiceng.grid.models import Grid
from jiceng.testing.grid_personas import make_divisions

pytestmark = pytest.mark.django_db


def test_demo_grids_are_made_once_and_routable() -> None:
    make_divisions()
    communities = Division.objects.filter(level=5, code__startswith="320113").count()
    assert load_demo_grids() == 4 * communities
    assert load_demo_grids() == 0
    grid = Grid.objects.get(code="320113007001-01")
    assert grid.street_id == "320113007000"
    centre = ((grid.min_lon + grid.max_lon) / 2, (grid.min_lat + grid.max_lat) / 2)
    assert routing.locate(*centre).grid_id == grid.pk
