"""The bulk writer's values arrive as the generators give them, on both databases; on
PostgreSQL, the tables of plain types are copied in COPY's binary format."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jiceng.core import clock
from jiceng.datasets import seeding, writer
from jiceng.datasets.writer import BulkWriter, CopyPlan, Parsed, Table
from jiceng.members.models import Gender, Member
from jiceng.orglife.models import Minutes
from jiceng.orgs.models import Organization, OrgKind

pytestmark = pytest.mark.django_db


def test_text_values_are_parsed_once_each_and_others_pass() -> None:
    calls: list[str] = []

    def parse(text: str) -> dt.date:
        calls.append(text)
        return dt.date.fromisoformat(text)

    parsed = Parsed(parse)
    day = dt.date(2021, 7, 1)
    assert [parsed[v] for v in ("2021-07-01", "2021-07-01", None, day)] == [day, day, None, day]
    assert calls == ["2021-07-01"]


def test_parsed_values_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "PARSED_KEPT", 3)
    parsed = Parsed(dt.date.fromisoformat)
    for day in range(1, 8):
        assert parsed[f"2021-07-0{day}"] == dt.date(2021, 7, day)
        assert len(parsed) <= 3


def test_dates_and_timestamps_given_as_text_arrive_as_they_were_meant() -> None:
    """The generators hand dates and timestamps over as text (national.PackedCounty); on
    PostgreSQL the binary COPY parses them, and a timestamp's offset keeps its instant."""
    stamp = dt.datetime(2026, 12, 4, 9, tzinfo=clock.CHINA)
    text = str(connection.ops.adapt_datetimefield_value(stamp))
    tables = seeding.tables()
    organization = (9001, "0001", 1, 0, "测试支部", OrgKind.BRANCH.value, "", "1999-10-01", None,
                    1, 0, 1, 1, 1, None)  # fmt: skip
    member = (
        7001, "李四", Gender.FEMALE.value, "汉族", "1980-02-29", b"\x01sealed", b"digest-7001",
        "1101**********001X", None, None, "", "", "WORKER", "2001-07-01", None, "PROBATIONARY",
        False, "", text, text, 9001, None, None,
    )  # fmt: skip
    with BulkWriter(tables, defer_indexes=False) as writer:
        writer.write("organizations", [organization])
        writer.write("members", [member])
    found = Organization.objects.get(pk=9001)
    assert (found.name, found.path, found.founded_on) == ("测试支部", "0001", dt.date(1999, 10, 1))
    person = Member.objects.get(pk=7001)
    assert (person.birth_date, person.joined_on) == (dt.date(1980, 2, 29), dt.date(2001, 7, 1))
    assert person.full_member_on is None and person.phone_sealed is None
    assert person.created_at == stamp and person.updated_at == stamp
    assert bytes(person.id_number_sealed) == b"\x01sealed"
    assert (person.name, person.organization_id, person.is_mobile) == ("李四", 9001, False)


def test_postgresql_copies_plain_tables_in_binary_and_json_as_text() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite is written by executemany")
    with connection.cursor() as cursor:
        members = CopyPlan.of(cursor, seeding.tables()["members"])
        minutes = CopyPlan.of(cursor, Table(Minutes, ("id", "body"), (), ()))
    assert members.binary
    assert len(members.types) == len(seeding.tables()["members"].all_columns)
    parsed = {seeding.tables()["members"].all_columns[i] for i, _ in members.parsed}
    assert parsed == {"birth_date", "joined_on", "full_member_on", "created_at", "updated_at"}
    assert not minutes.binary  # a str for jsonb would be stored as a JSON string
