"""Named people and rows for the grid tests (pytest fixtures), beside jiceng.testing.personas.

The divisions of 栖霞区 that the grids need (divisions are not loaded in tests), three grids
in 仙林街道 and one in 尧化街道, and the people who work with them:

    文苑社区 (320113007001): XL-WY-01 [118.900–118.905] × [32.100–32.105]
                              XL-WY-02 [118.905–118.910] × [32.100–32.105] (shares a border)
    仙鹤社区 (320113007002): XL-XH-01 [118.900–118.905] × [32.115–32.120] (north, a gap)
    尧化社区 (320113001001): YH-01    [118.950–118.955] × [32.150–32.155]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from jiceng.accounts.models import Role, User
from jiceng.divisions.models import Division, Level
from jiceng.grid import routing, services
from jiceng.grid.models import Grid
from jiceng.testing.personas import PASSWORD, Tree, user_with

DIVISIONS = [
    ("320113000000", "栖霞区", Level.COUNTY, None),
    ("320113001000", "尧化街道", Level.TOWNSHIP, "320113000000"),
    ("320113001001", "尧化社区", Level.VILLAGE, "320113001000"),
    ("320113007000", "仙林街道", Level.TOWNSHIP, "320113000000"),
    ("320113007001", "文苑社区", Level.VILLAGE, "320113007000"),
    ("320113007002", "仙鹤社区", Level.VILLAGE, "320113007000"),
]


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Grids:
    wenyuan: Grid  # XL-WY-01
    wenyuan_east: Grid  # XL-WY-02
    xianhe: Grid  # XL-XH-01
    yaohua: Grid  # YH-01


def make_divisions() -> dict[str, Division]:
    Division.objects.bulk_create(
        [Division(code=c, name=n, level=lv, parent_id=p) for c, n, lv, p in DIVISIONS],
        ignore_conflicts=True,
    )
    return {d.code: d for d in Division.objects.filter(code__in=[c for c, *_ in DIVISIONS])}


@pytest.fixture(autouse=True)
def fresh_grid_index() -> None:
    """Each test reads the routing index's version again: a test's grids are rolled back
    behind the cache's back (no commit), which in production cannot happen."""
    routing.invalidate()


@pytest.fixture
def grid_divisions(db: None) -> dict[str, Division]:
    return make_divisions()


@pytest.fixture
def grids(grid_divisions: dict[str, Division]) -> Grids:
    d = grid_divisions
    return Grids(
        wenyuan=services.create_grid(
            code="XL-WY-01",
            name="文苑第一网格",
            community=d["320113007001"],
            boundary=square(118.900, 32.100, 118.905, 32.105),
            by=None,
        ),
        wenyuan_east=services.create_grid(
            code="XL-WY-02",
            name="文苑第二网格",
            community=d["320113007001"],
            boundary=square(118.905, 32.100, 118.910, 32.105),
            by=None,
        ),
        xianhe=services.create_grid(
            code="XL-XH-01",
            name="仙鹤第一网格",
            community=d["320113007002"],
            boundary=square(118.900, 32.115, 118.905, 32.120),
            by=None,
        ),
        yaohua=services.create_grid(
            code="YH-01",
            name="尧化第一网格",
            community=d["320113001001"],
            boundary=square(118.950, 32.150, 118.955, 32.155),
            by=None,
        ),
    )


@pytest.fixture
def grid_worker(grids: Grids) -> User:
    """孙丽, grid worker of 文苑第一网格."""
    user = User.objects.create_user(username="sun-li", password=PASSWORD, display_name="孙丽")
    services.assign_worker(grid=grids.wenyuan, user=user, by=None)
    return user


@pytest.fixture
def yaohua_worker(grids: Grids) -> User:
    """赵磊, grid worker of 尧化第一网格."""
    user = User.objects.create_user(username="zhao-lei", password=PASSWORD, display_name="赵磊")
    services.assign_worker(grid=grids.yaohua, user=user, by=None)
    return user


@pytest.fixture
def yaohua_street_official(tree: Tree) -> User:
    """吴静, a 尧化街道 official (STREET_OFFICIAL over 320113001000)."""
    return user_with(
        "wu-jing", Role.STREET_OFFICIAL, division_id="320113001000", display_name="吴静"
    )


@pytest.fixture
def wenyuan_official(tree: Tree) -> User:
    """郑敏, a 文苑社区 official: handles cases there, does not manage grids."""
    return user_with(
        "zheng-min", Role.COMMUNITY_OFFICIAL, division_id="320113007001", display_name="郑敏"
    )
