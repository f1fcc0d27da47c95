"""A year of patrols (巡查) for the demo's grid worker: two or three a week in working hours,
each a walk inside the grid's shape with its track, and now and then something found and
dealt with on the spot (a finding that needs a case is a case of its own, `datasets.cases`).

A hundred-odd rows: the ORM's bulk_create is quick enough here."""

from __future__ import annotations

import datetime as dt
import json
import random

import shapely
from shapely.geometry import shape

from jiceng.core import audit, clock
from jiceng.grid.models import Grid, Patrol, PatrolFinding

FOUND_ON_THE_SPOT = (
    "楼道堆放杂物，已督促住户清理",
    "电动车停放在消防通道，已当场劝导挪走",
    "小区内发现流浪犬，已联系物业处理",
    "绿化带内有建筑垃圾，已通知物业清运",
    "独居老人家中无人应门，已电话联系子女确认平安",
    "路边井盖松动，已设置警示并报物业维修",
    "宣传栏破损，已登记待更换",
    "发现群租迹象，已登记并告知社区",
)
NOTES = ("日常巡查", "重点巡查楼道消防", "走访独居老人", "夜间安全巡查", "节前安全检查")
POINTS_PER_PATROL = 16


def _walk(geometry: object, rng: random.Random, count: int) -> list[tuple[float, float]]:
    """`count` points inside the shape, each a short step from the last."""
    x0, y0, x1, y1 = shapely.bounds(geometry)
    points: list[tuple[float, float]] = []
    x, y = (x0 + x1) / 2, (y0 + y1) / 2
    step = max(x1 - x0, y1 - y0) / 8
    tries = 0
    while len(points) < count and tries < count * 40:
        tries += 1
        nx, ny = x + (rng.random() - 0.5) * step, y + (rng.random() - 0.5) * step
        if not points and not shapely.contains_xy(geometry, nx, ny):
            nx = x0 + (x1 - x0) * rng.random()
            ny = y0 + (y1 - y0) * rng.random()
        if shapely.contains_xy(geometry, nx, ny):
            x, y = nx, ny
            points.append((round(x, 6), round(y, 6)))
    return points


def seed_patrols(*, grid: Grid, worker_id: int, now: dt.datetime, seed: int) -> int:
    """The worker's patrols of `grid` over the year before `now`; none if they have any."""
    if Patrol.objects.filter(worker_id=worker_id).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311  # synthetic data
    geometry = shape(json.loads(grid.boundary))
    shapely.prepare(geometry)
    today = now.astimezone(clock.CHINA).date()
    day = today - dt.timedelta(days=365)
    patrols: list[Patrol] = []
    found: list[list[tuple[str, float, float, dt.datetime]]] = []
    while day < today:
        recent = (today - day).days <= 7  # the last week's patrols are on the list
        if day.weekday() < 5 and (rng.random() < 0.5 or recent):
            hour = 9 if rng.random() < 0.6 else 14
            start = dt.datetime.combine(day, dt.time(hour, int(rng.random() * 50)), clock.CHINA)
            minutes = 45 + int(rng.random() * 60)
            if start + dt.timedelta(minutes=minutes) >= now:
                break
            points = _walk(geometry, rng, POINTS_PER_PATROL)
            pace = dt.timedelta(minutes=minutes) / max(len(points), 1)
            track = [
                [lon, lat, (start + pace * i).astimezone(dt.UTC).isoformat(timespec="seconds")]
                for i, (lon, lat) in enumerate(points)
            ]
            patrols.append(
                Patrol(
                    worker_id=worker_id,
                    grid=grid,
                    started_at=start,
                    ended_at=start + dt.timedelta(minutes=minutes),
                    track=track,
                    note=NOTES[int(rng.random() * len(NOTES))],
                )
            )
            findings = []
            for _ in range(int(rng.random() * 2.6) if points else 0):
                lon, lat = points[int(rng.random() * len(points))]
                text = FOUND_ON_THE_SPOT[int(rng.random() * len(FOUND_ON_THE_SPOT))]
                findings.append((text, lon, lat, start + pace * (1 + rng.random() * 10)))
            found.append(findings)
        day += dt.timedelta(days=1)
    Patrol.objects.bulk_create(patrols)
    PatrolFinding.objects.bulk_create(
        PatrolFinding(
            patrol=patrol, description=text, lon=lon, lat=lat, found_at=at, becomes_case=False
        )
        for patrol, findings in zip(patrols, found, strict=True)
        for text, lon, lat, at in findings
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="datasets.seed_patrols",
        target_type="grid.Patrol",
        detail={"patrols": len(patrols)},
    )
    return len(patrols)
