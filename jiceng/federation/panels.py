"""跨省转入 on the workbench (web.workbench): the arrivals from other province instances
waiting for the receiving organization's answer, for its secretary and the committees above
it; shown only where this instance exchanges with others."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission, has_permission, roles_of
from jiceng.web.workbench import Action, Content, Figure, Item, panel

from . import keys, queries
from .models import IncomingTransfer

LIST_LIMIT = 5
COUNT_CAP = 100
ANSWERING_ROLES = frozenset(
    {Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER, Role.ORGANIZATION_DEPARTMENT}
)


def _answers(user: User) -> bool:
    return (
        keys.is_configured()
        and bool(ANSWERING_ROLES & roles_of(user))
        and has_permission(user, Permission.MANAGE_MEMBERS)
    )


def _to(incoming: IncomingTransfer) -> str:
    return f" · 转入{incoming.to_organization.name}" if incoming.to_organization else ""


@panel(
    "federation.incoming",
    title="跨省转入",
    order=38,
    shows=_answers,
    empty="没有待接收的跨省转入",
)
def incoming(user: User) -> Content:
    waiting = queries.incoming_waiting_for(user)
    count = waiting.order_by()[:COUNT_CAP].count()
    url = reverse("federation:incoming_list")
    shown = list(waiting[:LIST_LIMIT])
    names = queries.instance_names({t.sender for t in shown})
    items = [
        Item(
            f"{t.member_name}：{t.from_organization_name}（{names[t.sender]}）",
            reverse("federation:incoming_detail", args=[t.pk]),
            note=f"待接收 · {t.arrived_at:%Y-%m-%d}到达{_to(t)}",
        )
        for t in shown
    ]
    return Content(
        figures=[Figure("待接收", count, url, tone="warn")] if count else [],
        items=items,
        actions=[Action("全部跨省转入", url, primary=False)],
    )
