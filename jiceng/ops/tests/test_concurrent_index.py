"""The index operations for large tables (core.migration_operations): concurrent on
PostgreSQL, plain on SQLite, the same index either way, and reversible."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.state import ProjectState
from django.utils import timezone

from jiceng.core.migration_operations import (
    AddIndexConcurrently,
    AddUniqueIndexConcurrently,
    RemoveIndexConcurrently,
)
from jiceng.ops.models import Heartbeat

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


@pytest.mark.django_db(transaction=True)
def test_a_unique_index_is_built_outside_a_transaction_and_refuses_duplicates() -> None:
    unique = models.UniqueConstraint(models.F("beat_at"), name="ops_heartbeat_beat_at_unique")
    before = ProjectState.from_apps(apps)
    add = AddUniqueIndexConcurrently("heartbeat", unique)
    after = before.clone()
    add.state_forwards("ops", after)
    with connection.schema_editor(atomic=False) as editor:
        add.database_forwards("ops", editor, before, after)
    try:
        assert unique.name in indexes()
        at = timezone.now()
        Heartbeat.objects.create(name="worker", beat_at=at)
        with pytest.raises(IntegrityError), transaction.atomic():
            Heartbeat.objects.create(name="scheduler", beat_at=at)
    finally:
        with connection.schema_editor(atomic=False) as editor:
            add.database_backwards("ops", editor, after, before)
    assert unique.name not in indexes()


def test_a_unique_constraint_of_the_table_is_refused() -> None:
    with pytest.raises(ValueError, match="唯一约束"):
        AddUniqueIndexConcurrently(
            "heartbeat", models.UniqueConstraint(fields=["beat_at"], name="ops_heartbeat_plain")
        )


def test_a_migration_using_them_may_not_run_in_a_transaction() -> None:
    assert AddIndexConcurrently.atomic is False
    assert RemoveIndexConcurrently.atomic is False
    assert AddUniqueIndexConcurrently.atomic is False
