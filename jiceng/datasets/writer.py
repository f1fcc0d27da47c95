"""Raw bulk writes of generated rows: executemany on SQLite, COPY on PostgreSQL.

The ORM costs several times the database's own insert rate (DESIGN.md: bulk_create is 6x slower
than executemany), so generated rows are tuples in a fixed column order that go straight to the
driver, with the ids already assigned by the generator: no round trip per row or batch.

For a large load into empty tables the writer also:
- drops the tables' secondary indexes and builds them again at the end, from the database's own
  definitions: building an index once over sorted keys is much cheaper than keeping it up to date
  row by row. That includes the unique indexes of expression and partial constraints (a member's
  ID number, one secretary per committee): a duplicate fails their build, and with it the load.
  Only what is part of the table stays and is checked as rows arrive (primary keys; on
  PostgreSQL, constraints that own their index; on SQLite, a column's or fields' UNIQUE);
- on PostgreSQL, drops the tables' foreign keys too and adds them again after the indexes: each
  added key checks the whole table in one query (a join), where keys kept through the load
  queue a deferred check for every row and run them one by one at the end (at scale 0.05,
  40 s of a bare COPY's 82 s; at scale 1 some 350 million queued checks). A row whose key
  points nowhere fails the new key, and with it the load;
- on SQLite, outside a surrounding transaction, turns off what a bulk load does not need:
  fsync (synchronous=OFF), the write-ahead log (journal_mode=DELETE: a new table's pages are
  appended and never journaled, so one big transaction stays atomic and costs nothing extra),
  foreign-key checks row by row (the generator makes the keys; `PRAGMA foreign_key_check` in the
  tests proves it), with a large page cache; every setting is put back afterwards.
Everything happens in one transaction: a failed load leaves the database as it was.

A seed's worker processes may format PostgreSQL's rows themselves (`format_rows`, binary COPY),
so that the writer only passes them on (`BulkWriter.write_formatted`).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing import util
from types import TracebackType
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from psycopg.copy import Copy, FileWriter

from jiceng.core.bulk import copy_binary, write_rows
from jiceng.core.errors import InvalidInput

# The settings a load changes on SQLite, with the values it uses.
SQLITE_LOAD_PRAGMAS = {
    "synchronous": "OFF",
    "journal_mode": "DELETE",
    "foreign_keys": "OFF",
    "cache_size": "-1048576",  # 1 GiB of page cache
    "temp_store": "MEMORY",
}

# The memory each index build of a load may sort in, on PostgreSQL (for this transaction only).
PG_INDEX_BUILD_MEMORY = "1GB"


@dataclass(frozen=True)
class Table:
    """Where one kind of generated row goes: the model's table, the generator's columns, and
    the model's other columns with their defaults (so a field added later does not break us)."""

    model: type[models.Model]
    columns: tuple[str, ...]
    extra_columns: tuple[str, ...]
    extra_values: tuple[Any, ...]

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    @classmethod
    def of(cls, model: type[models.Model], columns: Sequence[str]) -> Table:
        fields = {str(f.column): f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise InvalidInput(f"{model._meta.db_table} 没有这些列：{', '.join(unknown)}")
        extra_columns: list[str] = []
        extra_values: list[Any] = []
        for column, field in fields.items():
            if column in columns:
                continue
            if field.has_default():
                value = field.get_db_prep_save(field.get_default(), connection)
            elif field.null:
                value = None
            else:
                raise InvalidInput(
                    f"{model._meta.db_table}.{column} 必填且没有默认值，数据集生成器尚未填写它"
                )
            extra_columns.append(column)
            extra_values.append(value)
        return cls(model, tuple(columns), tuple(extra_columns), tuple(extra_values))

    @property
    def all_columns(self) -> tuple[str, ...]:
        return self.columns + self.extra_columns


class BulkWriter:
    """Use as a context manager around the whole load; `write` a list of rows per table."""

    def __init__(self, tables: dict[str, Table], *, defer_indexes: bool) -> None:
        self.tables = tables  # by the names callers write under
        self.defer_indexes = defer_indexes
        self.vendor = connection.vendor
        self.saved_pragmas: dict[str, str] = {}
        self.indexes: list[tuple[str, str]] = []  # (create, drop)
        self.foreign_keys: list[tuple[str, str, str]] = []  # (table, name, definition)
        self.atomic = transaction.atomic()
        self.rows_written = 0

    def __enter__(self) -> BulkWriter:
        if self.vendor == "sqlite" and not connection.in_atomic_block:
            self._set_pragmas()
        self.atomic.__enter__()
        if self.defer_indexes:
            quote = connection.ops.quote_name
            with connection.cursor() as cursor:
                for table in self.tables.values():
                    self.indexes.extend(secondary_indexes(cursor, table.name))
                    if self.vendor == "postgresql":
                        self.foreign_keys.extend(foreign_keys(cursor, table.name))
                if self.foreign_keys:  # no table altered with checks of its rows pending
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                for table_name, name, _ in self.foreign_keys:
                    cursor.execute(f"ALTER TABLE {quote(table_name)} DROP CONSTRAINT {quote(name)}")
                for _, drop in self.indexes:
                    cursor.execute(drop)
        return self

    def write(self, table_name: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        table = self.tables[table_name]
        if table.extra_values:
            rows = [row + table.extra_values for row in rows]
        write_rows(table.name, table.all_columns, rows)
        self.rows_written += len(rows)

    def write_formatted(self, table_name: str, data: bytes, count: int) -> None:
        """`count` rows that `format_rows` made of this table's rows (PostgreSQL)."""
        if not count:
            return
        table = self.tables[table_name]
        copy_binary(table.name, table.all_columns, data)
        self.rows_written += count

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if error is None:
                try:
                    self._finish()
                except BaseException as failed:  # a duplicate found by an index build, say
                    self.atomic.__exit__(type(failed), failed, failed.__traceback__)
                    raise
            self.atomic.__exit__(kind, error, trace)
        finally:
            if self.saved_pragmas:
                self._restore_pragmas()

    def _finish(self) -> None:
        """Build the dropped indexes again; on PostgreSQL, reset sequences and analyze."""
        with connection.cursor() as cursor:
            if self.indexes and self.vendor == "postgresql":
                # PostgreSQL builds no index on a table with foreign-key checks still
                # pending (they are deferred): run them now, defer again after.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                # Sort in memory what fits (PostgreSQL's own advice for populating a database):
                # the default 64 MB sorts a national table's keys on disk in many passes.
                cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_INDEX_BUILD_MEMORY}'")
            for create, _ in self.indexes:
                cursor.execute(create)
            quote = connection.ops.quote_name
            for table_name, name, definition in self.foreign_keys:
                # one query checks the whole table (PostgreSQL's initial check of a new key)
                cursor.execute(
                    f"ALTER TABLE {quote(table_name)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            if self.indexes and self.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            if self.vendor == "postgresql":
                models_ = [t.model for t in self.tables.values()]
                for sql in connection.ops.sequence_reset_sql(no_style(), models_):
                    cursor.execute(sql)
                for table in self.tables.values():
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table.name)}")

    def _set_pragmas(self) -> None:
        with connection.cursor() as cursor:
            for name, value in SQLITE_LOAD_PRAGMAS.items():
                cursor.execute(f"PRAGMA {name}")
                self.saved_pragmas[name] = str(cursor.fetchone()[0])
                cursor.execute(f"PRAGMA {name} = {value}")

    def _restore_pragmas(self) -> None:
        with connection.cursor() as cursor:
            for name, value in self.saved_pragmas.items():
                cursor.execute(f"PRAGMA {name} = {value}")


