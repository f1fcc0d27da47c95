"""Monthly dues bills for every member: `dues.billing.generate_bills` against a bare
executemany of the same rows.

    python bench/bench_dues.py [--members 4836152] [--branches 250000] [--keep]

Target (issue 13): a month's bills for every member at scale 0.05 (about 4.8 million) in at
most 60 s on SQLite, at no less than half the rate of a bare `executemany` of the same rows.

1. A database of its own under bench/out/ (migrate, not timed): 250 committees under the
   national root, the branches under them, and the members spread over the branches with the
   categories of the national statistics (about 45% employed, 30% retired, 20% farmers, 5%
   students; a branch's members have consecutive ids, as the seed writes them), a base of
   the year for every employed and retired member; written with the
   seed's BulkWriter (about the member count of `jiceng seed --scale 0.05`; the member rows
   carry what the bills read, no real ID numbers).
2. `generate_bills(organization=None, month=...)` in this process, timed from the call to
   its return: the INSERT ... SELECT with each member's amount, and the branches' totals.
3. A second run of the same month, which must add nothing (idempotent), timed.
4. The bare baseline: the bills just made are read back (not timed), deleted, and inserted
   again with `cursor.executemany` into the same table and indexes, in one transaction, on
   the same connection (timed). It runs twice and the faster run counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MONTH = 202606


def step(n: int) -> str:
    """A treebeard path step (4 characters, base 36) for child number n (1-based)."""
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        out = ALPHABET[r] + out
    return out


def build(members: int, branches: int, seed: int) -> None:
    from django.core.management import call_command

    from jiceng.datasets.writer import BulkWriter, Table
    from jiceng.dues.models import DuesBase
    from jiceng.dues.rates import TABLE_2008, monthly_amount
    from jiceng.members.models import Member
    from jiceng.orgs.models import Organization

    call_command("migrate", verbosity=0)
    committees = 250
    per_committee = max(1, branches // committees)
    org_rows: list[tuple[object, ...]] = [(1, "0001", 1, committees, "中国共产党", "CENTRAL", "")]
    branch_ids: list[int] = []
    next_id = 2
    for c in range(1, committees + 1):
        cpath = "0001" + step(c)
        org_rows.append((next_id, cpath, 2, per_committee, f"党委{c}", "COMMITTEE", ""))
        next_id += 1
        for b in range(1, per_committee + 1):
            org_rows.append((next_id, cpath + step(b), 3, 0, f"党委{c}第{b}支部", "BRANCH", ""))
            branch_ids.append(next_id)
            next_id += 1
    generator = random.Random(seed)
    categories = ["EMPLOYED"] * 9 + ["RETIRED"] * 6 + ["FARMER"] * 4 + ["STUDENT"]
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    tables = {
        "orgs": Table.of(
            Organization, ("id", "path", "depth", "numchild", "name", "kind", "sector")
        ),
        "members": Table.of(
            Member,
            (
                "id",
                "name",
                "gender",
                "birth_date",
                "id_number_sealed",
                "id_number_digest",
                "id_number_masked",
                "category",
                "joined_on",
                "status",
                "organization_id",
                "created_at",
                "updated_at",
                "phone_masked",
                "education",
                "work_place",
            ),
        ),
        "bases": Table.of(
            DuesBase, ("id", "member_id", "year", "category", "base", "standard_amount", "set_at")
        ),
    }
    with BulkWriter(tables, defer_indexes=True) as writer:
        writer.write("orgs", org_rows)
        base_id = 1
        for start in range(1, members + 1, 100_000):
            rows, base_rows = [], []
            for pk in range(start, min(start + 100_000, members + 1)):
                category = categories[generator.randrange(len(categories))]
                status = "PROBATIONARY" if generator.random() < 0.02 else "FULL"
                rows.append(
                    (
                        pk,
                        "党员",
                        "M",
                        dt.date(1980, 1, 1),
                        b"",
                        pk.to_bytes(16, "big"),
                        "320113********1234",
                        category,
                        dt.date(2010, 7, 1),
                        status,
                        branch_ids[pk % len(branch_ids)],
                        now,
                        now,
                        "",
                        "",
                        "",
                    )
                )
                if category in ("EMPLOYED", "RETIRED"):
                    base = generator.randrange(150_000, 1_500_000)
                    amount = monthly_amount(TABLE_2008, category=category, base=base)
                    base_rows.append((base_id, pk, 2026, category, base, amount, now))
                    base_id += 1
            writer.write("members", rows)
            writer.write("bases", base_rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=4_836_152)  # jiceng seed --scale 0.05
    parser.add_argument("--branches", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / f"dues-{args.members}.sqlite3"
    fresh = not database.exists()
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.db import connection, transaction

    from jiceng.dues.billing import bulk_cache, generate_bills
    from jiceng.dues.models import Bill, MonthTotal

    if fresh:
        started = time.perf_counter()
        print(f"建立数据库 {database}（不计时）……", flush=True)
        build(args.members, args.branches, args.seed)
        print(f"  {time.perf_counter() - started:.0f} s", flush=True)
    Bill.objects.all().delete()
    MonthTotal.objects.all().delete()

    result = generate_bills(organization=None, month=MONTH, by=None)
    print(f"generate_bills: {result.created:,} bills in {result.seconds:.1f} s", flush=True)
    again = generate_bills(organization=None, month=MONTH, by=None)
    print(f"second run: {again.created:,} bills in {again.seconds:.1f} s", flush=True)
    assert again.created == 0

    rows = list(Bill.objects.values_list("member_id", "organization_id", "month", "amount"))
    bare_times = []
    for _ in range(2):
        Bill.objects.all().delete()
        started = time.perf_counter()
        # under the same page cache as generate_bills (billing.bulk_cache)
        with transaction.atomic(), bulk_cache(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO dues_bill (member_id, organization_id, month, amount, payment_id) "
                "VALUES (%s, %s, %s, %s, NULL)",
                rows,
            )
        bare_times.append(time.perf_counter() - started)
    bare = min(bare_times)
    ratio = bare / result.seconds
    print(
        f"bare executemany: {len(rows):,} rows in {bare:.1f} s "
        f"({len(rows) / bare:,.0f} rows/s; ours {result.created / result.seconds:,.0f} rows/s)"
    )
    print(f"ratio (bare time / ours): {ratio:.2f}  target ≥ 0.5; ours ≤ 60 s")
    if not args.keep:
        connection.close()
        database.unlink()


if __name__ == "__main__":
    main()
