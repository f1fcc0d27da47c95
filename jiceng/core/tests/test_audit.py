"""The audit log: the chain, its refusals in the ORM and the database, purge, search, command."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from jiceng.accounts.admin import AuditRecordAdmin
from jiceng.accounts.models import Role, User
from jiceng.core import audit, audit_triggers, clock
from jiceng.core.errors import AppendOnly, InvalidInput
from jiceng.core.models import GENESIS_HASH, AuditEvent, AuditHead, AuditRecord, AuditResult
from jiceng.testing.personas import user_with

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def write(n: int = 1, **fields: Any) -> list[AuditRecord]:
    return [
        audit.record(AuditEvent.WRITE, action="test.write", detail={"n": i}, **fields)
        for i in range(n)
    ]


def written_at(when: dt.datetime, n: int = 1) -> list[AuditRecord]:
    with clock.frozen(when):
        return write(n)


def raw(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def refused_by_database(sql: str, params: list[Any]) -> bool:
    # The savepoint keeps PostgreSQL's transaction usable after the trigger's error.
    try:
        with transaction.atomic():
            raw(sql, params)
    except IntegrityError as exc:
        return "审计记录" in str(exc)
    return False


@pytest.fixture
def without_triggers() -> None:
    """Lets a test tamper with rows as someone with raw database access could. The DDL is
    rolled back with the test's transaction on both vendors."""
    audit_triggers.remove(connection)


# -- the chain ----------------------------------------------------------------------------------


def test_records_form_a_chain_that_verifies() -> None:
    first, second, third = write(3)

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    result = audit.verify()
    assert result.ok and result.checked == 3
    assert (result.last_id, result.last_hash) == (third.pk, third.hash)


def test_an_empty_log_verifies() -> None:
    assert audit.verify() == audit.VerifyResult(0)


def test_record_names_the_target_and_stores_canonical_detail(tree, secretary: User) -> None:
    at = dt.datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=clock.CHINA)
    with clock.frozen(at), audit.acting(secretary, "10.0.0.7"):
        row = audit.record(
            AuditEvent.EXPORT,
            action="members.export",
            target=tree.branch,
            detail={"rows": 12, "columns": ["姓名", "性别"]},
        )

    stored = AuditRecord.objects.get(pk=row.pk)
    assert stored.at == at
    assert (stored.user_id, stored.username, stored.ip) == (secretary.pk, "li-xiuying", "10.0.0.7")
    assert (stored.target_type, stored.target_id) == ("orgs.organization", str(tree.branch.pk))
    assert stored.detail == '{"columns":["姓名","性别"],"rows":12}'
    assert stored.result == AuditResult.SUCCESS
    assert audit.digest(stored) == stored.hash


def test_ipv6_and_mapped_addresses_hash_as_stored() -> None:
    with audit.acting(ip="2001:DB8:0:0::1"):
        write()
    write(ip="::ffff:192.0.2.1")
    write(ip="not an address")

    assert list(AuditRecord.objects.order_by("id").values_list("ip", flat=True)) == [
        "2001:db8::1",
        "::ffff:192.0.2.1",
        None,
    ]
    assert audit.verify().ok


def test_record_commits_or_rolls_back_with_the_callers_transaction() -> None:
    write()
    with pytest.raises(InvalidInput), transaction.atomic():
        write()
        raise InvalidInput("拒绝")

    assert AuditRecord.objects.count() == 1
    assert audit.verify().ok
    write()
    assert audit.verify().checked == 2


def test_the_record_outlives_the_account(nobody: User) -> None:
    (row,) = write(user=nobody)
    nobody.delete()

    assert AuditRecord.objects.get(pk=row.pk).user_id == row.user_id
    assert audit.verify().ok


# -- who and from where -------------------------------------------------------------------------


def through_middleware(request: HttpRequest) -> AuditRecord:
    made: list[AuditRecord] = []

    def view(request: HttpRequest) -> HttpResponse:
        made.extend(write())
        return HttpResponse()

    audit.AuditContextMiddleware(view)(request)
    return made[0]


def test_a_record_made_during_a_request_names_its_user_and_address(secretary: User) -> None:
    request = RequestFactory().post("/x/", REMOTE_ADDR="192.0.2.10")
    request.user = secretary

    row = through_middleware(request)

    assert (row.user_id, row.username, row.ip) == (secretary.pk, "li-xiuying", "192.0.2.10")
    # After the request, nothing is left behind for the next one on this thread.
    assert write()[0].user_id is None


