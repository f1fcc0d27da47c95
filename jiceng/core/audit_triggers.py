"""Database triggers that keep the audit table append-only even for raw SQL.

UPDATE is always refused; DELETE only of a record younger than 180 days, so the database itself
holds the retention floor that `audit.purge` also applies. Both vendors raise an integrity
error (SQLSTATE 23001 on PostgreSQL, SQLITE_CONSTRAINT on SQLite), so callers see the same
`django.db.IntegrityError`.

There is no TRUNCATE trigger: PostgreSQL's TRUNCATE fires no row triggers, and the test
suite's flush relies on it. On SQLite a flush is `DELETE FROM`, so the `flush` command of this
app lifts the triggers for its duration (management/commands/flush.py).

On SQLite a migration that alters `core_auditrecord` rebuilds the table and drops these
triggers with the old one: such a migration must call `install` again.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

RETENTION_FLOOR_DAYS = 180

_POSTGRESQL_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION core_auditrecord_refuse_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '审计记录只能追加，不能修改' USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION core_auditrecord_refuse_young_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.at >= now() - interval '{RETENTION_FLOOR_DAYS} days' THEN
            RAISE EXCEPTION '审计记录保存不足 {RETENTION_FLOOR_DAYS} 天，不能删除（#%）', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END
    $$
    """,
    """
    CREATE TRIGGER core_auditrecord_no_update BEFORE UPDATE ON core_auditrecord
    FOR EACH ROW EXECUTE FUNCTION core_auditrecord_refuse_update()
    """,
    """
    CREATE TRIGGER core_auditrecord_no_young_delete BEFORE DELETE ON core_auditrecord
    FOR EACH ROW EXECUTE FUNCTION core_auditrecord_refuse_young_delete()
    """,
]

_POSTGRESQL_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditrecord_no_update ON core_auditrecord",
    "DROP TRIGGER IF EXISTS core_auditrecord_no_young_delete ON core_auditrecord",
    "DROP FUNCTION IF EXISTS core_auditrecord_refuse_update()",
    "DROP FUNCTION IF EXISTS core_auditrecord_refuse_young_delete()",
]

# Django keeps datetimes on SQLite as UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]', which compares
# correctly as text against datetime('now', ...) (also UTC).
_SQLITE_INSTALL = [
    """
    CREATE TRIGGER core_auditrecord_no_update BEFORE UPDATE ON core_auditrecord
    BEGIN
        SELECT RAISE(ABORT, '审计记录只能追加，不能修改');
    END
    """,
    f"""
    CREATE TRIGGER core_auditrecord_no_young_delete BEFORE DELETE ON core_auditrecord
    WHEN OLD."at" >= datetime('now', '-{RETENTION_FLOOR_DAYS} days')
    BEGIN
        SELECT RAISE(ABORT, '审计记录保存不足 {RETENTION_FLOOR_DAYS} 天，不能删除');
    END
    """,
]

_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditrecord_no_update",
    "DROP TRIGGER IF EXISTS core_auditrecord_no_young_delete",
]

_STATEMENTS = {
    "postgresql": (_POSTGRESQL_INSTALL, _POSTGRESQL_REMOVE),
    "sqlite": (_SQLITE_INSTALL, _SQLITE_REMOVE),
}


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    # No parameters: the SQL holds '%' (PostgreSQL's RAISE format) that must not be interpolated.
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor in _STATEMENTS:
        _run(connection, _STATEMENTS[connection.vendor][0])


def remove(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor in _STATEMENTS:
        _run(connection, _STATEMENTS[connection.vendor][1])


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    """The names of the audit triggers present in the database (for tests and checks)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditrecord'::regclass "
                "AND NOT tgisinternal"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'core_auditrecord'"
            )
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}
