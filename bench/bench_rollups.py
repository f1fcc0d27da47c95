"""Member and branch counts of a subtree: the rollup row against a path-prefix scan.

    .venv/bin/python bench/bench_rollups.py [--db bench/out/seed-0.05.sqlite3] [--runs 200]

Target (issue 2): the member and branch counts of any subtree — the national root, a province,
a county, a branch — in at most 20 ms at scale 0.05, in a time that does not grow with the
subtree (rollups, not scans).

For each of the four it times, over many runs (median and max):
- how the app reads them: `orgs.queries.access_organization(user, pk)`, the scoped fetch of the
  organization row that the tree and organization pages show the counts from (the user holds
  the organization department role at the national root; the scope is recomputed each run);
- the bare rollup read: one row by primary key, only the count columns;
- for contrast, what the rollups replace: counting the subtree's members and branches with a
  range scan on the materialized path (a few runs only: it takes seconds at the top).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def timed(run: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """(median ms, max ms, last result)."""
    result = run()  # warm: the first read of a page from disk is not what we measure
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "seed-0.05.sqlite3")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--scan-runs", type=int, default=3)
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} 不存在：先运行 bench/bench_seed.py")
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")

    import django

    django.setup()
    from django.db.models import Count

    from jiceng.accounts.models import Role, RoleAssignment, User
    from jiceng.core.paths import under
    from jiceng.members.models import ACTIVE_STATUSES, Member
    from jiceng.orgs import queries
    from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgKind

    root = Organization.objects.get(depth=1)
    province = Organization.objects.filter(depth=2).order_by("-subtree_member_count").first()
    county = (
        Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE, division__level=3)
        .order_by("-subtree_member_count")
        .first()
    )
    branch = Organization.objects.filter(kind=OrgKind.BRANCH).order_by("-member_count").first()
    assert province is not None and county is not None and branch is not None
    user, _ = User.objects.get_or_create(username="bench-rollups")
    RoleAssignment.objects.get_or_create(
        user=user, role=Role.ORGANIZATION_DEPARTMENT, organization=root
    )

    print(
        f"{args.db.name}：{root.subtree_org_count:,} 个基层党组织，"
        f"{root.subtree_member_count:,} 名党员；每项 {args.runs} 次取中位数和最大值，"
        f"路径前缀扫描 {args.scan_runs} 次取中位数"
    )
    print(
        "子树 | 党员 | 支部 | 应用读取 中位/最大 ms | 按主键读汇总行 中位/最大 ms | 路径前缀扫描 ms"
    )
    worst = 0.0
    for label, org in (("全国", root), ("省", province), ("县", county), ("支部", branch)):

        def through_app(pk: int = org.pk) -> tuple[int, int]:
            # worked out again, as per request: the role rows read, then the scope
            user.__dict__.pop("_jiceng_role_rows", None)
            user.__dict__.pop("_jiceng_scope", None)
            found = queries.access_organization(user, pk)
            return found.subtree_member_count, found.subtree_branch_count

        def rollup_row(pk: int = org.pk) -> tuple[int, int]:
            return (
                Organization.objects.filter(pk=pk)
                .values_list("subtree_member_count", "subtree_branch_count")
                .get()
            )

        def scan(path: str = org.path) -> tuple[int, int]:
            members = Member.objects.filter(
                under(path, "organization__path"), status__in=ACTIVE_STATUSES
            ).count()
            branches = Organization.objects.filter(
                under(path), kind__in=BRANCH_KINDS, dissolved_on__isnull=True
            ).aggregate(n=Count("pk"))["n"]
            return members, branches

        app_median, app_max, counts = timed(through_app, args.runs)
        row_median, row_max, row_counts = timed(rollup_row, args.runs)
        scan_median, _, scanned = timed(scan, args.scan_runs)
        assert counts == row_counts == scanned, (label, counts, row_counts, scanned)
        worst = max(worst, app_max)
        print(
            f"{label} {org.name} | {counts[0]:,} | {counts[1]:,} | "
            f"{app_median:.2f} / {app_max:.2f} | {row_median:.3f} / {row_max:.3f} | "
            f"{scan_median:.1f}"
        )
    print(
        f"应用读取的最大值 {worst:.2f} ms（目标 ≤ 20 ms）；汇总行按主键读取，"
        "不随子树大小变化，路径前缀扫描随子树增长"
    )
    sys.exit(0 if worst <= 20 else 1)


if __name__ == "__main__":
    main()