def test_forwarded_for_counts_only_behind_trusted_proxies(settings: Any) -> None:
    factory = RequestFactory()
    spoofed = "6.6.6.6, 203.0.113.9"

    settings.JICENG_PROXY_COUNT = 0
    direct = factory.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=spoofed)
    assert audit.client_ip(direct) == "10.0.0.1"

    settings.JICENG_PROXY_COUNT = 1
    assert audit.client_ip(direct) == "203.0.113.9"
    settings.JICENG_PROXY_COUNT = 2
    assert audit.client_ip(direct) == "6.6.6.6"
    settings.JICENG_PROXY_COUNT = 3  # a header that did not come through every proxy
    assert audit.client_ip(direct) == "10.0.0.1"


def test_an_ipv4_client_of_the_dual_stack_server_is_its_ipv4_address() -> None:
    factory = RequestFactory()
    assert audit.client_ip(factory.get("/", REMOTE_ADDR="::ffff:192.0.2.10")) == "192.0.2.10"
    assert audit.client_ip(factory.get("/", REMOTE_ADDR="2001:DB8::1")) == "2001:db8::1"


def test_a_refused_write_is_recorded_and_a_read_is_not(secretary: User) -> None:
    factory = RequestFactory()
    post = factory.post("/orgs/7/move/", REMOTE_ADDR="10.0.0.2")
    post.user = secretary
    get = factory.get("/orgs/7/", REMOTE_ADDR="10.0.0.2")
    get.user = secretary

    row = audit.record_refusal(post, InvalidInput("不能移到自己的下级"))

    assert audit.record_refusal(get, InvalidInput("x")) is None
    assert row is not None
    assert (row.event, row.result, row.action) == (
        AuditEvent.WRITE,
        AuditResult.REFUSED,
        "POST /orgs/7/move/",
    )
    assert json.loads(row.detail) == {"message": "不能移到自己的下级"}
    assert (row.user_id, row.ip) == (secretary.pk, "10.0.0.2")


# -- refused by the ORM -------------------------------------------------------------------------


def test_the_orm_refuses_to_change_or_remove_records() -> None:
    (row,) = write()
    refusals: list[Callable[[], object]] = [
        lambda: AuditRecord.objects.update(action="x"),
        lambda: AuditRecord.objects.filter(pk=row.pk).delete(),
        lambda: AuditRecord.objects.bulk_update([row], ["action"]),
        lambda: AuditRecord.objects.bulk_create([AuditRecord(action="x")]),
        lambda: AuditRecord.objects.update_or_create(pk=row.pk, defaults={"action": "x"}),
        row.delete,
        row.save,
    ]
    for attempt in refusals:
        with pytest.raises(AppendOnly):
            attempt()

    assert AuditRecord.objects.get(pk=row.pk).action == "test.write"


# -- refused by the database --------------------------------------------------------------------


def test_the_database_refuses_raw_update_and_delete_of_a_fresh_record() -> None:
    (row,) = write()

    assert audit_triggers.installed(connection) == {
        "core_auditrecord_no_update",
        "core_auditrecord_no_young_delete",
    }
    assert refused_by_database(
        "UPDATE core_auditrecord SET action = %s WHERE id = %s", ["x", row.pk]
    )
    assert refused_by_database("DELETE FROM core_auditrecord WHERE id = %s", [row.pk])
    almost_old = timezone.now() - 179 * DAY
    (aging,) = written_at(almost_old)
    assert refused_by_database("DELETE FROM core_auditrecord WHERE id = %s", [aging.pk])
    assert AuditRecord.objects.count() == 2


def test_the_database_lets_a_record_older_than_180_days_go() -> None:
    (old,) = written_at(timezone.now() - 181 * DAY)

    assert raw("DELETE FROM core_auditrecord WHERE id = %s", [old.pk]) == 1


# -- tampering is found -------------------------------------------------------------------------


@pytest.mark.usefixtures("without_triggers")
def test_an_altered_record_is_reported_at_its_own_id() -> None:
    rows = write(5)
    raw("UPDATE core_auditrecord SET username = %s WHERE id = %s", ["mallory", rows[2].pk])

    result = audit.verify(chunk=2)

    assert (result.checked, result.broken_id) == (2, rows[2].pk)
    assert "被改动" in result.reason


