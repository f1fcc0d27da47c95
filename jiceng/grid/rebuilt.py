"""A structure each process builds from the database and keeps while the rows it was built
from are unchanged: the grid index (routing) and the address book (gazetteer). The version
row is read at most every JICENG_GRID_RECHECK_SECONDS; one thread rebuilds while the others
wait for it, and a change in this process (`invalidate`) makes the next call read again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings

T = TypeVar("T")
V = TypeVar("V")


class Rebuilt(Generic[T, V]):
    def __init__(self, *, version: Callable[[], V], build: Callable[[V], T]) -> None:
        self._version = version
        self._build = build
        self._lock = threading.Lock()
        self.value: T | None = None
        self._built: V | None = None  # the version `value` was built from
        self._next_check = 0.0

    def get(self) -> T:
        """The built structure: the kept one unless the rows changed since it was built."""
        value = self.value
        if value is not None and time.monotonic() < self._next_check:
            return value
        with self._lock:
            version = self._version()
            if self.value is None or self._built != version:
                self.value, self._built = self._build(version), version
            self._next_check = time.monotonic() + settings.JICENG_GRID_RECHECK_SECONDS
            return self.value

    def invalidate(self) -> None:
        """Read the version again at the next call."""
        self._next_check = 0.0

    def forget(self) -> None:
        """Build anew at the next call (a setting read at build time has changed)."""
        self.value = None
        self._next_check = 0.0
