"""Issue 15/16 records for every county of the synthetic data set (`jiceng seed`): village
collective incomes and led cooperatives (about two villages in five), consent projects (a few
a street), and, where the county has grids, a task force with a week of shifts and red-sail
stations in its streets (city districts). Each reuses the demo's seeding for one district and
keeps its rule: a county that has such records is left alone, so a rerun adds nothing.

The synthetic data set makes no grids (no outlines to tile), so task forces and stations only
appear in counties whose grids were loaded (`jiceng load-grids`, the demo district)."""

from __future__ import annotations

import datetime as dt
import time

from jiceng.consent.demo import load_demo_consent
from jiceng.cooperatives.demo import load_demo_cooperatives
from jiceng.cooperatives.models import Cooperative
from jiceng.core import clock, paths
from jiceng.core.paths import under_any
from jiceng.divisions.models import LEVEL_DIGITS, Level, short_code_of
from jiceng.grid.models import Grid
from jiceng.orgs.models import Organization, OrgKind
from jiceng.taskforces.seeding import seed_taskforces

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


def is_city_district(code: str) -> bool:
    """市辖区: the county part of the code is 01-20 (县 21-80, 县级市 81-99)."""
    return 1 <= int(code[4:6]) <= 20


def seed_cooperatives(*, seed: int, under: list[str] | None = None) -> tuple[int, int, float]:
    """(villages given incomes, cooperatives made, seconds) over every county."""
    started = time.perf_counter()
    before = Cooperative.objects.count()
    villages = sum(
        load_demo_cooperatives(county.path, seed=seed * 7919 + i)
        for i, county in enumerate(counties(under))
    )
    made = Cooperative.objects.count() - before
    return villages, made, time.perf_counter() - started


def seed_consent(*, seed: int, under: list[str] | None = None) -> tuple[int, float]:
    """(consent projects made, seconds): a few a street in every county."""
    started = time.perf_counter()
    made = sum(
        load_demo_consent(short_code_of(county.division_id or ""), seed=seed * 7919 + i)
        for i, county in enumerate(counties(under))
    )
    return made, time.perf_counter() - started


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
    if gridded:  # no paths would mean every district
        forces = seed_taskforces(as_of=as_of, seed=seed, under_paths=[c.path for c, _ in gridded])
        tasks, shifts = forces.task_forces, forces.shifts
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
