"""SQLite's WAL checkpoints taken by the scheduler (core/sqlite/checkpoints.py): a checkpoint
copies the WAL's pages into the database file, the scheduler's thread takes one every
JICENG_SQLITE_CHECKPOINT_SECONDS until stopped (none when it is 0), nothing is started where
there is no WAL, and the connections checkpoint on their own only past 10,000 pages."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.db.utils import ConnectionHandler

from jiceng.core.sqlite import checkpoints

OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=10000;",
}


def handler_of(path: Path) -> ConnectionHandler:
    return ConnectionHandler(
        {"default": {"ENGINE": "jiceng.core.sqlite", "NAME": str(path), "OPTIONS": OPTIONS}}
    )


def written(path: Path, handler: ConnectionHandler, rows: int = 200) -> None:
    wrapper = handler["default"]
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS kept (value TEXT)")
        for number in range(rows):
            cursor.execute("INSERT INTO kept VALUES (%s)", [f"row {number} " + "x" * 200])


def rows_in_the_file_alone(path: Path, tmp_path: Path) -> int:
    """The rows a copy of the database file has without its WAL: those checkpointed."""
    alone = tmp_path / "alone.sqlite3"
    shutil.copyfile(path, alone)
    try:
        with sqlite3.connect(alone) as db:
            found = db.execute("SELECT name FROM sqlite_master WHERE name = 'kept'").fetchone()
            return db.execute("SELECT count(*) FROM kept").fetchone()[0] if found else 0
    except sqlite3.DatabaseError:  # copied while a checkpoint was writing it
        return 0


def test_a_checkpoint_copies_the_wal_into_the_database_file(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    path = tmp_path / "db.sqlite3"
    handler = handler_of(path)
    assert checkpoints.applies(handler["default"])
    with django_db_blocker.unblock():
        written(path, handler)
        assert rows_in_the_file_alone(path, tmp_path) == 0  # all in the WAL so far
        done = checkpoints.checkpoint(handler["default"])
        assert not done.busy and done.pages > 0 and done.copied == done.pages
        assert rows_in_the_file_alone(path, tmp_path) == 200
        handler["default"].close()


def test_the_schedulers_thread_checkpoints_until_stopped(
    tmp_path: Path, django_db_blocker: Any, settings: Any
) -> None:
    path = tmp_path / "db.sqlite3"
    handler = handler_of(path)
    stop = threading.Event()
    settings.JICENG_SQLITE_CHECKPOINT_SECONDS = 0
    assert checkpoints.start(stop, handler) is None  # turned off: no thread
    settings.JICENG_SQLITE_CHECKPOINT_SECONDS = 0.01
    with django_db_blocker.unblock():
        written(path, handler)
        thread = checkpoints.start(stop, handler)
        assert thread is not None and thread.daemon
        deadline = time.monotonic() + 10
        while rows_in_the_file_alone(path, tmp_path) < 200 and time.monotonic() < deadline:
            stop.wait(0.01)
        stop.set()
        thread.join(5)
        assert not thread.is_alive()
        assert rows_in_the_file_alone(path, tmp_path) == 200
        handler["default"].close()


def test_nothing_is_started_without_a_wal() -> None:
    memory = ConnectionHandler({"default": {"ENGINE": "jiceng.core.sqlite", "NAME": ":memory:"}})
    assert not checkpoints.applies(memory["default"])
    assert checkpoints.start(threading.Event(), memory) is None
    if connection.vendor == "sqlite":  # the tests' database is in memory
        assert not checkpoints.applies(connections["default"])
    assert checkpoints.start(threading.Event()) is None  # in memory, or PostgreSQL


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's connections")
def test_the_connections_own_checkpoint_waits_for_10000_pages() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone() == (10_000,)