_formatting: Any = None  # this process's connection for format_rows
_column_types: dict[str, list[int]] = {}


def format_rows(table: Table, rows: Sequence[tuple[Any, ...]]) -> bytes:
    """The rows, with the table's other columns' defaults, in PostgreSQL's binary COPY format,
    made in the process that made the rows (a seed's worker), so the process that writes only
    passes them on (`write_formatted`). Values are Python's own (dates as dates: the generator's
    `native` rows); binary COPY takes no text for a date and no int8 for an int4, so psycopg
    formats each column as its type in the table.

    The process opens a connection of its own on first use, with the settings of Django's, to
    read the columns' types once per table and to configure psycopg; it is closed when the
    process ends. A forked worker must not use the connection it inherited, its parent's."""
    global _formatting
    if _formatting is None:
        _formatting = connection.get_new_connection(connection.get_connection_params())
        util.Finalize(None, close_formatting, exitpriority=0)
    types = _column_types.get(table.name)
    if types is None:
        with _formatting.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [connection.ops.quote_name(table.name)],
            )
            oids = dict(cursor.fetchall())
        types = _column_types[table.name] = [oids[c] for c in table.all_columns]
        _formatting.rollback()  # the catalog read leaves no transaction open
    buffer = io.BytesIO()
    extra = table.extra_values
    with Copy(_formatting.cursor(), binary=True, writer=FileWriter(buffer)) as copy:
        copy.set_types(types)
        write = copy.write_row
        for row in rows:
            write(row + extra)
    return buffer.getvalue()


def close_formatting() -> None:
    """Close this process's connection of format_rows, if it has one (a worker's closes as the
    worker ends; another process that formatted rows closes it here)."""
    global _formatting
    if _formatting is not None:
        _formatting.close()
        _formatting = None
        _column_types.clear()


def foreign_keys(cursor: Any, table: str) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the table's foreign keys, on PostgreSQL."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [connection.ops.quote_name(table)],
    )
    return [(table, name, definition) for name, definition in cursor.fetchall()]


def secondary_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """(create, drop) statements of the table's indexes that back no constraint (SQLite: every
    index made by CREATE INDEX; PostgreSQL: every index no constraint owns)."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        cursor.execute(
            """
            SELECT pg_get_indexdef(i.indexrelid), quote_ident(c.relname)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            ORDER BY c.relname
            """,
            [quote(table)],
        )
        return [(create, f"DROP INDEX {name}") for create, name in cursor.fetchall()]
    if connection.vendor == "sqlite":
        cursor.execute(
            "SELECT sql, name FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL ORDER BY name",
            [table],
        )
        return [(create, f"DROP INDEX {quote(name)}") for create, name in cursor.fetchall()]
    return []


class IdRows:
    """Rows of several tables made by a generator, their ids handed out here (after each
    table's largest id) and held until `flush` writes them, parents first (the order of
    `tables`)."""

    def __init__(self, tables: Mapping[str, type[models.Model]]) -> None:
        self.tables = tables
        self.next = {
            name: (model._default_manager.aggregate(n=Max("pk"))["n"] or 0) + 1
            for name, model in tables.items()
        }
        self.first = dict(self.next)
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)

    def add(self, table: str, *values: Any) -> int:
        """A row of `table` with its new id first; the id."""
        pk: int = self.next[table]
        self.next[table] = pk + 1
        self.rows[table].append((pk, *values))
        return pk

    @property
    def pending(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def flush(self, writer: BulkWriter) -> None:
        for table in self.tables:
            writer.write(table, self.rows.pop(table, []))
