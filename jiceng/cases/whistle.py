"""The whistle (街乡吹哨、部门报到): the street summons departments to a case, each reports
(报到) in time, finishes its part, and the street rates it. A summoned department still working
holds the case's resolution and closing (`services`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput

from . import notices, queries, workflow
from .errors import require
from .models import (
    Case,
    CaseEvent,
    Department,
    DepartmentStaff,
    EventKind,
    Summons,
    SummonsReport,
)
from .units import check_unit_in_place


@transaction.atomic
def summon_departments(
    *,
    case: Case,
    departments: Sequence[Department],
    by: User,
    within: dt.timedelta | None = None,
    note: str = "",
) -> Summons:
    """吹哨: the street summons departments to a case; each must report (报到) in time."""
    require(queries.can_summon(by, case), "只有诉求所在街道可以吹哨")
    if not departments:
        raise InvalidInput("请选择至少一个职能部门", fields={"departments": "请选择部门"})
    if within is not None and not dt.timedelta(minutes=5) <= within <= dt.timedelta(days=3):
        raise InvalidInput("报到时限应在 5 分钟到 3 天之间", fields={"within": "时限不合理"})
    if not case.is_open:
        raise InvalidInput("诉求已办结或已结案，不能吹哨")
    unique = {d.pk: d for d in departments}
    for department in unique.values():
        check_unit_in_place(case, grid=None, station=None, department=department)
    now = clock.now()
    due = workflow.report_due(now, within)
    summons = Summons.objects.create(
        case=case, summoned_by=by, summoned_at=now, report_due_at=due, note=note.strip()[:500]
    )
    SummonsReport.objects.bulk_create(
        SummonsReport(summons=summons, department=d, case=case, report_due_at=due)
        for d in unique.values()
    )
    names = "、".join(d.name for d in unique.values())
    CaseEvent.objects.create(
        case=case, kind=EventKind.SUMMONED, at=now, actor=by, unit=names, note=note[:1000]
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="cases.summon_departments",
        target=case,
        user=by,
        detail={"summons": summons.pk, "departments": sorted(unique)},
    )
    staff = list(
        DepartmentStaff.objects.filter(department__in=unique).values_list("user_id", flat=True)
    )
    text = f"吹哨：请于 {due.astimezone(clock.CHINA):%H:%M} 前报到（{case.subject.name}）"
    notices.notify_users_on_commit(staff, case.pk, text)
    return summons


@transaction.atomic
def report_to_summons(*, report: SummonsReport, by: User) -> SummonsReport:
    """报到: the department arrives; after the due time it counts as late."""
    require(queries.can_answer(by, report), "您不是被吹哨部门的人员")
    now = clock.now()
    moved = SummonsReport.objects.filter(pk=report.pk, reported_at__isnull=True).update(
        reported_at=now, reported_by=by, is_late=now > report.report_due_at
    )
    if moved != 1:
        raise Conflict("该部门已经报到")
    late = now > report.report_due_at
    CaseEvent.objects.create(
        case_id=report.case_id,
        kind=EventKind.REPORTED,
        at=now,
        actor=by,
        unit=report.department.name,
        note="迟到" if late else "按时报到",
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="cases.report_to_summons",
        target=report,
        user=by,
        detail={"late": late},
    )
    return SummonsReport.objects.select_related("summons", "case", "department").get(pk=report.pk)


@transaction.atomic
def finish_summons(*, report: SummonsReport, by: User, note: str) -> SummonsReport:
    """The department's part is done (部门办结)."""
    require(queries.can_answer(by, report), "您不是被吹哨部门的人员")
    note = note.strip()
    if not note:
        raise InvalidInput("请填写办理情况", fields={"note": "请填写办理情况"})
    now = clock.now()
    moved = SummonsReport.objects.filter(
        pk=report.pk, reported_at__isnull=False, finished_at__isnull=True
    ).update(finished_at=now, finish_note=note[:1000])
    if moved != 1:
        raise Conflict("请先报到；已完成的不能重复提交")
    CaseEvent.objects.create(
        case_id=report.case_id,
        kind=EventKind.FINISHED,
        at=now,
        actor=by,
        unit=report.department.name,
        note=note[:1000],
    )
    audit.record(audit.AuditEvent.WRITE, action="cases.finish_summons", target=report, user=by)
    return SummonsReport.objects.select_related("summons", "case", "department").get(pk=report.pk)


