"""Household contacts on the workbench (web.workbench): a member's households not visited for
the set time (JICENG_HOUSEHOLD_VISIT_DAYS), and the same of a grid worker's grids."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.web.workbench import Action, Content, Figure, Item, panel

from . import queries
from .models import Household

SHOWN = 5


def _note(household: object) -> str:
    last = getattr(household, "last_visited_on", None)
    return f"最近走访 {last:%Y-%m-%d}" if last else "尚未走访"


def _has_own_record(user: User) -> bool:
    return user.member_id is not None and has_permission(user, Permission.VIEW_OWN_RECORD)


@panel("households.mine", title="我的联系户", order=47, shows=_has_own_record, empty="")
def mine(user: User) -> Content | list[Content]:
    households = list(queries.my_households(user))
    if not households:
        return []  # a member with no households has no panel (not an empty one)
    overdue = [h for h in households if queries.is_overdue(h)]
    url = reverse("households:mine")
    return Content(
        figures=[
            Figure("联系户", len(households), url),
            Figure(
                f"超{queries.visit_days()}天未走访",
                len(overdue),
                url,
                tone="warn" if overdue else "",
            ),
        ],
        items=[
            Item(h.address, reverse("households:detail", args=[h.pk]), note=_note(h), tone="warn")
            for h in overdue[:SHOWN]
        ],
        more=Action("全部联系户", url, primary=False),
    )


def _works_grids(user: User) -> bool:
    return bool(queries.worked_grid_ids(user))


@panel("households.overdue", title="联系户走访提醒", order=48, shows=_works_grids, empty="")
def overdue(user: User) -> Content | list[Content]:
    rows = queries.overdue_for_workers(user)
    count = rows.count()
    if (
        not count
        and not Household.objects.filter(grid_id__in=queries.worked_grid_ids(user)).exists()
    ):
        return []  # grids with no households registered: nothing to remind of
    shown = list(rows[:SHOWN])
    grid_ids = sorted(queries.worked_grid_ids(user))
    url = (
        reverse("households:grid", args=[grid_ids[0]]) + "?overdue=1"
        if len(grid_ids) == 1
        else reverse("households:grids")
    )
    return Content(
        figures=[
            Figure(f"超{queries.visit_days()}天未走访", count, url, tone="warn" if count else "")
        ],
        items=[
            Item(
                h.address if len(grid_ids) == 1 else f"{h.address}（{h.grid.name}）",
                reverse("households:detail", args=[h.pk]),
                note=_note(h),
                tone="warn",
            )
            for h in shown
        ],
        more=Action("网格联系户", url, primary=False),
    )
