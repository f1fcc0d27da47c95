"""Named stations for the 红帆驿站 tests, in the grids of jiceng.testing.grid_personas:

文苑驿站 (文苑社区, in XL-WY-01): water, rest, charging, first aid; 08:00-20:00 daily
东区驿站 (文苑社区, in XL-WY-02): water only; round the clock
仙鹤驿站 (仙鹤社区, XL-XH-01): water and charging; weekdays 09:00-17:00
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jiceng.accounts.models import Role, User
from jiceng.stations import finder, services
from jiceng.stations.models import ServiceStation
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import Tree, user_with

DAILY = [[[8 * 60, 20 * 60]]] * 7
ALL_DAY = [[[0, 24 * 60]]] * 7
WEEKDAYS = [[[9 * 60, 17 * 60]]] * 5 + [[], []]


@dataclass
class Stations:
    wenyuan: ServiceStation
    east: ServiceStation
    xianhe: ServiceStation


@pytest.fixture(autouse=True)
def fresh_station_index() -> None:
    finder.invalidate()
    finder._index.forget()


@pytest.fixture
def xianlin_official(tree: Tree) -> User:
    """钱芳, a 仙林街道 official: registers the street's stations."""
    return user_with(
        "qian-fang", Role.STREET_OFFICIAL, division_id="320113007000", display_name="钱芳"
    )


def data(**overrides: object) -> services.StationInput:
    fields: dict[str, object] = {
        "name": "文苑驿站",
        "address": "仙林街道文苑路1号",
        "host_unit": "文苑社区党群服务中心",
        "lon": 118.902,
        "lat": 32.102,
        "weekly_hours": DAILY,
        "amenities": ["water", "rest", "charging", "first_aid"],
    }
    fields.update(overrides)
    return services.StationInput(**fields)  # type: ignore[arg-type]


@pytest.fixture
def stations(grids: Grids, xianlin_official: User) -> Stations:
    by = xianlin_official
    return Stations(
        wenyuan=services.register_station(data=data(), by=by),
        east=services.register_station(
            data=data(
                name="东区驿站", lon=118.908, lat=32.1021, weekly_hours=ALL_DAY, amenities=["water"]
            ),
            by=by,
        ),
        xianhe=services.register_station(
            data=data(
                name="仙鹤驿站",
                lon=118.902,
                lat=32.117,
                weekly_hours=WEEKDAYS,
                amenities=["water", "charging"],
            ),
            by=by,
        ),
    )
