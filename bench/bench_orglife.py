"""The monthly compliance rollup and the compliance page at scale 0.05.

    .venv/bin/python bench/bench_orglife.py [--source bench/out/seed-0.05.sqlite3]
        [--db bench/out/orglife-0.05.sqlite3] [--as-of 2026-01-01] [--rollups 3] [--runs 20]

Targets (issue 4): the rollup of one month over the scale-0.05 data set (about 262,000
organizations) with a year of meetings in at most 30 s; the compliance page of any subtree
in at most 200 ms.

Steps: copy the seeded file (once), migrate it, seed a year of orglife with
`datasets.orglife.seed_orglife` (once), time `compliance.rollup_month` for the last month (a
December: the heaviest, with monthly, quarterly and yearly kinds) and the month before, each
`--rollups` times (a rollup replaces the month's rows, so runs repeat the same work), then
render the compliance page through the whole Django stack (test client, signed in as an
organization department at the national root) for the national root, a province, a county
and a branch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=ROOT / "bench/out/seed-0.05.sqlite3")
    parser.add_argument("--db", type=Path, default=ROOT / "bench/out/orglife-0.05.sqlite3")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rollups", type=int, default=3, help="runs of each month's rollup")
    parser.add_argument("--pages-only", action="store_true", help="skip the rollups")
    args = parser.parse_args()
    if not args.db.exists():
        if not args.source.exists():
            sys.exit(f"{args.source} 不存在：先运行 bench/bench_seed.py")
        shutil.copyfile(args.source, args.db)
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    from jiceng.datasets.orglife import seed_orglife
    from jiceng.orglife import compliance, rules
    from jiceng.orglife.models import Meeting
    from jiceng.orgs.models import Organization

    call_command("migrate", verbosity=0)
    if not Meeting.objects.exists():
        seeded = seed_orglife(as_of=args.as_of, seed=1)
        print(
            f"seed: {seeded.meetings:,} meetings, {seeded.attendances:,} attendances "
            f"in {seeded.seconds:.1f} s"
        )
    month = rules.add_months(rules.month_of(args.as_of), -1)
    orgs = Organization.objects.count()
    if args.pages_only:
        pages(args, month)
        return
    for run in range(args.rollups):
        result = compliance.rollup_month(month)
        print(
            f"rollup {rules.format_month(month)} (run {run + 1}): {orgs:,} organizations, "
            f"{result.branches:,} branches ({result.compliant:,} compliant), {result.rows:,} "
            f"rows in {result.seconds:.2f} s"
        )
        earlier = rules.add_months(month, -1)
        second = compliance.rollup_month(earlier)
        print(f"rollup {rules.format_month(earlier)} (run {run + 1}): {second.seconds:.2f} s")
    pages(args, month)


def pages(args: argparse.Namespace, month: int) -> None:
    from django.test import Client, override_settings

    from jiceng.accounts.models import Role, RoleAssignment, User
    from jiceng.orglife import rules
    from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgKind

    # plain static storage: the page's own work is measured, not a manifest lookup
    plain = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=plain).enable()

    user = User.objects.filter(username="bench-orglife").first()
    if user is None:
        user = User.objects.create_user(username="bench-orglife", password="Pa55word!x-bench")
        root = Organization.objects.get(depth=1)
        RoleAssignment.objects.create(
            user=user, role=Role.ORGANIZATION_DEPARTMENT, organization=root
        )
    client = Client()
    client.force_login(user)
    root = Organization.objects.get(depth=1)
    province = Organization.objects.filter(depth=2).order_by("-subtree_branch_count").first()
    county = (
        Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE, depth=4)
        .order_by("-subtree_branch_count")
        .first()
        or Organization.objects.filter(depth=3).first()
    )
    branch = Organization.objects.filter(kind__in=BRANCH_KINDS).order_by("path").first()
    print("| scope | branches | median ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for label, org in (
        ("national", root),
        ("province", province),
        ("county", county),
        ("branch", branch),
    ):
        assert org is not None
        url = f"/orglife/org/{org.pk}/compliance/?month={rules.format_month(month)}"
        response = client.get(url, HTTP_HOST="localhost")
        assert response.status_code == 200, response.status_code
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get(url, HTTP_HOST="localhost")
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"| {label} {org.name} | {org.subtree_branch_count:,} | "
            f"{statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} |"
        )


if __name__ == "__main__":
    main()
