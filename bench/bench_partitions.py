"""Monthly partitions against a plain table, on PostgreSQL (core.partitions).

    scripts/with-postgres.sh .venv/bin/python bench/bench_partitions.py [--rows 2000000]

Two tables shaped like cases_caseevent (the same columns and indexes): one plain, one
partitioned by month as the migration makes it (24 months and a default). Each gets the same
rows spread over the 24 months, by COPY and by single-row INSERTs (what intake does); then a
month's events by kind, one case's events, and removing the oldest month (DELETE against
DROP of its partition). Times are server-side round trips from this process, p50/p95 of 50
warm runs for the queries."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import time
from zoneinfo import ZoneInfo

import psycopg

CHINA = ZoneInfo("Asia/Shanghai")
MONTHS = [(2024 + (m // 12), m % 12 + 1) for m in range(24)]  # 2024-01 .. 2025-12
SCAN = re.compile(
    r"Seq Scan on (\w+)|Index (?:Only )?Scan using \S+ on (\w+)|Bitmap Heap Scan on (\w+)"
)
KINDS = ["SUBMITTED", "DISPATCHED", "ACCEPTED", "REPLIED", "CLOSED", "RATED"]

COLUMNS = """
    id bigint NOT NULL, case_id bigint NOT NULL, kind varchar(12) NOT NULL,
    at timestamptz NOT NULL, actor_id bigint, from_status varchar(12) NOT NULL,
    to_status varchar(12) NOT NULL, unit varchar(100) NOT NULL, note varchar(1000) NOT NULL
