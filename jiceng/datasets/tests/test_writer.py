"""The bulk writer's values arrive as the generators give them (dates and timestamps as text),
on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jiceng.core import clock
from jiceng.datasets import seeding
from jiceng.datasets.writer import BulkWriter
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
