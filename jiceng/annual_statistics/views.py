"""党内统计年报 pages: the tables of a subtree for a year, each figure a link to the members or
organizations behind it, and the .xlsx in the tables' layout."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.orgs import queries as orgs
from jiceng.web.excel_pages import xlsx_response

from . import excel, queries


@requires(queries.PERMISSION)
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    organization = queries.access_organization(request.user, None)
    target = reverse("statistics:organization", args=[organization.pk])
    year = request.GET.get("year", "")
    return redirect(f"{target}?year={year}" if year else target)


@requires(queries.PERMISSION)
@require_GET
def organization_report(request: AuthedRequest, org: int) -> HttpResponse:
    organization = queries.access_organization(request.user, org)
    year = queries.check_year(request.GET.get("year"))
    found = queries.report(organization, year)
    return render(
        request,
        "annual_statistics/report.html",
        {
            "organization": organization,
            "report": found,
            "year": year,
            "years": list(range(clock.today().year, queries.FIRST_YEAR - 1, -1))[:10],
            "ancestors": orgs.ancestors(request.user, organization),
            "children": list(orgs.children(request.user, organization).values("pk", "name")[:60]),
            "can_export": has_permission(request.user, Permission.EXPORT_DATA),
        },
    )


@requires(Permission.EXPORT_DATA)
@require_GET
def export(request: AuthedRequest, org: int) -> HttpResponse:
    """A few small tables whatever the subtree: written at once (jiceng.exports is for lists
    of thousands of rows)."""
    organization = queries.access_organization(request.user, org)
    year = queries.check_year(request.GET.get("year"))
    content = excel.write_report(queries.report(organization, year))
    return xlsx_response(content, f"{organization.name}-{year}年党内统计年报.xlsx")


@requires(queries.PERMISSION)
@require_GET
def figure_list(request: AuthedRequest, org: int, key: str) -> HttpResponse:
    organization = queries.access_organization(request.user, org)
    year = queries.check_year(request.GET.get("year"))
    found = queries.report(organization, year, keep=key)
    label = next(
        (
            f"表{t.number} {t.title} · {line.label}"
            for t in found.tables
            for line in t.lines
            for cell in line.cells
            if cell.key == key
        ),
        "",
    )
    members = queries.members_behind(request.user, found, key)
    organizations = None if members else queries.organizations_behind(request.user, found, key)
    if members is None and organizations is None:
        raise Http404
    rows, counted = members or organizations  # type: ignore[misc]
    listed = list(rows)
    return render(
        request,
        "annual_statistics/list.html",
        {
            "organization": organization,
            "year": year,
            "label": label,
            "rows": listed,
            "counted": counted,
            "is_members": members is not None,
            "limit": queries.LIST_LIMIT,
            "unseen": min(counted, queries.LIST_LIMIT) - len(listed),
        },
    )
