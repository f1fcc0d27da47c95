"""SQLite's WAL checkpoints, taken by the scheduler beside the web rather than inside a request.

In WAL mode every commit appends its pages to the `-wal` file, and a checkpoint copies them
back into the database file and syncs it. By default the connection whose commit takes the WAL
past 1,000 pages runs that checkpoint at once: a web request (an Open311 intake, once every
40 or so) spent 2-7 ms in it, holding the writers' queue (core/sqlite/base.py) meanwhile, and
on two web workers that was about a tenth of the intake's time (bench/RESULTS.md, issue 10).

Here `jiceng scheduler` checkpoints every JICENG_SQLITE_CHECKPOINT_SECONDS, in a thread of its
own with its own connection. The checkpoint is PASSIVE: it copies what no reader still needs
and never waits for a writer or a reader, so the web's writes go on beside it. The connections
keep a checkpoint of their own at 10,000 pages (40 MB; `wal_autocheckpoint` in
config/settings/base.py), for when no scheduler runs (a development server, a command): the
WAL stays bounded either way. At 1,000 intakes a second it grows by about 2,600 pages between
two of the scheduler's checkpoints. It starts over from its beginning only when a writer finds
it all copied and no reader on it, so now and then it still reaches the connections' 10,000
pages (seen in bench_intake at 0.1 s and at 0.25 s), and the request that crosses them pays
for a long checkpoint: in six rounds each, the intake's p99 was 18-26 ms at 0.1 s and 26-33 ms
at 0.25 s.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3 import base as sqlite_base
from django.db.utils import ConnectionHandler

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpointed:
    """What one checkpoint found: the WAL's pages, and how many of them are now in the database
    file (fewer when a reader still needs older ones, or `busy` when another checkpoint ran)."""

    busy: bool
    pages: int
    copied: int


def interval() -> float:
    """Seconds between the scheduler's checkpoints; 0 when the scheduler takes none."""
    return float(settings.JICENG_SQLITE_CHECKPOINT_SECONDS)


def applies(connection: BaseDatabaseWrapper) -> bool:
    """Whether the database is an SQLite file (one in memory has no WAL)."""
    return isinstance(connection, sqlite_base.DatabaseWrapper) and not connection.is_in_memory_db()


def checkpoint(connection: BaseDatabaseWrapper) -> Checkpointed:
    """One PASSIVE checkpoint of the database's WAL."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, pages, copied = cursor.fetchone()
    return Checkpointed(busy=bool(busy), pages=pages, copied=copied)


def run(
    stop: threading.Event, handler: ConnectionHandler = connections, alias: str = "default"
) -> None:
    """Checkpoints every `interval()` seconds until `stop` is set (the scheduler's thread: the
    connection is the thread's own). A failed checkpoint is logged and tried again next time."""
    try:
        while not stop.wait(interval()):
            try:
                checkpoint(handler[alias])
            except DatabaseError:
                logger.exception("SQLite checkpoint failed; trying again in %s s", interval())
                handler[alias].close()
    finally:
        handler[alias].close()


def start(
    stop: threading.Event, handler: ConnectionHandler = connections
) -> threading.Thread | None:
    """Starts `run` in a daemon thread when the database is an SQLite file and checkpoints are
    on; None otherwise (PostgreSQL, a database in memory, JICENG_SQLITE_CHECKPOINT_SECONDS=0)."""
    if interval() <= 0 or not applies(handler["default"]):
        return None
    thread = threading.Thread(
        target=run, args=(stop, handler), name="sqlite-checkpoints", daemon=True
    )
    thread.start()
    return thread
