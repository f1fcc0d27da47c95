"""Transfers on the workbench (web.workbench): a branch secretary's incoming transfers to
confirm and letters whose receipt is late; a department's transfers awaiting its approval."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission, has_permission, roles_of
from jiceng.web.workbench import Action, Content, Figure, Item, panel

from . import queries
from .models import MobileState, Transfer, TransferState

LIST_LIMIT = 5
COUNT_CAP = 100
SECRETARY_ROLES = frozenset({Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER})


def _is_secretary(user: User) -> bool:
    return bool(SECRETARY_ROLES & roles_of(user)) and has_permission(
        user, Permission.MANAGE_MEMBERS
    )


def _is_department(user: User) -> bool:
    return Role.ORGANIZATION_DEPARTMENT in roles_of(user) and has_permission(
        user, Permission.MANAGE_MEMBERS
    )


def _item(transfer: Transfer, note: str, tone: str = "") -> Item:
    return Item(
        f"{transfer.member.name}：{transfer.from_organization.name} → {transfer.receiver_name}",
        reverse("transfers:detail", args=[transfer.pk]),
        note=note,
        tone=tone,
    )


@panel(
    "transfers.secretary",
    title="组织关系转接",
    order=36,
    shows=_is_secretary,
    empty="没有待确认的转入、待接收的流动党员和逾期的回执",
)
def secretary(user: User) -> Content:
    """待确认转入 (incoming, approved by both committees) and 回执逾期 (late receipts)."""
    waiting = queries.waiting_for(user)
    to_confirm = waiting.filter(state=TransferState.IN_APPROVED)
    returned = waiting.filter(state=TransferState.RETURNED)
    late = queries.late_letters(user)
    items = [_item(t, "待确认转入") for t in to_confirm[:LIST_LIMIT]]
    items += [_item(t, f"已退回：{t.returned_reason}", "warn") for t in returned[:LIST_LIMIT]]
    items += [
        _item(t, f"回执应于{t.receipt_due:%Y-%m-%d}前收回，已逾期", "warn")
        for t in late[:LIST_LIMIT]
    ]
    to_accept = queries.hosted_by(user).filter(state=MobileState.PENDING)
    items += [
        Item(
            f"{r.member.name}：来自{r.home.name}",
            reverse("transfers:mobile_detail", args=[r.pk]),
            note="流动党员待接收",
        )
        for r in to_accept[:LIST_LIMIT]
    ]
    url = reverse("transfers:list")
    figures = []
    confirm_count = to_confirm.order_by()[:COUNT_CAP].count()
    late_count = late.order_by()[:COUNT_CAP].count()
    if confirm_count:
        figures.append(Figure("待确认转入", confirm_count, url))
    if late_count:
        figures.append(Figure("回执逾期", late_count, url, tone="warn"))
    return Content(
        figures=figures,
        items=items,
        actions=[
            Action("全部转接", url, primary=False),
            Action("流动党员", reverse("transfers:mobile_list"), primary=False),
        ],
    )


@panel(
    "transfers.department",
    title="待审批的组织关系转接",
    order=37,
    shows=_is_department,
    empty="没有待审批的组织关系转接",
)
def department(user: User) -> Content:
    """Transfers whose next step is this department's approval (转出方或接收方党委审批)."""
    waiting = queries.waiting_for(user).filter(
        state__in=[TransferState.SENT, TransferState.OUT_APPROVED]
    )
    count = waiting.order_by()[:COUNT_CAP].count()
    url = reverse("transfers:list")
    items = [
        _item(t, "转出方审批" if t.state == TransferState.SENT else "接收方审批")
        for t in waiting[:LIST_LIMIT]
    ]
    return Content(
        figures=[Figure("待审批", count, url, tone="warn" if count else "")] if count else [],
        items=items,
        actions=[Action("全部转接", url, primary=False)],
    )
