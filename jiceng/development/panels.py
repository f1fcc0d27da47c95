"""The development of members on the workbench (web.workbench): a secretary's late and
soon-due cases, and a department's cases awaiting its approval with the year's plan."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission, has_permission, roles_of
from jiceng.core import clock
from jiceng.web.workbench import Action, Content, Figure, Item, capped, panel

from . import queries, rules
from .models import Applicant

LIST_LIMIT = 5
SECRETARIES = frozenset({Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER})


def _note(applicant: Applicant, *, where: bool = False) -> str:
    """Where the case stands and what is due; `where` names the branch (a department's
    panel covers many)."""
    following = rules.next_step(applicant.last_step)
    label = rules.spec(following).label if following else ""
    due = applicant.next_due_on
    when = f"，应于{due:%Y-%m-%d}前" if due else ""
    branch = f"{applicant.organization.name} · " if where else ""
    return f"{branch}{applicant.get_standing_display()} · 下一步：{label}{when}"


def _is_secretary(user: User) -> bool:
    return bool(roles_of(user) & SECRETARIES) and has_permission(user, Permission.MANAGE_MEMBERS)


def _is_department(user: User) -> bool:
    return Role.ORGANIZATION_DEPARTMENT in roles_of(user) and has_permission(
        user, Permission.APPROVE_DEVELOPMENT
    )


@panel(
    "development.branch",
    title="发展党员",
    order=26,
    shows=_is_secretary,
    empty="发展党员工作没有超期或即将到期的步骤",
)
def branch_cases(user: User) -> Content:
    late, late_count = queries.late_cases(user, limit=LIST_LIMIT)
    soon, soon_count = queries.soon_cases(user, limit=LIST_LIMIT)
    items = [
        Item(a.name, reverse("development:applicant", args=[a.pk]), note=_note(a), tone="warn")
        for a in late
    ]
    items += [
        Item(a.name, reverse("development:applicant", args=[a.pk]), note=_note(a))
        for a in soon[: max(0, LIST_LIMIT - len(items))]
    ]
    pipeline = reverse("development:pipeline")
    figures = []
    if late_count or soon_count:
        figures = [
            Figure("超期", capped(late_count, 100), pipeline, tone="warn" if late_count else ""),
            Figure(f"{queries.SOON_DAYS}天内到期", capped(soon_count, 100), pipeline),
        ]
    return Content(
        figures=figures, items=items, more=Action("发展党员工作", pipeline, primary=False)
    )


@panel(
    "development.department",
    title="发展党员审批",
    order=34,
    shows=_is_department,
    empty="没有待审批的发展党员，也没有超期的",
)
def department_cases(user: User) -> Content:
    waiting, waiting_count = queries.awaiting_approval(user, limit=LIST_LIMIT)
    late, late_count = queries.late_cases(
        user, permission=Permission.APPROVE_DEVELOPMENT, limit=LIST_LIMIT
    )
    items = [
        Item(a.name, reverse("development:applicant", args=[a.pk]), note=_note(a, where=True))
        for a in waiting
    ]
    seen = {a.pk for a in waiting}
    items += [
        Item(
            a.name,
            reverse("development:applicant", args=[a.pk]),
            note=_note(a, where=True),
            tone="warn",
        )
        for a in late
        if a.pk not in seen
    ][: max(0, LIST_LIMIT - len(items))]
    pipeline = reverse("development:pipeline")
    figures = []
    if waiting_count or late_count:
        figures = [
            Figure("待审批", capped(waiting_count, 100), pipeline),
            Figure("超期", capped(late_count, 100), pipeline, tone="warn" if late_count else ""),
        ]
    homes = queries.home_organizations(user)
    note = ""
    if homes:
        progress = queries.plan_progress(homes[0], clock.today().year)
        if progress.planned is not None:
            note = f"{progress.year}年发展计划{progress.planned}名，已接收{progress.admitted}名"
    return Content(
        figures=figures,
        items=items,
        note=note,
        more=Action("辖区发展党员情况", pipeline, primary=False),
    )
