"""党员突击队 at a district's size: the coverage board and the gap list (server time), and 200
members racing for the last places of 50 shifts over HTTP beside a bare one-row POST.

Board and gaps (in one process, Django's test client, so the time is the server's): a district
task force with 1,000 sites and 3 shifts a day for 30 days (90,000 shifts), about 70% of the
places taken (some 150,000 assignments). p95 of 50 warm requests of
  - the board's API for one day: the day's totals over all 1,000 sites and a page of
    sites (20, the default, as the page shows) or 200 (the largest page the API gives),
  - the board's page (the phone page: the day's totals and 20 sites),
  - the gap list over 30 days, API and page (totals and the first 100 gaps).
Targets (issue 15): the board within 200 ms, the gap list within 500 ms.

Race (served as bench_intake.py serves: granian, 2 workers of one blocking thread, SQLite
WAL): 50 shifts at the same hour, 2 places left on each; 200 signed-in members, each trying
every shift in a random order through POST /api/v1/taskforces/shifts/{id}/sign-up over 16
keep-alive connections until every member has tried all. Checked afterwards: no shift over its
places, no member on two shifts (they overlap), no 5xx. Throughput beside the bare POST
(bench/bare_post.py) measured in the same run.

    .venv/bin/python bench/bench_taskforces.py [board|race|all] [--connections 16]

Scratch files go to bench/out/taskforces/.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "taskforces"
DB = OUT / "jiceng.sqlite3"
BARE_DB = OUT / "bare.sqlite3"
GRANIAN = Path(sys.executable).parent / "granian"
SITES, SLOTS, DAYS = 1000, ((8, 12), (12, 16), (16, 20)), 30
RACE_SHIFTS, RACE_MEMBERS = 50, 200
CSRF = "b" * 32


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="jiceng.config.settings.base",
        DATABASE_URL=f"sqlite:///{DB}",
        JICENG_VAR_DIR=str(OUT / "var"),
        JICENG_LOG_LEVEL="WARNING",
        JICENG_RATES="api=1000000/s,login=1000000/s",
        BARE_DB=str(BARE_DB),
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench"), env.get("PYTHONPATH", "")]),
    )
    return env


def setup_django() -> None:
    os.environ.update(environment())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare() -> dict[str, Any]:
    """A fresh file: a district with a street and a community, 1,000 sites, their shifts."""
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    setup_django()
    from django.core.management import call_command
    from django.utils.timezone import make_aware

    from jiceng.accounts.models import Role, RoleAssignment, User
    from jiceng.core import clock
    from jiceng.divisions.models import Division, Level
    from jiceng.orgs import rollups
    from jiceng.orgs.models import Organization, OrgKind
    from jiceng.taskforces.models import Assignment, Shift, Site, TaskForce
    from jiceng.testing.personas import add_member

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    Division.objects.bulk_create(
        [
            Division(code="320113000000", name="栖霞区", level=Level.COUNTY),
            Division(
                code="320113007000", name="仙林街道", level=Level.TOWNSHIP, parent_id="320113000000"
            ),
            Division(
                code="320113007001", name="文苑社区", level=Level.VILLAGE, parent_id="320113007000"
            ),
        ]
    )
    root = Organization.objects.add_root(
        {"name": "区委", "kind": OrgKind.LOCAL_COMMITTEE, "division_id": "320113000000"}
    )
    branch = Organization.objects.get(pk=root.pk).add_child(
        name="突击队员支部", kind=OrgKind.BRANCH, division_id="320113007001"
    )
    rollups.rebuild()
    admin = User.objects.create_user(username="qixia-zzb", password="x")
    RoleAssignment.objects.create(user=admin, role=Role.ORGANIZATION_DEPARTMENT, organization=root)
    members = [add_member(branch, name=f"队员{i:03d}") for i in range(RACE_MEMBERS)]
    users = []
    for m in members:
        u = User(username=f"m{m.pk}", member=m)
        u.set_unusable_password()
        users.append(u)
    User.objects.bulk_create(users)
    users = list(User.objects.filter(member__isnull=False).order_by("pk"))
    RoleAssignment.objects.bulk_create(RoleAssignment(user=u, role=Role.MEMBER) for u in users)
    today = clock.today()
    big = TaskForce.objects.create(
        name="全区防汛", organization=root, starts_on=today, ends_on=today + dt.timedelta(days=DAYS)
    )
    rng = random.Random(15)
    sites = Site.objects.bulk_create(
        Site(
            task_force=big,
            name=f"点位{i:04d}",
            lon=118.9 + i * 1e-4,
            lat=32.1,
            community_id="320113007001",
            checkin_secret="0" * 32,
        )
        for i in range(SITES)
    )
    shifts = []
    for site in sites:
        for d in range(DAYS):
            day = today + dt.timedelta(days=d)
            for start, end in SLOTS:
                needed = rng.choice((2, 3, 4))
                shifts.append(
                    Shift(
                        task_force=big,
                        site=site,
                        needed=needed,
                        taken=sum(rng.random() < 0.7 for _ in range(needed)),
                        starts_at=make_aware(dt.datetime.combine(day, dt.time(start))),
                        ends_at=make_aware(dt.datetime.combine(day, dt.time(end))),
                    )
                )
    Shift.objects.bulk_create(shifts, batch_size=5000)
    member_ids = [m.pk for m in members]
    rows = []
    for shift in shifts:
        for k in range(shift.taken):
            rows.append(
                Assignment(
                    shift=shift,
                    task_force=big,
                    member_id=member_ids[(shift.pk * 7 + k) % len(member_ids)],
                    starts_at=shift.starts_at,
                    ends_at=shift.ends_at,
                )
            )
    # The seeded people overlap (200 members over 150,000 places): the bench reads, it does
    # not sign up here.
    Assignment.objects.bulk_create(rows, batch_size=5000)
    TaskForce.objects.filter(pk=big.pk).update(
        places_needed=sum(s.needed for s in shifts), places_taken=len(rows)
    )
    race = TaskForce.objects.create(
        name="抢位", organization=root, starts_on=today, ends_on=today + dt.timedelta(days=3)
    )
    tomorrow = today + dt.timedelta(days=1)
    race_sites = Site.objects.bulk_create(
        Site(
            task_force=race,
            name=f"抢位点{i}",
            lon=118.9,
            lat=32.1,
            community_id="320113007001",
            checkin_secret="0" * 32,
        )
        for i in range(RACE_SHIFTS)
    )
    Shift.objects.bulk_create(
        Shift(
            task_force=race,
            site=s,
            needed=2,
            taken=0,
            starts_at=make_aware(dt.datetime.combine(tomorrow, dt.time(8))),
            ends_at=make_aware(dt.datetime.combine(tomorrow, dt.time(12))),
        )
        for s in race_sites
    )
    TaskForce.objects.filter(pk=race.pk).update(places_needed=2 * RACE_SHIFTS)
    print(
        f"prepared {DB}: {len(sites)} sites, {len(shifts):,} shifts, {len(rows):,} assignments "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return {"big": big.pk, "race": race.pk}


def reset_race(ids: dict[str, Any]) -> None:
    """The race's shifts empty again (a reused file)."""
    from jiceng.taskforces.models import Assignment, Shift, TaskForce

    Assignment.objects.filter(task_force_id=ids["race"]).delete()
    Shift.objects.filter(task_force_id=ids["race"]).update(taken=0)
    TaskForce.objects.filter(pk=ids["race"]).update(places_taken=0)


