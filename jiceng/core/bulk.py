"""Many rows into one table, raw: executemany in batches on SQLite, COPY on PostgreSQL.

For the whole-tree writes (the divisions' load, a month's compliance rollup, the synthetic data
set's `datasets.writer.BulkWriter`) the ORM's
bulk_create costs several times the database's own insert rate, and on PostgreSQL even a raw
executemany sends a statement a row: 14,000 rows a second, about 330 s for the 4.6 million
branch rows of a national rollup, where COPY took about 50 s with the table's three indexes.
The rows are tuples in `columns` order, of values both drivers take as they are (str, int,
date, None). A failure is Django's error on both databases (IntegrityError for a duplicate
key).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connection, transaction

BATCH_ROWS = 20_000  # SQLite: rows an executemany call takes at a time


def _into(table: str, columns: Sequence[str]) -> str:
    """`table (column, ...)`, quoted."""
    quote = connection.ops.quote_name
    return f"{quote(table)} ({', '.join(quote(c) for c in columns)})"


def write_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` into `table` (unquoted names) inside the caller's transaction."""
    if connection.vendor != "postgresql":
        _insert_many(table, columns, rows)
        return
    # Django hands copy() to psycopg as it is; wrap_database_errors turns its errors into
    # Django's, as executemany's are.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(f"COPY {_into(table, columns)} FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _insert_many(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], tail: str = ""
) -> None:
    """SQLite: INSERT ... VALUES (...) `tail`, an executemany per BATCH_ROWS rows."""
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {_into(table, columns)} VALUES ({marks}) {tail}"  # noqa: S608 our names
    remaining = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(remaining, BATCH_ROWS)):
            cursor.executemany(sql, batch)


def insert_new(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], unique: Sequence[str]
) -> None:
    """Insert `rows` into `table`, leaving out each one whose `unique` columns (a unique index
    of the table) repeat a row already there. On SQLite an executemany of INSERT ... ON
    CONFLICT DO NOTHING; on PostgreSQL the rows are copied into a temporary table and inserted
    from it by one statement, since an executemany there is a statement a row (posting a
    city's year of points, 221,417 rows, took 43.5 s that way and 19.9 s this way, on the same
    loaded machine)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    skip = f"ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO NOTHING"
    if connection.vendor != "postgresql":
        _insert_many(table, columns, rows, skip)
        return
    staging = quote(f"new_{table}")
    names = ", ".join(quote(c) for c in columns)
    # one transaction: behind PgBouncer's transaction pooling, the temporary table and the
    # statements that use it must share a server session
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(  # the columns' types as the table has them; our names
            f"CREATE TEMPORARY TABLE {staging} AS "  # noqa: S608
            f"SELECT {names} FROM {quote(table)} WITH NO DATA"
        )
        write_rows(f"new_{table}", columns, rows)
        cursor.execute(
            f"INSERT INTO {_into(table, columns)} SELECT {names} FROM {staging} {skip}"  # noqa: S608
        )
        cursor.execute(f"DROP TABLE {staging}")


def copy_binary(table: str, columns: Sequence[str], data: bytes) -> None:
    """Send rows already in COPY's binary format (PostgreSQL: psycopg's, for these columns and
    their types in the table) into `table` inside the caller's transaction."""
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(f"COPY {_into(table, columns)} FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.write(data)