"""


def start(month: tuple[int, int]) -> dt.datetime:
    return dt.datetime(month[0], month[1], 1, tzinfo=CHINA)


def after(month: tuple[int, int]) -> tuple[int, int]:
    return (month[0] + 1, 1) if month[1] == 12 else (month[0], month[1] + 1)


def create(conn: psycopg.Connection, name: str, *, partitioned: bool) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {name} CASCADE")
    conn.execute(f"DROP SEQUENCE IF EXISTS {name}_id_seq")
    conn.execute(f"CREATE SEQUENCE {name}_id_seq")
    tail = " PARTITION BY RANGE (at)" if partitioned else ""
    conn.execute(f"CREATE TABLE {name} ({COLUMNS}){tail}")
    conn.execute(f"ALTER TABLE {name} ALTER id SET DEFAULT nextval('{name}_id_seq')")
    key = "id, at" if partitioned else "id"
    conn.execute(f"ALTER TABLE {name} ADD PRIMARY KEY ({key})")
    if partitioned:
        for month in MONTHS:
            conn.execute(
                f"CREATE TABLE {name}_p{month[0]}{month[1]:02d} PARTITION OF {name} "
                f"FOR VALUES FROM ('{start(month).isoformat()}') "
                f"TO ('{start(after(month)).isoformat()}')"
            )
        conn.execute(f"CREATE TABLE {name}_default PARTITION OF {name} DEFAULT")
    conn.execute(f"CREATE INDEX {name}_case_at ON {name} (case_id, at)")
    conn.execute(f"CREATE INDEX {name}_at_kind ON {name} (at, kind)")
    conn.commit()


def rows(n: int, seed: int = 1) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    first, span = start(MONTHS[0]), start(after(MONTHS[-1])) - start(MONTHS[0])
    out = []
    for i in range(n):
        at = first + dt.timedelta(seconds=rng.random() * span.total_seconds())
        out.append((i // 6 + 1, KINDS[i % 6], at, None, "", "", "城管委", "已办理"))
    out.sort(key=lambda r: r[2])
    return out


def copy_in(conn: psycopg.Connection, name: str, data: list[tuple[object, ...]]) -> float:
    began = time.perf_counter()
    with (
        conn.cursor() as cursor,
        cursor.copy(
            f"COPY {name} (case_id, kind, at, actor_id, from_status, to_status, unit, note) "
            "FROM STDIN"
        ) as copy,
    ):
        for row in data:
            copy.write_row(row)
    conn.commit()
    took = time.perf_counter() - began
    # As autovacuum would leave them after a load: statistics and the visibility map.
    conn.autocommit = True
    conn.execute(f"VACUUM (ANALYZE) {name}")
    conn.autocommit = False
    return took


def single_inserts(conn: psycopg.Connection, name: str, data: list[tuple[object, ...]]) -> float:
    sql = (
        f"INSERT INTO {name} (case_id, kind, at, actor_id, from_status, to_status, unit, note) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
    )
    began = time.perf_counter()
    with conn.cursor() as cursor:
        for row in data:
            cursor.execute(sql, row)
            cursor.fetchone()
            conn.commit()
    return time.perf_counter() - began


def timed(
    conn: psycopg.Connection, sql: str, params: list[object], times: int = 50
) -> tuple[float, float]:
    for _ in range(3):
        conn.execute(sql, params).fetchall()
    samples = []
    for _ in range(times):
        began = time.perf_counter()
        conn.execute(sql, params).fetchall()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--single", type=int, default=20_000)
    args = parser.parse_args()
    conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=False)
    data = rows(args.rows)
    singles = rows(args.single, seed=2)
    month = MONTHS[17]  # 2025-06
    case_id = args.rows // 12
    results: dict[str, dict[str, str]] = {}
    for name, partitioned in (("ev_plain", False), ("ev_part", True)):
        create(conn, name, partitioned=partitioned)
        copy_s = copy_in(conn, name, data)
        insert_s = single_inserts(conn, name, singles)
        month_sql = f"SELECT count(*) FROM {name} WHERE at >= %s AND at < %s AND kind = 'CLOSED'"
        lo, hi = start(month), start(after(month))
        by_month = timed(conn, month_sql, [lo, hi])
        month_rows_sql = f"SELECT * FROM {name} WHERE at >= %s AND at < %s ORDER BY at LIMIT 50"
        page = timed(conn, month_rows_sql, [lo, hi])
        case_sql = f"SELECT * FROM {name} WHERE case_id = %s ORDER BY at, id"
        one_case = timed(conn, case_sql, [case_id])
        plan = conn.execute("EXPLAIN " + month_sql, [lo, hi]).fetchall()
        scanned = len(
            {
                next(g for g in found.groups() if g)
                for (line,) in plan
                if (found := SCAN.search(line))
            }
        )
        conn.commit()
        began = time.perf_counter()
        if partitioned:
            conn.execute(f"DROP TABLE {name}_p202401")
        else:
            conn.execute(f"DELETE FROM {name} WHERE at < %s", [start(after(MONTHS[0]))])
        conn.commit()
        remove_s = time.perf_counter() - began
        size = conn.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{name}'))").fetchone()
        if partitioned:
            size = conn.execute(
                "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits "
                f"WHERE inhparent = '{name}'::regclass"
            ).fetchone()
        results[name] = {
            "COPY rows/s": f"{args.rows / copy_s:,.0f}",
            "single INSERT+commit /s": f"{args.single / insert_s:,.0f}",
            "month by kind, count (p50/p95 ms)": f"{by_month[0]:.2f} / {by_month[1]:.2f}",
            "month, first 50 rows (p50/p95 ms)": f"{page[0]:.2f} / {page[1]:.2f}",
            "one case's events (p50/p95 ms)": f"{one_case[0]:.2f} / {one_case[1]:.2f}",
            "relations the month query reads": str(scanned),
            "remove the oldest month (s)": f"{remove_s:.2f}",
            "size on disk": str(size[0] if size else "?"),
        }
    print(f"| {args.rows:,} events over 24 months | plain | partitioned by month |")
    print("|---|---:|---:|")
    for key in results["ev_plain"]:
        print(f"| {key} | {results['ev_plain'][key]} | {results['ev_part'][key]} |")


if __name__ == "__main__":
    main()
