"""The audit chain against someone who can write the database but has neither the key nor the
checkpoint directory: they drop the triggers, then rewrite, cut or empty the log and rebuild
the chain and its head as the code would, and `verify` still finds it."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from jiceng.core import audit, audit_checkpoints, audit_triggers, clock
from jiceng.core.models import GENESIS_HASH, AuditEvent, AuditHead, AuditRecord

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def write(n: int = 1) -> list[AuditRecord]:
    return [audit.record(AuditEvent.WRITE, action="test.write", detail={"n": i}) for i in range(n)]


def raw(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


@pytest.fixture
def without_triggers() -> None:
    """Raw database access, as the attacker has; rolled back with the test's transaction."""
    audit_triggers.remove(connection)


def unkeyed_hash(prev_hash: str, row: AuditRecord) -> str:
    """The chain's hash as the code computed it before keying: plain SM3, which anyone can
    compute from the table alone."""
    at = row.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = ["v1", at, row.user_id, row.username, row.ip, row.event, row.action]
    fields += [row.target_type, row.target_id, row.result, row.detail]
    hasher = hashes.Hash(hashes.SM3())
    hasher.update(
        (prev_hash + json.dumps(fields, ensure_ascii=False, separators=(",", ":"))).encode()
    )
    return hasher.finalize().hex()


def rebuild_chain_without_the_key(*, plain_last_id: bool = False) -> None:
    """The attacker recomputes every hash and the head, as the unkeyed chain allowed."""
    head = AuditHead.objects.get(pk=1)
    prev = head.anchor_hash
    rows = list(AuditRecord.objects.filter(id__gt=head.anchor_id or 0).order_by("id"))
    for row in rows:
        row.prev_hash = prev
        prev = unkeyed_hash(prev, row)
        raw(
            "UPDATE core_auditrecord SET prev_hash = %s, hash = %s WHERE id = %s",
            [row.prev_hash, prev, row.pk],
        )
    fields: dict[str, Any] = {"last_id": rows[-1].pk, "last_hash": prev}
    if plain_last_id:
        fields |= {"plain_last_id": rows[-1].pk, "plain_seal": "f" * 64}
    AuditHead.objects.filter(pk=1).update(**fields)


def cut_off_after(row: AuditRecord) -> None:
    raw("DELETE FROM core_auditrecord WHERE id > %s", [row.pk])
    AuditHead.objects.filter(pk=1).update(last_id=row.pk, last_hash=row.hash)


def lines(folder: Path) -> list[dict[str, Any]]:
    text = (folder / audit_checkpoints.FILE_NAME).read_text()
    return [json.loads(line) for line in text.splitlines()]


# -- the key ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("without_triggers")
def test_a_record_rewritten_and_the_chain_recomputed_without_the_key_is_found() -> None:
    rows = write(4)
    raw("UPDATE core_auditrecord SET detail = %s WHERE id = %s", ['{"n":99}', rows[1].pk])
    rebuild_chain_without_the_key()

    result = audit.verify()

    assert not result.ok
    assert (result.broken_id, result.checked) == (rows[0].pk, 0)
    assert "被改动" in result.reason


@pytest.mark.usefixtures("without_triggers")
def test_records_passed_off_as_written_before_keying_are_found() -> None:
    rows = write(3)
    rebuild_chain_without_the_key(plain_last_id=True)

    result = audit.verify()

    assert not result.ok and result.broken_id == rows[-1].pk
    assert "界限" in result.reason


@pytest.mark.usefixtures("without_triggers")
def test_a_forged_record_appended_with_the_head_moved_is_found() -> None:
    (row,) = write()
    forged = AuditRecord(
        at=timezone.now(), event=AuditEvent.WRITE, action="forged", detail="{}", prev_hash=row.hash
    )
    forged.hash = unkeyed_hash(row.hash, forged)
    forged.save()
    AuditHead.objects.filter(pk=1).update(last_id=forged.pk, last_hash=forged.hash)

    result = audit.verify()

    assert (result.broken_id, result.checked) == (forged.pk, 1)


def test_the_chain_verifies_only_with_its_own_key() -> None:
    write(2)
    assert audit.verify().ok

    with override_settings(JICENG_AUDIT_KEY="5a" * 32):
        assert "被改动" in audit.verify().reason
    with override_settings(JICENG_AUDIT_KEY="5a" * 8), pytest.raises(ImproperlyConfigured):
        write()


# -- records written before keying ------------------------------------------------------------


