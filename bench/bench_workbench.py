"""The organization department's workbench (工作台, GET /) at the national root, a province and a
county of the synthetic data set. Target (issue 12): at most 300 ms p95 at the national root at
scale 0.05.

    .venv/bin/python bench/bench_workbench.py [--scale 0.05] [--runs 30] [--db PATH]

1. The database: bench/out/workbench-<scale>.sqlite3 unless --db names one (a file made by
   bench/bench_seed.py --keep serves). Made once when missing: migrate, load-divisions, then
   `datasets.seeding.seed` at the scale (organizations, members, committees, party groups; not
   timed). The compliance rollup of the last complete month (the month the panel shows) is
   rebuilt when it has no rows: it is the rollup's own cost, kept apart (bench_orglife.py).
2. For each scope a user with the organization department role there; the page is requested
   through the whole Django stack in-process (middleware, session, scoping, queries,
   templates) as the WSGI server runs it, only the socket left out: 3 warm-up requests, then
   --runs timed ones. Prints median, p95 and max, and the time of each panel's own reads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
AS_OF = "2025-06-30"  # the seed's data date, as bench_seed.py


def environment(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    env.setdefault("JICENG_ALLOWED_HOSTS", "testserver")
    env.setdefault("JICENG_LOG_LEVEL", "WARNING")
    return env


def make_database(path: Path, scale: float) -> None:
    print(f"建立数据库 {path}（迁移、行政区划、规模 {scale} 的模拟数据，不计时）……", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    env = environment(path)
    jiceng = str(Path(sys.executable).parent / "jiceng")
    subprocess.run([jiceng, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [jiceng, "load-divisions"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    os.environ.update(env)
    import django

    django.setup()
    from jiceng.datasets import seeding

    started = time.perf_counter()
    result = seeding.seed(
        scale=scale,
        seed=1,
        workers=2,
        as_of=dt.date.fromisoformat(AS_OF),
        progress=lambda line: print("  " + line, flush=True),
        progress_every=20,
    )
    print(
        f"  seed: {result.organizations:,} organizations, {result.members:,} members "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def quantiles(times: list[float]) -> tuple[float, float, float]:
    return statistics.median(times), statistics.quantiles(times, n=20)[-1], max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    database = (args.db or OUT / f"workbench-{args.scale:g}.sqlite3").resolve()
    if not database.exists():
        make_database(database, args.scale)
    env = environment(database)
    jiceng = str(Path(sys.executable).parent / "jiceng")
    # the pages name their static files through the manifest
    subprocess.run([jiceng, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from jiceng.accounts.models import Role, RoleAssignment, User
    from jiceng.core import clock
    from jiceng.orglife import compliance, rules
    from jiceng.orglife.models import Compliance
    from jiceng.orgs.models import Organization, OrgKind
    from jiceng.web import workbench

    month = rules.add_months(rules.month_of(clock.today()), -1)
    if not Compliance.objects.filter(month=month).exists():
        rolled = compliance.rollup_month(month)
        print(f"compliance rollup {month}: {rolled.rows:,} rows in {rolled.seconds:.1f} s")

    root = Organization.objects.get(depth=1)
    province = Organization.objects.filter(depth=2).order_by("-subtree_member_count").first()
    county = (
        Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE, depth=4)
        .order_by("-subtree_member_count")
        .first()
    )
    assert province is not None and county is not None
    print(f"grassroots organizations: {root.subtree_org_count:,}")
    print(f"members: {root.subtree_member_count:,}")

    results = []
    panel_times: dict[str, dict[str, list[float]]] = {}
    for label, scope in (("national", root), ("province", province), ("county", county)):
        user, _ = User.objects.get_or_create(username=f"bench-workbench-{label}")
        RoleAssignment.objects.get_or_create(
            user=user, role=Role.ORGANIZATION_DEPARTMENT, organization=scope
        )
        client = Client()
        client.force_login(user)
        for _ in range(3):  # warm: templates compiled, caches and pages full
            assert client.get("/").status_code == 200
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = client.get("/")
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        results.append((label, scope.subtree_org_count, times))
        fresh = User.objects.get(pk=user.pk)
        for panel in workbench.registered():
            if not panel.shows(fresh):
                continue
            spent = []
            for _ in range(max(5, args.runs // 3)):
                start = time.perf_counter()
                panel.build(fresh)
                spent.append((time.perf_counter() - start) * 1000)
            panel_times.setdefault(label, {})[panel.key] = spent

    print(f"\n{'scope':10} {'organizations':>14} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for label, organizations, times in results:
        median, p95, most = quantiles(times)
        print(f"{label:10} {organizations:14,} {median:10.1f} {p95:8.1f} {most:8.1f}")
    print("\neach panel's reads (median ms):")
    for label, panels in panel_times.items():
        line = ", ".join(f"{key} {statistics.median(t):.1f}" for key, t in panels.items())
        print(f"  {label:10} {line}")


if __name__ == "__main__":
    main()
