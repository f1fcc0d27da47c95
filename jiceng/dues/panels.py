"""Dues on the workbench (web.workbench): a member's own dues; a branch secretary's month
(collection, arrears, members to be put through the 自行脱党 procedure); a department's
subtree totals and the members flagged there."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission, has_permission, roles_of
from jiceng.accounts.scoping import Where, role_reach
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.web.workbench import Action, Content, Figure, Item, panel

from . import queries, rates

LIST_LIMIT = 5
ORGANIZATIONS_SHOWN = 3
MANAGING_ROLES = frozenset({Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER})


def _is_member(user: User) -> bool:
    return user.member_id is not None and has_permission(user, Permission.VIEW_OWN_RECORD)


# The list holds only the months overdue: this month's bill unpaid is shown by its figures.
@panel("dues.member", title="我的党费", order=14, shows=_is_member, empty="没有逾期未交的党费")
def my_dues(user: User) -> Content:
    member = Member.objects.filter(pk=user.member_id or 0).select_related("organization").first()
    if member is None:
        return Content()
    dues = queries.member_dues(member, months=1)
    if not dues.bills and not dues.unpaid:
        return Content()
    url = reverse("dues:member", args=[member.pk])
    paid_to = rates.format_month(rates.month_of(dues.paid_up_to)) if dues.paid_up_to else "—"
    figures = [
        Figure("未缴月数", len(dues.unpaid), url, tone="warn" if dues.overdue_months else ""),
        Figure("未缴金额", rates.yuan(dues.unpaid_total), url),
        Figure("党费交至", paid_to, url),
    ]
    items = []
    if dues.standing:
        items.append(
            Item(
                f"已有{dues.overdue_months}个月逾期未交纳党费",
                url,
                note="请尽快向支部交纳",
                tone="warn",
            )
        )
    return Content(figures=figures, items=items, more=Action("我的党费明细", url, primary=False))


def _manages_a_branch(user: User) -> bool:
    return bool(roles_of(user) & MANAGING_ROLES) and has_permission(user, Permission.MANAGE_MEMBERS)


def _named(user: User, roles: frozenset[Role]) -> list[Organization]:
    paths: set[str] = set()
    for role in roles:
        paths.update(role_reach(user, role, Where.SUBTREE).paths)
    return list(
        Organization.objects.filter(path__in=sorted(paths), dissolved_on__isnull=True).order_by(
            "path"
        )[:ORGANIZATIONS_SHOWN]
    )


@panel("dues.branch", title="党费收缴", order=36, shows=_manages_a_branch, empty="本月暂无账单")
def branch_collection(user: User) -> list[Content]:
    month = queries.this_month()
    shown = []
    for organization in _named(user, MANAGING_ROLES):
        if not organization.is_branch:
            continue
        data = queries.branch_month(organization, month)
        url = reverse("dues:branch", args=[organization.pk])
        total = data.total
        figures = [
            Figure("本月已缴", f"{total.paid}/{total.billed}" if total else "—", url),
            Figure("欠缴3月+", len(data.arrears), url, tone="warn" if data.arrears else ""),
            Figure("6月未缴", len(data.leaving), url, tone="warn" if data.leaving else ""),
        ]
        items = [
            Item(
                r.member.name,
                reverse("dues:member", args=[r.member.pk]),
                note=f"逾期{r.overdue_months}个月"
                + ("，无正当理由：应按自行脱党程序处理" if r.standing == "LEAVING" else ""),
                tone="warn",
            )
            for r in sorted(data.arrears, key=lambda r: -r.overdue_months)[:LIST_LIMIT]
        ]
        shown.append(
            Content(
                figures=figures,
                items=items,
                note=f"{organization.name} · {rates.month_label(month)}",
                actions=[Action("收缴党费", url)],
            )
        )
    return shown


def _is_department(user: User) -> bool:
    return Role.ORGANIZATION_DEPARTMENT in roles_of(user) and has_permission(
        user, Permission.VIEW_MEMBERS
    )


@panel("dues.department", title="党费汇总", order=38, shows=_is_department, empty="本月暂无账单")
def department_totals(user: User) -> list[Content]:
    month = queries.this_month()
    shown = []
    for organization in _named(user, frozenset({Role.ORGANIZATION_DEPARTMENT})):
        whole, _ = queries.subtree_totals(organization, month)
        url = reverse("dues:totals", args=[organization.pk])
        figures = [
            Figure("应缴（万元）", rates.wan(whole.expected), url),
            Figure("已缴（万元）", rates.wan(whole.collected), url),
            Figure("收缴率", whole.rate, url),
        ]
        items: list[Item] = []
        if queries.lists_arrears(organization):
            leaving, count = queries.arrears_under(
                organization, leaving_only=True, limit=LIST_LIMIT
            )
            figures.append(Figure("6月未缴", count, url, tone="warn" if count else ""))
            items = [
                Item(
                    r.name,
                    reverse("dues:member", args=[r.member_id]),
                    note=f"{r.organization_name} · 逾期{r.overdue_months}个月：自行脱党程序",
                    tone="warn",
                )
                for r in leaving
            ]
        shown.append(
            Content(
                figures=figures,
                items=items,
                note=f"{organization.name} · {rates.month_label(month)}",
                more=Action("党费汇总", url, primary=False),
            )
        )
    return shown
