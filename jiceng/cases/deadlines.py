"""The deadline tick (`jiceng tick`, and the task of the same name): what happens to cases
because time passed, through the same moves a person makes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet

from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput, NotFound

from . import workflow
from .models import Case, CaseEvent, EventKind, SummonsReport
from .notices import handler_user_ids, send_notices
from .services import close_case, escalate_case, escalation_target, reopen_days
from .units import unit_name
from .workflow import Status


@dataclass
class TickResult:
    escalated: int = 0
    noticed: int = 0
    late_reports: int = 0
    closed: int = 0


def overdue_q(*, now: dt.datetime) -> Q:
    """Past the deadline of the step the case is at: not signed for (签收) in time, or not
    resolved in time. The one rule the tick, the workbench, the case page and the metrics read."""
    return Q(status=Status.DISPATCHED, accept_due_at__lt=now) | Q(
        status__in=[Status.ACCEPTED, Status.IN_PROGRESS], resolve_due_at__lt=now
    )


def overdue_cases(*, now: dt.datetime) -> QuerySet[Case]:
    """The cases past the deadline of the step they are at (the tick escalates them;
    ops.metrics counts them)."""
    return Case.objects.filter(overdue_q(now=now))


def tick(*, now: dt.datetime | None = None) -> TickResult:
    """`jiceng tick`: escalate the cases past their deadline one level, notify the units of
    those that cannot go higher, mark late reports, close resolved cases past the reopen
    period without feedback. Each case moves in its own transaction, so one refused move
    (someone acted meanwhile) does not undo the others."""
    now = now or clock.now()
    result = TickResult()
    overdue = overdue_cases(now=now).select_related("subject", "grid", "station", "department")
    for case in overdue.iterator(chunk_size=500):
        if workflow.next_level(case.level) is not None and escalation_target(case) is not None:
            try:
                escalate_case(case=case, by=None, reason="超过时限，自动上报")
                result.escalated += 1
                continue
            except (Conflict, InvalidInput, NotFound):
                continue
        if case.overdue_noticed_at is None:
            with transaction.atomic():
                if Case.objects.filter(pk=case.pk, overdue_noticed_at__isnull=True).update(
                    overdue_noticed_at=now
                ):
                    CaseEvent.objects.create(
                        case=case, kind=EventKind.OVERDUE, at=now, unit=unit_name(case)
                    )
                    send_notices(
                        user_ids=handler_user_ids(case),
                        case_id=case.pk,
                        text=f"超时未办：{case.subject.name}（{case.number}）",
                    )
                    result.noticed += 1
    with transaction.atomic():
        result.late_reports = SummonsReport.objects.filter(
            reported_at__isnull=True, report_due_at__lt=now, is_late=False
        ).update(is_late=True)
        if result.escalated or result.noticed or result.late_reports:
            audit.record(
                audit.AuditEvent.WRITE,
                action="cases.tick",
                target_type="cases.Case",
                detail={
                    "escalated": result.escalated,
                    "noticed": result.noticed,
                    "late_reports": result.late_reports,
                },
            )
    stale = Case.objects.filter(
        status=Status.RESOLVED, resolved_at__lt=now - dt.timedelta(days=reopen_days())
    ).select_related("subject", "grid", "station", "department")
    for case in stale.iterator(chunk_size=500):
        try:
            close_case(case=case, by=None, note="办结后无评价，自动结案")
            result.closed += 1
        except (Conflict, InvalidInput):
            continue
    return result
