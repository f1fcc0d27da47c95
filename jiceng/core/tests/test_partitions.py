"""Monthly partitions on PostgreSQL (core.partitions): rows land in their month, the upkeep job
makes the coming months and drops the old ones, the audit chain verifies across months and
after a purge dropped some, a month's query reads one partition. SQLite keeps plain tables."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.utils import timezone

from jiceng.accounts.models import User
from jiceng.cases.models import Case, CaseEvent, Notice
from jiceng.core import audit, audit_triggers, clock, partitions
from jiceng.core.models import AuditEvent, AuditHead, AuditRecord
from jiceng.orglife.models import Attendance, Meeting

pytestmark = pytest.mark.django_db

CHINA = clock.CHINA


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")


def fetch(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def partition_of(table: str, pk: int) -> str:
    return str(fetch(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])[0][0])


def partitions_of(table: str) -> set[str]:
    rows = fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass",
        [table],
    )
    return {row[0] for row in rows}


def make_months(table: str, *months: int) -> None:
    with connection.cursor() as cursor:
        for month in months:
            partitions.create_month(cursor, partitions.table(table), month)


def written_at(when: dt.datetime, n: int = 1) -> list[AuditRecord]:
    with clock.frozen(when):
        return [
            audit.record(AuditEvent.WRITE, action="test.write", detail={"n": i}) for i in range(n)
        ]


# -- on both databases: what makes a table partitionable ------------------------------------


def model_of(table: str) -> type[models.Model]:
    return next(m for m in apps.get_models() if m._meta.db_table == table)


def test_nothing_references_a_partitioned_table_and_its_unique_keys_hold_the_month() -> None:
    # A foreign key needs `id` unique on its own, which a partitioned table cannot promise;
    # a unique key without the partition column cannot be built on one.
    for spec in partitions.TABLES:
        model = model_of(spec.table)
        inbound = [
            f"{other._meta.label}.{field.name}"
            for other in apps.get_models()
            for field in other._meta.get_fields()
            if field.is_relation and field.concrete and field.related_model is model
        ]
        assert inbound == [], spec.table
        field = model._meta.get_field(spec.column)
        assert isinstance(field, models.Field)
        column = field.column
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                assert column in constraint.fields, constraint.name
        assert not any(f.unique and not f.primary_key for f in model._meta.concrete_fields), (
            spec.table
        )


def test_tables_left_plain_are_the_ones_something_would_break() -> None:
    referenced = {"orglife_notice", "dues_payment"}
    for table in referenced:
        model = model_of(table)
        assert any(
            field.related_model is model
            for other in apps.get_models()
            for field in other._meta.get_fields()
            if field.is_relation and field.concrete
        ), table
    assert set(partitions.SKIPPED) >= referenced
    assert not set(partitions.SKIPPED) & {t.table for t in partitions.TABLES}


def test_months_count_in_china_time() -> None:
    assert partitions.month_of(dt.datetime(2025, 5, 31, 16, 30, tzinfo=dt.UTC)) == 202506
    assert partitions.add_months(202512, 1) == 202601
    assert partitions.add_months(202601, -13) == 202412
    assert partitions.month_start(202602) == dt.datetime(2026, 2, 1, tzinfo=CHINA)


def test_upkeep_does_nothing_on_sqlite() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert partitions.maintain() == partitions.Upkeep([], {})


# -- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("postgres")
def test_each_table_is_partitioned_with_this_month_and_a_default() -> None:
    this_month = partitions.month_of(timezone.now())
    for spec in partitions.TABLES:
        names = partitions_of(spec.table)
        assert f"{spec.table}_default" in names
        assert f"{spec.table}_p{this_month}" in names
        primary_key = fetch(
            "SELECT a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
            "WHERE c.conrelid = %s::regclass AND c.contype = 'p' ORDER BY a.attname",
            [spec.table],
        )
        assert sorted(row[0] for row in primary_key) == sorted(["id", spec.column])
    assert audit_triggers.installed(connection) == {
        "core_auditrecord_no_update",
        "core_auditrecord_no_young_delete",
    }


@pytest.mark.usefixtures("postgres")
def test_rows_land_in_their_month_of_china_time(
    submit_case: Callable[..., Case], theme_day: Meeting, secretary: User
) -> None:
    partitions.maintain(today=dt.datetime(2025, 5, 1, tzinfo=CHINA))
    late_may = written_at(dt.datetime(2025, 5, 31, 23, 30, tzinfo=CHINA))[0]
    early_june = written_at(dt.datetime(2025, 6, 1, 0, 10, tzinfo=CHINA))[0]
    assert partition_of("core_auditrecord", late_may.pk) == "core_auditrecord_p202505"
    assert partition_of("core_auditrecord", early_june.pk) == "core_auditrecord_p202506"

    with clock.frozen(dt.datetime(2025, 6, 3, 9, 0, tzinfo=CHINA)):
        case = submit_case()
    event = CaseEvent.objects.filter(case=case).first()
    assert event is not None
    assert partition_of("cases_caseevent", event.pk) == "cases_caseevent_p202506"
    notice = Notice.objects.create(
        user=secretary,
        case=case,
        text="新诉求",
        created_at=dt.datetime(2025, 7, 2, tzinfo=CHINA),
    )
    assert partition_of("cases_notice", notice.pk) == "cases_notice_p202507"

    attendance = Attendance.objects.filter(meeting=theme_day).first()
    assert attendance is not None and attendance.month == 202505
    assert partition_of("orglife_attendance", attendance.pk) == "orglife_attendance_p202505"
    # Updated and read by its id alone, as the ORM does: the key (id, month) finds it.
    attendance.status = "IN_PERSON"
    attendance.save(update_fields=["status"])
    assert Attendance.objects.get(pk=attendance.pk).status == "IN_PERSON"

    # A month no partition covers yet goes to the default, never fails.
    far = written_at(dt.datetime(2040, 1, 1, tzinfo=CHINA))[0]
    assert partition_of("core_auditrecord", far.pk) == "core_auditrecord_default"


@pytest.mark.usefixtures("postgres")
def test_upkeep_makes_months_ahead_and_drops_those_past_retention(settings: Any) -> None:
    settings.JICENG_CASE_NOTICE_RETENTION_MONTHS = 2
    settings.JICENG_CASE_EVENT_RETENTION_MONTHS = 0
    upkeep = partitions.maintain(today=dt.datetime(2030, 3, 10, tzinfo=CHINA))
    for table in ("cases_caseevent", "cases_notice", "orglife_attendance", "core_auditrecord"):
        for month in (203003, 203004, 203005, 203006):
            assert f"{table}_p{month}" in upkeep.created
            assert f"{table}_p{month}" in partitions_of(table)
    # The months this database was made with (today's) are far before: only notices go.
    assert upkeep.dropped and all(
        name.startswith("cases_notice_p") and int(name[-6:]) < 203001 for name in upkeep.dropped
    )
    written_at(dt.datetime(2030, 3, 15, tzinfo=CHINA))

    # Run twice on the same day: nothing more to do.
    assert partitions.maintain(today=dt.datetime(2030, 3, 10, tzinfo=CHINA)) == (
        partitions.Upkeep([], {})
    )

    later = partitions.maintain(today=dt.datetime(2030, 8, 1, tzinfo=CHINA))
    # Two months kept before August: June and July stay, March to May go.
    assert set(later.dropped) == {
        "cases_notice_p203003",
        "cases_notice_p203004",
        "cases_notice_p203005",
    }
    names = partitions_of("cases_notice")
    assert "cases_notice_p203006" in names and "cases_notice_p203005" not in names
    # Kept for ever (0), and the audit log's months never go by this job.
    assert "cases_caseevent_p203003" in partitions_of("cases_caseevent")
    assert "core_auditrecord_p203003" in partitions_of("core_auditrecord")
    assert audit.verify().ok


@pytest.mark.usefixtures("postgres")
def test_a_month_the_default_took_moves_into_its_partition_and_stays_protected() -> None:
    stranded = written_at(dt.datetime(2041, 2, 14, tzinfo=CHINA), 2)
    assert partition_of("core_auditrecord", stranded[0].pk) == "core_auditrecord_default"

    upkeep = partitions.maintain()

    assert "core_auditrecord_p204102" in upkeep.created

    assert {partition_of("core_auditrecord", r.pk) for r in stranded} == {
        "core_auditrecord_p204102"
    }
    assert fetch("SELECT count(*) FROM core_auditrecord_default") == [(0,)]
    assert audit.verify().ok
    # The default partition, detached and attached again, still refuses an update.
    for table in ("core_auditrecord_p204102", "core_auditrecord_default"):
        triggers = fetch(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        assert {"core_auditrecord_no_update"} <= {row[0] for row in triggers}


@pytest.mark.usefixtures("postgres")
def test_the_audit_chain_verifies_across_months_and_after_a_purge_drops_them() -> None:
    now = timezone.now()
    this_month = partitions.month_of(now)
    old, older = partitions.add_months(this_month, -13), partitions.add_months(this_month, -14)
    make_months("core_auditrecord", older, old, partitions.add_months(this_month, -1))
    first = written_at(partitions.month_start(older) + dt.timedelta(days=3), 3)
    second = written_at(partitions.month_start(old) + dt.timedelta(days=3), 2)
    recent = written_at(now - dt.timedelta(days=20), 2)
    months_used = {partition_of("core_auditrecord", r.pk) for r in first + second + recent}
    assert len(months_used) == 3
    assert audit.verify().ok

    deleted = audit.purge(before=now, by=None)

    assert deleted == len(first) + len(second)
    names = partitions_of("core_auditrecord")
    assert f"core_auditrecord_p{older}" not in names and f"core_auditrecord_p{old}" not in names
    head = AuditHead.objects.get()
    assert (head.anchor_id, head.anchor_hash) == (second[-1].pk, second[-1].hash)
    result = audit.verify()
    assert result.ok, result.reason
    assert result.checked == len(recent) + 1  # and the PURGE record


@pytest.mark.usefixtures("postgres")
def test_a_month_dropped_by_hand_breaks_the_chain() -> None:
    now = timezone.now()
    this_month = partitions.month_of(now)
    months = [partitions.add_months(this_month, n) for n in (-15, -14)]
    make_months("core_auditrecord", *months)
    written_at(partitions.month_start(months[0]) + dt.timedelta(days=1))
    gone = written_at(partitions.month_start(months[1]) + dt.timedelta(days=1))[0]
    after = written_at(now)[0]

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE core_auditrecord_p{months[1]}")

    result = audit.verify()
    assert not result.ok and result.broken_id == after.pk
    assert gone.pk < after.pk


@pytest.mark.usefixtures("postgres")
def test_a_query_by_month_reads_one_partition(theme_day: Meeting) -> None:
    partitions.maintain(today=dt.datetime(2025, 4, 1, tzinfo=CHINA))
    start = partitions.month_start(202505)
    plans = {
        "cases_caseevent": CaseEvent.objects.filter(
            at__gte=start, at__lt=partitions.month_start(202506)
        ).explain(),
        "core_auditrecord": AuditRecord.objects.filter(
            at__gte=start, at__lt=partitions.month_start(202506)
        ).explain(),
        "orglife_attendance": Attendance.objects.filter(month=202505).explain(),
    }
    for table, plan in plans.items():
        read = set(re.findall(rf" on ({table}_\w+)", plan))
        assert read == {f"{table}_p202505"}, plan


@pytest.mark.usefixtures("postgres")
def test_the_conversion_goes_back_and_forth_keeping_rows_and_ids(
    submit_case: Callable[..., Case], secretary: User
) -> None:
    case = submit_case()
    user = secretary
    kept = [
        Notice.objects.create(user=user, case=case, text=f"提醒 {n}", created_at=when)
        for n, when in enumerate(
            [dt.datetime(2024, 1, 5, tzinfo=CHINA), dt.datetime(2024, 9, 5, tzinfo=CHINA)]
        )
    ]

    partitions.unpartition(connection, "cases_notice")
    with connection.cursor() as cursor:
        assert not partitions.is_partitioned(cursor, "cases_notice")
    assert set(Notice.objects.values_list("pk", flat=True)) >= {n.pk for n in kept}
    plain = Notice.objects.create(user=user, case=case, text="普通表", created_at=timezone.now())
    assert plain.pk > kept[-1].pk

    partitions.partition(connection, "cases_notice")

    assert {"cases_notice_p202401", "cases_notice_p202409"} <= partitions_of("cases_notice")
    assert partition_of("cases_notice", kept[0].pk) == "cases_notice_p202401"
    again = Notice.objects.create(user=user, case=case, text="分区表", created_at=timezone.now())
    assert again.pk > plain.pk
    assert Notice.objects.filter(pk__in=[n.pk for n in kept]).count() == 2


def test_the_command_says_what_it_did() -> None:
    out = StringIO()
    call_command("partitions", stdout=out)
    if connection.vendor != "postgresql":
        assert "SQLite 不分区" in out.getvalue()
        return
    assert "分区已齐备" in out.getvalue()  # the migration made this month and the next three
    written_at(dt.datetime(2042, 7, 1, tzinfo=CHINA))
    out = StringIO()
    call_command("partitions", stdout=out)
    assert "新建分区 core_auditrecord_p204207" in out.getvalue()
