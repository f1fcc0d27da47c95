"""Migration operations for the large tables of a running installation.

On PostgreSQL a plain CREATE INDEX holds a lock that blocks every write to the table until the
index is built: minutes on the case events, the audit log or the attendance of a province,
during which intake and check-ins wait. CREATE INDEX CONCURRENTLY builds it while writes go
on. Django's own operation (django.contrib.postgres.operations.AddIndexConcurrently) speaks
PostgreSQL only; the project runs on SQLite too, where an index build is quick and there is
nothing to be concurrent with. These do the concurrent build on PostgreSQL and the plain one
elsewhere. A migration that uses them says `atomic = False` and holds nothing else (a failed
concurrent build leaves an INVALID index behind: drop it and migrate again; docs/部署与运维手册.md).

A unique constraint over an expression is a unique index on both databases (CREATE UNIQUE INDEX),
so it is built the same way: AddUniqueIndexConcurrently.

Django gives every foreign key an index of its own. Where another index of the table begins with
the key's column, that one serves the key's lookups and the key's own is only written, loaded
and stored: DropKeyIndexConcurrently drops it (the field then says db_index=False).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres import operations as postgres
from django.db.migrations.operations import AddConstraint, AddIndex, AlterField, RemoveIndex
from django.db.models import UniqueConstraint


def _on_postgresql(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.vendor == "postgresql")


def _concurrent_on(schema_editor: Any, table: str) -> bool:
    """Whether an index of `table` (quoted) is built or dropped CONCURRENTLY: on PostgreSQL,
    unless the table is partitioned (core.partitions), whose indexes take no CONCURRENTLY."""
    if not _on_postgresql(schema_editor):
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return not (row and row[0] == "p")


class AddIndexConcurrently(AddIndex):
    """AddIndex, built with CREATE INDEX CONCURRENTLY on PostgreSQL."""

    atomic = False

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if _on_postgresql(schema_editor):
            concurrent = postgres.AddIndexConcurrently(self.model_name, self.index)
            concurrent.database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if _on_postgresql(schema_editor):
            concurrent = postgres.AddIndexConcurrently(self.model_name, self.index)
            concurrent.database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrently(RemoveIndex):
    """RemoveIndex, dropped with DROP INDEX CONCURRENTLY on PostgreSQL."""

    atomic = False

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if _on_postgresql(schema_editor):
            concurrent = postgres.RemoveIndexConcurrently(self.model_name, self.name)
            concurrent.database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if _on_postgresql(schema_editor):
            concurrent = postgres.RemoveIndexConcurrently(self.model_name, self.name)
            concurrent.database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddUniqueIndexConcurrently(AddConstraint):
    """AddConstraint for a UniqueConstraint that is an index (one over expressions or with a
    condition), built with CREATE UNIQUE INDEX CONCURRENTLY on PostgreSQL. Removing it is
    RemoveConstraint's plain DROP INDEX: quick, nothing to build."""

    atomic = False

    def __init__(self, model_name: str, constraint: UniqueConstraint) -> None:
        if not (constraint.contains_expressions or constraint.condition):
            raise ValueError(f"{constraint.name}: 只有表达式或带条件的唯一约束才是单独的索引")
        super().__init__(model_name, constraint)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if not _on_postgresql(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        sql = str(self.constraint.create_sql(model, schema_editor))
        head = "CREATE UNIQUE INDEX "
        if not sql.startswith(head):  # Django's form of the statement changed
            raise RuntimeError(f"没有预料到的建索引语句：{sql}")
        schema_editor.execute(head.replace("INDEX", "INDEX CONCURRENTLY") + sql[len(head) :])


class DropKeyIndexConcurrently(AlterField):
    """AlterField to a foreign key with db_index=False: the key's index Django made is dropped
    (CONCURRENTLY on PostgreSQL; there also its `_like` twin for a key to a text column) and the
    table left as it is (on SQLite, Django's AlterField would copy the whole table to drop one
    index). Backwards, they are built again as Django builds them."""

    atomic = False

    def __init__(self, model_name: str, name: str, field: Any) -> None:
        if field.db_index or not field.is_relation:
            raise ValueError(f"{model_name}.{name}: 只用于去掉外键自带的索引（db_index=False）")
        super().__init__(model_name, name, field)

    def _key(self, schema_editor: Any, state: Any, app_label: str) -> _Key | None:
        """The key as `state` has it, with its index's name as Django named it when it made
        the key (the schema editor's own naming, for the same table and column); None where
        this database does not take the model."""
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return None
        field = model._meta.get_field(self.name)
        table = schema_editor.quote_name(model._meta.db_table)
        return _Key(
            model=model,
            field=field,
            table=table,
            name=schema_editor._create_index_name(model._meta.db_table, [field.column]),
            concurrently=" CONCURRENTLY" if _concurrent_on(schema_editor, table) else "",
        )

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        key = self._key(schema_editor, from_state, app_label)
        if key is None:
            return
        names = [key.name, f"{key.name}_like"] if _on_postgresql(schema_editor) else [key.name]
        for name in names:
            quoted = schema_editor.quote_name(name)
            schema_editor.execute(f"DROP INDEX{key.concurrently} IF EXISTS {quoted}")

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        key = self._key(schema_editor, to_state, app_label)
        if key is None:
            return
        quote = schema_editor.quote_name
        statements = [
            f"CREATE INDEX{key.concurrently} {quote(key.name)} "
            f"ON {key.table} ({quote(key.field.column)})"
        ]
        if _on_postgresql(schema_editor):  # and for LIKE 'prefix%' on a text key, its twin
            like = schema_editor._create_like_index_sql(key.model, key.field)
            if like is not None:
                statements.append(
                    str(like).replace("CREATE INDEX", f"CREATE INDEX{key.concurrently}", 1)
                )
        for statement in statements:
            schema_editor.execute(statement)


@dataclass(frozen=True)
class _Key:
    model: Any
    field: Any
    table: str  # quoted
    name: str  # of its index, unquoted
    concurrently: str  # " CONCURRENTLY" or ""