def sessions() -> tuple[str, list[str]]:
    """The department's session and each member's (force_login writes them to the file)."""
    from django.test import Client

    from jiceng.accounts.models import User

    def session_of(user: User) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    admin = session_of(User.objects.get(username="qixia-zzb"))
    members = [session_of(u) for u in User.objects.filter(member__isnull=False).order_by("pk")]
    return admin, members


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(0.95 * (len(ordered) - 1))]


def board(ids: dict[str, Any], admin_session: str) -> list[tuple[str, float, float, str]]:
    from django.test import Client

    from jiceng.core import clock

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = admin_session
    day = clock.today() + dt.timedelta(days=3)
    big = ids["big"]
    cases = [
        (
            "board API, one day (totals + 20 sites)",
            f"/api/v1/taskforces/{big}/board?day={day}",
            200,
        ),
        (
            "board API, one day (totals + 200 sites, the largest page)",
            f"/api/v1/taskforces/{big}/board?day={day}&size=200",
            200,
        ),
        ("board page, one day (totals + 20 sites)", f"/taskforces/{big}/board/?day={day}", 200),
        ("gap list API, 30 days (totals + 100)", f"/api/v1/taskforces/{big}/gaps?days=30", 500),
        ("gap list page, 30 days (totals + 100)", f"/taskforces/{big}/gaps/?days=30", 500),
    ]
    results = []
    for label, url, target in cases:
        for _ in range(5):  # warm
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.status_code)
        samples, cpu = [], []
        for _ in range(50):
            started, cpu_started = time.perf_counter(), time.process_time()
            answer = client.get(url)
            samples.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - cpu_started))
            assert answer.status_code == 200
        results.append((label, statistics.median(samples), p95(samples), f"{target} ms"))
        # CPU time of this process: what the answer costs apart from waiting for a core
        print(
            f"{label}: median {statistics.median(samples):.0f} ms, p95 {p95(samples):.0f} ms "
            f"(CPU median {statistics.median(cpu):.0f} ms, p95 {p95(cpu):.0f} ms; "
            f"target {target} ms)"
        )
    return results


