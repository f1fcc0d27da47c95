"""The SQLite backend's cursor (core/sqlite/base.py): a positional query is put into SQLite's
"?" style once per text and remembered, with Django's rules ("%%" is a literal "%"); named
parameters go through Django's conversion; the memory is bounded."""

from __future__ import annotations

import pytest
from django.db import connection

from jiceng.core.sqlite import base

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend's cursor"),
]


def test_a_query_is_converted_once_and_answers_as_django_would() -> None:
    query = "SELECT %s || '%%s' || %s || ' 100%%'"
    base._CONVERTED.pop(query, None)
    with connection.cursor() as cursor:
        cursor.execute(query, ["a", "b"])
        assert cursor.fetchone() == ("a%sb 100%",)
        assert base._CONVERTED[query] == "SELECT ? || '%s' || ? || ' 100%'"
        base._CONVERTED[query] = "SELECT 'remembered', ?, ?"  # the second run reads the memory
        cursor.execute(query, ["a", "b"])
        assert cursor.fetchone() == ("remembered", "a", "b")
    del base._CONVERTED[query]


def test_named_parameters_are_converted_by_django() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %(first)s || %(second)s", {"first": "x", "second": "y"})
        assert cursor.fetchone() == ("xy",)
    assert not any("%(first)s" in q for q in base._CONVERTED)


def test_executemany_uses_the_memory_too() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE converted_rows (value TEXT)")
        query = "INSERT INTO converted_rows (value) VALUES (%s)"
        cursor.executemany(query, [["one"], ["two"]])
        assert base._CONVERTED[query] == "INSERT INTO converted_rows (value) VALUES (?)"
        cursor.execute("SELECT value FROM converted_rows ORDER BY value")
        assert cursor.fetchall() == [("one",), ("two",)]


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "CONVERTED_KEPT", 3)
    monkeypatch.setattr(base, "_CONVERTED", {})
    with connection.cursor() as cursor:
        for number in range(7):
            cursor.execute(f"SELECT {number}, %s", ["x"])
            assert cursor.fetchone() == (number, "x")
            assert len(base._CONVERTED) <= 3
