"""Intake of cases through the HTTP API (Open311 POST requests.json, the machines' path),
against a bare one-row Django POST measured in the same run.

Both are served the way production serves (Makefile `serve`): granian, WSGI, 2 workers of one
blocking thread each, persistent connections, SQLite in WAL mode; the project with `jiceng
scheduler` beside it (its periodic tasks turned off: no worker runs them here), which checkpoints
SQLite's WAL so that the web's commits do not (its CPU is printed apart). The project gets a
prepared SQLite file: migrated (categories seeded), a district with 6 streets, 48 communities and
576 grids (a lattice of 330 m squares) with a worker each, and an API key. The load generator is
bounded: a fixed number of keep-alive HTTP/1.1 connections on 127.0.0.1 (asyncio streams, raw
requests), each sending the next POST when the last is answered; the first seconds after every
connection's first answer are a warm-up and are not counted. Rounds alternate bare and intake (3 by
default), each on a freshly started server; every figure is printed with the CPU the workers spent
per answer over the counted window (read from /proc), steadier than the rate on a shared machine.
Every intake is a real one: routed to its grid, sealed phone, the case, its two events, the grid's
notices and the audit record written.

    .venv/bin/python bench/bench_intake.py [--seconds 20] [--connections 8] [--rounds 3]
    .venv/bin/python bench/bench_intake.py profile   # queries per intake and where time goes
    .venv/bin/python bench/bench_intake.py cpu       # CPU an intake in one process, steadier

Scratch files go to bench/out/intake/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "intake"
DB = OUT / "jiceng.sqlite3"
BARE_DB = OUT / "bare.sqlite3"
KEY = "bench-intake-key-0123456789abcdef"
GRANIAN = ROOT / ".venv" / "bin" / "granian"
# 6 streets × 8 communities × 12 grids, 0.003° squares from (118.80, 32.05).
STREETS, COMMUNITIES, GRIDS_X, GRIDS_Y, SIZE = 6, 8, 4, 3, 0.003
LON0, LAT0 = 118.80, 32.05
SUBJECTS = ["city-garbage", "housing-property", "security-dispute", "livelihood-elderly", "other"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="jiceng.config.settings.base",
        DATABASE_URL=f"sqlite:///{DB}",
        JICENG_VAR_DIR=str(OUT / "var"),
        JICENG_OPEN311_KEYS=f"bench:{KEY}",
        # The bench measures intake, not the per-address limit (which still counts each POST).
        JICENG_RATES="open311=1000000/s",
        JICENG_LOG_LEVEL="WARNING",
        BARE_DB=str(BARE_DB),
        PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), env.get("PYTHONPATH", "")]),
    )
    return env


def setup_django() -> None:
    os.environ.update(environment())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# -- the prepared database ----------------------------------------------------------------------


def lattice() -> list[tuple[str, str, str, float, float]]:
    """(grid code, community code, street code, min lon, min lat) of every grid."""
    grids = []
    for s in range(STREETS):
        street = f"320113{s + 1:03d}000"
        for c in range(COMMUNITIES):
            community = street[:9] + f"{c + 1:03d}"
            for gx in range(GRIDS_X):
                for gy in range(GRIDS_Y):
                    lon = LON0 + (s * GRIDS_X + gx) * SIZE
                    lat = LAT0 + (c * GRIDS_Y + gy) * SIZE
                    grids.append((f"B-{community}-{gx}{gy}", community, street, lon, lat))
    return grids


def prepare() -> None:
    """Run with environment(): a fresh migrated database with divisions and grids."""
    setup_django()
    from django.core.management import call_command

    from jiceng.accounts.models import User
    from jiceng.core import clock
    from jiceng.divisions.models import Division, Level
    from jiceng.grid.models import Grid, GridIndexVersion, GridWorker

    call_command("migrate", verbosity=0)
    divisions = [Division(code="320113000000", name="栖霞区", level=Level.COUNTY)]
    grids = lattice()
    for street in sorted({g[2] for g in grids}):
        divisions.append(
            Division(
                code=street,
                name=f"第{street[6:9]}街道",
                level=Level.TOWNSHIP,
                parent_id="320113000000",
            )
        )
    for community in sorted({g[1] for g in grids}):
        divisions.append(
            Division(
                code=community,
                name=f"第{community[6:9]}街道第{community[9:]}社区",
                level=Level.VILLAGE,
                parent_id=community[:9] + "000",
            )
        )
    Division.objects.bulk_create(divisions)
    now = clock.now()
    rows = []
    for code, community, street, lon, lat in grids:
        ring = [
            [lon, lat],
            [lon + SIZE, lat],
            [lon + SIZE, lat + SIZE],
            [lon, lat + SIZE],
            [lon, lat],
        ]
        rows.append(
            Grid(
                code=code,
                name=f"网格{code[-7:]}",
                community_id=community,
                street_id=street,
                boundary=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                min_lon=lon,
                min_lat=lat,
                max_lon=lon + SIZE,
                max_lat=lat + SIZE,
                created_at=now,
                updated_at=now,
            )
        )
    made = Grid.objects.bulk_create(rows)
    # One worker a grid, so every intake notifies someone, as it would in a district.
    users = []
    for grid in made:
        user = User(username=f"gw-{grid.code}", display_name=f"网格员{grid.code[-7:]}")
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="gw-").order_by("username"))
    by_name = {u.username: u for u in users}
    GridWorker.objects.bulk_create(
        GridWorker(user=by_name[f"gw-{grid.code}"], grid=grid, assigned_at=now) for grid in made
    )
    GridIndexVersion.objects.update_or_create(
        pk=1, defaults={"version": random.randrange(1, 2**60)}
    )
    print(f"prepared {DB}: {len(divisions)} divisions, {len(made)} grids, {len(users)} workers")


def bodies(count: int, seed: int = 1) -> list[bytes]:
    """Form bodies of Open311 POSTs at random points inside the grids."""
    rng = random.Random(seed)
    width, height = STREETS * GRIDS_X * SIZE, COMMUNITIES * GRIDS_Y * SIZE
    made = []
    for i in range(count):
        made.append(
            urllib.parse.urlencode(
                {
                    "api_key": KEY,
                    "service_code": rng.choice(SUBJECTS),
                    "attribute[case_type]": rng.choice(["complaint", "help", "consultation"]),
                    "lat": f"{LAT0 + rng.uniform(0.0001, height - 0.0001):.6f}",
                    "long": f"{LON0 + rng.uniform(0.0001, width - 0.0001):.6f}",
                    "description": f"楼道堆放杂物，影响通行（压测 {i}）",
                    "first_name": "先生",
                    "last_name": "张",
                    "phone": f"139{rng.randrange(10**8):08d}",
                }
            ).encode()
        )
    return made


# -- serving and loading --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(target: str, port: int) -> subprocess.Popen[bytes]:
    """granian as `make serve` runs it."""
    command = [
        str(GRANIAN), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "2", "--blocking-threads", "1", "--blocking-threads-idle-timeout", "600",
        "--no-ws", target,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=open(OUT / f"{target.split(':')[0]}.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise SystemExit(f"granian did not start on {port}")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, chunked = None, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readline()
        return status, b"".join(parts)
    return status, await reader.readexactly(length or 0)


async def _connection(
    port: int, path: str, pool: list[bytes], connections: int, warm: float, seconds: float,
    results: dict[str, Any],
) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
    ).encode()
    answered = False
    try:
        while time.perf_counter() < results["end"]:
            body = pool[results["next"] % len(pool)]
            results["next"] += 1
            writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
            sent = time.perf_counter()
            status, answer = await _read_response(reader)
            done = time.perf_counter()
            if not answered:
                # The window opens `warm` seconds after every connection (so every worker)
                # has had its first answer: a worker imports the URLconf, the API and its
                # schemas on its first request, seconds of CPU on a shared 2-core machine.
                answered = True
                results["answered"] += 1
                if results["answered"] == connections:
                    results["window"] = (done + warm, done + warm + seconds)
                    results["end"] = done + warm + seconds
            results["requests"].append((sent, done, status, answer[:300]))
    finally:
        writer.close()


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _workers(server: int) -> list[int]:
    """The worker processes of a granian server (its children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == server:
                found.append(int(entry.name))
    return found


def _wait_until_idle(workers: list[int], timeout: float = 60.0) -> None:
    """Until every worker has imported the application and waits for connections (its CPU
    time stands still). The port opens before the workers are ready, and connections made
    then all go to the first worker that is: the other would idle through the run."""
    deadline = time.monotonic() + timeout
    last = [_cpu_seconds(pid) for pid in workers]
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = [_cpu_seconds(pid) for pid in workers]
        if all(b - a < 0.02 for a, b in zip(last, now, strict=True)):
            return
        last = now
    raise SystemExit("the server's workers did not settle")


async def _sample_cpu(results: dict[str, Any], workers: list[int], beside: list[int]) -> None:
    """Each worker's CPU seconds over the counted window, and the processes' beside them."""
    while results["window"] is None:
        await asyncio.sleep(0.05)
    opens, closes = results["window"]
    await asyncio.sleep(max(0.0, opens - time.perf_counter()))
    before = {pid: _cpu_seconds(pid) for pid in workers + beside}
    await asyncio.sleep(max(0.0, closes - time.perf_counter()))
    results["worker_cpu"] = [_cpu_seconds(pid) - before[pid] for pid in workers]
    results["beside_cpu"] = sum(_cpu_seconds(pid) - before[pid] for pid in beside)


async def _load(
    port: int, path: str, pool: list[bytes], connections: int, warm: float, seconds: float,
    workers: list[int], beside: list[int],
) -> dict[str, Any]:  # fmt: skip
    results: dict[str, Any] = {
        "next": 0, "answered": 0, "end": float("inf"), "window": None, "requests": [],
    }  # fmt: skip
    await asyncio.gather(
        _sample_cpu(results, workers, beside),
        *[
            _connection(port, path, pool, connections, warm, seconds, results)
            for _ in range(connections)
        ],
    )
    opens, closes = results["window"]
    counted = [r for r in results["requests"] if r[0] >= opens and r[1] <= closes]
    statuses: dict[int, int] = {}
    for _, _, status, _ in counted:
        statuses[status] = statuses.get(status, 0) + 1
    errors = [a.decode(errors="replace") for _, _, status, a in counted if status != 200][:3]
    latencies = sorted(done - sent for sent, done, _, _ in counted)
    ok = statuses.get(200, 0)
    busy = results["worker_cpu"]
    return {
        "per_second": ok / seconds,
        "ok": ok,
        # Cores the workers kept busy, and their CPU per answer: steadier than the rate when
        # the machine is shared.
        "worker_cores": [round(b / seconds, 2) for b in busy],
        "cpu_ms": 1000 * sum(busy) / len(counted) if counted else None,
        # The scheduler's (its SQLite checkpoints), per answer.
        "beside_cpu_ms": 1000 * results["beside_cpu"] / len(counted) if counted else None,
        "statuses": statuses,
        "errors": errors,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
    }


def scheduler() -> subprocess.Popen[bytes]:
    """`jiceng scheduler` as `make serve` runs it beside the web, its periodic tasks turned off
    (no worker runs them here): on SQLite it checkpoints the WAL (core.sqlite.checkpoints),
    which the web's commits then leave to it."""
    from jiceng.core.scheduler import PERIODIC_TASKS

    env = environment()
    env["JICENG_SCHEDULE"] = ",".join(f"{name}=0" for name in PERIODIC_TASKS)
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "jiceng"), "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(OUT / "scheduler.log", "wb"),
        start_new_session=True,
    )


