"""Issue 15/16 records for every county of the synthetic data set (`jiceng seed`): village
collective incomes and led cooperatives (about two villages in five), consent projects (a few
a street), and, where the county has grids, a task force with a week of shifts and red-sail
stations in its streets (city districts). Cooperatives and consent are written in bulk
(datasets.cooperatives, datasets.consent); task forces and stations reuse the demo's seeding for
one district. Each keeps the rule that a county which has such records is left alone, so a
rerun adds nothing.

The synthetic data set has no outlines to tile, so `jiceng seed` first draws grids of its own
for every community (datasets.grids) and fills them with household contacts
(datasets.grid_households); every county with a community then gets its task force, and every
city district its stations. A county of villages only has no grid and is counted as skipped."""

from __future__ import annotations

import datetime as dt
import time

from jiceng.core import clock, paths
from jiceng.core.paths import under_any
from jiceng.divisions.models import LEVEL_DIGITS, Level, short_code_of
from jiceng.grid.models import Grid
from jiceng.orgs.models import Organization, OrgKind
from jiceng.taskforces.models import Assignment, Shift, Site
from jiceng.taskforces.seeding import seed_taskforces

from . import consent, cooperatives
from .model_rows import ModelRows
from .stations import seed_stations


def counties(under: list[str] | None = None) -> list[Organization]:
    """The county committees of the tree (a local committee on a county-level division), or
    of the subtrees at the paths `under`."""
    rows = Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE)
    if under:
        rows = rows.filter(under_any(under))
    return [
        c
        for c in rows.order_by("path")
        if c.division_id and len(short_code_of(c.division_id)) == LEVEL_DIGITS[Level.COUNTY]
    ]


# Counties a call of seed_taskforces covers: its filter is one OR of their paths, and SQLite
# refuses an expression deeper than 1,000 (scale 1 has about 2,900 counties with grids).
TASKFORCE_CHUNK = 200


def is_city_district(code: str) -> bool:
    """市辖区: the county part of the code is 01-20 (县 21-80, 县级市 81-99)."""
    return 1 <= int(code[4:6]) <= 20


def seed_cooperatives(*, seed: int, under: list[str] | None = None) -> tuple[int, int, float]:
    """(villages given incomes, cooperatives made, seconds) over every county (or those below
    the paths `under`), in bulk (datasets/cooperatives.py)."""
    done = cooperatives.seed_cooperatives(counties=counties(under), seed=seed)
    return done.villages, done.cooperatives, done.seconds


def seed_consent(*, seed: int, under: list[str] | None = None) -> tuple[int, float]:
    """(consent projects made, seconds): lifts in streets, renovations in some towns, in bulk
    (datasets/consent.py)."""
    done = consent.seed_consent(counties=counties(under), seed=seed)
    return done.projects, done.seconds


def seed_gridded(
    *, as_of: dt.date | None, seed: int, under: list[str] | None = None
) -> tuple[int, int, int, int, int, float]:
    """(task forces, shifts, stations, visit days, counties without grids, seconds): a task
    force with this week's shifts in every county with grids, stations in every city district
    with grids."""
    started = time.perf_counter()
    as_of = as_of or clock.today()
    gridded, bare = [], 0
    for county in counties(under):
        code = short_code_of(county.division_id or "")
        if Grid.objects.filter(paths.under(code, "community_id"), is_active=True).exists():
            gridded.append((county, code))
        else:
            bare += 1
    tasks = shifts = 0
    rows = ModelRows([Site, Shift, Assignment])  # the many rows go through the bulk writer
    with rows.writing():
        for at in range(0, len(gridded), TASKFORCE_CHUNK):  # no paths: every district
            chunk = [c.path for c, _ in gridded[at : at + TASKFORCE_CHUNK]]
            forces = seed_taskforces(as_of=as_of, seed=seed + at, under_paths=chunk, save=rows)
            tasks, shifts = tasks + forces.task_forces, shifts + forces.shifts
    stations = visit_days = 0
    for _county, code in gridded:
        if is_city_district(code):
            done = seed_stations(district=code, seed=seed + int(code))
            stations += done.stations
            visit_days += done.visit_days
    return (
        tasks,
        shifts,
        stations,
        visit_days,
        bare,
        time.perf_counter() - started,
    )
