"""红帆驿站 (issue 16): two targets.

`finder`: the nearest open stations with given amenities among 100,000, in process, within
5 ms at the median. 100,000 stations spread over a 1.6° x 1.0° box around Nanjing (about
150 x 110 km, roughly the density of a large city), realistic hours (most 08:00-20:00, some
round the clock, some weekdays only, some with a midday break) and amenities; random points
inside the box, random weekday and minute, each asking 0, 1 or 2 amenities, 5 results. It
builds the index from rows as finder.build_index does (no database) and times
`StationIndex.nearest` for both the open list and the any-state list the page asks for.

`page`: the public riders' page (GET /stations/?lon=&lat=&a=water&a=charging) through
granian, 2 workers of one blocking thread, SQLite, against a bare Django GET (bare_get.py)
in the same run: bench_intake.py's prepared district (576 grids) with 5,000 stations on it,
random points inside, alternating rounds. Every answer is a real one: the point checked
against the service area (grid routing), the finder's two questions, one query for the rows
shown, the page rendered.

    .venv/bin/python bench/bench_stations.py finder [--queries 5000]
    .venv/bin/python bench/bench_stations.py page [--seconds 15] [--rounds 2]
    .venv/bin/python bench/bench_stations.py inproc [--answers 3000] [--profile]

`inproc`: the page's answers through the project's WSGI application in one process (no
server, no sockets), on the `page` bench's prepared database and points: the CPU per answer
(process time, after a warm-up pass over the same points), and with --profile the functions
that take it (cProfile, by own time).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_intake as intake_bench  # noqa: E402

OUT = ROOT / "bench" / "out" / "stations"


def weeks(rng: random.Random) -> list[list[list[int]]]:
    roll = rng.random()
    if roll < 0.55:
        return [[[480, 1200]]] * 7
    if roll < 0.7:
        return [[[0, 1440]]] * 7
    if roll < 0.85:
        return [[[480, 1200]]] * 5 + [[], []]
    return [[[480, 720], [840, 1260]]] * 6 + [[[540, 1020]]]


def finder_bench(args: argparse.Namespace) -> None:
    from jiceng.stations.finder import StationIndex

    rng = random.Random(16)
    n = args.stations
    lon0, lat0, width, height = 118.2, 31.6, 1.6, 1.0
    started = time.perf_counter()
    index = StationIndex(
        ids=list(range(1, n + 1)),
        lons=[lon0 + rng.random() * width for _ in range(n)],
        lats=[lat0 + rng.random() * height for _ in range(n)],
        amenities=[rng.randrange(256) | 1 for _ in range(n)],
        weeks=[weeks(rng) for _ in range(n)],
    )
    built = time.perf_counter() - started
    asks = [0, 1 | 16, 1 | 2, 16]  # none; water and charging; water and rest; charging
    times_open, times_both = [], []
    found = 0
    for _ in range(args.queries):
        lon, lat = lon0 + rng.random() * width, lat0 + rng.random() * height
        mask, weekday, minute = rng.choice(asks), rng.randrange(7), rng.randrange(1440)
        t0 = time.perf_counter()
        got = index.nearest(lon, lat, amenities=mask, weekday=weekday, minute=minute, limit=5,
                            within_m=5000)  # fmt: skip
        t1 = time.perf_counter()
        index.nearest(lon, lat, amenities=mask, weekday=weekday, minute=minute,
                      only_open=False, limit=8, within_m=5000)  # fmt: skip
        t2 = time.perf_counter()
        times_open.append(t1 - t0)
        times_both.append(t2 - t0)
        found += len(got)
    for name, times in (("nearest open (one question)", times_open),
                        ("open + any state (the page's two)", times_both)):  # fmt: skip
        times.sort()
        print(
            f"{name}: median {1000 * statistics.median(times):.3f} ms, "
            f"p95 {1000 * times[int(0.95 * len(times))]:.3f} ms, max {1000 * times[-1]:.3f} ms"
        )
    print(f"{n:,} stations, index built in {built:.2f} s; {args.queries:,} queries, "
          f"{found / args.queries:.2f} open stations found per query")  # fmt: skip


def prepare_page(count: int) -> None:
    """bench_intake's district, then `count` stations inside its grids."""
    intake_bench.prepare()
    from jiceng.core import clock
    from jiceng.stations import finder
    from jiceng.stations.models import ServiceStation

    rng = random.Random(3)
    cells = intake_bench.lattice()
    now = clock.now()
    rows = []
    for i in range(count):
        _, community, street, lon, lat = rng.choice(cells)
        size = intake_bench.SIZE
        rows.append(
            ServiceStation(
                name=f"驿站{i}", address=f"某路{i}号", lon=lon + rng.random() * size,
                lat=lat + rng.random() * size, community_id=community, street_code=street,
                host_unit="社区党群服务中心", weekly_hours=weeks(rng),
                amenities=rng.randrange(256) | 1, code=f"bench{i:08d}",
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    ServiceStation.objects.bulk_create(rows, batch_size=5000)
    finder.bump_version()
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)  # the page's stylesheet links
    print(f"{count:,} stations")


def queries(count: int) -> list[str]:
    rng = random.Random(9)
    width = intake_bench.STREETS * intake_bench.GRIDS_X * intake_bench.SIZE
    height = intake_bench.COMMUNITIES * intake_bench.GRIDS_Y * intake_bench.SIZE
    made = []
    for _ in range(count):
        params = [
            ("lon", f"{intake_bench.LON0 + rng.uniform(0.0001, width - 0.0001):.6f}"),
            ("lat", f"{intake_bench.LAT0 + rng.uniform(0.0001, height - 0.0001):.6f}"),
            ("a", "water"),
            ("a", "charging"),
        ]
        made.append("/stations/?" + urllib.parse.urlencode(params))
    return made


async def _get(port: int, pool: list[str], connections: int, warm: float, seconds: float,
               workers: list[int]) -> dict[str, Any]:  # fmt: skip
    results: dict[str, Any] = {
        "next": 0, "answered": 0, "end": float("inf"), "window": None, "requests": [],
    }  # fmt: skip

    async def one() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answered = False
        try:
            while time.perf_counter() < results["end"]:
                target = pool[results["next"] % len(pool)]
                results["next"] += 1
                writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                sent = time.perf_counter()
                status, answer = await intake_bench._read_response(reader)
                done = time.perf_counter()
                if not answered:
                    answered = True
                    results["answered"] += 1
                    if results["answered"] == connections:
                        results["window"] = (done + warm, done + warm + seconds)
                        results["end"] = done + warm + seconds
                results["requests"].append((sent, done, status, answer[:200]))
        finally:
            writer.close()

    await asyncio.gather(intake_bench._sample_cpu(results, workers),
                         *[one() for _ in range(connections)])  # fmt: skip
    opens, closes = results["window"]
    counted = [r for r in results["requests"] if r[0] >= opens and r[1] <= closes]
    ok = sum(1 for r in counted if r[2] == 200)
    bad = [r[3][:200] for r in counted if r[2] != 200][:2]
    latencies = sorted(d - s for s, d, _, _ in counted)
    busy = results["worker_cpu"]
    return {
        "per_second": ok / seconds,
        "ok": ok,
        "not_ok": len(counted) - ok,
        "bad": bad,
        "cpu_ms": 1000 * sum(busy) / len(counted) if counted else None,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
    }


def measure(target: str, pool: list[str], args: argparse.Namespace) -> dict[str, Any]:
    port = intake_bench.free_port()
    process = intake_bench.serve(target, port)
    try:
        workers = intake_bench._workers(process.pid)
        intake_bench._wait_until_idle(workers)
        return asyncio.run(_get(port, pool, args.connections, args.warm, args.seconds, workers))
    finally:
        intake_bench.stop(process)


def page_bench(args: argparse.Namespace) -> None:
    if args.prepare or not intake_bench.DB.exists():
        for f in OUT.glob("*.sqlite3*"):
            f.unlink()
        import subprocess

        subprocess.run([sys.executable, __file__, "prepare-page", "--stations", str(args.stations)],
                       check=True, env=intake_bench.environment(), cwd=ROOT)  # fmt: skip
    import os

    os.environ["BARE_DB"] = str(intake_bench.BARE_DB)
    import bare_get

    bare_get.DB = str(intake_bench.BARE_DB)
    bare_get.create_table()
    pool = queries(5000)
    for round_ in range(args.rounds):
        bare = measure("bare_get:application", pool, args)
        ours = measure("jiceng.config.wsgi:application", pool, args)
        print(
            f"round {round_ + 1}: bare GET {bare['per_second']:.0f}/s "
            f"(cpu {bare['cpu_ms']:.2f} ms/answer, p50 {bare['p50_ms']:.1f} ms); "
            f"rider page {ours['per_second']:.0f}/s (cpu {ours['cpu_ms']:.2f} ms/answer, "
            f"p50 {ours['p50_ms']:.1f} ms, not 200: {ours['not_ok']} {ours['bad']}); "
            f"ratio {ours['per_second'] / bare['per_second']:.2f}"
        )


def _environ(target: str) -> dict[str, Any]:
    """A WSGI environ as granian gives it for `GET target` with no cookie."""
    import io

    path, _, query = target.partition("?")
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }  # fmt: skip