def measure(
    target: str, path: str, pool: list[bytes], args: argparse.Namespace, *, with_scheduler: bool
) -> dict[str, Any]:
    port = free_port()
    process = serve(target, port)
    beside = scheduler() if with_scheduler else None
    try:
        workers = _workers(process.pid)
        _wait_until_idle(workers)
        if beside is not None:
            _wait_until_idle([beside.pid])
        return asyncio.run(
            _load(
                port, path, pool, args.connections, args.warm, args.seconds, workers,
                [beside.pid] if beside is not None else [],
            )
        )  # fmt: skip
    finally:
        if beside is not None:
            stop(beside)
        stop(process)


# -- profile: queries per intake and where the time goes -----------------------------------------


def profile() -> None:
    """In one process against the prepared file (run the load first): the queries one intake
    makes, and a cProfile of 300 intakes through Django's test client."""
    import cProfile
    import pstats

    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    pool = bodies(400, seed=7)
    for body in pool[:20]:  # warm: the grid index, the categories
        client.post(
            "/open311/v2/requests.json",
            body,
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="127.0.0.1",
        )
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/open311/v2/requests.json",
            pool[20],
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="127.0.0.1",
        )
    assert response.status_code == 200, response.content
    print(f"queries per intake: {len(captured)}")
    for q in captured:
        print("  ", q["sql"][:150])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for body in pool[100:400]:
        client.post(
            "/open311/v2/requests.json",
            body,
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="127.0.0.1",
        )
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"300 intakes in one process under cProfile: {elapsed:.2f} s")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(
        r"submit_case|audit.py.*\((prepare|append)\)|inserts.py|locate|seal|"
        r"transaction.py.*__exit__|open311/(views|intake)|middleware|"
        r"handlers/base.py.*get_response|type_by_code|subject_by_code"
    )
    started = time.perf_counter()
    for body in pool[:300]:
        client.post(
            "/open311/v2/requests.json",
            body,
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="127.0.0.1",
        )
    elapsed = time.perf_counter() - started
    print(f"300 intakes in one process, no profiler: {1000 * elapsed / 300:.1f} ms each")


