"""The party's annual statistics (党内统计年报) of the largest province of the synthetic data
set. Target (issue 14): a province at scale 0.05 within 60 s.

    .venv/bin/python bench/bench_statistics.py [--scale 0.05] [--db PATH] [--moves 20000]

The database as bench_workbench.py makes it (shared with it). The seed writes members, not
their history, so first a year of moves is written for the province (not timed), as the
lifecycle would have written them: --moves events in the report's year and a tenth as many
after it, among deaths, transfers between the province's branches and out of it, and
registrations; then `annual_statistics.tables.compute` for the province, timed, three times,
and the reconciliation of table 1 checked; then three list pages' computations (the report
keeping the members of one figure), each checked to list as many members as its figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workbench import OUT, ROOT, environment, make_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--moves", type=int, default=20000)
    args = parser.parse_args()
    database = (args.db or OUT / f"workbench-{args.scale:g}.sqlite3").resolve()
    if not database.exists():
        make_database(database, args.scale)
    os.environ.update(environment(database))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import transaction

    from jiceng.annual_statistics import tables
    from jiceng.core.paths import under
    from jiceng.members.models import Member, MemberEvent, MemberStatus, StatusMove
    from jiceng.orgs.models import BRANCH_KINDS, Organization

    province = Organization.objects.filter(depth=2).order_by("-subtree_member_count").first()
    assert province is not None
    year = 2025
    print(f"{province.name}: {province.subtree_member_count:,} members")
    if not MemberEvent.objects.filter(
        under(province.path, "member__organization__path"), reason="bench"
    ).exists():
        rng = random.Random(1)
        ids = list(
            Member.objects.filter(under(province.path, "organization__path"))
            .filter(status=MemberStatus.FULL)
            .values_list("pk", "organization_id")[: args.moves * 3]
        )
        branches = list(
            Organization.objects.filter(under(province.path), kind__in=BRANCH_KINDS).values_list(
                "pk", flat=True
            )[:5000]
        )
        outside = (
            Organization.objects.exclude(under(province.path))
            .filter(kind__in=BRANCH_KINDS)
            .values_list("pk", flat=True)
            .first()
        )
        chosen = rng.sample(ids, min(len(ids), int(args.moves * 1.1)))
        events = []
        started = time.perf_counter()
        with transaction.atomic():
            for n, (pk, org) in enumerate(chosen):
                on = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
                if n >= args.moves:
                    on = dt.date(year + 1, 1, 1) + dt.timedelta(days=rng.randrange(60))
                kind = rng.random()
                if kind < 0.3:  # died
                    Member.objects.filter(pk=pk).update(status=MemberStatus.DECEASED)
                    events.append(MemberEvent(member_id=pk, move=StatusMove.DIE,
                        from_status="FULL", to_status="DECEASED", on=on,
                        reason="bench"))  # fmt: skip
                elif kind < 0.8 or outside is None:  # moved between the province's branches
                    to = rng.choice(branches)
                    Member.objects.filter(pk=pk).update(organization_id=to)
                    events.append(MemberEvent(member_id=pk, move=StatusMove.TRANSFER,
                        from_status="FULL", to_status="FULL", on=on, reason="bench",
                        from_organization_id=org, to_organization_id=to))  # fmt: skip
                else:  # transferred out of the province
                    Member.objects.filter(pk=pk).update(organization_id=outside)
                    events.append(MemberEvent(member_id=pk, move=StatusMove.TRANSFER,
                        from_status="FULL", to_status="FULL", on=on, reason="bench",
                        from_organization_id=org, to_organization_id=outside))  # fmt: skip
            MemberEvent.objects.bulk_create(events, batch_size=5000)
        print(f"wrote {len(events):,} events in {time.perf_counter() - started:.1f} s (not timed)")

    for run in range(3):
        started = time.perf_counter()
        report = tables.compute(province, year)
        spent = time.perf_counter() - started
        last, ins, outs, this = report.reconciliation()
        assert last + ins - outs == this
        print(
            f"run {run + 1}: {spent:.2f} s — last year {last:,} + in {ins:,} − out {outs:,} "
            f"= this year {this:,}; {len(report.tables)} tables"
        )
    # A list page: the same report keeping the members of one figure of the roll.
    for key in ("this_year", "age_46至50岁", "probationary"):
        figure = next(
            c for t in report.tables for line in t.lines for c in line.cells if c.key == key
        )
        started = time.perf_counter()
        listed = tables.compute(province, year, keep=key).members[key]
        spent = time.perf_counter() - started
        assert len(listed) == figure.value, (key, len(listed), figure.value)
        print(f"list of {key}: {len(listed):,} members (= the figure) in {spent:.2f} s")


if __name__ == "__main__":
    main()
