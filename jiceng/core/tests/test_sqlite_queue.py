"""The SQLite backend's queue of writers (core/sqlite/base.py): a write transaction holds an
exclusive flock on `<database>-writers` from BEGIN IMMEDIATE to COMMIT or ROLLBACK, a second
writer waits on it, and a database in memory queues nothing."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import ConnectionHandler

from jiceng.core.sqlite.base import DatabaseWrapper

OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL",
}


def wrappers(name: str, count: int, **options: Any) -> list[DatabaseWrapper]:
    aliases = ["default", *(f"writer{i}" for i in range(1, count))]
    handler = ConnectionHandler(
        {
            alias: {"ENGINE": "jiceng.core.sqlite", "NAME": name, "OPTIONS": {**OPTIONS, **options}}
            for alias in aliases
        }
    )
    found = [handler[alias] for alias in aliases]
    assert all(isinstance(w, DatabaseWrapper) for w in found)
    return found  # type: ignore[return-value]


def held(path: Path) -> bool:
    """Whether some connection holds the writers' lock (tried from a file of our own)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def begin(wrapper: DatabaseWrapper) -> None:
    """What transaction.atomic does first on SQLite (autocommit on, BEGIN IMMEDIATE)."""
    wrapper.ensure_connection()
    wrapper._start_transaction_under_autocommit()


@pytest.fixture
def database(tmp_path: Path, django_db_blocker: Any) -> Iterator[str]:
    """A database file of the test's own (not the suite's test database)."""
    name = str(tmp_path / "queue.sqlite3")
    with django_db_blocker.unblock():
        yield from _created(name)


def _created(name: str) -> Iterator[str]:
    [setup] = wrappers(name, 1)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE written (who TEXT)")
    setup.close()
    yield name


def test_a_write_transaction_holds_the_lock_until_commit_or_rollback(database: str) -> None:
    [wrapper] = wrappers(database, 1)
    lock = Path(f"{database}-writers")
    begin(wrapper)
    assert held(lock)
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO written VALUES ('a')")
    wrapper.commit()
    assert not held(lock)
    begin(wrapper)
    assert held(lock)
    wrapper.rollback()
    assert not held(lock)
    begin(wrapper)
    wrapper.close()  # a connection closed in a transaction lets go too
    assert not held(lock)


def test_a_second_writer_waits_for_the_first_and_writes_after_it(database: str) -> None:
    # No busy timeout: were the second writer not queued on the lock file, its BEGIN
    # IMMEDIATE would fail at once with "database is locked".
    first, second = wrappers(database, 2, timeout=0)
    begin(first)
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO written VALUES ('first')")
    started, done = threading.Event(), threading.Event()

    failed: list[BaseException] = []

    def write_second() -> None:
        second.inc_thread_sharing()
        started.set()
        try:
            begin(second)  # waits on the lock file, not on SQLite's busy handler
            with second.cursor() as cursor:
                cursor.execute("INSERT INTO written VALUES ('second')")
            second.commit()
            second.close()
        except BaseException as error:
            failed.append(error)
        done.set()

    thread = threading.Thread(target=write_second)
    thread.start()
    assert started.wait(5)
    assert not done.wait(0.3), "the second writer went ahead while the first held the lock"
    first.commit()
    thread.join(5)
    assert done.is_set() and not failed, failed
    with first.cursor() as cursor:
        cursor.execute("SELECT who FROM written ORDER BY rowid")
        assert [row[0] for row in cursor.fetchall()] == ["first", "second"]
    first.close()


def test_a_failed_begin_lets_go_of_the_lock(database: str) -> None:
    [wrapper] = wrappers(database, 1)
    begin(wrapper)
    with pytest.raises(Exception, match="within a transaction"):
        wrapper._start_transaction_under_autocommit()  # BEGIN inside a transaction fails
    # The failed BEGIN let go of the queue; the transaction still open holds SQLite's lock.
    assert not held(Path(f"{database}-writers"))
    wrapper.rollback()
    wrapper.close()


def test_reads_and_memory_databases_are_not_queued(database: str) -> None:
    [deferred] = wrappers(database, 1, transaction_mode="DEFERRED")
    assert deferred.queue_path() is None
    [memory] = wrappers(":memory:", 1)
    assert memory.queue_path() is None
    [immediate] = wrappers(database, 1)
    assert immediate.queue_path() == f"{database}-writers"