@pytest.mark.usefixtures("without_triggers")
def test_a_record_rehashed_after_an_edit_breaks_the_next_link() -> None:
    rows = write(4)
    target = AuditRecord.objects.get(pk=rows[1].pk)
    target.detail = '{"n":99}'
    raw(
        "UPDATE core_auditrecord SET detail = %s, hash = %s WHERE id = %s",
        [target.detail, audit.digest(target), target.pk],
    )

    result = audit.verify()

    assert result.broken_id == rows[2].pk
    assert "不衔接" in result.reason


@pytest.mark.usefixtures("without_triggers")
def test_removed_records_are_reported_in_the_middle_and_at_the_end() -> None:
    rows = write(5)
    raw("DELETE FROM core_auditrecord WHERE id = %s", [rows[1].pk])
    assert audit.verify().broken_id == rows[2].pk

    raw("DELETE FROM core_auditrecord WHERE id >= %s", [rows[1].pk])
    result = audit.verify()
    assert (result.broken_id, result.checked) == (rows[0].pk, 1)
    assert "链尾" in result.reason

    raw("DELETE FROM core_auditrecord")
    assert not audit.verify().ok


def test_a_record_inserted_past_the_service_is_reported() -> None:
    (row,) = write()
    raw(
        "INSERT INTO core_auditrecord (at, username, event, action, target_type, target_id, "
        "result, detail, prev_hash, hash) VALUES (%s, '', 'WRITE', 'forged', '', '', "
        "'SUCCESS', '{}', %s, %s)",
        [timezone.now(), row.hash, "f" * 64],
    )
    forged = AuditRecord.objects.get(action="forged")

    result = audit.verify()

    assert (result.broken_id, result.checked) == (forged.pk, 1)
    assert "不在链中" in result.reason


# -- purge --------------------------------------------------------------------------------------


def test_purge_keeps_every_record_younger_than_180_days_whatever_it_is_asked() -> None:
    now = timezone.now()
    old = written_at(now - 400 * DAY, 3)
    older_than_floor = written_at(now - 181 * DAY, 2)
    young = written_at(now - 179 * DAY) + written_at(now - 10 * DAY) + write()

    deleted = audit.purge(before=now + 30 * DAY, by=None)

    assert deleted == len(old) + len(older_than_floor)
    remaining = list(AuditRecord.objects.order_by("id").values_list("id", flat=True))
    purge_record = AuditRecord.objects.get(event=AuditEvent.PURGE)
    assert remaining == [r.pk for r in young] + [purge_record.pk]
    detail = json.loads(purge_record.detail)
    assert detail["deleted"] == 5 and detail["anchor_id"] == older_than_floor[-1].pk
    head = AuditHead.objects.get()
    assert (head.anchor_id, head.anchor_hash) == (
        older_than_floor[-1].pk,
        older_than_floor[-1].hash,
    )
    result = audit.verify()
    assert result.ok and result.checked == len(young) + 1


def test_purge_honours_a_longer_retention_and_an_earlier_date(settings: Any) -> None:
    now = timezone.now()
    very_old = written_at(now - 800 * DAY)
    old = written_at(now - 500 * DAY)
    settings.JICENG_AUDIT_RETENTION_DAYS = 365
    written_at(now - 200 * DAY)

    assert audit.purge(before=now - 600 * DAY, by=None) == len(very_old)
    assert audit.purge(before=now, by=None) == len(old)
    assert audit.purge(before=now, by=None) == 0
    assert AuditRecord.objects.filter(event=AuditEvent.PURGE).count() == 3
    assert audit.verify().ok


def test_purge_stops_at_the_first_record_still_kept(nobody: User) -> None:
    # A record stamped out of order (a clock set back) keeps everything after it, so the
    # records left still form one chain from the anchor.
    now = timezone.now()
    first = written_at(now - 400 * DAY)
    written_at(now - 10 * DAY)
    written_at(now - 400 * DAY)

    assert audit.purge(before=now, by=nobody) == len(first)
    purge_record = AuditRecord.objects.get(event=AuditEvent.PURGE)
    assert purge_record.user_id == nobody.pk
    assert audit.verify().ok


def test_retention_below_180_days_is_refused(settings: Any) -> None:
    settings.JICENG_AUDIT_RETENTION_DAYS = 90
    with pytest.raises(ImproperlyConfigured):
        audit.purge(before=timezone.now(), by=None)


