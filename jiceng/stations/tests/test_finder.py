import math
import random

from jiceng.stations.finder import StationIndex
from jiceng.stations.models import amenity_mask

WATER_CHARGING = amenity_mask(["water", "charging"])


def brute(index_rows, lon, lat, mask, weekday, minute, limit, within):
    kx = 111_320.0 * math.cos(math.radians(lat))
    found = []
    for pk, x, y, bits, week in index_rows:
        if bits & mask != mask:
            continue
        if not any(o <= minute < c for o, c in week[weekday]):
            continue
        d = math.hypot((x - lon) * kx, (y - lat) * 110_574.0)
        if d <= within:
            found.append((d, pk))
    return [pk for _, pk in sorted(found)[:limit]]


def test_the_bucket_index_answers_as_a_full_scan_does() -> None:
    rng = random.Random(5)
    rows = []
    for pk in range(1, 3001):
        opens = rng.choice([0, 480, 600])
        week = [
            [[opens, rng.choice([1020, 1200, 1440])]] if rng.random() < 0.8 else []
            for _ in range(7)
        ]
        rows.append(
            (pk, 118.8 + rng.random() * 0.3, 32.0 + rng.random() * 0.2, rng.randrange(256), week)
        )
    index = StationIndex(
        ids=[r[0] for r in rows],
        lons=[r[1] for r in rows],
        lats=[r[2] for r in rows],
        amenities=[r[3] for r in rows],
        weeks=[r[4] for r in rows],
    )
    for _ in range(200):
        lon, lat = 118.75 + rng.random() * 0.4, 31.95 + rng.random() * 0.3
        weekday, minute = rng.randrange(7), rng.randrange(1440)
        got = index.nearest(
            lon, lat, amenities=WATER_CHARGING, weekday=weekday, minute=minute, limit=5,
            within_m=3000,
        )  # fmt: skip
        assert [f.station_id for f in got] == brute(
            rows, lon, lat, WATER_CHARGING, weekday, minute, 5, 3000
        )
        assert all(f.is_open for f in got)


def test_an_empty_index_finds_nothing() -> None:
    index = StationIndex(ids=[], lons=[], lats=[], amenities=[], weeks=[])
    assert index.nearest(118.9, 32.1, weekday=0, minute=600) == []


def test_the_one_question_answers_as_the_two_did() -> None:
    """queries.open_and_closed asks the index once where it can: the same lists as asking
    for the open ones and for the nearest in any state, by day and by night."""
    from jiceng.stations.queries import SHOWN_CLOSED, SHOWN_OPEN, open_and_closed

    rng = random.Random(11)
    n = 2000
    index = StationIndex(
        ids=list(range(1, n + 1)),
        lons=[118.8 + rng.random() * 0.2 for _ in range(n)],
        lats=[32.0 + rng.random() * 0.15 for _ in range(n)],
        amenities=[rng.randrange(256) | 1 for _ in range(n)],
        weeks=[[[[480, 1200]]] * 7 if rng.random() < 0.85 else [[[0, 1440]]] * 7 for _ in range(n)],
    )
    fell_back = 0
    for _ in range(300):
        lon, lat = 118.78 + rng.random() * 0.24, 31.98 + rng.random() * 0.19
        weekday, minute = rng.randrange(7), rng.choice([rng.randrange(1440), 700, 1380])
        mask = rng.choice([1, WATER_CHARGING, amenity_mask(["water", "rest", "toilet"])])
        ask = {"amenities": mask, "weekday": weekday, "minute": minute, "within_m": 3000.0}
        want_open = index.nearest(lon, lat, limit=SHOWN_OPEN, **ask)  # type: ignore[arg-type]
        any_state = index.nearest(
            lon,
            lat,
            only_open=False,
            limit=SHOWN_OPEN + SHOWN_CLOSED,
            **ask,  # type: ignore[arg-type]
        )
        got_open, got_closed = open_and_closed(index, lon, lat, mask, weekday, minute, 3000.0)
        assert [f.station_id for f in got_open] == [f.station_id for f in want_open]
        closed = [f.station_id for f in any_state if not f.is_open][:SHOWN_CLOSED]
        assert [f.station_id for f in got_closed] == closed
        fell_back += minute >= 1200 and len(got_open) > 0
    assert fell_back  # the night's points, where most are closed, were asked
