"""Monthly partitions of the tables that only grow (PostgreSQL; SQLite keeps plain tables).

On PostgreSQL each table in `TABLES` is range-partitioned by month on its time column: one
partition a month (`<table>_p202601`) and a default partition (`<table>_default`) that catches
a row no month partition covers yet, so an insert never fails for want of a partition.
`maintain` (the `partitions` job of JICENG_SCHEDULE, and `jiceng partitions`) creates the
partitions of this month and the next `MONTHS_AHEAD`, and drops the months past the table's
retention (JICENG_*_RETENTION_MONTHS; 0 keeps every month). A month is a month of
settings.TIME_ZONE (Asia/Shanghai), so "this month's events" reads one partition.

Why not pg_partman: it needs a Debian package on every database host, CREATE EXTENSION by a
superuser, and for scheduled upkeep its background worker in shared_preload_libraries (or
pg_cron); its value is many partition schemes managed by configuration, and Jiceng has one
scheme (monthly ranges) on four tables. The part we need is creating a few months ahead and
dropping old ones, about a hundred lines here, run by the scheduler that already runs every
other periodic job, tested on the PostgreSQL pass of the suite and nothing to install.

A partitioned table's primary key and unique constraints must contain the partition key, so
the database's key is (id, <time column>) while Django's model keeps `id` as its pk: ids still
come from one sequence and are unique, and nothing has a foreign key to these tables (a table
somebody references cannot be partitioned this way, since the reference needs `id` unique on
its own: orglife.Notice, dues.Payment and points.PointsEntry stay plain, see `SKIPPED`).

The audit log is partitioned too, but its months are never dropped by this job: removing audit
records is the audit administrator's act (`jiceng audit purge`, at least 180 days), which drops
the whole months it may and keeps the chain verifiable from its anchor (audit.purge).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from jiceng.core import clock

# Months created ahead of the current one: a month of downtime of the scheduler still finds
# its partitions (and the default partition takes anything beyond).
MONTHS_AHEAD = 3


@dataclass(frozen=True)
class Partitioned:
    table: str
    column: str
    # "time": a timestamptz column, months of settings.TIME_ZONE;
    # "month": an integer column holding YYYYMM (orglife.Attendance.month).
    by: Literal["time", "month"]


TABLES: tuple[Partitioned, ...] = (
    Partitioned("cases_caseevent", "at", "time"),
    Partitioned("cases_notice", "created_at", "time"),
    Partitioned("orglife_attendance", "month", "month"),
    Partitioned("core_auditrecord", "at", "time"),
)

# The append-only or ever-growing tables left plain, and why (the README and the tests say so).
SKIPPED: dict[str, str] = {
    "orglife_notice": "notices.Reading has a foreign key to it",
    "dues_payment": "dues.Bill has a foreign key to it",
    "points_pointsentry": (
        "its idempotency key (source_kind, source_id, member, is_reversal) does not hold the "
        "month, and cannot: a reversal is written in a later month than the entry it reverses"
    ),
    "households_visit": "its one-to-one link to a case is a unique key without the month",
}


def table(name: str) -> Partitioned:
    return next(t for t in TABLES if t.table == name)


# -- months -----------------------------------------------------------------------------------


def month_of(moment: dt.datetime) -> int:
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.year * 100 + local.month


def add_months(month: int, n: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + n
    return (index // 12) * 100 + index % 12 + 1


def month_start(month: int) -> dt.datetime:
    return dt.datetime(month // 100, month % 100, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _bound(spec: Partitioned, month: int) -> str:
    if spec.by == "month":
        return str(month)
    return f"'{month_start(month).isoformat()}'"


def _name(spec: Partitioned, month: int) -> str:
    return f"{spec.table}_p{month}"


def retention_months(name: str) -> int:
    """The months before the current one that `maintain` keeps of table `name`; 0: all. The
    audit log is never dropped by `maintain`: its retention is audit.purge's."""
    table(name)
    months: dict[str, int] = {
        "cases_caseevent": settings.JICENG_CASE_EVENT_RETENTION_MONTHS,
        "cases_notice": settings.JICENG_CASE_NOTICE_RETENTION_MONTHS,
        "orglife_attendance": settings.JICENG_ATTENDANCE_RETENTION_MONTHS,
    }
    return max(months.get(name, 0), 0)


# -- reading the catalog ----------------------------------------------------------------------


def is_partitioned(cursor: CursorWrapper, name: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [name])
    found = cursor.fetchone()
    return found is not None and found[0] == "p"


