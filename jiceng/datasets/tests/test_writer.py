"""The bulk writer's values arrive as the generators give them (dates and timestamps as text),
on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jiceng.core import clock
from jiceng.datasets import seeding
from jiceng.datasets.writer import BulkWriter, close_formatting, format_rows
from jiceng.members.models import Gender, Member
from jiceng.orgs.models import Organization, OrgKind

pytestmark = pytest.mark.django_db


def test_dates_and_timestamps_given_as_text_arrive_as_they_were_meant() -> None:
    """The generators hand dates and timestamps over as text (national.PackedCounty): the
    database reads them as its own (COPY's text format on PostgreSQL), and a timestamp's
    offset keeps its instant."""
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


def test_rows_formatted_elsewhere_arrive_as_the_rows_themselves() -> None:
    """A seed's worker formats PostgreSQL's rows as binary COPY (writer.format_rows), from rows
    of Python values, and the writer sends them on: what arrives is what the rows say, text
    that text COPY would escape (tab, newline, backslash), bytes, dates and the stamp included,
    with the table's defaults added, each column as its own type (int4, int8, int2, bool)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes rows, not COPY")
    stamp = dt.datetime(2026, 12, 5, 9, tzinfo=clock.CHINA)
    tables = seeding.tables()
    organization = (9002, "0002", 1, 0, "一\t二\n三\\四", OrgKind.BRANCH.value, "",
                    dt.date(1999, 10, 1), None, 2, 1, 2, 1, 1, None)  # fmt: skip
    members = [
        (7002 + i, name, Gender.MALE.value, "汉族", dt.date(1970, 1, 1), sealed,
         b"\0\\\t\n" + bytes([i]), "1101**********0011", None, None, "", "", "WORKER",
         dt.date(1990, 7, 1), full_on, "FULL", mobile, place, stamp, stamp, 9002, None, None)
        for i, (name, sealed, mobile, place, full_on) in enumerate([
            ("王\\五", bytes(range(256)), True, "广东省\t深圳市", dt.date(1991, 7, 1)),
            ("赵六", b"", False, "", None),
        ])
    ]  # fmt: skip
    try:
        with BulkWriter(tables, defer_indexes=False) as writer:
            writer.write_formatted(
                "organizations", format_rows(tables["organizations"], [organization]), 1
            )
            writer.write_formatted("members", format_rows(tables["members"], members), 2)
            assert writer.rows_written == 3
    finally:
        close_formatting()
    found_org = Organization.objects.get(pk=9002)
    assert (found_org.name, found_org.founded_on) == ("一\t二\n三\\四", dt.date(1999, 10, 1))
    found = {m.pk: m for m in Member.objects.filter(pk__in=[7002, 7003])}
    for row in members:
        member = found[row[0]]
        assert member.name == row[1]
        assert (member.birth_date, member.joined_on) == (row[4], row[13])
        assert member.full_member_on == row[14]
        assert bytes(member.id_number_sealed) == row[5]
        assert bytes(member.id_number_digest) == row[6]
        assert (member.is_mobile, member.work_place) == (row[16], row[17])
        assert member.created_at == stamp
        assert member.probation_extended_months == 0  # the default the rows leave out
