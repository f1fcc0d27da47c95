"""Member import and export pages: parse the request, call members.imports/exports, render."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.exports.models import ExportKind
from jiceng.orgs.models import GRASSROOTS_KINDS
from jiceng.web.excel_pages import export_page, import_page, xlsx_response

from . import queries
from .exports import EXPORT_MAX_ROWS, export_members
from .forms import filters_from_query
from .imports import import_members, member_template


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_import(request: AuthedRequest) -> HttpResponse:
    """导入党员."""
    return import_page(
        request,
        template="members/import.html",
        permission=Permission.MANAGE_MEMBERS,
        kinds=GRASSROOTS_KINDS,
        run=lambda upload, into: import_members(upload, into=into, by=request.user),
        no_target="请选择导入到哪个党组织",
        done=lambda org: (f"{reverse('members:list')}?org={org.pk}", f"查看{org.name}的党员"),
    )


@requires(Permission.MANAGE_MEMBERS)
@require_GET
def member_import_template(request: AuthedRequest) -> HttpResponse:
    return xlsx_response(member_template(), "党员信息导入模板.xlsx")


# The list's filters a background export asks again with (never id_number: see below).
QUERY_KEYS = ("org", "name", "status", "category", "mobile")


@requires(Permission.EXPORT_DATA)
@require_http_methods(["GET", "POST"])
def member_export(request: AuthedRequest) -> HttpResponse:
    """The member list as .xlsx, with the list's own filters (the same query string); a long
    one is written in the background (web.excel_pages.export_page)."""
    filters = filters_from_query(request.user, request.GET)
    rows = queries.search_members(request.user, filters)
    scope = filters.organization.name if filters.organization else "党员名单"
    filename = f"{scope}-{clock.today():%Y%m%d}.xlsx"
    if filters.id_number.strip():
        # A search by ID number finds one person: at once, and the number is never kept in
        # a job's row.
        return xlsx_response(export_members(rows, about=filters.describe()), filename)
    return export_page(
        request,
        count=min(rows.count(), EXPORT_MAX_ROWS),
        title=f"{scope}（党员）" if filters.organization else scope,
        filename=filename,
        at_once=lambda: export_members(rows, about=filters.describe()),
        kind=ExportKind.MEMBERS,
        params={"query": {k: request.GET[k] for k in QUERY_KEYS if request.GET.get(k)}},
    )