def race(
    ids: dict[str, Any], member_sessions: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    import bench_intake as intake

    from jiceng.taskforces.models import Assignment, Shift

    shift_ids = list(Shift.objects.filter(task_force_id=ids["race"]).values_list("pk", flat=True))
    rng = random.Random(7)
    work = []
    for session in member_sessions:
        order = shift_ids[:]
        rng.shuffle(order)
        work += [(session, pk) for pk in order]
    rng.shuffle(work)
    port = intake.free_port()
    process = serve("jiceng.config.wsgi:application", port)
    try:
        workers = intake._workers(process.pid)
        intake._wait_until_idle(workers)
        before = sum(intake._cpu_seconds(p) for p in workers)
        outcome = asyncio.run(_race(port, work, args.connections))
        outcome["cpu_ms"] = (
            1000 * (sum(intake._cpu_seconds(p) for p in workers) - before) / len(work)
        )
    finally:
        intake.stop(process)
    over = Shift.objects.filter(task_force_id=ids["race"], taken__gt=2).count()
    counts = {}
    for member_id in Assignment.objects.filter(
        task_force_id=ids["race"], is_active=True
    ).values_list("member_id", flat=True):
        counts[member_id] = counts.get(member_id, 0) + 1
    rows_per_shift = {}
    for shift_id in Assignment.objects.filter(
        task_force_id=ids["race"], is_active=True
    ).values_list("shift_id", flat=True):
        rows_per_shift[shift_id] = rows_per_shift.get(shift_id, 0) + 1
    outcome.update(
        shifts_over=over,
        members_on_two=sum(1 for c in counts.values() if c > 1),
        places_taken=sum(rows_per_shift.values()),
        counters_match=all(
            rows_per_shift.get(pk, 0) == taken
            for pk, taken in Shift.objects.filter(task_force_id=ids["race"]).values_list(
                "pk", "taken"
            )
        ),
    )
    print("race:", {k: v for k, v in outcome.items() if k != "errors"}, outcome.get("errors"))
    # the bare POST, same load generator, same machine, same run
    bare = bare_post(args)
    outcome["bare_per_second"] = bare["per_second"]
    print(f"bare one-row POST: {bare['per_second']:.0f}/s ({bare['statuses']})")
    return outcome


async def _race(port: int, work: list[tuple[str, int]], connections: int) -> dict[str, Any]:
    import bench_intake as intake

    queue = list(reversed(work))
    statuses: dict[int, int] = {}
    errors: list[str] = []

    async def one() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                session, shift_id = queue.pop()
                writer.write(
                    (
                        f"POST /api/v1/taskforces/shifts/{shift_id}/sign-up HTTP/1.1\r\n"
                        "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        f"Cookie: sessionid={session}; csrftoken={CSRF}\r\nX-CSRFToken: {CSRF}\r\n"
                        "Content-Length: 2\r\n\r\n{}"
                    ).encode()
                )
                status, body = await intake._read_response(reader)
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 500 or status in (401, 403, 404):
                    errors.append(f"{status} {body[:200].decode(errors='replace')}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*[one() for _ in range(connections)])
    seconds = time.perf_counter() - started
    return {
        "requests": len(work),
        "seconds": round(seconds, 1),
        "per_second": len(work) / seconds,
        "statuses": statuses,
        "errors": errors[:3],
    }


def serve(target: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        str(GRANIAN),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--blocking-threads",
        "1",
        "--blocking-threads-idle-timeout",
        "600",
        "--no-ws",
        target,
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=open(OUT / f"{target.split(':')[0]}.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("granian did not start")


def bare_post(args: argparse.Namespace) -> dict[str, Any]:
    import sqlite3

    import bench_intake as intake

    with sqlite3.connect(BARE_DB) as db:  # the table bare_post.create_table makes
        db.execute(
            "CREATE TABLE IF NOT EXISTS bare_row "
            "(id INTEGER PRIMARY KEY, description TEXT NOT NULL, lat REAL, lon REAL)"
        )
    port = intake.free_port()
    process = serve("bare_post:application", port)
    try:
        workers = intake._workers(process.pid)
        intake._wait_until_idle(workers)
        pool = [f"description=row {i}&lat=32.1&lon=118.9".encode() for i in range(100)]
        return asyncio.run(
            intake._load(port, "/requests.json", pool, args.connections, 2.0, 10.0, workers)
        )
    finally:
        intake.stop(process)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="all", choices=["board", "race", "all"])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--reuse", action="store_true", help="the prepared file of a last run")
    args = parser.parse_args()
    if args.reuse and DB.exists():
        setup_django()
        from django.core.management import call_command as migrate_command

        migrate_command("migrate", verbosity=0)  # main may have gained apps since the file was made
        from jiceng.taskforces.models import TaskForce

        ids = {
            "big": TaskForce.objects.get(name="全区防汛").pk,
            "race": TaskForce.objects.get(name="抢位").pk,
        }
        if args.what in ("race", "all"):
            reset_race(ids)
    else:
        ids = prepare()
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)  # the pages' manifest
    admin, members = sessions()
    if args.what in ("board", "all"):
        board(ids, admin)
    if args.what in ("race", "all"):
        race(ids, members, args)


if __name__ == "__main__":
    main()
