"""One-row INSERTs for the hot writes: the SQL compiled once per process by Django's own
compiler, the row's values prepared before the write's transaction opens.

Two writes use it: case intake (`cases.intake.submit_case`: the case and its events) and the
audit chain (`core.audit`: one record per audited write). On SQLite, BEGIN IMMEDIATE ... COMMIT
holds the one write lock, and compiling a 40-column INSERT cost more than running it
(bench/bench_intake.py).

The values are what the compiler would pass: each field's `pre_save` and `get_db_prep_save`.
A value whose type a column takes as it is (a str for a text column, an int for an integer
column or a foreign key to one, None for either) skips that conversion: for those the
conversion returns the value unchanged, and it was most of an intake's cost in Python; an aware
datetime goes straight to the backend's adapter, as the field would send it. Every other value
(JSON, bytes, files, addresses, a naive datetime) goes through the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql import InsertQuery


def _plain_pre_save(field: models.Field[Any, Any]) -> bool:
    """Whether `field.pre_save` only reads the attribute (not auto_now, not a file)."""
    if isinstance(field, models.DateField) and type(field).pre_save in (
        models.DateField.pre_save,
        models.DateTimeField.pre_save,
    ):
        return not (field.auto_now or field.auto_now_add)
    return type(field).pre_save is models.Field.pre_save


def _is_datetime(field: models.Field[Any, Any]) -> bool:
    """A DateTimeField whose aware values the backend adapts directly (USE_TZ)."""
    return type(field) is models.DateTimeField and _plain_pre_save(field) and settings.USE_TZ


def _as_is_types(field: models.Field[Any, Any]) -> tuple[type, ...]:
    """The value types `field` stores unchanged; () if every value goes through the field."""
    if _is_datetime(field):
        return (type(None),) if field.null else ()
    if type(field).pre_save is not models.Field.pre_save:
        return ()  # auto_now, files: pre_save computes the value
    if isinstance(field, models.ForeignKey):
        return (*_as_is_types(field.target_field), type(None))
    kind = type(field)
    if kind in (models.CharField, models.TextField):
        types: tuple[type, ...] = (str,)  # and its subclasses, as Field.to_python keeps them
    elif kind is models.FloatField:
        types = (float,)
    elif kind is models.BooleanField:
        types = (bool,)
    elif isinstance(field, models.fields.AutoFieldMixin) or (
        isinstance(field, models.IntegerField)
        and kind.get_prep_value is models.IntegerField.get_prep_value
        and kind.get_db_prep_value is models.Field.get_db_prep_value
    ):
        types = (int,)
    else:
        return ()
    return (*types, type(None)) if field.null or field.primary_key else types


# The backend's form of the aware datetimes last written, by database alias: an intake writes
# the same instant five times (the case received and dispatched, its two events, the notice),
# and on SQLite each adaptation (to UTC, then to text) costs some microseconds.
_ADAPTED: dict[tuple[str, dt.datetime], Any] = {}
_ADAPTED_KEPT = 16


def adapt_datetime(connection: BaseDatabaseWrapper, value: dt.datetime) -> Any:
    """`connection.ops.adapt_datetimefield_value(value)` for an aware datetime, remembered."""
    key = (connection.alias, value)
    adapted = _ADAPTED.get(key)
    if adapted is None:
        if len(_ADAPTED) >= _ADAPTED_KEPT:
            _ADAPTED.clear()
        adapted = _ADAPTED[key] = connection.ops.adapt_datetimefield_value(value)
    return adapted


class OneRowInsert:
    """The INSERT of one row of `model` (every concrete column but the primary key). Take it
    with `OneRowInsert.of(...)`: it is compiled once per process, model and database."""

    _compiled: dict[tuple[type[models.Model], bool, str], OneRowInsert] = {}

    @classmethod
    def of(
        cls, model: type[models.Model], *, returning: bool = False, using: str = "default"
    ) -> OneRowInsert:
        key = (model, returning, connections[using].vendor)
        if key not in cls._compiled:
            cls._compiled[key] = cls(model, returning=returning, using=using)
        return cls._compiled[key]

    def __init__(self, model: type[models.Model], *, returning: bool, using: str) -> None:
        self.model, self.returning, self.using = model, returning, using
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        query = InsertQuery(model)
        query.insert_values(self.fields, [model()])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = [model._meta.pk] if returning else None
        [(self.sql, _)] = compiler.as_sql()
        # Plain values only: an expression would have compiled to its own SQL, not a "%s".
        assert self.sql.count("%s") == len(self.fields), "the INSERT has no place for a value"
        self.as_is = [_as_is_types(f) for f in self.fields]
        self.datetimes = [_is_datetime(f) for f in self.fields]
        self.plain = all(_plain_pre_save(f) for f in self.fields)
        # Where each column's value is in `params`, by attribute name ("case_id").
        self.columns = {f.attname: i for i, f in enumerate(self.fields)}

    def params(self, row: models.Model) -> list[Any]:
        """The INSERT's values for `row` (a new, unsaved instance of the model)."""
        connection = connections[self.using]  # once a row, not once a value
        return [
            self._prepared(i, getattr(row, field.attname), connection, row)
            for i, field in enumerate(self.fields)
        ]

    def values(self, **columns: Any) -> list[Any]:
        """The INSERT's values for a row of these columns (by attribute name: "case_id"), the
        others at their field's default, without making a model instance. Only for a model
        whose fields compute nothing when saved (no auto_now, no files)."""
        assert self.plain, f"{self.model.__name__} has fields that compute their value on save"
        unknown = columns.keys() - self.columns.keys()
        assert not unknown, f"{self.model.__name__} has no column {unknown}"
        connection = connections[self.using]
        return [
            self._prepared(
                i, columns[f.attname] if f.attname in columns else f.get_default(), connection
            )
            for i, f in enumerate(self.fields)
        ]

    def _prepared(
        self, i: int, value: Any, connection: BaseDatabaseWrapper, row: models.Model | None = None
    ) -> Any:
        as_is = self.as_is[i]
        if type(value) in as_is or (str in as_is and isinstance(value, str)):
            return value
        if self.datetimes[i] and type(value) is dt.datetime and value.tzinfo is not None:
            return adapt_datetime(connection, value)
        field = self.fields[i]
        if row is not None:
            value = field.pre_save(row, True)
        return field.get_db_prep_save(value, connection)

    def run_many(self, rows: list[list[Any]]) -> None:
        """Inserts several rows in one statement run (executemany); no keys returned."""
        with connections[self.using].cursor() as cursor:
            cursor.executemany(self.sql, rows)

    def run(self, params: list[Any]) -> Any:
        """Inserts the row; its primary key if `returning`, else None."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            if not self.returning:
                return None
            if connection.features.can_return_columns_from_insert:  # INSERT ... RETURNING
                return cursor.fetchone()[0]
            table, pk = self.model._meta.db_table, self.model._meta.pk
            assert pk is not None and pk.column is not None
            return connection.ops.last_insert_id(cursor, table, pk.column)
