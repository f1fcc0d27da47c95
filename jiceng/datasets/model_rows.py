"""Model instances made by an app's own seeding, written through the bulk writer.

Some apps seed with model instances (taskforces.seeding builds its sites, shifts and
assignments as objects) and let the caller say how they are written. For the scale seed this
writes them as rows of plain values: ids handed out here and set on the objects, timestamps
converted once per distinct value (a week of shifts has 21 distinct start times, not thousands),
dates as ISO text. Django's bulk_create spends most of its time preparing each value of each
row (get_db_prep_save, timezone conversion), several times the insert itself.

Only for models whose fields are plain (characters, numbers, booleans, dates, timestamps,
foreign keys): anything else is refused when the writer is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum
from typing import Any

from django.db import connection, models

from .writer import BulkWriter, Table

PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def _next_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


class ModelRows:
    """`save(objects)` for the models given; use inside `with rows.writing(): ...`."""

    def __init__(self, model_list: Sequence[type[models.Model]]) -> None:
        self.tables: dict[str, Table] = {}
        self.fields: dict[str, list[tuple[str, str]]] = {}
        for model in model_list:
            fields = list(model._meta.concrete_fields)
            kinds = [(str(f.attname), f.get_internal_type()) for f in fields]
            odd = [name for name, kind in kinds if kind not in PLAIN]
            if odd:
                raise ValueError(f"{model._meta.label}: not plain fields {odd}")
            label = model._meta.label
            self.tables[label] = Table.of(model, [str(f.column) for f in fields])
            self.fields[label] = kinds
        self.next_ids: dict[str, int] = {}
        self.stamps: dict[dt.datetime, Any] = {}
        self.writer: BulkWriter | None = None
        self.rows = 0

    def writing(self) -> BulkWriter:
        """The writer to enter around the seeding (one transaction, one pass of sequences)."""
        self.writer = BulkWriter(self.tables, defer_indexes=False)
        return self.writer

    def stamp(self, value: dt.datetime) -> Any:
        found = self.stamps.get(value)
        if found is None:
            found = self.stamps[value] = connection.ops.adapt_datetimefield_value(value)
        return found

    def __call__(self, objects: Sequence[models.Model]) -> None:
        if not objects:
            return
        if self.writer is None:
            raise RuntimeError("ModelRows used outside its writer")
        label = objects[0]._meta.label
        if label not in self.next_ids:
            self.next_ids[label] = _next_id(type(objects[0]))
        fields = self.fields[label]
        stamp = self.stamp
        next_id = self.next_ids[label]
        rows = []
        for obj in objects:
            obj.pk = next_id
            next_id += 1
            obj._state.adding = False
            obj._state.db = connection.alias
            row = []
            for name, kind in fields:
                value = getattr(obj, name)
                if value is not None:
                    if kind == "DateTimeField":
                        value = stamp(value)
                    elif kind == "DateField":
                        value = value.isoformat()
                    elif isinstance(value, Enum):  # a TextChoices member: its value
                        value = value.value
                row.append(value)
            rows.append(tuple(row))
        self.next_ids[label] = next_id
        self.writer.write(label, rows)
        self.rows += len(rows)
