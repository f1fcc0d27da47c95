"""Page render times on a seeded database: the organization tree's first screen (target: at
most 200 ms at scale 0.05), an organization page and the member list, for users whose scope is
the national root, a province and a county.

    .venv/bin/python bench/bench_pages.py --db bench/out/seed-0.05.sqlite3 [--runs 30]

The requests go through the whole Django stack in-process (middleware, session, scoping,
queries, templates), as the WSGI server would run them; only the socket is left out.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, type=Path, help="a SQLite file made by jiceng seed")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} does not exist: run bench/bench_seed.py first")
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    os.environ.setdefault("JICENG_ALLOWED_HOSTS", "testserver")

    import django

    django.setup()
    from django.test import Client

    from jiceng.accounts.models import Role, RoleAssignment, User
    from jiceng.orgs.models import Organization, OrgKind

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
    for label, scope in (("national", root), ("province", province), ("county", county)):
        user, _ = User.objects.get_or_create(username=f"bench-{label}")
        RoleAssignment.objects.get_or_create(
            user=user, role=Role.ORGANIZATION_DEPARTMENT, organization=scope
        )
        client = Client()
        client.force_login(user)
        pages = {
            "tree first screen": "/orgs/",
            "organization page": f"/orgs/{scope.pk}/",
            "member list": f"/members/?org={scope.pk}",
        }
        for page, url in pages.items():
            assert client.get(url).status_code == 200  # warm: templates compiled, caches full
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            results.append((label, scope.subtree_member_count, page, times))

    print(
        f"\n{'scope':10} {'members':>12} {'page':20} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"
    )
    for label, members, page, times in results:
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"{label:10} {members:12,} {page:20} {statistics.median(times):10.1f}"
            f" {p95:8.1f} {max(times):8.1f}"
        )


if __name__ == "__main__":
    main()
