"""Times `jiceng load-divisions` on the full 2023 file (665,276 rows).

    .venv/bin/python bench/bench_divisions.py              # a fresh SQLite file in bench/out/
    scripts/with-postgres.sh .venv/bin/python bench/bench_divisions.py --postgres

Prints, from one run: reading and checking the file alone; the load into an empty table (what
`make demo` does on a fresh machine); a forced reload over a full table; and a bare baseline of
the same rows (sqlite3 executemany with the indexes built after, or psycopg COPY into a copy
of the table) so the ratio does not depend on the machine. Writes nothing outside bench/out/.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "divisions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use the database in DATABASE_URL (a throwaway one: its divisions are replaced)",
    )
    parser.add_argument("--reloads", type=int, default=1, help="forced reloads to time")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["JICENG_VAR_DIR"] = str(OUT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiceng.config.settings.base"
    sqlite_path = OUT / "jiceng.sqlite3"
    if args.postgres:
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            sys.exit("--postgres needs DATABASE_URL (run under scripts/with-postgres.sh)")
    else:
        for leftover in OUT.glob("*.sqlite3*"):
            leftover.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jiceng.divisions.loading import Tally, default_file, read_rows
    from jiceng.divisions.models import Division

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    path = default_file()

    started = time.perf_counter()
    tally = Tally()
    rows = list(read_rows(path, tally))
    parse_seconds = time.perf_counter() - started

    if Division.objects.exists():  # a reused PostgreSQL database: start from empty
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE divisions_division")

    def load(*extra: str) -> float:
        started = time.perf_counter()
        call_command("load-divisions", *extra, stdout=io.StringIO())
        return time.perf_counter() - started

    first = load()
    assert Division.objects.count() == tally.stored
    reloads = [load("--force") for _ in range(args.reloads)]

    if vendor == "sqlite":
        baseline_name = "bare sqlite3 executemany, same rows, indexes after"
        baseline = bare_sqlite(rows, OUT / "baseline.sqlite3")
    else:
        baseline_name = "bare psycopg COPY, same rows, same indexes kept up to date"
        baseline = bare_copy(rows)

    n = tally.rows_read
    print(f"load-divisions on {vendor}: {n:,} rows read, {tally.stored:,} divisions stored")
    print(f"  read and check the file only      {parse_seconds:6.2f} s")
    print(f"  load into an empty table          {first:6.2f} s  ({n / first / 1000:.0f}k rows/s)")
    for seconds in reloads:
        print(f"  --force reload over a full table  {seconds:6.2f} s")
    print(f"  {baseline_name}: {baseline:.2f} s")
    print(f"  ratio, bare / load-divisions: {baseline / first:.2f}")
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"  database file after a checkpoint: {sqlite_path.stat().st_size / 1e6:.0f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process (holds the parsed rows too): {peak:.0f} MB")


def bare_sqlite(rows: list[tuple[str, str, int, str | None]], path: Path) -> float:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE d (code varchar(12) NOT NULL PRIMARY KEY, name varchar(100) NOT NULL,"
        " level smallint NOT NULL, parent_id varchar(12) NULL);"
    )
    started = time.perf_counter()
    db.execute("BEGIN")
    for i in range(0, len(rows), 20_000):
        db.executemany("INSERT INTO d VALUES (?, ?, ?, ?)", rows[i : i + 20_000])
    db.execute("CREATE INDEX d_name ON d (name)")
    db.execute("CREATE INDEX d_parent ON d (parent_id)")
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def bare_copy(rows: list[tuple[str, str, int, str | None]]) -> float:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # A plain (logged) table with the same primary key and indexes, kept up to date by COPY.
        cursor.execute("CREATE TABLE bench_divisions (LIKE divisions_division INCLUDING ALL)")
        started = time.perf_counter()
        with cursor.copy("COPY bench_divisions FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_divisions")
    return seconds


if __name__ == "__main__":
    main()
