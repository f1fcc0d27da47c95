"""Grids on the workbench (web.workbench): a grid worker's patrol: the grids they work, the
patrol going on, and the button that starts or continues one."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.web.workbench import Action, Content, Item, panel

from . import queries


def _works_grids(user: User) -> bool:
    return bool(scope_of(user).reach(Permission.HANDLE_CASES).grid_ids)


@panel("grid.patrol", title="网格巡查", order=45, shows=_works_grids, empty="")
def patrol(user: User) -> Content:
    url = reverse("grid:patrol")
    current = queries.open_patrol_of(user)
    grids = list(queries.worker_grids(user)[:5])
    items = [Item(f"{g.name}（{g.code}）", reverse("grid:map"), note="我的网格") for g in grids]
    if current is not None:
        started = current.started_at.astimezone(clock.CHINA)
        items.insert(
            0,
            Item(
                f"正在巡查：{current.grid.name}",
                url,
                note=f"{started:%H:%M} 开始",
                tone="warn",
            ),
        )
        action = Action("继续巡查", url)
    else:
        action = Action("开始巡查", url)
    return Content(items=items, actions=[action])