def write_unkeyed(n: int) -> list[AuditRecord]:
    """Records as the code wrote them before the chain was keyed."""
    made = []
    for i in range(n):
        row = audit.prepare(AuditEvent.WRITE, action="test.before_keying", detail={"n": i}).row
        head, _ = AuditHead.objects.get_or_create(pk=1)
        row.prev_hash = head.last_hash
        row.hash = unkeyed_hash(row.prev_hash, row)
        row.save()
        AuditHead.objects.filter(pk=1).update(last_id=row.pk, last_hash=row.hash)
        made.append(row)
    return made


def migrate_to_keyed() -> None:
    from django.apps import apps

    migration = importlib.import_module(
        "jiceng.core.migrations.0004_keyed_audit_chain_and_key_fingerprints"
    )
    migration.seal_plain_records(apps, None)


def test_records_written_before_keying_verify_up_to_the_sealed_end() -> None:
    old = write_unkeyed(3)
    migrate_to_keyed()
    new = write(2)

    head = AuditHead.objects.get()
    assert head.plain_last_id == old[-1].pk
    assert new[0].prev_hash == old[-1].hash
    result = audit.verify()
    assert result.ok and result.checked == 5


@pytest.mark.usefixtures("without_triggers")
def test_the_end_of_the_unkeyed_records_cannot_be_moved() -> None:
    write_unkeyed(2)
    migrate_to_keyed()
    new = write(2)
    # Passing the keyed records off as unkeyed: recompute them plainly and move the end.
    rebuild_chain_without_the_key()
    AuditHead.objects.filter(pk=1).update(plain_last_id=new[-1].pk)

    assert not audit.verify().ok


@pytest.mark.usefixtures("without_triggers")
def test_an_unkeyed_record_rewritten_is_found() -> None:
    old = write_unkeyed(3)
    migrate_to_keyed()
    write(1)
    raw("UPDATE core_auditrecord SET action = 'x' WHERE id = %s", [old[1].pk])
    rebuild_chain_without_the_key()  # the seal names the old last hash, which changed

    assert not audit.verify().ok


def test_a_database_created_keyed_has_no_unkeyed_records() -> None:
    migrate_to_keyed()  # on an empty log: nothing to seal
    write(1)

    head = AuditHead.objects.get()
    assert (head.plain_last_id, head.plain_seal) == (None, "")


# -- checkpoints --------------------------------------------------------------------------------


def test_a_checkpoint_writes_the_head_down_signed_and_linked(audit_checkpoint_dir: Path) -> None:
    first = write(2)
    one = audit_checkpoints.take(reason="scheduled")
    assert audit_checkpoints.take(reason="scheduled") is None  # nothing new
    second = write(1)
    two = audit_checkpoints.take(reason="scheduled")

    assert one is not None and two is not None
    assert (one.n, one.last_id, one.last_hash) == (1, first[-1].pk, first[-1].hash)
    assert (two.n, two.last_id, two.prev) == (2, second[0].pk, one.mac)
    assert [line["n"] for line in lines(audit_checkpoint_dir)] == [1, 2]
    assert audit_checkpoints.read() == [one, two]
    result = audit.verify()
    assert result.ok and result.checkpoints == 2


def test_an_empty_log_takes_a_checkpoint_and_verifies() -> None:
    entry = audit_checkpoints.take(reason="scheduled")

    assert entry is not None and (entry.last_id, entry.last_hash) == (None, GENESIS_HASH)
    assert audit.verify() == audit.VerifyResult(0, checkpoints=1)


@pytest.mark.usefixtures("without_triggers")
def test_records_cut_off_the_end_are_found_against_the_checkpoint() -> None:
    rows = write(5)
    audit_checkpoints.take(reason="scheduled")
    cut_off_after(rows[2])

    result = audit.verify()

    assert not result.ok and result.checked == 3
    assert f"#{rows[4].pk} 不见了" in result.reason


@pytest.mark.usefixtures("without_triggers")
def test_records_cut_off_and_new_ones_appended_are_found() -> None:
    rows = write(5)
    audit_checkpoints.take(reason="scheduled")
    cut_off_after(rows[2])
    write(4)  # a new end past the old one: the records the checkpoint named are still gone

    result = audit.verify()

    assert not result.ok and f"#{rows[4].pk} 不见了" in result.reason


@pytest.mark.usefixtures("without_triggers")
def test_an_emptied_log_and_head_are_found() -> None:
    write(3)
    audit_checkpoints.take(reason="scheduled")
    raw("DELETE FROM core_auditrecord")
    raw("DELETE FROM core_audithead")

    result = audit.verify()

    assert not result.ok and "不见了" in result.reason


