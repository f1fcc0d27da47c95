"""Standardization on the workbench (web.workbench): a branch's score of the year and the
items it has still to assess; a department's self-assessments awaiting its review and its
subtree's grades."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import roles_of
from jiceng.core import clock
from jiceng.web.workbench import Action, Content, Figure, Item, capped, panel

from . import queries
from .access import department_paths
from .models import StandardizationChecklist

LIST_LIMIT = 5


def _is_secretary(user: User) -> bool:
    return Role.BRANCH_SECRETARY in roles_of(user) and bool(queries.branches_assessed_by(user))


def _is_department(user: User) -> bool:
    return bool(department_paths(user))


@panel(
    "appraisal.branch",
    title="标准化规范化建设",
    order=28,
    shows=_is_secretary,
    empty="本年度评分表各项均已完成",
)
def branch_checklist(user: User) -> list[Content]:
    year = clock.today().year
    shown = []
    for branch in queries.branches_assessed_by(user):
        url = f"{reverse('appraisal:checklist', args=[branch.pk])}?year={year}"
        graded = StandardizationChecklist.objects.filter(organization=branch, year=year).first()
        left = queries.self_items_left(branch, year)
        figures = []
        if graded:
            figures.append(Figure(f"{year}年得分", graded.score, url))
            figures.append(Figure("星级", "★" * graded.stars, url))
        if left:
            figures.append(Figure("待自评", len(left), url, tone="warn"))
        shown.append(
            Content(
                figures=figures,
                items=[
                    Item(item.text, f"{url}#item-{item.pk}", note=f"{item.weight}分 · 待自评")
                    for item in left[:LIST_LIMIT]
                ],
                note=branch.name,
                more=Action("评分表与自评", url, primary=False),
            )
        )
    return shown


@panel(
    "appraisal.department",
    title="评星定级审核",
    order=36,
    shows=_is_department,
    empty="没有待审核的自评",
)
def department_reviews(user: User) -> Content:
    waiting, count = queries.awaiting_review(user, limit=LIST_LIMIT)
    grades = reverse("appraisal:grades")
    items = [
        Item(
            a.organization.name,
            f"{reverse('appraisal:checklist', args=[a.organization_id])}"
            f"?year={a.item.version.year}#item-{a.item_id}",
            note=f"{a.item.text} · 自评{a.self_points}分",
        )
        for a in waiting
    ]
    figures = [Figure("待审核", capped(count, 100), grades, tone="warn" if count else "")]
    return Content(
        figures=figures if count else [],
        items=items,
        more=Action("辖区评星定级", grades, primary=False),
    )
