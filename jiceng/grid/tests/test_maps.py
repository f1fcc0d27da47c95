"""What the map pages draw: grids with their names and a point inside each for the name, the
outlines and names of their communities and streets, and a basemap only when one is set."""

from __future__ import annotations

import json
from typing import Any

import pytest
import shapely
from django.test import Client, override_settings

from jiceng.accounts.models import User
from jiceng.divisions import shapes
from jiceng.divisions.models import Division
from jiceng.grid import maps
from jiceng.testing.grid_personas import Grids

pytestmark = pytest.mark.django_db

TIANDITU = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
)


@pytest.fixture
def outlines(grids: Grids) -> None:
    """文苑社区 and 仙林街道 have outlines (the grids' community and street), 尧化 has none."""
    Division.objects.filter(code="320113007001").update(name="文苑社区居委会")
    shapes.save_shapes(
        {
            "320113007001": shapes.outline_of(shapely.box(118.899, 32.099, 118.911, 32.106)),
            "320113007000": shapes.outline_of(shapely.box(118.89, 32.09, 118.92, 32.13)),
            "320113007002": shapes.outline_of(shapely.box(118.899, 32.114, 118.906, 32.121)),
        }
    )


def names(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (f["properties"]["code"], f["properties"]["name"]) for f in data["divisions"]["features"]
    ]


def test_the_grid_map_names_grids_communities_and_streets(
    outlines: None, division_official: User
) -> None:
    client = Client()
    client.force_login(division_official)

    response = client.get("/grid/")

    data = response.context["map_data"]
    assert [(f["properties"]["code"], f["properties"]["name"]) for f in data["features"]] == [
        ("XL-WY-01", "文苑第一网格"),
        ("XL-WY-02", "文苑第二网格"),
        ("XL-XH-01", "仙鹤第一网格"),
    ]
    for feature in data["features"]:
        lon, lat = feature["properties"]["label"]
        grid = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert grid.contains(shapely.Point(lon, lat))
    assert names(data) == [
        ("320113007000", "仙林街道"),
        ("320113007001", "文苑社区"),
        ("320113007002", "仙鹤社区"),
    ]
    assert data["tiles"] is None
    html = response.content.decode()
    assert 'id="grid-map-data"' in html
    assert "导入街道、社区边界" in html
    assert "tianditu" not in response.headers["Content-Security-Policy"]


def test_a_grid_worker_sees_the_outline_of_their_own_community_only(
    outlines: None, grid_worker: User
) -> None:
    client = Client()
    client.force_login(grid_worker)

    data = client.get("/grid/").context["map_data"]

    assert [f["properties"]["code"] for f in data["features"]] == ["XL-WY-01"]
    assert names(data) == [("320113007000", "仙林街道"), ("320113007001", "文苑社区")]
    assert "导入街道、社区边界" not in client.get("/grid/").content.decode()


def test_the_citizens_picking_map_names_every_community_with_grids(outlines: None) -> None:
    response = Client().get("/cases/submit/")

    data = response.context["map_data"]
    assert {f["properties"]["name"] for f in data["features"]} >= {"文苑第一网格", "尧化第一网格"}
    assert names(data) == [
        ("320113007000", "仙林街道"),
        ("320113007001", "文苑社区"),
        ("320113007002", "仙鹤社区"),
    ]
    assert data["tiles"] is None


@override_settings(
    JICENG_MAP_TILE_URL=TIANDITU,
    JICENG_MAP_LABEL_TILE_URL=TIANDITU.replace("vec_w", "cva_w"),
    JICENG_MAP_TILE_ATTRIBUTION="© 天地图",
    JICENG_MAP_TILE_SUBDOMAINS="01234567",
)
def test_a_basemap_is_drawn_when_a_tile_url_is_set(grids: Grids) -> None:
    assert maps.basemap() == {
        "url": TIANDITU,
        "labels": TIANDITU.replace("vec_w", "cva_w"),
        "attribution": "© 天地图",
        "subdomains": "01234567",
    }
    assert Client().get("/cases/submit/").context["map_data"]["tiles"]["subdomains"] == "01234567"


def test_no_grids_means_no_outlines(grid_divisions: dict[str, Division]) -> None:
    assert maps.map_data([]) == {
        "type": "FeatureCollection",
        "features": [],
        "divisions": {"type": "FeatureCollection", "features": []},
        "tiles": None,
    }