def months(cursor: CursorWrapper, spec: Partitioned) -> list[int]:
    """The months that have a partition, oldest first."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s)",
        [spec.table],
    )
    pattern = re.compile(rf"^{re.escape(spec.table)}_p(\d{{6}})$")
    found = (pattern.match(row[0]) for row in cursor.fetchall())
    return sorted(int(m.group(1)) for m in found if m)


def _months_with_rows(cursor: CursorWrapper, spec: Partitioned, relation: str) -> list[int]:
    if spec.by == "month":
        expression = spec.column
    else:
        expression = f"to_char({spec.column} AT TIME ZONE %s, 'YYYYMM')::int"
    cursor.execute(
        f"SELECT DISTINCT {expression} FROM {relation}",  # noqa: S608 (names from TABLES)
        [settings.TIME_ZONE] if spec.by == "time" else [],
    )
    return sorted(int(row[0]) for row in cursor.fetchall() if row[0] is not None)


# -- creating and dropping months -------------------------------------------------------------


def create_month(cursor: CursorWrapper, spec: Partitioned, month: int) -> bool:
    """Adds the month's partition; False if it was there. Rows the default partition took
    for that month move into it (the job was down when the month began)."""
    if month in months(cursor, spec):
        return False
    name, default = _name(spec, month), f"{spec.table}_default"
    low, high = _bound(spec, month), _bound(spec, add_months(month, 1))
    in_range = f"{spec.column} >= {low} AND {spec.column} < {high}"
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {in_range})")  # noqa: S608
    (stranded,) = cursor.fetchone() or (False,)
    if not stranded:
        cursor.execute(
            f"CREATE TABLE {name} PARTITION OF {spec.table} FOR VALUES FROM ({low}) TO ({high})"
        )
        return True
    # Detached, the default partition loses the triggers it inherited (the audit log's refusal
    # to delete), so its stranded rows can move: into the new month through the parent.
    cursor.execute(f"ALTER TABLE {spec.table} DETACH PARTITION {default}")
    cursor.execute(
        f"CREATE TABLE {name} PARTITION OF {spec.table} FOR VALUES FROM ({low}) TO ({high})"
    )
    cursor.execute(f"INSERT INTO {spec.table} SELECT * FROM {default} WHERE {in_range}")  # noqa: S608
    cursor.execute(f"DELETE FROM {default} WHERE {in_range}")  # noqa: S608
    cursor.execute(f"ALTER TABLE {spec.table} ATTACH PARTITION {default} DEFAULT")
    return True


def drop_month(cursor: CursorWrapper, spec: Partitioned, month: int) -> int:
    """Drops the month's partition; the number of rows it held."""
    name = _name(spec, month)
    cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608
    (rows,) = cursor.fetchone() or (0,)
    cursor.execute(f"DROP TABLE {name}")
    return int(rows)


@dataclass
class Upkeep:
    created: list[str]
    dropped: dict[str, int]  # partition -> rows it held


def maintain(
    *, today: dt.datetime | None = None, using: BaseDatabaseWrapper | None = None
) -> Upkeep:
    """Creates this month's partition and the next MONTHS_AHEAD of every table in TABLES (and
    of each month the default partition holds rows of, which move there), and drops the
    months of each that are past its retention: with 12 months kept, in May 2027 the
    partitions of April 2026 and before go. Nothing on SQLite."""
    connection = using or default_connection
    upkeep = Upkeep([], {})
    if connection.vendor != "postgresql":
        return upkeep
    current = month_of(today or clock.now())
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for spec in TABLES:
            if not is_partitioned(cursor, spec.table):
                continue
            # And any month the default partition took (rows written for a month past the
            # ones made ahead, or loaded with old dates by a seed or an import).
            wanted = {add_months(current, n) for n in range(MONTHS_AHEAD + 1)}
            wanted.update(_months_with_rows(cursor, spec, f"{spec.table}_default"))
            for month in sorted(wanted):
                if create_month(cursor, spec, month):
                    upkeep.created.append(_name(spec, month))
            keep = retention_months(spec.table)
            if keep <= 0:
                continue
            oldest_kept = add_months(current, -keep)
            for month in months(cursor, spec):
                if month < oldest_kept:
                    upkeep.dropped[_name(spec, month)] = drop_month(cursor, spec, month)
    return upkeep


def drop_audit_months(cursor: CursorWrapper, *, before: dt.datetime, last_gone_id: int) -> int:
    """For audit.purge: drops each month of the audit log that ends by `before` and whose
    records are all among those the purge removes (ids up to `last_gone_id`), rather than
    deleting them row by row. The rows they held; 0 if the log is not partitioned."""
    spec = table("core_auditrecord")
    if not is_partitioned(cursor, spec.table):
        return 0
    dropped = 0
    for month in months(cursor, spec):
        if month_start(add_months(month, 1)) > before:
            break
        name = _name(spec, month)
        cursor.execute(f"SELECT max(id) FROM {name}")  # noqa: S608
        (highest,) = cursor.fetchone() or (None,)
        if highest is not None and highest > last_gone_id:
            break  # a record the purge keeps: this month and the later ones stay
        dropped += drop_month(cursor, spec, month)
    return dropped


