"""The dashboard's tiles over what the other apps keep: members and organizations (the orgs
rollups), development, compliance of the last complete month, terms overdue and, where the
subtree has grids, the 三率 and hot spots of its area. Each figure links to its list only where
that list opens for the user (scoping.Scope.allows on the organization)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.scoping import scope_of
from jiceng.cases import metrics
from jiceng.core import clock
from jiceng.core.errors import NotFound
from jiceng.development import queries as development
from jiceng.development.models import Standing
from jiceng.dues import queries as dues
from jiceng.dues import rates as dues_rates
from jiceng.orglife import rules as orglife_rules
from jiceng.orglife.models import Compliance
from jiceng.orgs import queries as orgs
from jiceng.orgs.models import Organization

from .tiles import Figure, Tile, tile

CHILDREN_SHOWN = 20


def allows(user: User, organization: Organization, permission: Permission) -> bool:
    return scope_of(user).allows(
        permission, path=organization.path, division_id=organization.division_id
    )


def link(user: User, organization: Organization, permission: Permission, url: str) -> str:
    """The url, if its list opens for the user at the organization; empty otherwise."""
    return url if allows(user, organization, permission) else ""


def short_name(parent: str, name: str) -> str:
    """A bar's label on a phone: without 中共 and the place the parent's name already says
    (中共南京市栖霞区委 → 中共南京市栖霞区仙林街道工作委员会 reads 仙林街道工作委员会)."""
    place = parent.removeprefix("中共").removesuffix("委")
    short = name.removeprefix("中共")
    if len(place) >= 2 and short.startswith(place) and len(short) > len(place):
        short = short[len(place) :]
    return short.replace("工作委员会", "党工委").replace("委员会", "党委")


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@tile("dashboard.members", title="党员和党组织", order=10)
def members_and_organizations(organization: Organization, user: User) -> Tile:
    members = link(
        user,
        organization,
        Permission.VIEW_MEMBERS,
        f"{reverse('members:list')}?org={organization.pk}",
    )
    children_url = reverse("orgs:detail", args=[organization.pk])
    figures = [
        Figure("党员", organization.subtree_member_count, members),
        Figure("基层党组织", organization.subtree_org_count, children_url),
        Figure("党支部", organization.subtree_branch_count, children_url),
    ]
    # The largest sub-organizations by members, from their rollup rows: one index range.
    below = list(
        orgs.children(user, organization)
        .order_by("-subtree_member_count", "path")
        .values_list("name", "subtree_member_count")[:CHILDREN_SHOWN]
    )
    chart: dict[str, Any] | None = None
    if below:
        chart = {
            "kind": "bar",
            "categories": [short_name(organization.name, name) for name, _ in below][::-1],
            "series": [{"name": "党员", "data": [count for _, count in below][::-1]}],
        }
    return Tile(figures=figures, chart=chart, url=children_url)


@tile("dashboard.development", title="发展党员", order=20)
def development_tile(organization: Organization, user: User) -> Tile | None:
    if not allows(user, organization, Permission.VIEW_MEMBERS):
        return None
    pipeline = f"{reverse('development:pipeline')}?org={organization.pk}"
    total = development.subtree_totals(organization)
    shown = [Standing.APPLICANT, Standing.ACTIVIST, Standing.CANDIDATE, Standing.PROBATIONARY]
    figures = [Figure(s.label, total.counts.get(s, 0), pipeline) for s in shown]
    figures.append(Figure("超期", total.late, pipeline, tone="warn" if total.late else ""))
    year = clock.today().year
    progress = development.plan_progress(organization, year)
    note = f"{year}年已接收预备党员{progress.admitted}名"
    if progress.planned is not None:
        note = f"{year}年发展计划{progress.planned}名，已接收{progress.admitted}名"
    return Tile(figures=figures, url=pipeline, note=note)


def last_complete_month() -> int:
    return orglife_rules.add_months(orglife_rules.month_of(clock.today()), -1)


@tile("dashboard.compliance", title="组织生活达标", order=30)
def compliance(organization: Organization, user: User) -> Tile | None:
    if not (
        allows(user, organization, Permission.VIEW_ORGANIZATIONS)
        or allows(user, organization, Permission.MANAGE_MEETINGS)
    ):
        return None
    month = last_complete_month()
    months = [orglife_rules.add_months(month, -i) for i in range(11, -1, -1)]
    rows = {
        c.month: c for c in Compliance.objects.filter(organization=organization, month__in=months)
    }
    row = rows.get(month)
    url = reverse("orglife:org_compliance", kwargs={"org": organization.pk})
    shown = f"{url}?month={orglife_rules.format_month(month)}"
    if row is None:
        figures = [Figure("达标率", "暂无", shown)]
    else:
        rate = _pct(row.compliant, row.branches)
        failing = row.branches - row.compliant
        figures = [
            Figure("达标率", "—" if rate is None else f"{rate}%", shown),
            Figure("达标支部", row.compliant, shown),
            Figure("未达标支部", failing, shown, tone="warn" if failing else ""),
        ]
    chart = {
        "kind": "line",
        "categories": [orglife_rules.format_month(m) for m in months],
        "series": [
            {
                "name": "达标率%",
                "data": [
                    _pct(rows[m].compliant, rows[m].branches) if m in rows else None for m in months
                ],
            }
        ],
    }
    return Tile(
        figures=figures,
        chart=chart,
        url=shown,
        note=f"{orglife_rules.format_month(month)}（上一个完整月份）",
    )


@tile("dashboard.terms", title="换届", order=40)
def terms(organization: Organization, user: User) -> Tile | None:
    if not allows(user, organization, Permission.VIEW_ORGANIZATIONS):
        return None
    today = clock.today()
    due = orgs.terms_due(user, under=organization, today=today)
    overdue = due.filter(term_due__lt=today).count()
    soon = due.filter(term_due__gte=today).count()
    url = reverse("orgs:terms_due", args=[organization.pk])
    return Tile(
        figures=[
            Figure("届期已满未换届", overdue, url, tone="warn" if overdue else ""),
            Figure("即将到期", soon, url),
        ],
        url=url,
    )


@tile("dashboard.dues", title="党费收缴", order=50)
def dues_tile(organization: Organization, user: User) -> Tile | None:
    """This month's dues of the subtree, from the branches' month totals (dues.MonthTotal)."""
    if not dues.may_view(user, organization):
        return None
    month = dues.this_month()
    whole, _ = dues.subtree_totals(organization, month)
    if not whole.expected and not whole.billed:
        return None
    url = reverse("dues:totals", args=[organization.pk])
    return Tile(
        figures=[
            Figure("应缴（万元）", dues_rates.wan(whole.expected), url),
            Figure("已缴（万元）", dues_rates.wan(whole.collected), url),
            Figure("收缴率", whole.rate, url),
        ],
        url=url,
        note=dues_rates.month_label(month),
    )


@tile("dashboard.cases", title="接诉即办 三率", order=70)
def cases(organization: Organization, user: User) -> Tile | None:
    """The area of the organization's division, where the user may read its metrics and it has
    cases: the last complete month's rates, the trend, and its hot spots on a map."""
    if organization.division_id is None or not has_permission(user, Permission.VIEW_CASE_METRICS):
        return None
    try:
        area = metrics.area_of(user, organization.division_id)
    except NotFound:
        return None
    current = metrics.parse_month(None)
    month = metrics.previous_months(current, 2)[0]
    start, end = metrics.month_bounds(month)
    overall = metrics.overall(area, start, end)
    trend = metrics.trend(area, month)
    if overall.total == 0 and not any(t.total for _, t in trend):
        return None
    url = f"{reverse('case_metrics:ranking')}?area={organization.division_id}&month={month:%Y-%m}"

    def shown(rate: float | None) -> str:
        return "—" if rate is None else f"{100 * rate:.1f}%"

    spots = metrics.hot_spots(area, start, end, limit=5)
    figures = [
        Figure("诉求", overall.total, url),
        Figure("响应率", shown(overall.response_rate), url),
        Figure("解决率", shown(overall.resolution_rate), url),
        Figure("满意率", shown(overall.satisfaction_rate), url),
    ]
    figures += [
        Figure(f"热点：{s.grid_name} · {s.subject}", s.count, url, tone="warn") for s in spots[:3]
    ]

    def pct(rate: float | None) -> float | None:
        return None if rate is None else round(100 * rate, 1)

    chart = {
        "kind": "line",
        "categories": [f"{m:%Y-%m}" for m, _ in trend],
        "series": [
            {"name": "响应率", "data": [pct(t.response_rate) for _, t in trend]},
            {"name": "解决率", "data": [pct(t.resolution_rate) for _, t in trend]},
            {"name": "满意率", "data": [pct(t.satisfaction_rate) for _, t in trend]},
        ],
    }
    located = metrics.map_data(area, start, end)["cases"]
    return Tile(
        figures=figures,
        chart=chart,
        url=url,
        note=f"{month:%Y年%m月}",
        map={"cases": located[:500]} if located else None,
    )
