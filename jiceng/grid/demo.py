"""Demo grids for 栖霞区 (320113): a plausible layout from the divisions table.

Each street (乡级) gets a block of the map around 118.9°E 32.1°N, each of its communities a
cell of that block, and each community four grids (2 × 2) that tile its cell, so routing finds
inside, nearest and street answers. Codes are the community code and a number
(320113007001-01); running it again adds only what is missing.
"""

from __future__ import annotations

import json
import math

from django.db import transaction

from jiceng.core import audit, clock
from jiceng.divisions.models import Division, Level

from . import services
from .models import Grid

DISTRICT = "320113"
ORIGIN = (118.80, 32.06)  # the south-west corner of the layout
STREET_BLOCK = (0.07, 0.05)  # degrees per street block
GRIDS_PER_SIDE = 2


@transaction.atomic
def load_demo_grids() -> int:
    """Create the demo district's grids; returns how many were created."""
    streets = list(
        Division.objects.filter(code__startswith=DISTRICT, level=Level.TOWNSHIP).order_by("code")
    )
    communities = list(
        Division.objects.filter(code__startswith=DISTRICT, level=Level.VILLAGE).order_by("code")
    )
    existing = set(Grid.objects.filter(code__startswith=DISTRICT).values_list("code", flat=True))
    by_street: dict[str, list[Division]] = {}
    for community in communities:
        by_street.setdefault(services.street_code_of(community.code), []).append(community)
    now = clock.now()
    new: list[Grid] = []
    columns = 4
    for k, street in enumerate(streets):
        members = by_street.get(street.code, [])
        if not members:
            continue
        block_lon = ORIGIN[0] + (k % columns) * STREET_BLOCK[0]
        block_lat = ORIGIN[1] + (k // columns) * STREET_BLOCK[1]
        per_row = math.ceil(math.sqrt(len(members)))
        cell_lon = STREET_BLOCK[0] * 0.9 / per_row  # a gap between streets
        cell_lat = STREET_BLOCK[1] * 0.9 / per_row
        for c, community in enumerate(members):
            lon0 = block_lon + (c % per_row) * cell_lon
            lat0 = block_lat + (c // per_row) * cell_lat
            step_lon, step_lat = cell_lon / GRIDS_PER_SIDE, cell_lat / GRIDS_PER_SIDE
            for g in range(GRIDS_PER_SIDE * GRIDS_PER_SIDE):
                code = f"{community.code}-{g + 1:02d}"
                if code in existing:
                    continue
                x0 = lon0 + (g % GRIDS_PER_SIDE) * step_lon
                y0 = lat0 + (g // GRIDS_PER_SIDE) * step_lat
                x1, y1 = round(x0 + step_lon, 6), round(y0 + step_lat, 6)
                x0, y0 = round(x0, 6), round(y0, 6)
                ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
                new.append(
                    Grid(
                        code=code,
                        name=f"{community.name}第{g + 1}网格",
                        community_id=community.code,
                        street_id=street.code,
                        boundary=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                        min_lon=x0,
                        min_lat=y0,
                        max_lon=x1,
                        max_lat=y1,
                        created_at=now,
                        updated_at=now,
                    )
                )
    if new:
        Grid.objects.bulk_create(new, batch_size=1000)
        services.bump_version()
        audit.record(
            audit.AuditEvent.WRITE,
            action="grid.load_demo_grids",
            detail={"created": len(new)},
        )
    return len(new)
