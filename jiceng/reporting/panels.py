"""双报到 on the workbench: a member's community and hours; a community's reports to confirm
and half-yearly feedback still to write; a branch's feedback to read and members below the
reporting rule (a count and a link, never names ranked)."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission, has_permission, roles_of
from jiceng.core import clock
from jiceng.web.workbench import Content, Figure, Item, panel

from . import queries, rules
from .models import ReportStatus

P = Permission


def _is_member(user: User) -> bool:
    return user.member_id is not None and has_permission(user, P.SERVE_COMMUNITY)


@panel("reporting.member", title="我的社区", order=16, shows=_is_member)
def member(user: User) -> Content | list[Content]:
    me = queries.own_member(user)
    report = queries.open_report_of(me)
    url = reverse("reporting:mine")
    if report is None:
        return []  # no daily reminder to report: the menu's 我的社区 is where one starts
    if report.status != ReportStatus.CONFIRMED:
        return Content(items=[Item(f"{report.community.name}：待社区确认", url)])
    year = clock.today().year
    return Content(
        figures=[
            Figure(f"{year}年服务小时", rules.shown(queries.hours_of(me, year=year)), url=url),
            Figure("社区需求", queries.open_needs(report.community_id).count(), url=url + "#needs"),
        ],
        note=report.community.name,
    )


def _keeps_community(user: User) -> bool:
    return has_permission(user, P.MANAGE_COMMUNITY_SERVICE)


@panel(
    "reporting.community",
    title="双报到",
    order=36,
    shows=_keeps_community,
)
def community(user: User) -> Content | list[Content]:
    pending = queries.pending_count(user)
    places = list(queries.communities_of(user)[:2])
    if len(places) != 1:
        # a street's official: the count, and the list of its communities
        if not pending:
            return []
        return Content(
            figures=[Figure("待确认报到", pending, reverse("reporting:communities"), tone="warn")]
        )
    place = places[0]
    url = reverse("reporting:community", args=[place.code])
    figures = [Figure("待确认报到", pending, url + "#pending", tone="warn")] if pending else []
    items = []
    last = rules.previous_half(rules.half_of(clock.today()))
    unwritten = sum(1 for row in queries.half_rows(place.code, last) if row.feedback is None)
    if unwritten:
        items.append(
            Item(
                f"{rules.half_label(last)}反馈待填写 {unwritten} 名",
                reverse("reporting:community_feedback", args=[place.code]) + f"?half={last}",
                tone="warn",
            )
        )
    if not (figures or items):
        return []  # nothing to confirm or write: no panel
    return Content(figures=figures, items=items, note=place.name)


def _keeps_branch(user: User) -> bool:
    """The branch's secretary and committee (a department reads the page when it wants: the
    check of the rule runs over every reported member below it)."""
    return bool(roles_of(user) & {Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER})


@panel("reporting.branch", title="双报到反馈", order=37, shows=_keeps_branch)
def branch(user: User) -> Content | list[Content]:
    unread = queries.unread_feedback_count(user)
    below = len(queries.below_rule(user))
    if not (unread or below):
        return []
    url = reverse("reporting:branch")
    figures = []
    if unread:
        figures.append(Figure("社区反馈未阅", unread, url + "#feedback", tone="warn"))
    if below:
        figures.append(Figure("未达报到要求", below, url + "#below", tone="warn"))
    return Content(figures=figures)
