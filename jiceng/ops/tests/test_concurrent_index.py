"""The index operations for large tables (core.migration_operations): concurrent on
PostgreSQL, plain on SQLite, the same index either way, and reversible."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.migrations.state import ProjectState

from jiceng.core.migration_operations import AddIndexConcurrently, RemoveIndexConcurrently

INDEX = models.Index(fields=["beat_at"], name="ops_heartbeat_beat_at_test")


def indexes() -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "ops_heartbeat")
    return {name for name, info in found.items() if info["index"]}


@pytest.mark.django_db(transaction=True)  # CONCURRENTLY refuses to run inside a transaction
def test_the_index_is_built_and_dropped_outside_a_transaction() -> None:
    before = ProjectState.from_apps(apps)
    add = AddIndexConcurrently("heartbeat", INDEX)
    with_index = before.clone()
    add.state_forwards("ops", with_index)

    with connection.schema_editor(atomic=False) as editor:
        add.database_forwards("ops", editor, before, with_index)
    assert INDEX.name in indexes()

    remove = RemoveIndexConcurrently("heartbeat", INDEX.name)
    without = with_index.clone()
    remove.state_forwards("ops", without)
    with connection.schema_editor(atomic=False) as editor:
        remove.database_forwards("ops", editor, with_index, without)
    assert INDEX.name not in indexes()

    with connection.schema_editor(atomic=False) as editor:
        remove.database_backwards("ops", editor, without, with_index)
    assert INDEX.name in indexes()
    with connection.schema_editor(atomic=False) as editor:
        add.database_backwards("ops", editor, with_index, before)
    assert INDEX.name not in indexes()


def test_a_migration_using_them_may_not_run_in_a_transaction() -> None:
    assert AddIndexConcurrently.atomic is False
    assert RemoveIndexConcurrently.atomic is False
