"""Division outlines (区划边界): checking one, an all-or-nothing GeoJSON import, and saving them.

The file is a GeoJSON FeatureCollection; each feature a Polygon or MultiPolygon in lon/lat
(WGS-84 / CGCS2000, as 天地图 draws them; GCJ-02 coordinates from AMap or Tencent are refused
by nobody, but lie hundreds of metres off: docs/maps.md) with the property `code`, the
division's code (12 digits, or short: 320113007 for 仙林街道). `name` may be given and must then
be the division's. A code that has an outline already gets the new one. Errors name the
feature by its number (第N个要素), like the Excel imports name rows.

Who may import: the system administrator (reference data, anywhere) and whoever manages grids,
for the divisions inside their own (a street office draws its communities).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from shapely.ops import polylabel

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock
from jiceng.core import geojson as core_geojson
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import ImportResult, RowError

from .models import LEVEL_DIGITS, Division, DivisionShape

MAX_FEATURES = 5_000
MAX_VERTICES = 50_000  # a street's outline traced along its roads and river banks
PRECISION = 1e-7  # degrees: about a centimetre, what a surveyed outline can mean
COLUMNS = {"code": "区划代码", "name": "名称", "geometry": "边界", "": ""}


@dataclass(frozen=True)
class Outline:
    geometry: shapely.Geometry
    geojson: str
    bounds: tuple[float, float, float, float]
    label: tuple[float, float]


def check_outline(geometry: Any) -> Outline:
    """A valid Polygon or MultiPolygon in lon/lat within China, from a GeoJSON geometry."""
    try:
        text = geometry if isinstance(geometry, str) else json.dumps(geometry)
        geom = shapely.from_geojson(text) if geometry is not None else None
    except Exception:
        raise InvalidInput("边界不是有效的 GeoJSON 几何") from None
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidInput("边界须为面（Polygon 或 MultiPolygon）")
    if geom.is_empty:
        raise InvalidInput("边界为空")
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise InvalidInput(f"边界的顶点超过{MAX_VERTICES}个")
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in geom.bounds)
    if not (73.0 <= min_lon <= max_lon <= 136.0 and 3.0 <= min_lat <= max_lat <= 54.0):
        raise InvalidInput("边界的坐标不在中国境内：请使用经纬度（先经度后纬度，WGS-84/CGCS2000）")
    if not geom.is_valid:
        raise InvalidInput(f"边界不是有效的面（自相交、环不闭合或洞在面外）：{_reason(geom)}")
    if geom.area == 0:
        raise InvalidInput("边界的面积为零")
    return outline_of(geom)


def outline_of(geom: shapely.Geometry) -> Outline:
    """The stored form of a valid polygon: its GeoJSON, box and the point for its name."""
    geom = shapely.set_precision(geom, PRECISION)
    largest = max(getattr(geom, "geoms", [geom]), key=lambda part: part.area)
    point = polylabel(largest, tolerance=1e-5)
    bounds = tuple(round(float(v), 7) for v in geom.bounds)
    return Outline(
        geometry=geom,
        geojson=shapely.to_geojson(geom),
        bounds=(bounds[0], bounds[1], bounds[2], bounds[3]),
        label=(round(point.x, 6), round(point.y, 6)),
    )


def _reason(geom: shapely.Geometry) -> str:
    reason = shapely.is_valid_reason(geom)
    words = {"Self-intersection": "自相交", "Ring Self-intersection": "环自相交"}
    kind, _, where = reason.partition("[")
    return f"{words.get(kind, kind)}，位置约为 {where.rstrip(']')}" if where else reason


def may_import(user: User | AnonymousUser | None, code: str) -> bool:
    """Whether `user` may give division `code` an outline (None: the system itself)."""
    if user is None:
        return True
    if has_permission(user, Permission.MANAGE_SETTINGS):
        return True
    return scope_of(user).reach(Permission.MANAGE_GRIDS).covers_division(code)


def parse_collection(data: bytes | str | dict[str, Any]) -> list[Any]:
    """The features of an uploaded file, or InvalidInput about the file as a whole."""
    return core_geojson.features_of(data, what="区划边界", most=MAX_FEATURES)


def _code_of(raw: object) -> str | None:
    """The 12-digit key of a code written in full or short, or None if it cannot be one."""
    code = str(raw if raw is not None else "").strip()
    if len(code) not in LEVEL_DIGITS.values() or not (code.isdigit() and code.isascii()):
        return None
    return code.ljust(12, "0")


@transaction.atomic
def import_shapes(data: bytes | str | dict[str, Any], *, by: User | None) -> ImportResult:
    """Give every division of the file its outline, or none of them."""
    features = parse_collection(data)
    props: list[dict[str, Any]] = []
    for f in features:
        found = f.get("properties") if isinstance(f, dict) else None
        props.append(found if isinstance(found, dict) else {})
    keys = {_code_of(p.get("code")) for p in props} - {None}
    known = {d.code: d for d in Division.objects.filter(code__in=keys)}
    errors: list[RowError] = []
    planned: dict[str, Outline] = {}
    seen: dict[str, int] = {}
    for number, (feature, prop) in enumerate(zip(features, props, strict=True), start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(RowError(number, "", "不是 GeoJSON 要素（type 须为 Feature）"))
            continue
        problems: dict[str, str] = {}
        raw = str(prop.get("code") or "").strip()
        key = _code_of(raw)
        division = known.get(key) if key else None
        if not raw:
            problems["code"] = "请在属性 code 中填写区划代码"
        elif key is None:
            problems["code"] = f"区划代码“{raw}”格式不对：应为2、4、6、9或12位数字"
        elif division is None:
            problems["code"] = f"没有代码为{raw}的行政区划"
        elif key in seen:
            problems["code"] = f"区划代码{raw}与第{seen[key]}个要素重复"
        elif not may_import(by, key):
            problems["code"] = f"{division.name}（{raw}）不在您管理的范围内"
        else:
            seen[key] = number
            name = str(prop.get("name") or "").strip()
            if name and name != division.name:
                problems["name"] = f"名称“{name}”与区划代码{raw}的名称“{division.name}”不符"
        try:
            outline = check_outline(feature.get("geometry"))
        except InvalidInput as exc:
            problems["geometry"] = exc.message
        if problems:
            errors += [RowError(number, COLUMNS[k], m) for k, m in problems.items()]
        elif key is not None:
            planned[key] = outline
    if errors:
        return ImportResult(errors=errors)
    replaced = save_shapes(planned)
    audit.record(
        audit.AuditEvent.WRITE,
        action="divisions.import_shapes",
        user=by,
        detail={"shapes": len(planned), "replaced": replaced},
    )
    notes = [RowError(None, "", f"替换了{replaced}个已有的边界")] if replaced else []
    return ImportResult(created=len(planned) - replaced, warnings=notes)


def save_shapes(outlines: Mapping[str, Outline]) -> int:
    """Store the outlines by division code, replacing any there; returns how many it replaced."""
    now = clock.now()
    replaced = DivisionShape.objects.filter(division_id__in=list(outlines)).count()
    DivisionShape.objects.filter(division_id__in=list(outlines)).delete()
    DivisionShape.objects.bulk_create(
        [
            DivisionShape(
                division_id=code,
                boundary=o.geojson,
                min_lon=o.bounds[0],
                min_lat=o.bounds[1],
                max_lon=o.bounds[2],
                max_lat=o.bounds[3],
                label_lon=o.label[0],
                label_lat=o.label[1],
                updated_at=now,
            )
            for code, o in outlines.items()
        ],
        batch_size=500,
    )
    return replaced
