"""Division outlines (区划边界): the all-or-nothing GeoJSON import, its Chinese errors per
feature, who may import where, the page, and the outlines the maps read."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core.errors import InvalidInput
from jiceng.divisions import queries, shapes
from jiceng.divisions.models import Division, DivisionShape, common_name
from jiceng.testing.grid_personas import square

pytestmark = pytest.mark.django_db

WENYUAN, XIANHE, XIANLIN, YAOHUA = "320113007001", "320113007002", "320113007000", "320113001001"
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[118.90, 32.10], [118.91, 32.11], [118.91, 32.10], [118.90, 32.11], [118.90, 32.10]]
    ],
}


def feature(code: str, geometry: dict[str, Any] | None = None, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, **props},
        "geometry": geometry or square(118.90, 32.10, 118.91, 32.11),
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_an_import_stores_each_outline_with_a_label_inside_it(
    grid_divisions: dict[str, Division], division_official: User
) -> None:
    # A U: its centroid lies in the notch, outside; the name must be written inside.
    u = shapely.Polygon(
        [
            *[(118.90, 32.10), (118.92, 32.10), (118.92, 32.12), (118.915, 32.12)],
            *[(118.915, 32.105), (118.905, 32.105), (118.905, 32.12), (118.90, 32.12)],
        ]
    )
    assert not u.contains(u.centroid)
    data = collection(
        feature(WENYUAN, name="文苑社区"),
        feature("320113007", json.loads(shapely.to_geojson(u))),  # the street, short code
    )

    result = shapes.import_shapes(json.dumps(data).encode(), by=division_official)

    assert result.succeeded and result.created == 2 and result.warnings == []
    street = DivisionShape.objects.get(division_id=XIANLIN)
    outline = shapely.from_geojson(street.boundary)
    assert outline.equals(u)
    assert outline.contains(shapely.Point(street.label_lon, street.label_lat))
    assert (street.min_lon, street.max_lat) == (118.90, 32.12)


def test_a_second_import_replaces_the_outline(
    grid_divisions: dict[str, Division], division_official: User
) -> None:
    shapes.import_shapes(collection(feature(WENYUAN)), by=division_official)
    moved = square(118.95, 32.10, 118.96, 32.11)

    result = shapes.import_shapes(collection(feature(WENYUAN, moved)), by=division_official)

    assert result.succeeded and result.created == 0
    assert [w.message for w in result.warnings] == ["替换了1个已有的边界"]
    assert DivisionShape.objects.get().min_lon == 118.95


def test_every_bad_feature_is_named_in_chinese_and_nothing_is_stored(
    grid_divisions: dict[str, Division], division_official: User
) -> None:
    Division.objects.create(code="320113007010", name="学海社区", level=5, parent_id=XIANLIN)
    data = collection(
        feature(WENYUAN),
        feature("320113007099"),
        feature(XIANHE, BOWTIE),
        feature(XIANLIN, {"type": "LineString", "coordinates": [[118.9, 32.1], [118.91, 32.11]]}),
        feature(YAOHUA),
        feature(WENYUAN),
        feature("12345"),
        feature("320113007010", square(18.9, 32.1, 18.91, 32.11), name="学海"),
        {"type": "Polygon"},
    )

    result = shapes.import_shapes(data, by=division_official)

    assert not result.succeeded
    found = {(e.row, e.column): e.message for e in result.errors}
    assert found == {
        (2, "区划代码"): "没有代码为320113007099的行政区划",
        (3, "边界"): found[(3, "边界")],
        (4, "边界"): "边界须为面（Polygon 或 MultiPolygon）",
        (5, "区划代码"): "尧化社区（320113001001）不在您管理的范围内",
        (6, "区划代码"): "区划代码320113007001与第1个要素重复",
        (7, "区划代码"): "区划代码“12345”格式不对：应为2、4、6、9或12位数字",
        (8, "名称"): "名称“学海”与区划代码320113007010的名称“学海社区”不符",
        (8, "边界"): "边界的坐标不在中国境内：请使用经纬度（先经度后纬度，WGS-84/CGCS2000）",
        (9, ""): "不是 GeoJSON 要素（type 须为 Feature）",
    }
    assert (
        found[(3, "边界")].startswith("边界不是有效的面（自相交")
        and "位置约为" in found[(3, "边界")]
    )
    assert not DivisionShape.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "文件不是有效的 GeoJSON（JSON 格式错误）"),
        (b'{"type": "Feature"}', "文件须为 GeoJSON 要素集合（type 为 FeatureCollection）"),
        (b'{"type": "FeatureCollection", "features": []}', "文件中没有区划边界（features 为空）"),
    ],
)
def test_a_file_that_is_not_a_collection_is_refused_as_a_whole(
    grid_divisions: dict[str, Division], division_official: User, data: bytes, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        shapes.import_shapes(data, by=division_official)
    assert refused.value.message == message


def test_the_system_administrator_imports_anywhere_a_street_office_only_inside(
    grid_divisions: dict[str, Division],
    division_official: User,
    system_admin: User,
    member_user: User,
) -> None:
    assert shapes.may_import(system_admin, YAOHUA)
    assert shapes.may_import(division_official, WENYUAN)
    assert shapes.may_import(division_official, XIANLIN)
    assert not shapes.may_import(division_official, YAOHUA)
    assert not shapes.may_import(member_user, WENYUAN)


def test_the_maps_read_outlines_by_their_common_names_streets_first(
    grid_divisions: dict[str, Division], division_official: User
) -> None:
    Division.objects.filter(code=WENYUAN).update(name="文苑社区居委会")
    shapes.import_shapes(collection(feature(WENYUAN), feature(XIANLIN)), by=division_official)

    found = queries.outlines([WENYUAN, XIANLIN, XIANHE])

    assert [(f["properties"]["code"], f["properties"]["name"]) for f in found] == [
        (XIANLIN, "仙林街道"),
        (WENYUAN, "文苑社区"),
    ]
    assert [f["properties"]["level"] for f in found] == [4, 5]


@pytest.mark.parametrize(
    ("name", "common"),
    [
        ("文澜社区居委会", "文澜社区"),
        ("石埠桥村委会", "石埠桥村"),
        ("学海居民委员会", "学海社区"),
        ("仙林街道", "仙林街道"),
        ("居委会", "居委会"),
    ],
)
def test_common_name_drops_the_committee(name: str, common: str) -> None:
    assert common_name(name) == common


def upload(client: Client, data: dict[str, Any] | bytes) -> Any:
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return client.post(
        "/divisions/shapes/import/",
        {"file": SimpleUploadedFile("边界.geojson", content, "application/geo+json")},
    )


def test_the_page_imports_a_file_and_lists_its_errors(
    grid_divisions: dict[str, Division], division_official: User
) -> None:
    client = Client()
    client.force_login(division_official)
    assert client.get("/divisions/shapes/import/").status_code == 200

    refused = upload(client, collection(feature("320113007099")))
    assert refused.status_code == 400
    assert "没有代码为320113007099的行政区划" in refused.content.decode()

    done = upload(client, collection(feature(WENYUAN)))
    assert done.status_code == 200
    assert "导入成功：新增1个区划边界" in done.content.decode()
    assert DivisionShape.objects.filter(division_id=WENYUAN).exists()


def test_the_page_is_for_those_who_manage_grids_or_settings(
    grid_divisions: dict[str, Division], member_user: User, grid_worker: User
) -> None:
    assert Client().get("/divisions/shapes/import/").status_code == 302
    for user in (member_user, grid_worker):
        client = Client()
        client.force_login(user)
        assert client.get("/divisions/shapes/import/").status_code == 403
        assert upload(client, collection(feature(WENYUAN))).status_code == 403
    assert not DivisionShape.objects.exists()


def test_the_command_imports_a_file_or_lists_its_errors(
    grid_divisions: dict[str, Division], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(collection(feature(WENYUAN), feature("320113007099"))))
    errors = io.StringIO()
    with pytest.raises(CommandError, match="文件有1处错误，没有导入任何边界"):
        call_command("import-division-shapes", str(bad), stderr=errors)
    assert "第2个要素 区划代码：没有代码为320113007099的行政区划" in errors.getvalue()
    assert not DivisionShape.objects.exists()

    good = tmp_path / "good.geojson"
    good.write_text(json.dumps(collection(feature(WENYUAN), feature(YAOHUA))))
    out = io.StringIO()
    call_command("import-division-shapes", str(good), stdout=out)
    assert "导入成功：新增2个区划边界" in out.getvalue()
    assert DivisionShape.objects.count() == 2
