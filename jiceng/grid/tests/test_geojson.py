"""GeoJSON export and the all-or-nothing import of grids."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core.errors import InvalidInput
from jiceng.grid import geojson, routing
from jiceng.grid.models import Grid
from jiceng.testing.grid_personas import Grids, square

pytestmark = pytest.mark.django_db


def feature(code: str, community: str, *box: float, **extra: str) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": f"网格{code}", "community": community, **extra},
        "geometry": square(*box),
    }


def test_export_then_import_changes_nothing(grids: Grids, division_official: User) -> None:
    exported = geojson.export_grids(division_official)
    assert [f["properties"]["code"] for f in exported["features"]] == [
        "XL-WY-01",
        "XL-WY-02",
        "XL-XH-01",
    ]
    assert exported["features"][0]["properties"]["street"] == "320113007000"
    before = list(Grid.objects.order_by("code").values("code", "name", "community", "boundary"))
    result = geojson.import_grids(json.dumps(exported).encode(), by=division_official)
    assert result.succeeded and result.created == 0
    after = list(Grid.objects.order_by("code").values("code", "name", "community", "boundary"))
    assert after == before


def test_import_creates_grids_and_routing_sees_them(grids: Grids, division_official: User) -> None:
    data = {
        "type": "FeatureCollection",
        "features": [
            feature("XL-WY-10", "320113007001", 118.92, 32.10, 118.925, 32.105),
            feature(
                "XL-XH-10", "320113007002", 118.93, 32.10, 118.935, 32.105, street="320113007000"
            ),
        ],
    }
    result = geojson.import_grids(data, by=division_official)
    assert result.succeeded and result.created == 2
    assert routing.locate(118.932, 32.102).grid_id == Grid.objects.get(code="XL-XH-10").pk


def test_a_file_with_any_bad_feature_imports_nothing(grids: Grids, division_official: User) -> None:
    good = feature("XL-WY-10", "320113007001", 118.92, 32.10, 118.925, 32.105)
    wrong_street = feature("YH-10", "320113001001", 118.96, 32.15, 118.965, 32.155)
    duplicate = copy.deepcopy(good)
    unknown = feature("XL-99", "320113007099", 118.92, 32.11, 118.925, 32.115)
    mismatch = feature(
        "XL-98", "320113007001", 118.92, 32.12, 118.925, 32.125, street="320113001000"
    )
    outside = feature("XL-97", "320113007001", 18.92, 2.12, 18.925, 2.125)
    line = feature("XL-96", "320113007001", 118.92, 32.12, 118.925, 32.125)
    line["geometry"] = {"type": "LineString", "coordinates": [[118.92, 32.12], [118.93, 32.13]]}
    data = {
        "type": "FeatureCollection",
        "features": [good, wrong_street, duplicate, unknown, mismatch, outside, line, "x"],
    }
    result = geojson.import_grids(data, by=division_official)
    assert not result.succeeded
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "范围" in messages[(2, "社区")]
    assert "与第1个网格重复" in messages[(3, "网格编码")]
    assert "没有代码为320113007099的社区" in messages[(4, "社区")]
    assert "所属街道不符" in messages[(5, "街道")]
    assert "中国境内" in messages[(6, "边界")]
    assert "须为面" in messages[(7, "边界")]
    assert "Feature" in messages[(8, "")]
    assert not Grid.objects.filter(code="XL-WY-10").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "JSON 格式错误"),
        (b'{"type": "Feature"}', "FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "没有网格"),
    ],
)
def test_refused_files(content: bytes, message: str, division_official: User) -> None:
    with pytest.raises(InvalidInput, match=message):
        geojson.import_grids(content, by=division_official)


def test_import_page_reports_errors_and_imports(grids: Grids, division_official: User) -> None:
    client = Client()
    client.force_login(division_official)
    bad = {
        "type": "FeatureCollection",
        "features": [feature("X 1", "320113007001", 118.92, 32.1, 118.925, 32.105)],
    }
    page = client.post(
        "/grid/import/",
        {"file": SimpleUploadedFile("g.geojson", json.dumps(bad).encode())},
    )
    assert page.status_code == 200
    assert "没有导入任何网格" in page.content.decode()
    good = {
        "type": "FeatureCollection",
        "features": [feature("X-1", "320113007001", 118.92, 32.1, 118.925, 32.105)],
    }
    page = client.post(
        "/grid/import/",
        {"file": SimpleUploadedFile("g.geojson", json.dumps(good).encode())},
    )
    assert "导入成功" in page.content.decode()
    assert Grid.objects.filter(code="X-1").exists()
    export = client.get("/grid/export.geojson")
    assert export.status_code == 200
    assert "X-1" in {f["properties"]["code"] for f in json.loads(export.content)["features"]}
