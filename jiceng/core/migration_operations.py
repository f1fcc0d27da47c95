"""Migration operations for the large tables of a running installation.

On PostgreSQL a plain CREATE INDEX holds a lock that blocks every write to the table until the
index is built: minutes on the case events, the audit log or the attendance of a province,
during which intake and check-ins wait. CREATE INDEX CONCURRENTLY builds it while writes go
on. Django's own operation (django.contrib.postgres.operations.AddIndexConcurrently) speaks
PostgreSQL only; the project runs on SQLite too, where an index build is quick and there is
nothing to be concurrent with. These do the concurrent build on PostgreSQL and the plain one
elsewhere. A migration that uses them says `atomic = False` and holds nothing else (a failed
concurrent build leaves an INVALID index behind: drop it and migrate again; docs/部署与运维手册.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres import operations as postgres
from django.db.migrations.operations import AddIndex, RemoveIndex


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
