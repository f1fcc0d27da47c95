"""A paginator that counts so far and no further.

A list of a nation's rows (the committees due for election under the root: about a million at
scale 1) would spend seconds on COUNT(*) before showing its first twenty. CountedTo counts at
most `cap` + 1 rows (a LIMIT the database stops at), offers the pages that hold them, and tells
the template whether there are more (`more`), so that it can say "超过999个".
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CountedTo(Paginator[Any]):
    def __init__(self, rows: QuerySet[Any], per_page: int, *, cap: int) -> None:
        super().__init__(rows, per_page)
        self.rows = rows
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.rows[: self.cap + 1].count()

    @property
    def more(self) -> bool:
        """More rows than the cap: the last page offered is not the last row."""
        return self.count > self.cap