def inproc_bench(args: argparse.Namespace) -> None:
    if not intake_bench.DB.exists():
        raise SystemExit("run `bench_stations.py page --rounds 0` first (prepares the database)")
    intake_bench.setup_django()
    import cProfile
    import pstats

    from jiceng.config.wsgi import application

    statuses: dict[str, int] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses[status] = statuses.get(status, 0) + 1

    pool = queries(args.answers)

    def run() -> None:
        for target in pool:
            body = application(_environ(target), start_response)
            b"".join(body)
            body.close()

    run()  # the warm-up: the index, the cards of the stations met, the page's shells
    statuses.clear()
    profile = cProfile.Profile() if args.profile else None
    started = time.process_time()
    if profile is not None:
        profile.enable()
    run()
    if profile is not None:
        profile.disable()
    spent = time.process_time() - started
    print(f"{args.answers:,} answers {statuses}: {1000 * spent / args.answers:.3f} ms CPU "
          f"an answer{' (under cProfile)' if profile else ''}")  # fmt: skip
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
        pstats.Stats(profile).sort_stats("cumtime").print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["finder", "page", "prepare-page", "inproc"])
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--stations", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warm", type=float, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--answers", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "var").mkdir(exist_ok=True)
    intake_bench.OUT = OUT
    intake_bench.DB = OUT / "jiceng.sqlite3"
    intake_bench.BARE_DB = OUT / "bare-get.sqlite3"
    if not intake_bench.GRANIAN.exists():  # a worktree without its own venv
        intake_bench.GRANIAN = Path(sys.executable).parent / "granian"
    if args.stations is None:
        args.stations = 100_000 if args.what == "finder" else 5000
    if args.what == "finder":
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
        import django

        django.setup()
        finder_bench(args)
    elif args.what == "inproc":
        inproc_bench(args)
    elif args.what == "prepare-page":
        intake_bench.setup_django()
        prepare_page(args.stations)
    else:
        page_bench(args)


if __name__ == "__main__":
    main()
