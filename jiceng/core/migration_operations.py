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
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres import operations as postgres
from django.db.migrations.operations import AddConstraint, AddIndex, RemoveIndex
from django.db.models import UniqueConstraint


def _on_postgresql(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.vendor == "postgresql")


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
