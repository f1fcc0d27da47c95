"""The development pipeline page (发展党员, GET /development/?org=<county>) of the organization
department of the largest county of the synthetic data set. Target (issue 13): at most 200 ms
p95 of 50 warm requests at scale 0.05.

    .venv/bin/python bench/bench_development.py [--scale 0.05] [--runs 50] [--db PATH]

1. The database: bench/out/development-<scale>.sqlite3 unless --db names one. Made once when
   missing: migrate, load-divisions, then the county-level units that `jiceng seed --scale S`
   would choose are listed and only the largest of them (by its villages and communities) is
   seeded, with `datasets.seeding.seed(counties=[it])` and then its development pipelines
   (`datasets.development.seed_development`, timed). The page reads only that county's
   subtree (ranges of the organization path), so the other counties of the scale would
   change the row count of the tables but not what the page reads; seeding all of them
   takes about half an hour on this machine (bench/RESULTS.md, the workbench).
2. A user with the organization department role at the county committee; the page requested
   through the whole Django stack in-process (middleware, session, scoping, queries,
   template), as the WSGI server runs it, only the socket left out: 3 warm-up requests, then
   --runs timed ones. Prints median, p95 and max; and the page of its largest branch.
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
    print(f"建立数据库 {path}（迁移、行政区划、规模 {scale} 中最大的县，不计时）……", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    env = environment(path)
    jiceng = str(Path(sys.executable).parent / "jiceng")
    subprocess.run([jiceng, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [jiceng, "load-divisions"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from jiceng.datasets import national, seeding
    from jiceng.datasets.development import seed_development

    weights = seeding.county_weights()
    chosen = seeding.load_counties(national.choose_counties(weights, scale=scale, seed=1))
    largest = max(chosen, key=national.county_size)
    print(
        f"  {len(chosen)} counties at scale {scale}; the largest: {largest.area_code}", flush=True
    )
    started = time.perf_counter()
    result = seeding.seed(
        counties=[largest.area_code],
        seed=1,
        workers=2,
        as_of=dt.date.fromisoformat(AS_OF),
        progress=lambda line: print("  " + line, flush=True),
    )
    print(
        f"  seed: {result.organizations:,} organizations, {result.members:,} members "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    dev = seed_development(as_of=dt.date.fromisoformat(AS_OF), seed=1)
    print(
        f"  development: {dev.applicants:,} cases ({dev.late:,} late), {dev.steps:,} steps "
        f"in {dev.seconds:.1f} s ({(dev.applicants + dev.steps) / dev.seconds:,.0f} rows/s)",
        flush=True,
    )


def quantiles(times: list[float]) -> tuple[float, float, float]:
    return statistics.median(times), statistics.quantiles(times, n=20)[-1], max(times)


def measure(client: object, url: str, runs: int) -> list[float]:
    for _ in range(3):  # warm: templates compiled, caches full
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    database = (args.db or OUT / f"development-{args.scale:g}.sqlite3").resolve()
    if not database.exists():
        make_database(database, args.scale)
    env = environment(database)
    jiceng = str(Path(sys.executable).parent / "jiceng")
    subprocess.run([jiceng, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count
    from django.test import Client

    from jiceng.accounts.models import Role, RoleAssignment, User
    from jiceng.core.paths import under
    from jiceng.development.models import Applicant
    from jiceng.orgs.models import Organization, OrgKind

    county = (
        Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE, depth=4)
        .order_by("-subtree_member_count")
        .first()
    )
    assert county is not None
    user, _ = User.objects.get_or_create(username="bench-development-county")
    RoleAssignment.objects.get_or_create(
        user=user, role=Role.ORGANIZATION_DEPARTMENT, organization=county
    )
    client = Client()
    client.force_login(user)
    here = under(county.path, "organization__path")
    cases = Applicant.objects.filter(here).count()
    branches = (
        Applicant.objects.filter(here)
        .values("organization_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    largest = branches.first()
    print(f"county: {county.name}, {county.subtree_member_count:,} members, {cases:,} cases")
    rows = [("county", measure(client, f"/development/?org={county.pk}", args.runs))]
    if largest is not None:
        print(f"largest branch: {largest['n']} cases")
        url = f"/development/?org={largest['organization_id']}"
        rows.append(("branch", measure(client, url, args.runs)))
    print(f"\n{'page':8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for label, times in rows:
        median, p95, most = quantiles(times)
        print(f"{label:8} {median:10.1f} {p95:8.1f} {most:8.1f}")


if __name__ == "__main__":
    main()
