"""A record prepared before the write's transaction and appended inside it (the intake's way)
is chained, stored and verified exactly like one from `record`."""

from __future__ import annotations

import pytest
from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit
from jiceng.core.errors import AppendOnly
from jiceng.core.models import AuditEvent, AuditHead, AuditRecord

pytestmark = pytest.mark.django_db


def test_prepared_records_interleaved_with_others_form_one_chain(secretary: User) -> None:
    first = audit.prepare(AuditEvent.WRITE, action="test.prepared", user=secretary, detail={"n": 1})
    second = audit.prepare(AuditEvent.WRITE, action="test.prepared", detail={"n": 2})
    # Another writer appends between the preparing and the appending.
    between = audit.record(AuditEvent.WRITE, action="test.between")
    with transaction.atomic():
        appended = second.append(target=secretary)
    with transaction.atomic():
        first.append()
    rows = list(AuditRecord.objects.order_by("pk"))
    assert [r.action for r in rows] == ["test.between", "test.prepared", "test.prepared"]
    assert rows[1].prev_hash == between.hash and rows[2].prev_hash == rows[1].hash
    assert (rows[1].target_type, rows[1].target_id) == ("accounts.user", str(secretary.pk))
    assert rows[1].pk == appended.pk and rows[1].hash == appended.hash
    assert rows[2].username == secretary.username and rows[2].detail == '{"n":1}'
    assert all(audit.digest(r) == r.hash for r in rows)
    head = AuditHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (rows[2].pk, rows[2].hash)
    assert audit.verify().broken_id is None


def test_a_prepared_record_is_appended_once() -> None:
    pending = audit.prepare(AuditEvent.WRITE, action="test.once")
    pending.append()
    with pytest.raises(AppendOnly):
        pending.append()
    assert AuditRecord.objects.filter(action="test.once").count() == 1


def test_a_prepared_record_rolls_back_with_the_write() -> None:
    pending = audit.prepare(AuditEvent.WRITE, action="test.rolled_back")
    with pytest.raises(RuntimeError), transaction.atomic():
        pending.append()
        raise RuntimeError("the write fails after its record")
    assert not AuditRecord.objects.filter(action="test.rolled_back").exists()
    assert audit.verify().broken_id is None
