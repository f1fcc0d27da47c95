"""Posting a month of points from verified attendance, against a bare executemany of the
same ledger rows.

    .venv/bin/python bench/bench_points.py [--counties 320113] [--db bench/out/points.sqlite3]
        [--month 202511] [--runs 3]

Target (issue 14): posting a month of points from verified attendance at scale 0.05 at no
less than half the rate of a bare `executemany` of the same ledger rows.

Steps: seed the counties into a file of their own (once; `--counties` instead of the whole
scale-0.05 set, which takes about half an hour to seed here), a year of meetings
(datasets.orglife), then, for the month, an attendance row for each member at each of their
branch's meetings (most present, some online, a few excused or absent: the seed writes only
the last theme day's attendance). Each run: the month's ledger rows removed (raw SQL: the
ORM refuses), `points.posting.post_attendance_month` timed (read attendance, rules, caps,
write), the rows it wrote read back, removed again, and the same rows written by a bare
`cursor.executemany` of the INSERT, timed. A last run of the posting on the posted month
checks idempotence (nothing written).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counties", default="320113")
    parser.add_argument("--db", type=Path, default=ROOT / "bench/out/points.sqlite3")
    parser.add_argument("--month", type=int, default=202511)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction

    from jiceng.core import clock
    from jiceng.datasets.orglife import seed_orglife
    from jiceng.datasets.seeding import seed
    from jiceng.members.models import Member, MemberStatus
    from jiceng.orglife.models import Attendance, Meeting, MeetingStatus
    from jiceng.points.models import PointsEntry
    from jiceng.points.posting import COLUMNS, post_attendance_month

    call_command("migrate", verbosity=0)
    as_of = dt.date(args.month // 100, args.month % 100, 28) + dt.timedelta(days=10)
    if not Member.objects.exists():
        started = time.perf_counter()
        from jiceng.divisions.models import Division

        if not Division.objects.exists():
            call_command("load-divisions", verbosity=0)
        seed(counties=args.counties.split(","), seed=1, workers=2, as_of=as_of)
        seed_orglife(as_of=as_of, seed=1)
        print(f"seeded in {time.perf_counter() - started:.0f} s")
    month = args.month
    table = Attendance._meta.db_table
    meetings = list(
        Meeting.objects.filter(month=month)
        .exclude(status=MeetingStatus.CANCELLED)
        .values_list("pk", "organization_id")
    )
    if Attendance.objects.filter(month=month).count() < 2 * len(meetings):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE month = %s", [month])
            by_branch: dict[int, list[int]] = {}
            for member_id, org_id in Member.objects.filter(
                status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY]
            ).values_list("pk", "organization_id"):
                by_branch.setdefault(org_id, []).append(member_id)
            generator = random.Random(1)
            statuses = ["IN_PERSON"] * 15 + ["ONLINE"] * 2 + ["EXCUSED", "ABSENT"]
            rows = [
                (month, meeting, member, generator.choice(statuses), True, False, 0, "", "")
                for meeting, org in meetings
                for member in by_branch.get(org, ())
            ]
            cursor.executemany(
                f"INSERT INTO {table} (month, meeting_id, member_id, status, is_full_member, "
                "is_remote, online_seconds, leave_status, leave_reason) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
    attendances = Attendance.objects.filter(month=month).count()
    print(
        f"month {month}: {len(meetings):,} meetings, {attendances:,} attendance rows, "
        f"{Member.objects.count():,} members"
    )
    ledger = PointsEntry._meta.db_table
    columns = ", ".join(COLUMNS)
    insert = f"INSERT INTO {ledger} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"

    def clear() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {ledger} WHERE month = %s", [month])

    posting, bare, counts = [], [], []
    for _ in range(args.runs):
        clear()
        with clock.frozen(dt.datetime(as_of.year, as_of.month, as_of.day, 3, tzinfo=clock.CHINA)):
            started = time.perf_counter()
            result = post_attendance_month(month)
            posting.append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {ledger} WHERE month = %s", [month])
            rows = cursor.fetchall()
        counts.append(len(rows))
        clear()
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.executemany(insert, rows)
            bare.append(time.perf_counter() - started)
        print(
            f"posted {result.posted:,} (capped {result.capped:,}, exempt {result.exempt:,}) "
            f"in {posting[-1]:.2f} s; bare executemany {len(rows):,} in {bare[-1]:.2f} s"
        )
    clear()
    post_attendance_month(month)
    again = post_attendance_month(month)
    assert again.posted == 0 and again.reversed == 0, again
    rows_n = counts[-1]
    post_rate = rows_n / statistics.median(posting)
    bare_rate = rows_n / statistics.median(bare)
    print(
        f"median: posting {post_rate:,.0f} rows/s, bare executemany {bare_rate:,.0f} rows/s, "
        f"ratio {post_rate / bare_rate:.2f} (target ≥ 0.50); a second posting wrote nothing"
    )


if __name__ == "__main__":
    main()
