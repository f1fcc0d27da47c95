"""A year of demo cases (datasets.cases): every month has real, varied 三率 figures, the
stories follow the workflow and the deadlines, the plan is deterministic and a second load
adds nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict

import pytest

from jiceng.cases import deadlines, metrics
from jiceng.cases.demo import load_demo_cases
from jiceng.cases.models import Case, CaseEvent, EventKind, Summons, SummonsReport
from jiceng.cases.workflow import OPEN_STATUSES, Status
from jiceng.core import clock, crypto
from jiceng.datasets import cases as seeding
from jiceng.divisions.models import Division
from jiceng.grid import routing
from jiceng.testing.grid_personas import Grids

NOW = dt.datetime(2026, 6, 18, 10, 30, tzinfo=clock.CHINA)
XIANLIN = "320113007000"


@pytest.fixture
def year(grids: Grids, grid_divisions: dict[str, Division]) -> seeding.CaseSeedResult:
    load_demo_cases()  # the stations, departments and the street official who whistles
    with clock.frozen(NOW):
        return seeding.seed_cases(
            district="320113",
            seed=7,
            per_year=1500,
            busy_street=XIANLIN,
            busy_grid=grids.wenyuan.pk,
            now=NOW,
        )


def test_every_month_of_the_year_has_varied_rates(year: seeding.CaseSeedResult) -> None:
    assert 1200 < year.cases < 2200
    area = metrics.Area(prefixes=("320113",))
    with clock.frozen(NOW):
        months = metrics.trend(area, dt.date(2026, 5, 1), 12)
        this_month = metrics.trend(area, dt.date(2026, 6, 1), 1)[0][1]
    assert next(m for m, _ in months) == dt.date(2025, 6, 1)
    for month, tally in months:
        assert tally.total > 30, month
        for rate in (tally.response_rate, tally.resolution_rate, tally.satisfaction_rate):
            assert rate is not None and 0.5 < rate <= 1, month
    # not all 100%: late responses, unresolved and unsatisfied answers
    for name in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert min(getattr(t, name) for _, t in months) < 0.97, name
    assert this_month.total > 0
    # the communities score differently
    with clock.frozen(NOW):
        ranked = metrics.ranking(area, metrics.Unit.COMMUNITY, dt.date(2026, 3, 1))
    assert len(ranked) == 3 and len({r.score for r in ranked}) > 1


def test_the_year_holds_every_kind_of_outcome(year: seeding.CaseSeedResult) -> None:
    kinds = set(CaseEvent.objects.values_list("kind", flat=True))
    assert kinds >= {
        EventKind.ESCALATED,
        EventKind.OVERDUE,
        EventKind.REOPENED,
        EventKind.MERGED,
        EventKind.SUMMONED,
        EventKind.REPORTED,
        EventKind.FINISHED,
        EventKind.RATED,
        EventKind.RETURNED,
        EventKind.REASSIGNED,
    }
    # whistles only where a street official can blow them, with late and timely reports
    assert Summons.objects.exists()
    assert not Summons.objects.exclude(case__street_id=XIANLIN).exists()
    # one blown a moment ago, for the demo's 城管 and 水务 officers to report to
    waiting = SummonsReport.objects.filter(reported_at__isnull=True, report_due_at__gt=NOW)
    assert set(waiting.values_list("department__function", flat=True)) >= {"城管", "水务"}
    reports = SummonsReport.objects.filter(reported_at__isnull=False)
    assert reports.filter(is_late=True).exists() and reports.filter(is_late=False).exists()
    # merged duplicates point at an earlier case of the same subject
    merged = Case.objects.filter(status=Status.MERGED).select_related("merged_into")
    assert merged and all(
        c.merged_into and c.merged_into.subject_id == c.subject_id for c in merged
    )
    # the last days are still open, the demo grid worker's inbox among them
    opened = Case.objects.filter(status__in=OPEN_STATUSES)
    assert opened.exists() and not opened.filter(received_at__lt=NOW - dt.timedelta(days=60))
    assert opened.filter(level="GRID", grid__code="XL-WY-01").count() >= 3
    # the phones are sealed and masked like intake's
    case = Case.objects.exclude(reporter_phone_sealed=None).first()
    assert case is not None and case.reporter_phone_sealed is not None
    phone = crypto.unseal(bytes(case.reporter_phone_sealed), field="case_phone")
    assert len(phone) == 11 and case.reporter_phone_masked == phone[:3] + "****" + phone[7:]


def test_each_story_follows_the_workflow(year: seeding.CaseSeedResult) -> None:
    events = defaultdict(list)
    for case_id, from_status, to_status, at in CaseEvent.objects.exclude(to_status="").values_list(
        "case_id", "from_status", "to_status", "at"
    ):
        events[case_id].append((from_status, to_status, at))
    for case in Case.objects.all():
        chain = events[case.pk]
        assert chain[0][:2] == ("", Status.RECEIVED)
        for (_, before, at0), (after, _, at1) in itertools.pairwise(chain):
            assert before == after and at0 <= at1, case.pk
        assert chain[-1][1] == case.status
        assert case.received_at <= NOW
        if case.accepted_at and case.status not in (Status.MERGED,):
            assert case.accepted_at >= case.received_at
    # every case lies inside the grid it was placed in, unless reassigned to the next one
    reassigned = set(
        CaseEvent.objects.filter(kind=EventKind.REASSIGNED).values_list("case_id", flat=True)
    )
    for pk, lon, lat, grid_id in Case.objects.values_list("pk", "lon", "lat", "grid_id"):
        assert lon is not None and lat is not None
        if pk not in reassigned:
            assert routing.locate(lon, lat).grid_id == grid_id


def test_the_tick_finds_the_year_as_it_would_have_left_it(
    year: seeding.CaseSeedResult,
) -> None:
    """Nothing is overdue and unescalated, no resolved case is past its reopen period: the
    deadline tick, run at the demo's now, has nothing to do."""
    with clock.frozen(NOW + seeding.TICK):
        done = deadlines.tick()
    assert (done.escalated, done.noticed, done.closed) == (0, 0, 0)


def test_a_second_load_adds_nothing(year: seeding.CaseSeedResult, grids: Grids) -> None:
    counts = (Case.objects.count(), CaseEvent.objects.count(), Summons.objects.count())
    again = seeding.seed_cases(district="320113", seed=7, busy_grid=grids.wenyuan.pk, now=NOW)
    assert again.cases == 0
    assert (Case.objects.count(), CaseEvent.objects.count(), Summons.objects.count()) == counts


def test_the_plan_is_the_same_for_the_same_seed(grids: Grids) -> None:
    load_demo_cases()
    places = seeding.read_places("320113", XIANLIN, grids.wenyuan.pk)
    units = seeding.read_units("320113")

    def plan() -> list[tuple[object, ...]]:
        world = seeding.make_world(places, units, NOW, random.Random(3))
        return [
            (p.row, p.events, p.summonses, p.merged_into)
            for p in seeding.plan_cases(world, seed=3, per_year=400, busy_grid=grids.wenyuan.pk)
        ]

    first = plan()
    assert len(first) > 300 and first == plan()
