"""The leaders' dashboard (党建驾驶舱, GET /dashboard/) at the national root, a province and a
county of the synthetic data set. Target (issue 14): the national root at scale 0.05 within
300 ms (p95 of 50 warm requests, server time).

    .venv/bin/python bench/bench_dashboard.py [--scale 0.05] [--runs 50] [--db PATH]

The database as bench_workbench.py makes it (bench/out/workbench-<scale>.sqlite3, shared with
it). For each scope a user with the organization department role there; the page through the
whole Django stack in-process: 3 warm-up requests, then --runs timed ones (warm: the page's
tiles come from the cache, JICENG_DASHBOARD_CACHE_SECONDS). Then the same with the cache off
(every request builds every tile), and each tile's own build time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workbench import OUT, ROOT, environment, make_database, quantiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    database = (args.db or OUT / f"workbench-{args.scale:g}.sqlite3").resolve()
    if not database.exists():
        make_database(database, args.scale)
    env = environment(database)
    jiceng = str(Path(sys.executable).parent / "jiceng")
    subprocess.run([jiceng, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from jiceng.accounts.models import Role, RoleAssignment, User
    from jiceng.core import clock
    from jiceng.dashboard import tiles
    from jiceng.orglife import compliance, rules
    from jiceng.orglife.models import Compliance
    from jiceng.orgs.models import Organization, OrgKind

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

    rows = []
    tile_times: dict[str, dict[str, float]] = {}
    for cached in (True, False):
        settings.JICENG_DASHBOARD_CACHE_SECONDS = 300 if cached else 0
        cache.clear()
        for label, scope in (("national", root), ("province", province), ("county", county)):
            user, _ = User.objects.get_or_create(username=f"bench-dashboard-{label}")
            RoleAssignment.objects.get_or_create(
                user=user, role=Role.ORGANIZATION_DEPARTMENT, organization=scope
            )
            client = Client()
            client.force_login(user)
            url = f"/dashboard/org/{scope.pk}/"
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            first = (time.perf_counter() - start) * 1000
            for _ in range(2):
                assert client.get(url).status_code == 200
            times = []
            for _ in range(args.runs if cached else max(10, args.runs // 5)):
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            rows.append(("cached" if cached else "built", label, first, times))
            if not cached:
                fresh = User.objects.get(pk=user.pk)
                for found in tiles.registered():
                    spent = []
                    for _ in range(5):
                        start = time.perf_counter()
                        found.build(scope, fresh)
                        spent.append((time.perf_counter() - start) * 1000)
                    tile_times.setdefault(label, {})[found.key] = statistics.median(spent)

    print(f"\n{'mode':7} {'scope':9} {'first ms':>9} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for mode, label, first, times in rows:
        median, p95, most = quantiles(times)
        print(f"{mode:7} {label:9} {first:9.1f} {median:10.1f} {p95:8.1f} {most:8.1f}")
    print("\neach tile's build (median ms):")
    for label, found in tile_times.items():
        print(f"  {label:9} " + ", ".join(f"{k} {v:.1f}" for k, v in found.items()))


if __name__ == "__main__":
    main()
