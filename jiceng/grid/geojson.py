"""Grids as a GeoJSON FeatureCollection: export, and an all-or-nothing import.

Each feature: a Polygon or MultiPolygon geometry in lon/lat and the properties `code` (网格编码),
`name` (网格名称), `community` (社区/村 12-digit code) and `street` (its 街道/乡镇 code; checked
when given). A code already present updates that grid (so an exported file imports again
unchanged); a code of a grid in another community is refused. Errors name the feature by its
number (第N个网格), like the Excel imports name rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core import geojson as core_geojson
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import ImportResult, RowError
from jiceng.divisions.models import Division, Level

from . import queries, services
from .models import Grid

MAX_FEATURES = 20_000
COLUMNS = {
    "code": "网格编码",
    "name": "网格名称",
    "community": "社区",
    "street": "街道",
    "geometry": "边界",
    "": "",
}


def export_grids(user: User) -> dict[str, Any]:
    """Every grid the user sees, as a FeatureCollection (audited as an export)."""
    rows = list(
        queries.grids_for(user)
        .order_by("code")
        .values_list("code", "name", "community_id", "street_id", "is_active", "boundary")
    )
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": code,
                "name": name,
                "community": community,
                "street": street,
                "is_active": is_active,
            },
            "geometry": json.loads(boundary),
        }
        for code, name, community, street, is_active, boundary in rows
    ]
    audit.record(
        audit.AuditEvent.EXPORT, action="grid.export_grids", user=user, detail={"rows": len(rows)}
    )
    return {"type": "FeatureCollection", "features": features}


def parse_collection(data: bytes | str | dict[str, Any]) -> list[Any]:
    """The features of an uploaded file, or InvalidInput about the file as a whole."""
    return core_geojson.features_of(data, what="网格", most=MAX_FEATURES)


@dataclass
class _Planned:
    number: int
    code: str
    name: str
    community: str
    boundary: services.Boundary
    existing: Grid | None


@transaction.atomic
def import_grids(data: bytes | str | dict[str, Any], *, by: User | None) -> ImportResult:
    """Create or update every grid of the file, or none of them."""
    features = parse_collection(data)
    props = [f.get("properties") if isinstance(f, dict) else None for f in features]
    codes = {str(p.get("code", "")).strip() for p in props if isinstance(p, dict)}
    communities = {str(p.get("community", "")).strip() for p in props if isinstance(p, dict)}
    existing = {g.code: g for g in Grid.objects.filter(code__in=codes)}
    known = {d.code: d for d in Division.objects.filter(code__in=communities, level=Level.VILLAGE)}
    errors: list[RowError] = []
    planned: list[_Planned] = []
    seen: dict[str, int] = {}
    for number, (feature, prop) in enumerate(zip(features, props, strict=True), start=1):
        problems: dict[str, str] = {}
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(RowError(number, "", "不是 GeoJSON 要素（type 须为 Feature）"))
            continue
        prop = prop if isinstance(prop, dict) else {}
        code = str(prop.get("code") or "").strip()
        name = str(prop.get("name") or "").strip()
        community = str(prop.get("community") or "").strip()
        street = str(prop.get("street") or "").strip()
        try:
            code = services.check_code(code)
        except InvalidInput as exc:
            problems["code"] = exc.message
        else:
            if code in seen:
                problems["code"] = f"网格编码{code}与第{seen[code]}个网格重复"
            seen.setdefault(code, number)
        try:
            name = services.check_name(name)
        except InvalidInput as exc:
            problems["name"] = exc.message
        if community not in known:
            problems["community"] = (
                f"没有代码为{community}的社区（村）" if community else "请填写社区（村）代码"
            )
        elif not services.can_manage_community(by, community):
            problems["community"] = f"社区{community}不在您管理网格的范围内"
        elif street and street != services.street_code_of(community):
            problems["street"] = f"街道代码{street}与社区{community}所属街道不符"
        grid = existing.get(code)
        if grid is not None and community and grid.community_id != community:
            problems["code"] = f"网格编码{code}已属于社区{grid.community_id}的网格"
        boundary = None
        try:
            boundary = services.check_boundary(feature.get("geometry"))
        except InvalidInput as exc:
            problems["geometry"] = exc.message
        if problems:
            errors += [RowError(number, COLUMNS[k], m) for k, m in problems.items()]
        else:
            assert boundary is not None
            planned.append(_Planned(number, code, name, community, boundary, grid))
    if errors:
        return ImportResult(errors=errors)
    return _write(planned, by)


def _write(planned: list[_Planned], by: User | None) -> ImportResult:
    now = clock.now()
    new, changed = [], []
    for row in planned:
        b = row.boundary
        fields = {
            "name": row.name,
            "boundary": b.geojson,
            "min_lon": b.min_lon,
            "min_lat": b.min_lat,
            "max_lon": b.max_lon,
            "max_lat": b.max_lat,
            "updated_at": now,
        }
        if row.existing is None:
            new.append(
                Grid(
                    code=row.code,
                    community_id=row.community,
                    street_id=services.street_code_of(row.community),
                    created_at=now,
                    **fields,
                )
            )
        else:
            for key, value in fields.items():
                setattr(row.existing, key, value)
            changed.append(row.existing)
    Grid.objects.bulk_create(new, batch_size=1000)
    Grid.objects.bulk_update(changed, [*fields], batch_size=1000)
    services.bump_version()
    audit.record(
        audit.AuditEvent.WRITE,
        action="grid.import_grids",
        user=by,
        detail={"created": len(new), "updated": len(changed)},
    )
    notes = [RowError(None, "", f"更新了{len(changed)}个已有网格")] if changed else []
    return ImportResult(created=len(new), warnings=notes)
