"""A year of the demo grid worker's patrols (datasets.patrols)."""

from __future__ import annotations

import datetime as dt

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.datasets.patrols import seed_patrols
from jiceng.grid import routing
from jiceng.grid.models import Patrol, PatrolFinding
from jiceng.testing.grid_personas import Grids

NOW = dt.datetime(2026, 6, 18, 10, 30, tzinfo=clock.CHINA)


def test_a_year_of_patrols_walks_inside_the_grid(grids: Grids, grid_worker: User) -> None:
    made = seed_patrols(grid=grids.wenyuan, worker_id=grid_worker.pk, now=NOW, seed=1)
    patrols = list(Patrol.objects.filter(worker=grid_worker))
    assert 80 < made == len(patrols) < 200
    months = {p.started_at.astimezone(clock.CHINA).strftime("%Y-%m") for p in patrols}
    assert len(months) >= 12
    for patrol in patrols:
        assert patrol.ended_at is not None and patrol.started_at < patrol.ended_at < NOW
        assert patrol.track
        for lon, lat, _ in patrol.track:
            assert routing.locate(lon, lat).grid_id == grids.wenyuan.pk
    assert PatrolFinding.objects.filter(patrol__worker=grid_worker).exists()
    # again: the worker has patrols, nothing is added
    assert seed_patrols(grid=grids.wenyuan, worker_id=grid_worker.pk, now=NOW, seed=1) == 0
    assert Patrol.objects.filter(worker=grid_worker).count() == made