@pytest.mark.usefixtures("without_triggers")
def test_a_checkpoint_refuses_a_head_that_went_back(audit_checkpoint_dir: Path) -> None:
    rows = write(4)
    audit_checkpoints.take(reason="scheduled")
    cut_off_after(rows[1])

    with pytest.raises(audit_checkpoints.CheckpointError, match="倒退"):
        audit_checkpoints.take(reason="scheduled")
    write(5)  # past the old end again, but the record the checkpoint names is not the same
    with pytest.raises(audit_checkpoints.CheckpointError, match="不见了或被改动"):
        audit_checkpoints.take(reason="scheduled")
    assert len(lines(audit_checkpoint_dir)) == 1


def test_a_checkpoint_line_edited_removed_or_signed_with_another_key_is_found(
    audit_checkpoint_dir: Path,
) -> None:
    file = audit_checkpoint_dir / audit_checkpoints.FILE_NAME
    write(2)
    audit_checkpoints.take(reason="scheduled")
    write(1)
    audit_checkpoints.take(reason="scheduled")
    original = file.read_text().splitlines()

    edited = json.loads(original[0]) | {"last_id": 1}
    file.write_text(json.dumps(edited) + "\n" + original[1] + "\n")
    assert "签名不符" in audit.verify().reason
    file.write_text(original[1] + "\n")
    assert "被删除或插入" in audit.verify().reason
    file.write_text("\n".join(original) + "\n")
    assert audit.verify().ok
    with override_settings(JICENG_AUDIT_KEY="5a" * 32):
        assert "签名不符" in audit.verify().reason


def test_purge_leaves_a_checkpoint_that_still_verifies(audit_checkpoint_dir: Path) -> None:
    now = timezone.now()
    with clock.frozen(now - 400 * DAY):
        old = write(3)
    write(2)
    audit_checkpoints.take(reason="scheduled")

    assert audit.purge(before=now, by=None) == 3

    last = lines(audit_checkpoint_dir)[-1]
    assert last["reason"] == "purge" and last["anchor_id"] == old[-1].pk
    purge_record = AuditRecord.objects.get(event=AuditEvent.PURGE)
    assert last["last_id"] == purge_record.pk
    result = audit.verify()
    assert result.ok and result.checkpoints == 2
    write(1)
    audit_checkpoints.take(reason="scheduled")
    assert audit.verify().ok


@pytest.mark.usefixtures("without_triggers")
def test_a_purge_faked_after_the_checkpoint_is_found() -> None:
    rows = write(4)
    audit_checkpoints.take(reason="scheduled")
    # Young records removed from the start, the anchor moved over them: no purge record says so.
    raw("DELETE FROM core_auditrecord WHERE id <= %s", [rows[1].pk])
    AuditHead.objects.filter(pk=1).update(anchor_id=rows[1].pk, anchor_hash=rows[1].hash)

    assert not audit.verify().ok


# -- the command --------------------------------------------------------------------------------


def test_checkpoint_command_writes_and_verify_counts_the_checkpoints() -> None:
    write(2)
    out = StringIO()

    call_command("audit", "checkpoint", stdout=out)
    call_command("audit", "checkpoint", stdout=out)
    call_command("audit", "verify", stdout=out)

    text = out.getvalue()
    assert "已写检查点第 1 行" in text and "没有变化" in text
    assert "已对照 1 个检查点" in text and "哈希链完整" in text


def test_verify_command_warns_without_checkpoints() -> None:
    write(1)
    out = StringIO()

    call_command("audit", "verify", stdout=out)

    assert "没有检查点" in out.getvalue()


@pytest.mark.usefixtures("without_triggers")
def test_checkpoint_command_fails_on_a_head_that_went_back() -> None:
    rows = write(3)
    call_command("audit", "checkpoint", stdout=StringIO())
    cut_off_after(rows[0])

    with pytest.raises(CommandError) as failure:
        call_command("audit", "checkpoint", stdout=StringIO())

    assert failure.value.returncode == 1 and "倒退" in str(failure.value)


def test_a_long_checkpoint_file_goes_on_from_its_last_line(audit_checkpoint_dir: Path) -> None:
    for _ in range(15):  # more than the tail take() reads back
        write(1)
        audit_checkpoints.take(reason="scheduled")

    assert (audit_checkpoint_dir / audit_checkpoints.FILE_NAME).stat().st_size > 4096
    assert [c.n for c in audit_checkpoints.read()] == list(range(1, 16))
    assert audit.verify().checkpoints == 15
