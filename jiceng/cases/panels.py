"""Citizens' cases on the workbench (web.workbench): the handler's inbox and its overdue cases
(a grid worker, a street's stations, a department), the dispatcher's queue, the street's open
summonses and the ranking, a department's summonses to report (报到), and the unread case
notices. Each list is the cases.queries read the page behind it shows, with a LIMIT."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.web.workbench import Action, Content, Figure, Item, capped, panel

from . import deadlines, queries
from .models import Case, Notice, SummonsReport
from .workflow import Status

LIST_LIMIT = 5
COUNT_CAP = 100


def _when(case: Case) -> str:
    due = case.accept_due_at if case.status == Status.DISPATCHED else case.resolve_due_at
    if due is None:
        return case.get_status_display()
    local = due.astimezone(clock.CHINA)
    return f"{case.get_status_display()} · 时限 {local:%m-%d %H:%M}"


def _count(rows: QuerySet[Any]) -> str:
    return capped(rows.order_by()[:COUNT_CAP].count(), COUNT_CAP)


def _case_item(case: Case, overdue: bool) -> Item:
    return Item(
        f"{case.number} {case.subject}",
        reverse("cases:detail", args=[case.pk]),
        note=("已超时 · " if overdue else "") + _when(case),
        tone="warn" if overdue else "",
    )


def _handles_units(user: User) -> bool:
    """Handles cases for grids, stations or departments (a community official handles none
    of these: their work is the dispatch queue)."""
    reach = scope_of(user).reach(Permission.HANDLE_CASES)
    return bool(reach.grid_ids or reach.station_prefixes or reach.department_ids)


@panel("cases.inbox", title="我的待办诉求", order=40, shows=_handles_units, empty="没有待办诉求")
def inbox(user: User) -> Content:
    rows = queries.handling_inbox(user)
    overdue = rows.filter(deadlines.overdue_q(now=clock.now()))
    late = list(overdue[:LIST_LIMIT])
    shown = {c.pk for c in late}
    rest = [c for c in rows[: LIST_LIMIT + len(late)] if c.pk not in shown]
    url = reverse("cases:inbox")
    unread = Notice.objects.filter(user=user, read_at__isnull=True)
    figures = [
        Figure("待办", _count(rows), url),
        Figure("已超时", _count(overdue), url, tone="warn"),
        Figure("未读提醒", capped(unread[:COUNT_CAP].count(), COUNT_CAP), url),
    ]
    items = [_case_item(c, True) for c in late]
    items += [_case_item(c, False) for c in rest][: max(0, LIST_LIMIT - len(items))]
    return Content(figures=figures, items=items, more=Action("全部待办诉求", url, primary=False))


def _dispatches(user: User) -> bool:
    return has_permission(user, Permission.DISPATCH_CASES)


@panel("cases.dispatch", title="待派诉求", order=41, shows=_dispatches, empty="没有待派的诉求")
def dispatch(user: User) -> Content:
    """Received but not dispatched, returned, resolved awaiting the follow-up call."""
    queue = queries.dispatch_queue(user)
    url = reverse("cases:dispatch")
    waiting = {
        Status.RECEIVED: queue.filter(status=Status.RECEIVED),
        Status.RETURNED: queue.filter(status=Status.RETURNED),
        Status.RESOLVED: queue.filter(status=Status.RESOLVED),
    }
    figures = [
        Figure("待派单", _count(waiting[Status.RECEIVED]), url, tone="warn"),
        Figure("被退单", _count(waiting[Status.RETURNED]), url, tone="warn"),
        Figure("待回访", _count(waiting[Status.RESOLVED]), url),
    ]
    items = [
        Item(
            f"{c.number} {c.subject}",
            reverse("cases:detail", args=[c.pk]),
            note=f"{c.get_status_display()} · {c.received_at.astimezone(clock.CHINA):%m-%d %H:%M}",
            tone="warn" if c.status == Status.RETURNED else "",
        )
        for c in queue[:LIST_LIMIT]
    ]
    actions = [Action("热线录入", reverse("cases:hotline"))]
    if has_permission(user, Permission.VIEW_CASE_METRICS):
        actions.append(Action("三率排名", reverse("case_metrics:ranking"), primary=False))
    return Content(
        figures=figures,
        items=items,
        actions=actions,
        more=Action("派单台", url, primary=False),
    )


def _summons(user: User) -> bool:
    return has_permission(user, Permission.SUMMON_DEPARTMENTS)


@panel("cases.whistle", title="吹哨报到", order=42, shows=_summons, empty="没有未完成的吹哨")
def whistle(user: User) -> Content:
    """The street's summonses with a department still to report or to finish."""
    open_summonses = (
        queries.summonses_for_street(user)
        .filter(reports__finished_at__isnull=True)
        .distinct()
        .prefetch_related(None)
    )
    url = reverse("cases:whistle")
    now = clock.now()
    items = []
    for summons in open_summonses.order_by("report_due_at", "pk")[:LIST_LIMIT]:
        late = summons.report_due_at < now
        due = summons.report_due_at.astimezone(clock.CHINA)
        items.append(
            Item(
                f"{summons.case.number} {summons.case.subject}",
                reverse("cases:detail", args=[summons.case_id]),
                note=f"报到时限 {due:%m-%d %H:%M}",
                tone="warn" if late else "",
            )
        )
    late_reports = SummonsReport.objects.filter(
        summons__in=open_summonses.values("pk"), reported_at__isnull=True, report_due_at__lt=now
    )
    return Content(
        figures=[
            Figure("未完成吹哨", _count(open_summonses), url),
            Figure("报到超时", _count(late_reports), url, tone="warn"),
        ],
        items=items,
        more=Action("吹哨台", url, primary=False),
    )


def _answers(user: User) -> bool:
    return bool(queries.my_departments(user))


@panel("cases.department", title="待报到吹哨", order=43, shows=_answers, empty="没有待报到的吹哨")
def department(user: User) -> Content:
    """A department's summonses not yet finished: those to report (报到) first."""
    reports = queries.summons_reports_for(user)
    now = clock.now()
    to_report = reports.filter(reported_at__isnull=True)
    url = reverse("cases:department")
    items = []
    for report in reports.order_by("reported_at", "report_due_at", "pk")[:LIST_LIMIT]:
        due = report.report_due_at.astimezone(clock.CHINA)
        if report.reported_at is None:
            note = f"待报到 · 时限 {due:%m-%d %H:%M}"
        else:
            note = "已报到，待办结"
        late = report.reported_at is None and report.report_due_at < now
        items.append(
            Item(
                f"{report.case.number} {report.case.subject}",
                reverse("cases:detail", args=[report.case_id]),
                note=("已超时 · " if late else "") + note,
                tone="warn" if late else "",
            )
        )
    return Content(
        figures=[
            Figure("待报到", _count(to_report), url, tone="warn"),
            Figure("已报到待办结", _count(reports.filter(reported_at__isnull=False)), url),
        ],
        items=items,
        more=Action("报到台", url, primary=False),
    )