def _wsgi_post(application: Any, body: bytes) -> str:
    """One POST through the WSGI application, as a granian worker calls it; the status."""
    import io

    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/open311/v2/requests.json", "SCRIPT_NAME": "",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }  # fmt: skip
    status: list[str] = []
    answer = application(environ, lambda s, headers, exc_info=None: status.append(s))
    b"".join(answer)
    answer.close()
    return status[0]


def cpu(rounds: int = 6, per_round: int = 300) -> None:
    """In one process against the prepared file (run the load or `prepare` first): the CPU
    (time.process_time) an intake takes through the WSGI application, alone and with another
    connection writing between intakes, as the second worker does when served: SQLite then
    finds its page cache stale at each BEGIN and reads every page again (about 55 an intake).
    Rounds alternate; the median round is printed. Steadier than a rate on a shared machine,
    and the figure to compare before and after a change of the intake's code."""
    import sqlite3

    setup_django()
    from jiceng.config.wsgi import application

    pool = bodies(rounds * per_round * 2 + 100, seed=11)
    other = sqlite3.connect(str(DB), isolation_level=None)
    other.execute("CREATE TABLE IF NOT EXISTS bench_other_writer (x INTEGER)")
    for body in pool[:100]:  # warm: the URLconf, the grid index, the categories
        assert _wsgi_post(application, body).startswith("200")
    taken: dict[str, list[float]] = {"alone": [], "another writer between": []}
    bodies_left = iter(pool[100:])
    for _ in range(rounds):
        for mode, times in taken.items():
            spent = 0.0
            for _ in range(per_round):
                started = time.process_time()
                status = _wsgi_post(application, next(bodies_left))
                spent += time.process_time() - started
                assert status.startswith("200"), status
                if mode != "alone":
                    other.execute("INSERT INTO bench_other_writer VALUES (1)")
            times.append(1000 * spent / per_round)
    for mode, times in taken.items():
        times.sort()
        print(
            f"CPU an intake, {mode}: median {times[len(times) // 2]:.2f} ms "
            f"(rounds of {per_round}: {', '.join(f'{t:.2f}' for t in times)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "what", nargs="?", default="run", choices=["run", "prepare", "profile", "cpu"]
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warm", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.what == "prepare":
        prepare()
        return
    if args.what == "profile":
        profile()
        return
    if args.what == "cpu":
        cpu()
        return
    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "var").mkdir(parents=True)
    subprocess.run([sys.executable, __file__, "prepare"], cwd=ROOT, env=environment(), check=True)
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ["BARE_DB"] = str(BARE_DB)
    import bare_post

    bare_post.create_table()
    pool = bodies(20_000)
    print(
        f"{args.connections} keep-alive connections, "
        f"{args.warm:.0f} s warm-up, {args.seconds:.0f} s counted"
    )
    # Rounds alternate, each server started afresh: on a shared machine a slow minute then
    # falls on both. The intake's file keeps its cases from round to round.
    rounds: list[dict[str, Any]] = []
    for number in range(1, args.rounds + 1):
        bare = measure("bare_post:application", "/requests.json", pool, args, with_scheduler=False)
        intake = measure(
            "jiceng.config.wsgi:application",
            "/open311/v2/requests.json",
            pool,
            args,
            with_scheduler=True,
        )
        ratio = intake["per_second"] / bare["per_second"] if bare["per_second"] else 0.0
        rounds.append({"bare": bare, "intake": intake, "ratio": ratio})
        for name, got in (("bare one-row Django POST", bare), ("Open311 intake", intake)):
            print(
                f"round {number}: {name}: {got['per_second']:.0f}/s, p50 {got['p50_ms']:.1f} ms, "
                f"p99 {got['p99_ms']:.1f} ms, workers busy {got['worker_cores']} cores, "
                f"{got['cpu_ms']:.2f} ms of worker CPU an answer"
                + (f" (+{got['beside_cpu_ms']:.2f} ms the scheduler's)" if got is intake else "")
                + f", {got['statuses']}"
                + (f" {got['errors']}" if got["errors"] else "")
            )
        print(f"round {number}: ratio intake / bare: {ratio:.2f}")
    middle = sorted(rounds, key=lambda r: r["intake"]["per_second"])[len(rounds) // 2]
    print(
        f"median round: intake {middle['intake']['per_second']:.0f}/s against bare "
        f"{middle['bare']['per_second']:.0f}/s, ratio {middle['ratio']:.2f}"
    )
    import sqlite3

    with sqlite3.connect(DB) as db:
        cases = db.execute("SELECT count(*) FROM cases_case").fetchone()[0]
        routed = db.execute("SELECT count(*) FROM cases_case WHERE grid_id IS NOT NULL").fetchone()[
            0
        ]
        events = db.execute("SELECT count(*) FROM cases_caseevent").fetchone()[0]
        notices = db.execute("SELECT count(*) FROM cases_notice").fetchone()[0]
    print(
        f"in the database: {cases} cases ({routed} routed to a grid), {events} events, "
        f"{notices} notices"
    )
    (OUT / "results.json").write_text(json.dumps(rounds, indent=2))


if __name__ == "__main__":
    main()
