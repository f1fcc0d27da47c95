"""The index operations for large tables (core.migration_operations): concurrent on
PostgreSQL, plain on SQLite, the same index either way, and reversible."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.operations import AlterField
from django.db.migrations.state import ProjectState
from django.utils import timezone

from jiceng.core.migration_operations import (
    AddIndexConcurrently,
    AddUniqueIndexConcurrently,
    DropKeyIndexConcurrently,
    RemoveIndexConcurrently,
)
from jiceng.members.models import MemberEvent
from jiceng.ops.models import Heartbeat
from jiceng.reporting.models import ServiceRecord

INDEX = models.Index(fields=["beat_at"], name="ops_heartbeat_beat_at_test")


def indexes(table: str = "ops_heartbeat") -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name for name, info in found.items() if info["index"]}


# The tables that grow with the members and the months: no index of theirs may be the leading
# column of another (each is written with every row, loaded by every seed and stored).
LARGE_TABLES = (
    "members_member",
    "members_memberevent",
    "orgs_organization",
    "orgs_committeeseat",
    "orgs_partygroup",
    "dues_duesbase",
    "dues_payment",
    "dues_bill",
    "orglife_meeting",
    "orglife_attendance",
    "orglife_notice",
    "orglife_compliance",
    "points_pointsentry",
    "reporting_servicerecord",
    "reporting_feedback",
    "development_applicant",
    "development_steprecord",
)
# Kept on purpose, and why.
KEPT = {
    # PostgreSQL probes it for a subtree's members; with only (organization, status) it planned
    # a scan of all 100 million for a province's member list (scale 1, 2026-12-05)
    "members_member_organization_id_4832e3e5",
}


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


@pytest.mark.django_db(transaction=True)
def test_a_keys_own_index_is_dropped_and_built_again_outside_a_transaction() -> None:
    field = MemberEvent._meta.get_field("member").clone()
    drop = DropKeyIndexConcurrently("memberevent", "member", field)
    state = ProjectState.from_apps(apps)
    before = indexes("members_memberevent")
    with connection.schema_editor(atomic=False) as editor:
        drop.database_backwards("members", editor, state, state)
    built = indexes("members_memberevent") - before
    assert built == {"members_memberevent_member_id_0cf90450"}  # the name Django gave it
    with connection.schema_editor(atomic=False) as editor:
        drop.database_forwards("members", editor, state, state)
    assert indexes("members_memberevent") == before
    with connection.schema_editor(atomic=False) as editor:
        drop.database_forwards("members", editor, state, state)  # gone already: no error
    assert indexes("members_memberevent") == before


@pytest.mark.django_db(transaction=True)
def test_a_text_keys_like_index_goes_and_comes_back_with_it_on_postgresql() -> None:
    field = ServiceRecord._meta.get_field("community").clone()
    drop = DropKeyIndexConcurrently("servicerecord", "community", field)
    state = ProjectState.from_apps(apps)
    _, _, args, kwargs = field.deconstruct()
    indexed = models.ForeignKey(*args, **{**kwargs, "db_index": True})
    earlier = state.clone()  # the key as it was before the migration, with its index
    AlterField("servicerecord", "community", indexed).state_forwards("reporting", earlier)
    before = indexes("reporting_servicerecord")
    with connection.schema_editor(atomic=False) as editor:
        drop.database_backwards("reporting", editor, state, earlier)
    built = indexes("reporting_servicerecord") - before
    key = "reporting_servicerecord_community_id_83ab02d1"
    assert built == ({key, f"{key}_like"} if connection.vendor == "postgresql" else {key})
    with connection.schema_editor(atomic=False) as editor:
        drop.database_forwards("reporting", editor, earlier, state)
    assert indexes("reporting_servicerecord") == before


def test_only_a_key_without_its_index_is_taken() -> None:
    with pytest.raises(ValueError, match="db_index=False"):
        DropKeyIndexConcurrently(
            "memberevent", "member", models.ForeignKey("members.Member", models.CASCADE)
        )
    assert DropKeyIndexConcurrently.atomic is False


@pytest.mark.django_db
@pytest.mark.parametrize("table", LARGE_TABLES)
def test_no_index_of_a_large_table_only_repeats_the_start_of_another(table: str) -> None:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    keyed = {  # the indexes and the unique constraints (each an index of its own), but not
        # PostgreSQL's `_like` twins, whose operator class serves LIKE 'prefix%'
        name: info["columns"]
        for name, info in found.items()
        if (info["index"] or info["unique"])
        and not info["primary_key"]
        and info["columns"]
        and not name.endswith("_like")
    }
    assert keyed, table
    covered = [
        (name, other)
        for name, columns in keyed.items()
        if found[name]["index"] and not found[name]["unique"] and name not in KEPT
        for other, longer in keyed.items()
        if other != name
        and longer[: len(columns)] == columns
        and (len(longer) > len(columns) or other < name)
        and not _partial(other)
    ]
    assert covered == []


def _partial(name: str) -> bool:
    """Whether the index has a WHERE clause (one that covers only some rows covers nothing)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indpred IS NOT NULL FROM pg_index WHERE indexrelid = %s::regclass",
                [connection.ops.quote_name(name)],
            )
        else:
            cursor.execute(
                "SELECT sql LIKE '%%WHERE%%' FROM sqlite_master WHERE type = 'index' AND name = %s",
                [name],
            )
        row = cursor.fetchone()
    return bool(row and row[0])
