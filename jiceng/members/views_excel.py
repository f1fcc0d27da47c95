"""Member import and export pages: parse the request, call members.imports/exports, render."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.orgs.models import GRASSROOTS_KINDS
from jiceng.web.excel_pages import import_page, xlsx_response

from . import queries
from .exports import export_members
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


@requires(Permission.EXPORT_DATA)
@require_GET
def member_export(request: AuthedRequest) -> HttpResponse:
    """The member list as .xlsx, with the list's own filters (the same query string)."""
    filters = filters_from_query(request.user, request.GET)
    rows = queries.search_members(request.user, filters)
    scope = filters.organization.name if filters.organization else "党员名单"
    content = export_members(rows, about=filters.describe())
    return xlsx_response(content, f"{scope}-{clock.today():%Y%m%d}.xlsx")
