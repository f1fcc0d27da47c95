"""One-row INSERTs for the hot writes: the SQL compiled once per process by Django's own
compiler, the row's values prepared before the write's transaction opens.

Two writes use it: case intake (`cases.services.submit_case`: the case and its events) and the
audit chain (`core.audit`: one record per audited write). On SQLite, BEGIN IMMEDIATE ... COMMIT
holds the one write lock, and compiling a 40-column INSERT cost more than running it
(bench/bench_intake.py).

The values are what the compiler would pass: each field's `pre_save` and `get_db_prep_save`.
A value whose type a column takes as it is (a str for a text column, an int for an integer
column or a foreign key to one, None for either) skips that conversion: for those the
conversion returns the value unchanged, and it was most of an intake's cost in Python. Every
other value (datetimes, JSON, bytes, files, addresses) goes through the field.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models
from django.db.models.sql import InsertQuery


def _as_is_types(field: models.Field[Any, Any]) -> tuple[type, ...]:
    """The value types `field` stores unchanged; () if every value goes through the field."""
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
        # Where each column's value is in `params`, by attribute name ("case_id").
        self.columns = {f.attname: i for i, f in enumerate(self.fields)}

    def params(self, row: models.Model) -> list[Any]:
        """The INSERT's values for `row` (a new, unsaved instance of the model)."""
        connection = connections[self.using]
        params = []
        for field, as_is in zip(self.fields, self.as_is, strict=True):
            value = getattr(row, field.attname)
            if not (type(value) in as_is or (str in as_is and isinstance(value, str))):
                value = field.get_db_prep_save(field.pre_save(row, True), connection)
            params.append(value)
        return params

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