@transaction.atomic
def rate_department(*, report: SummonsReport, by: User, rating: int) -> SummonsReport:
    """The street rates a department's part, 1 to 5, once it has finished."""
    require(queries.can_summon(by, report.case), "只有诉求所在街道可以评价部门")
    if not 1 <= rating <= 5:
        raise InvalidInput("评价为 1 到 5 分", fields={"rating": "1 到 5 分"})
    now = clock.now()
    moved = SummonsReport.objects.filter(
        pk=report.pk, finished_at__isnull=False, rating__isnull=True
    ).update(rating=rating, rated_at=now)
    if moved != 1:
        raise Conflict("部门尚未完成，或已经评价过")
    CaseEvent.objects.create(
        case_id=report.case_id,
        kind=EventKind.RATED,
        at=now,
        actor=by,
        unit=report.department.name,
        note=f"{rating} 分",
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="cases.rate_department",
        target=report,
        user=by,
        detail={"rating": rating},
    )
    return SummonsReport.objects.select_related("summons", "case", "department").get(pk=report.pk)


# -- withdrawing and reassigning ---------------------------------------------------------------
#
# A summons sent to a department that cannot answer it (no account yet, the wrong department)
# would hold the case's resolution forever. Before the department reports, the street takes it
# back or sends it to another department. The unanswered part is deleted rather than flagged:
# nothing happened in it to keep, every reader of the reports (rates, the close check, the
# boards) stays as it is, and the case's timeline and the audit log say who withdrew what, when
# and why.

REASON_MAX = 500


def _checked_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("请填写撤回或改派的理由", fields={"reason": "请填写理由"})
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"理由不能超过{REASON_MAX}字", fields={"reason": "理由过长"})
    return reason


def _delete_unanswered(report: SummonsReport) -> None:
    """Deletes the report if its department has not reported yet: a conditional DELETE, so a
    report arriving at the same moment wins."""
    deleted, _ = SummonsReport.objects.filter(pk=report.pk, reported_at__isnull=True).delete()
    if deleted != 1:
        raise Conflict("该部门已经报到，不能撤回或改派")


@transaction.atomic
def withdraw_summons(*, report: SummonsReport, by: User, reason: str) -> None:
    """撤回吹哨: the street takes back one department's summons before it reports."""
    require(queries.can_summon(by, report.case), "只有诉求所在街道可以撤回吹哨")
    reason = _checked_reason(reason)
    _delete_unanswered(report)
    if not SummonsReport.objects.filter(summons_id=report.summons_id).exists():
        Summons.objects.filter(pk=report.summons_id).delete()  # no department left in it
    CaseEvent.objects.create(
        case_id=report.case_id,
        kind=EventKind.UNSUMMONED,
        at=clock.now(),
        actor=by,
        unit=report.department.name,
        note=reason,
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="cases.withdraw_summons",
        target=report.case,
        user=by,
        detail={
            "summons": report.summons_id,
            "department": report.department_id,
            "reason": reason,
        },
    )


@transaction.atomic
def reassign_summons(
    *, report: SummonsReport, to: Department, by: User, reason: str
) -> SummonsReport:
    """吹哨改派: one department's unanswered summons goes to another department of the case's
    district, with a fresh report time as long as the summons first gave."""
    case = report.case
    require(queries.can_summon(by, case), "只有诉求所在街道可以改派吹哨")
    reason = _checked_reason(reason)
    if not case.is_open:
        raise InvalidInput("诉求已办结或已结案，不能改派，请撤回")
    if to.pk == report.department_id:
        raise InvalidInput("请选择另一个职能部门", fields={"department": "与原部门相同"})
    check_unit_in_place(case, grid=None, station=None, department=to)
    summons = report.summons
    if SummonsReport.objects.filter(summons=summons, department=to).exists():
        raise InvalidInput("该部门已在本次吹哨中", fields={"department": "已被吹哨"})
    _delete_unanswered(report)
    now = clock.now()
    due = workflow.report_due(now, summons.report_due_at - summons.summoned_at)
    moved = SummonsReport.objects.create(
        summons=summons, department=to, case=case, report_due_at=due
    )
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.RESUMMONED,
        at=now,
        actor=by,
        unit=to.name,
        note=f"由{report.department.name}改派：{reason}"[:1000],
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="cases.reassign_summons",
        target=case,
        user=by,
        detail={
            "summons": summons.pk,
            "from": report.department_id,
            "to": to.pk,
            "reason": reason,
        },
    )
    staff = list(DepartmentStaff.objects.filter(department=to).values_list("user_id", flat=True))
    text = f"吹哨：请于 {due.astimezone(clock.CHINA):%H:%M} 前报到（{case.subject.name}）"
    notices.notify_users_on_commit(staff, case.pk, text)
    return SummonsReport.objects.select_related("summons", "case", "department").get(pk=moved.pk)
