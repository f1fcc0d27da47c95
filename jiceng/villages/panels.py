"""Village work on the workbench (web.workbench): the cadre's day (one tap away) and month;
the department's leave to decide and cadres below the on-site rule last month."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.core import clock
from jiceng.web.workbench import Action, Content, Figure, panel

from . import queries, workdays


@panel(
    "villages.cadre",
    title="驻村日志",
    order=12,
    shows=lambda user: has_permission(user, Permission.LOG_VILLAGE_WORK),
    empty="",  # the figures say it all; no list under them
)
def cadre(user: User) -> Content | list[Content]:
    dispatch = queries.serving_dispatch(user)
    if dispatch is None:
        return []  # the role without a serving dispatch (between postings): no panel
    today = clock.today()
    logged = dispatch.work_days.filter(day=today).exists()
    month = queries.month_of(dispatch, workdays.month_of(today), up_to=today)
    # A rest day unrecorded is no gap: the rule counts working days (a day on site then may
    # still be recorded, with the same button).
    if logged:
        shown, tone = "已在岗", ""
    elif workdays.is_workday(today):
        shown, tone = "未记录", "warn"
    else:
        shown, tone = "休息日", ""
    return Content(
        note=f"{dispatch.team.organization.name} · {dispatch.get_post_display()}",
        figures=[
            Figure("今日", shown, reverse("villages:today"), tone=tone),
            Figure("本月在岗", month.count.on_site_days, reverse("villages:month")),
        ],
        actions=[] if logged else [Action("今日在岗", reverse("villages:today"))],
    )


@panel(
    "villages.department",
    title="驻村第一书记与工作队",
    order=36,
    shows=lambda user: has_permission(user, Permission.MANAGE_VILLAGE_TEAMS),
    empty="没有待审批的请假，上月驻村干部均达到在岗要求",
)
def department(user: User) -> Content | list[Content]:
    pending = queries.pending_leaves(user).count()
    month = queries.last_checked_month()
    below = queries.below_rule(user, month).count()
    if not (pending or below):
        return []
    figures = []
    if pending:
        figures.append(Figure("待审批请假", pending, reverse("villages:leaves"), tone="warn"))
    if below:
        figures.append(
            Figure(f"{month % 100}月未达在岗要求", below, reverse("villages:below"), tone="warn")
        )
    return Content(
        figures=figures, more=Action("全部工作队", reverse("villages:teams"), primary=False)
    )
