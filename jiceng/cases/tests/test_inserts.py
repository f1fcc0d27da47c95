"""core.inserts: the values a compiled one-row INSERT passes are the ones Django's compiler
would pass, for every column kind the hot writes use, and the row reads back the same."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, models

from jiceng.cases.models import Case, CaseEvent, EventKind
from jiceng.cases.workflow import Channel, Level, Status
from jiceng.core import clock
from jiceng.core.inserts import OneRowInsert
from jiceng.core.models import AuditEvent, AuditRecord, AuditResult
from jiceng.testing.cases_personas import case_type, subject

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)


def django_params(row: models.Model) -> list[Any]:
    fields = [f for f in row._meta.concrete_fields if not f.primary_key]
    return [f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields]


def comparable(params: list[Any]) -> list[Any]:
    """psycopg's wrappers (Binary, Jsonb) compare by identity: compare what they wrap."""
    return [(type(p), p.obj) if hasattr(p, "obj") else p for p in params]


def a_case(**changes: Any) -> Case:
    fields: dict[str, Any] = {
        "channel": Channel.OPEN311,  # a str subclass: stored as it is
        "case_type": case_type(),
        "subject": subject(),
        "deadline_class": "GENERAL",
        "description": "楼道堆放杂物",
        "lon": 118.9,
        "lat": 32.1,
        "address": "",
        "reporter_phone_sealed": b"\x00sealed\xff",  # bytes: through the field
        "reporter_phone_masked": "139****5678",
        "token_digest": "d" * 64,
        "open311_attributes": {"client": "bench", "attributes": {"case_type": "complaint"}},
        "community_id": "320113001001",  # a foreign key to a text primary key
        "street_id": "320113001000",
        "level": Level.GRID,
        "status": Status.DISPATCHED,
        "received_at": NOW,  # datetimes: through the field
        "dispatched_at": NOW,
        "accept_due_at": NOW + dt.timedelta(hours=2),
        "resolve_due_at": None,
        "reopen_count": 0,
        "is_resolved_by_reporter": None,
    }
    fields.update(changes)
    return Case(**fields)


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(lambda: a_case(), id="case"),
        pytest.param(lambda: a_case(lon=None, reopen_count=3, satisfaction=""), id="no-point"),
        pytest.param(
            lambda: CaseEvent(case_id=7, kind=EventKind.RECEIVED, at=NOW, to_status="RECEIVED"),
            id="event",
        ),
        pytest.param(
            lambda: AuditRecord(
                at=NOW,
                user_id=None,
                username="",
                ip="10.0.0.1",  # an address: through the field
                event=AuditEvent.WRITE,
                action="cases.submit_case",
                result=AuditResult.SUCCESS,
                detail="{}",
                prev_hash="",
                hash="",
            ),
            id="audit",
        ),
    ],
)
def test_the_values_are_those_of_the_compiler(row: Any) -> None:
    instance = row()
    params = OneRowInsert.of(type(instance)).params(instance)
    assert comparable(params) == comparable(django_params(instance))


def test_a_value_of_another_type_goes_through_the_field() -> None:
    """An integer column given a str, a text column given a lazy string: converted as Django
    would, not passed on as they are."""
    from django.utils.translation import gettext_lazy

    case = a_case(reopen_count="2", address=gettext_lazy("地址"))
    params = OneRowInsert.of(Case).params(case)
    insert = OneRowInsert.of(Case)
    assert params[insert.columns["reopen_count"]] == 2
    assert type(params[insert.columns["address"]]) is str
    assert comparable(params) == comparable(django_params(case))


def test_the_row_reads_back_as_written() -> None:
    insert = OneRowInsert.of(Case, returning=True)
    case = a_case()
    pk = insert.run(insert.params(case))
    stored = Case.objects.get(pk=pk)
    assert (stored.channel, stored.status, stored.received_at) == ("OPEN311", "DISPATCHED", NOW)
    assert stored.reporter_phone_sealed is not None
    assert bytes(stored.reporter_phone_sealed) == b"\x00sealed\xff"
    assert stored.open311_attributes == case.open311_attributes
    assert (stored.community_id, stored.resolve_due_at) == ("320113001001", None)


def test_values_without_an_instance_are_those_of_the_instance() -> None:
    insert = OneRowInsert.of(CaseEvent)
    columns = {"case_id": 7, "kind": EventKind.DISPATCHED, "at": NOW, "unit": "网格"}
    from_instance = insert.params(CaseEvent(**columns))  # the others at their defaults
    assert comparable(insert.values(**columns)) == comparable(from_instance)
    assert from_instance[insert.columns["at"]] == django_params(CaseEvent(**columns))[2]
    with pytest.raises(AssertionError, match="no column"):
        insert.values(case_id=7, colour="red")
    with pytest.raises(AssertionError, match="compute their value"):
        OneRowInsert.of(Case).values(description="x")  # its photo is a file


def test_several_rows_in_one_run() -> None:
    case_pk = OneRowInsert.of(Case, returning=True).run(OneRowInsert.of(Case).params(a_case()))
    insert = OneRowInsert.of(CaseEvent)
    insert.run_many(
        [
            insert.values(case_id=case_pk, kind=EventKind.RECEIVED, at=NOW),
            insert.values(case_id=case_pk, kind=EventKind.DISPATCHED, at=NOW, unit="网格"),
        ]
    )
    stored = CaseEvent.objects.filter(case_id=case_pk).order_by("pk")
    assert [(e.kind, e.unit, e.at) for e in stored] == [
        ("RECEIVED", "", NOW),
        ("DISPATCHED", "网格", NOW),
    ]


def test_an_instant_written_again_is_adapted_as_the_backend_adapts_it() -> None:
    """core.inserts.adapt_datetime remembers the last adapted instants: the answer is the
    backend's for the same instant in any zone, and a new instant gets its own."""
    from jiceng.core import inserts

    inserts._ADAPTED.clear()
    same_instant = NOW.astimezone(dt.UTC)
    first = inserts.adapt_datetime(connection, NOW)
    assert first == connection.ops.adapt_datetimefield_value(NOW)
    assert inserts.adapt_datetime(connection, same_instant) is first
    later = NOW + dt.timedelta(microseconds=1)
    assert inserts.adapt_datetime(connection, later) == connection.ops.adapt_datetimefield_value(
        later
    )
    for minutes in range(40):  # bounded
        inserts.adapt_datetime(connection, NOW + dt.timedelta(minutes=minutes))
    assert len(inserts._ADAPTED) <= inserts._ADAPTED_KEPT