@pytest.mark.usefixtures("without_triggers")
def test_early_records_removed_without_a_purge_are_reported() -> None:
    now = timezone.now()
    written_at(now - 400 * DAY, 2)
    audit.purge(before=now, by=None)
    kept = write(3)
    # Someone removes a young record from the start and moves the anchor to cover it up.
    raw("DELETE FROM core_auditrecord WHERE id <= %s", [kept[0].pk])
    AuditHead.objects.update(anchor_id=kept[0].pk, anchor_hash=kept[0].hash)

    result = audit.verify()

    assert not result.ok and "清理记录" in result.reason


# -- search and the admin -----------------------------------------------------------------------


def test_search_by_user_event_result_time_and_target(tree, secretary: User) -> None:
    base = dt.datetime(2025, 5, 1, tzinfo=clock.CHINA)
    with clock.frozen(base):
        audit.record(AuditEvent.SIGN_IN, action="accounts.sign_in", user=secretary)
    with clock.frozen(base + DAY):
        audit.record(
            AuditEvent.SIGN_IN_FAILED,
            action="accounts.sign_in",
            username="li-xiuyin",
            result=AuditResult.FAILURE,
        )
        export = audit.record(AuditEvent.EXPORT, action="members.export", target=tree.branch)

    def found(**criteria: Any) -> set[int]:
        return set(audit.search(**criteria).values_list("id", flat=True))

    assert len(found(user_text="li-xiuyin")) == 2
    assert len(found(user_text="李秀英")) == 1
    assert found(event=AuditEvent.EXPORT) == {export.pk}
    assert len(found(result=AuditResult.FAILURE)) == 1
    assert len(found(since=base + DAY)) == 2 and len(found(until=base + DAY)) == 1
    assert found(target=f"orgs.organization:{tree.branch.pk}") == {export.pk}
    assert found(target="orgs.Organization") == {export.pk}
    assert list(audit.search()) == sorted(audit.search(), key=lambda r: -r.pk)


def test_only_the_audit_administrator_reads_the_log_and_nobody_edits_it(tree, secretary) -> None:
    from django.contrib import admin

    auditor = user_with("shenji", Role.AUDIT_ADMIN)
    model_admin = AuditRecordAdmin(AuditRecord, admin.site)
    (row,) = write()

    for user, allowed in [(auditor, True), (secretary, False)]:
        request = RequestFactory().get("/admin/core/auditrecord/")
        request.user = user
        assert model_admin.has_module_permission(request) is allowed
        assert model_admin.has_view_permission(request, row) is allowed
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, row)
        assert not model_admin.has_delete_permission(request, row)


# -- the command --------------------------------------------------------------------------------


def test_verify_command_reports_the_count_and_success() -> None:
    write(3)
    out = StringIO()

    call_command("audit", "verify", stdout=out)

    assert "已校验 3 条审计记录" in out.getvalue() and "哈希链完整" in out.getvalue()


@pytest.mark.usefixtures("without_triggers")
def test_verify_command_fails_with_the_first_broken_record() -> None:
    rows = write(3)
    raw("UPDATE core_auditrecord SET action = 'x' WHERE id = %s", [rows[1].pk])
    out = StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", stdout=out)

    assert failure.value.returncode == 1
    assert f"#{rows[1].pk}" in str(failure.value)
    assert "已校验 1 条审计记录" in out.getvalue()


def test_purge_command_clamps_to_the_retention_period() -> None:
    now = timezone.now()
    written_at(now - 400 * DAY, 2)
    written_at(now - 20 * DAY)
    out = StringIO()

    call_command("audit", "purge", "--before", (now + DAY).date().isoformat(), stdout=out)

    assert "已清理 2 条审计记录" in out.getvalue()
    purge_record = AuditRecord.objects.get(event=AuditEvent.PURGE)
    assert purge_record.username.startswith("命令行")
    assert audit.verify().ok
    with pytest.raises(CommandError):
        call_command("audit", "purge", "--before", "2025-13-01")


# -- outside a test transaction -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_keeps_the_triggers() -> None:
    write(2)

    call_command("flush", interactive=False, verbosity=0)

    assert not AuditRecord.objects.exists() and not AuditHead.objects.exists()
    assert len(audit_triggers.installed(connection)) == 2
    write()
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; the row lock matters on PostgreSQL")
    threads, each = 4, 50
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def append() -> None:
        from django.db import connection as own

        try:
            start.wait()
            write(each)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            own.close()

    workers = [threading.Thread(target=append) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    result = audit.verify()
    assert result.ok and result.checked == threads * each
    assert AuditRecord.objects.values("prev_hash").distinct().count() == threads * each