# -- converting a table (the migrations) ------------------------------------------------------


def _definitions(cursor: CursorWrapper, name: str) -> dict[str, Any]:
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'x') AND conparentid = 0 "
        "ORDER BY conname",
        [name],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
        "AND c.conrelid = i.indrelid) ORDER BY 1",
        [name],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
        "AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname",
        [name],
    )
    triggers = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [name])
    (sequence,) = cursor.fetchone() or (None,)
    next_id = 1
    if sequence:
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
        last, called = cursor.fetchone() or (0, False)
        next_id = int(last) + 1 if called else int(last)
    cursor.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {name}")  # noqa: S608
    (after_rows,) = cursor.fetchone() or (1,)
    return {
        "constraints": constraints,
        "indexes": indexes,
        "triggers": triggers,
        "next_id": max(next_id, int(after_rows)),
    }


def _rebuild(
    cursor: CursorWrapper, spec: Partitioned, found: dict[str, Any], *, partitioned: bool
) -> None:
    """Puts back, on the new table `spec.table`, what `_definitions` read from the old one."""
    for conname, contype, definition in found["constraints"]:
        if contype == "p":
            columns = f"id, {spec.column}" if partitioned else "id"
            definition = f"PRIMARY KEY ({columns})"
        elif contype in ("u", "x") and partitioned and spec.column not in definition:
            raise ValueError(f"{spec.table}: {conname} lacks {spec.column}: cannot partition")
        cursor.execute(f"ALTER TABLE {spec.table} ADD CONSTRAINT {conname} {definition}")
    for definition in found["indexes"] + found["triggers"]:
        cursor.execute(definition)


def partition(
    connection: BaseDatabaseWrapper, name: str, *, today: dt.datetime | None = None
) -> None:
    """Turns the plain table `name` into a partitioned one holding the same rows: a partition
    for each month that has rows, this month and MONTHS_AHEAD more, and the default; the same
    indexes, constraints (the primary key becomes (id, column)) and triggers; ids go on from
    where they were. For a migration: PostgreSQL only, in the migration's transaction."""
    if connection.vendor != "postgresql":
        return
    spec = table(name)
    with connection.cursor() as cursor:
        if is_partitioned(cursor, name):
            return
        # The deferred foreign-key checks of rows written earlier in this transaction would
        # keep the old table from being dropped: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        found = _definitions(cursor, name)
        old = f"{name}__plain"
        cursor.execute(f"ALTER TABLE {name} RENAME TO {old}")
        cursor.execute(
            f"CREATE TABLE {name} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({spec.column})"
        )
        cursor.execute(f"CREATE TABLE {name}_default PARTITION OF {name} DEFAULT")
        current = month_of(today or clock.now())
        wanted = set(_months_with_rows(cursor, spec, old))
        wanted.update(add_months(current, n) for n in range(MONTHS_AHEAD + 1))
        for month in sorted(wanted):
            create_month(cursor, spec, month)
        cursor.execute(f"INSERT INTO {name} SELECT * FROM {old}")  # noqa: S608
        cursor.execute(f"DROP TABLE {old}")  # and its identity sequence with it
        cursor.execute(f"CREATE SEQUENCE {name}_id_seq OWNED BY {name}.id")
        cursor.execute(f"SELECT setval('{name}_id_seq', %s, false)", [found["next_id"]])
        cursor.execute(f"ALTER TABLE {name} ALTER COLUMN id SET DEFAULT nextval('{name}_id_seq')")
        _rebuild(cursor, spec, found, partitioned=True)
        cursor.execute(f"ANALYZE {name}")


def unpartition(connection: BaseDatabaseWrapper, name: str) -> None:
    """The reverse of `partition`: one plain table with an identity id again."""
    if connection.vendor != "postgresql":
        return
    spec = table(name)
    with connection.cursor() as cursor:
        if not is_partitioned(cursor, name):
            return
        # The deferred foreign-key checks of rows written earlier in this transaction would
        # keep the old table from being dropped: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        found = _definitions(cursor, name)
        old = f"{name}__parted"
        cursor.execute(f"ALTER TABLE {name} RENAME TO {old}")
        cursor.execute(
            f"CREATE TABLE {name} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            f"INCLUDING STORAGE INCLUDING COMMENTS)"
        )
        cursor.execute(f"ALTER TABLE {name} ALTER COLUMN id DROP DEFAULT")
        cursor.execute(f"INSERT INTO {name} SELECT * FROM {old}")  # noqa: S608
        cursor.execute(f"DROP TABLE {old}")  # its partitions and its sequence with it
        cursor.execute(
            f"ALTER TABLE {name} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY "
            f"(START WITH {int(found['next_id'])})"
        )
        _rebuild(cursor, spec, found, partitioned=False)
