"""Weak organizations on the workbench (web.workbench): a department's detected organizations
to confirm and rectifications due; a secretary's own organization's rectification."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import roles_of
from jiceng.accounts.scoping import Where, role_reach
from jiceng.core import clock
from jiceng.web.workbench import Action, Content, Figure, Item, capped, panel

from . import queries
from .models import Rectification, Status

LIST_LIMIT = 5
COUNT_CAP = 1000  # as orgs.panels: a LIMITed count, exact below it
SECRETARIES = frozenset({Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER})


def _is_department(user: User) -> bool:
    return Role.ORGANIZATION_DEPARTMENT in roles_of(user)


def _is_secretary(user: User) -> bool:
    return bool(roles_of(user) & SECRETARIES)


@panel(
    "rectification.department",
    title="软弱涣散党组织整顿",
    order=34,
    shows=_is_department,
    empty="没有待确定的软弱涣散党组织，也没有整顿中的党组织",
)
def department(user: User) -> Content | list[Content]:
    month = queries.detected_month()
    # Counted up to COUNT_CAP (LIMITed counts): exact for a county, "1000+" for a country.
    to_confirm = queries.unconfirmed_count(user, month, up_to=COUNT_CAP) if month else 0
    open_ = queries.open_under(user)
    today = clock.today()
    listed = list(open_[:LIST_LIMIT])
    overdue = open_.filter(due_on__lt=today).order_by()[:COUNT_CAP].count()
    detected = reverse("rectification:detected")
    figures = []
    if to_confirm:
        figures.append(Figure("待确定", capped(to_confirm, COUNT_CAP), detected, tone="warn"))
    total = open_.order_by()[:COUNT_CAP].count()
    if total:
        figures.append(Figure("整顿中", capped(total, COUNT_CAP), detected))
    if overdue:
        figures.append(
            Figure("已过计划完成日期", capped(overdue, COUNT_CAP), detected, tone="warn")
        )
    if not (figures or listed):
        return []  # nothing detected or under way: no panel (no empty sentence every day)
    items = [
        Item(
            r.organization.name,
            reverse("rectification:detail", args=[r.pk]),
            note=_note(r, today),
            tone="warn" if r.status == Status.CONFIRMED or (r.due_on and r.due_on < today) else "",
        )
        for r in listed
    ]
    return Content(
        figures=figures,
        items=items,
        more=Action("研判名单与全部整顿", detected, primary=False) if figures else None,
    )


def _note(r: Rectification, today: object) -> str:
    if r.status == Status.CONFIRMED:
        return "待制定整顿方案"
    due = f"，计划{r.due_on:%Y-%m-%d}完成" if r.due_on else ""
    return f"{r.get_status_display()}{due}"


@panel(
    "rectification.secretary",
    title="本组织整顿",
    order=35,
    shows=_is_secretary,
    empty="本组织没有整顿任务",
)
def secretary(user: User) -> Content | list[Content]:
    paths = [path for role in SECRETARIES for path in role_reach(user, role, Where.SUBTREE).paths]
    rows = (
        Rectification.objects.filter(organization__path__in=paths)
        .exclude(status=Status.ACCEPTED)
        .select_related("organization")[:LIST_LIMIT]
    )
    if not rows:
        return []  # a branch not under rectification sees no panel about it
    today = clock.today()
    return Content(
        items=[
            Item(
                f"{r.organization.name}：{r.get_status_display()}",
                reverse("rectification:detail", args=[r.pk]),
                note=r.reasons[:60],
                tone="warn",
            )
            for r in rows
        ],
        note="" if not rows else f"截至{today:%Y-%m-%d}",
    )
