"""Each workbench panel's reads, and the pages issue 17 found slow, on an existing database:
where the time of the organization department's workbench (GET /) goes.

    JICENG_VAR_DIR=/tmp/db .venv/bin/python bench/bench_panels.py [--runs 20] [--explain 3]

The database is the one the settings name (JICENG_VAR_DIR or DATABASE_URL), seeded with
`jiceng seed` (modules included). The scopes are scale_run.py's: the national root, the
province with the most members, its largest county, and its largest branch. For each scope an
organization department user; for each panel that shows for that user, --runs builds timed
(median and p95, ms) with the number of queries one build sends; then the pages themselves
(GET / for each scope and for the branch's secretary, the development page of the county, the
subtree counts of scale_run) through the whole Django stack in process, as scale_run.py
measures them. With --explain N, the N slowest queries of each panel are printed with their
plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL). On SQLite each line also gives the
virtual machine steps of one build (thousands, from the progress handler): the queries' work,
which a loaded machine does not change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated scopes")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    os.environ.setdefault("JICENG_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("JICENG_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from jiceng.accounts.models import Role, RoleAssignment, User
    from jiceng.core import clock
    from jiceng.core.paths import under
    from jiceng.divisions.models import Level
    from jiceng.orglife import compliance, rules
    from jiceng.orglife.models import Compliance
    from jiceng.orgs import queries
    from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgKind
    from jiceng.web import workbench

    plain = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=plain).enable()

    month = rules.add_months(rules.month_of(clock.today()), -1)
    if not Compliance.objects.filter(month=month).exists():  # the month the panel shows
        rolled = compliance.rollup_month(month)
        print(f"compliance rollup {month}: {rolled.rows:,} rows in {rolled.seconds:.1f} s")

    root = Organization.objects.get(depth=1)
    province = Organization.objects.filter(depth=2).order_by("-subtree_member_count").first()
    assert province is not None
    committees = Organization.objects.filter(under(province.path), kind=OrgKind.LOCAL_COMMITTEE)
    county = (
        committees.filter(division__level=Level.COUNTY).order_by("-subtree_member_count").first()
    )
    branch = (
        Organization.objects.filter(under(province.path), kind__in=BRANCH_KINDS)
        .order_by("-member_count", "path")
        .first()
    )
    assert county is not None and branch is not None
    scopes = {"national": root, "province": province, "county": county, "branch": branch}
    only = set(filter(None, args.only.split(",")))
    print(
        f"{connection.vendor}; organizations {root.subtree_org_count:,}, members "
        f"{root.subtree_member_count:,}; province {province.name} "
        f"({province.subtree_member_count:,}), county {county.name} "
        f"({county.subtree_member_count:,}), branch {branch.name} ({branch.member_count:,})",
        flush=True,
    )

    def user_with(name: str, role: str, **where: Any) -> User:
        user, _ = User.objects.get_or_create(username=f"scale-run-{name}")
        RoleAssignment.objects.get_or_create(user=user, role=role, **where)
        return User.objects.get(pk=user.pk)

    def explain(sql: str) -> str:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                return "\n".join(f"      {row[-1]}" for row in cursor.fetchall())
            cursor.execute(f"EXPLAIN {sql}")
            return "\n".join(f"      {row[0]}" for row in cursor.fetchall())

    def timed(key: str, build: Any) -> None:
        build()
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            build()
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            build()
        steps = ""
        if connection.vendor == "sqlite":
            # SQLite's virtual machine steps of one build, in thousands: the work the queries
            # do, the same on a loaded machine as on a quiet one (as a count of instructions)
            counted = [0]

            def tick() -> int:
                counted[0] += 1
                return 0

            raw = connection.connection
            raw.set_progress_handler(tick, 1000)
            try:
                build()
            finally:
                raw.set_progress_handler(None, 1000)
            steps = f"  {counted[0]:8,} k steps"
        print(
            f"  {key:34} median {statistics.median(times):8.1f}  p95 {p95(times):8.1f} ms"
            f"  {len(captured.captured_queries):3} queries{steps}",
            flush=True,
        )
        if args.explain:
            slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
            for query in slowest[: args.explain]:
                sql = query["sql"]
                print(f"    {float(query['time']) * 1000:7.1f} ms  {sql[:600]}")
                if sql.lstrip().upper().startswith("SELECT"):
                    try:
                        print(explain(sql))
                    except Exception as error:
                        print(f"      (no plan: {error})")

    def page(key: str, client: Client, url: str) -> None:
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, (key, url, response.status_code)

        for _ in range(2):
            get()
        timed(key, get)

    reader = user_with("national", Role.ORGANIZATION_DEPARTMENT, organization=root)
    for scope, organization in scopes.items():
        if only and scope not in only:
            continue

        def counts(pk: int = organization.pk) -> None:
            reader.__dict__.pop("_jiceng_role_rows", None)
            reader.__dict__.pop("_jiceng_scope", None)
            queries.access_organization(reader, pk)

        timed(f"subtree_counts:{scope}", counts)

    for scope in ("national", "province", "county"):
        if only and scope not in only:
            continue
        user = user_with(scope, Role.ORGANIZATION_DEPARTMENT, organization=scopes[scope])
        print(f"{scope}: {scopes[scope].name}", flush=True)
        for found in workbench.registered():
            if found.shows(user):
                timed(found.key, lambda found=found, user=user: found.build(user))
        client = Client()
        client.force_login(user)
        page(f"workbench:{scope}", client, "/")
        if scope == "county":
            page("development:county", client, f"/development/?org={county.pk}")

    if not only or "branch" in only:
        secretary = user_with("secretary", Role.BRANCH_SECRETARY, organization=branch)
        print(f"secretary: {branch.name}", flush=True)
        for found in workbench.registered():
            if found.shows(secretary):
                timed(found.key, lambda found=found: found.build(secretary))
        client = Client()
        client.force_login(secretary)
        page("workbench:secretary", client, "/")


if __name__ == "__main__":
    main()
