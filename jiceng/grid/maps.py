"""What a map page draws, as one JSON block: the basemap (if any), the outlines of the streets
and communities with their names, and the grids.

Every map of the site (the grid map, the citizen's location picker) takes its layers from
here, so each shows the same names and the same basemap. The basemap is off unless
JICENG_MAP_TILE_URL is set (docs/maps.md): without it, the outlines and names alone show
where a point is, and no other host is contacted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from django.conf import settings

from jiceng.divisions import queries as division_queries

from .services import street_code_of


def basemap() -> dict[str, Any] | None:
    """The tile layers for Leaflet, or None when no tile URL is set."""
    if not settings.JICENG_MAP_TILE_URL:
        return None
    return {
        "url": settings.JICENG_MAP_TILE_URL,
        "labels": settings.JICENG_MAP_LABEL_TILE_URL,
        "attribution": settings.JICENG_MAP_TILE_ATTRIBUTION,
        "subdomains": settings.JICENG_MAP_TILE_SUBDOMAINS,
    }


def outlines_for(community_codes: Iterable[str]) -> dict[str, Any]:
    """The outlines of these communities and of their streets that have one, as a
    FeatureCollection (streets first)."""
    communities = set(community_codes)
    streets = {street_code_of(code) for code in communities}
    return {
        "type": "FeatureCollection",
        "features": division_queries.outlines(communities | streets),
    }


def map_data(
    grids: Sequence[Mapping[str, Any]], *, communities: Iterable[str] | None = None
) -> dict[str, Any]:
    """The whole JSON block of a map page: the grids (rows with code, name, community and
    boundary, and any further properties) as a FeatureCollection whose features carry
    `label`, a point inside each grid for its name; `divisions`, the outlines of the
    `communities` (by default the grids') and their streets; `tiles`, basemap() or null."""
    geoms = shapely.from_geojson([g["boundary"] for g in grids]) if grids else []
    centres = shapely.centroid(geoms)
    inside = shapely.contains_xy(geoms, shapely.get_x(centres), shapely.get_y(centres))
    labels = np.where(inside, centres, shapely.point_on_surface(geoms)) if grids else []
    features = [
        {
            "type": "Feature",
            "properties": {
                **{k: v for k, v in g.items() if k != "boundary"},
                "label": [round(float(p.x), 6), round(float(p.y), 6)],
            },
            "geometry": json.loads(g["boundary"]),
        }
        for g, p in zip(grids, labels, strict=True)
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "divisions": outlines_for(
            communities if communities is not None else (g["community"] for g in grids)
        ),
        "tiles": basemap(),
    }
