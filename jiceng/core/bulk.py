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

from django.db import connection

BATCH_ROWS = 20_000  # SQLite: rows an executemany call takes at a time


def _into(table: str, columns: Sequence[str]) -> str:
    """`table (column, ...)`, quoted."""
    quote = connection.ops.quote_name
    return f"{quote(table)} ({', '.join(quote(c) for c in columns)})"


def write_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` into `table` (unquoted names) inside the caller's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django hands copy() to psycopg as it is; wrap_database_errors turns its errors
            # into Django's, as executemany's are.
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {_into(table, columns)} FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {_into(table, columns)} VALUES ({marks})"  # noqa: S608 - our names
        remaining = iter(rows)
        while batch := list(islice(remaining, BATCH_ROWS)):
            cursor.executemany(sql, batch)


def copy_binary(table: str, columns: Sequence[str], data: bytes) -> None:
    """Send rows already in COPY's binary format (PostgreSQL: psycopg's, for these columns and
    their types in the table) into `table` inside the caller's transaction."""
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(f"COPY {_into(table, columns)} FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.write(data)
