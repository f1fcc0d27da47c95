"""回执催收: a letter whose receipt (回执) is not back by its due date is chased once: a notice
to the sending branch (the notice centre shows it to whoever manages its meetings, its
secretary first) and a line on the secretary's workbench (transfers.panels) until the
receipt is recorded."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from jiceng.core import audit, clock
from jiceng.orglife.models import Notice, NoticeKind

from .models import StepAction, Transfer, TransferKind, TransferState, TransferStep


def chase_late_receipts(*, now: dt.datetime | None = None) -> list[Notice]:
    """Each late letter not chased yet gets its notice; a conditional UPDATE marks it first,
    so two runs never both chase one letter."""
    now = now or clock.now()
    today = now.astimezone(clock.CHINA).date()
    late = (
        Transfer.objects.filter(
            kind=TransferKind.LETTER,
            state=TransferState.LETTER_ISSUED,
            receipt_due__lt=today,
            chased_at__isnull=True,
        )
        .select_related("member")
        .order_by("receipt_due", "pk")
    )
    written: list[Notice] = []
    for transfer in late.iterator(chunk_size=2000):
        with transaction.atomic():
            taken = Transfer.objects.filter(
                pk=transfer.pk, state=TransferState.LETTER_ISSUED, chased_at__isnull=True
            ).update(chased_at=now)
            if not taken:
                continue
            text = (
                f"{transfer.member.name}的组织关系介绍信{transfer.letter_label}回执应于"
                f"{transfer.receipt_due:%Y-%m-%d}前收回，已逾期，请联系{transfer.destination}"
            )
            written.append(
                Notice.objects.create(
                    kind=NoticeKind.RECEIPT_LATE,
                    organization_id=transfer.from_organization_id,
                    text=text[:300],
                    created_at=now,
                )
            )
            TransferStep.objects.create(
                transfer=transfer,
                action=StepAction.CHASE,
                from_state=TransferState.LETTER_ISSUED,
                to_state=TransferState.LETTER_ISSUED,
                note=f"回执应于{transfer.receipt_due:%Y-%m-%d}前收回",
                at=now,
            )
    if written:
        audit.record(
            audit.AuditEvent.WRITE,
            action="transfers.chase_late_receipts",
            target_type="transfers.Transfer",
            detail={"count": len(written)},
        )
    return written
