"""Django's SQLite backend, with the write transactions queued on a lock file.

SQLite lets one connection write at a time. A second writer's BEGIN IMMEDIATE finds the lock
taken and SQLite's busy handler puts it to sleep in growing steps (1, 2, 5, 10 ... 100 ms),
however soon the lock is free again. Here every process's explicit transaction
(`transaction.atomic`, BEGIN IMMEDIATE) first takes an exclusive `flock` on
`<database>-writers`, a file beside the database, and gives it back at COMMIT or ROLLBACK; a
writer waiting on it wakes as soon as the one before lets go. With two web workers taking
Open311 intakes on a quiet machine, that raised intake from 762-783 to 791-860 cases a second
(bench/RESULTS.md, issue 10). SQLite's own lock is untouched and still decides: a write
outside a transaction (in autocommit), or a process that is not Django, takes it directly, and
a queued writer waits for it on the busy handler as before.

A database in memory (the tests') has no file and no second process: nothing is queued.
Transactions that only read are not queued either (transaction_mode DEFERRED or None).

Its cursors also remember the queries they have put into SQLite's placeholder style: Django's
cursor rewrites every "%s" to "?" with a regular expression on each run, and the same few
hundred statements run again and again (an Open311 intake runs five).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from typing import Any

from django.db.backends.sqlite3 import base

QUEUED_MODES = frozenset({"IMMEDIATE", "EXCLUSIVE"})
# Queries kept in SQLite's style, by their text in Django's; a query built with its values
# inline is new each time, so the memory is bounded: full, it starts again.
_CONVERTED: dict[str, str] = {}
CONVERTED_KEPT = 2048


class Cursor(base.SQLiteCursorWrapper):
    """Django's cursor, converting a positional query once per text, not once per run."""

    def convert_query(self, query: str, *, param_names: Sequence[str] | None = None) -> str:
        if param_names is not None:  # named ("pyformat") parameters: rare, not kept
            return super().convert_query(query, param_names=param_names)
        converted = _CONVERTED.get(query)
        if converted is None:
            if len(_CONVERTED) >= CONVERTED_KEPT:
                _CONVERTED.clear()
            converted = _CONVERTED[query] = super().convert_query(query)
        return converted


# django-stubs leaves out the backend's private hooks overridden here (hence the ignores on
# their calls to super); each keeps Django's own signature.
class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _in_queue = False

    def queue_path(self) -> str | None:
        """The lock file of the database's writers; None for a database in memory."""
        mode = str(self.settings_dict["OPTIONS"].get("transaction_mode") or "").upper()
        if self.is_in_memory_db() or mode not in QUEUED_MODES:
            return None
        return f"{self.settings_dict['NAME']}-writers"

    def create_cursor(self, name: str | None = None) -> Cursor:
        return self.connection.cursor(factory=Cursor)  # type: ignore[no-any-return]

    def _start_transaction_under_autocommit(self) -> None:
        path = self.queue_path()
        if path is not None:
            if self._queue_fd is None:
                self._queue_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(self._queue_fd, fcntl.LOCK_EX)
            self._in_queue = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._leave_queue()
            raise

    def _leave_queue(self) -> None:
        if self._in_queue:
            self._in_queue = False
            assert self._queue_fd is not None
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._leave_queue()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._leave_queue()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._leave_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None
