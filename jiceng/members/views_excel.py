"""Member import and export pages: parse the request, call members.imports/exports, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import XLSX_CONTENT_TYPE, ImportResult
from jiceng.orgs.imports import import_targets
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization
from jiceng.orgs.queries import access_organization
from jiceng.orgs.services import check_can_write

from . import queries
from .exports import export_members
from .forms import filters_from_query
from .imports import import_members, member_template

MAX_ERRORS_SHOWN = 1000


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response


def chosen_organization(request: AuthedRequest) -> Organization | None:
    """The organization named by `org` (POST, else the query string), if the user may write
    into it; one outside the scope is a 404, as everywhere."""
    text = (request.POST.get("org") or request.GET.get("org") or "").strip()
    if not (text.isdigit() and len(text) <= 15):
        return None
    organization = access_organization(request.user, int(text))
    check_can_write(request.user, organization)
    return organization


@login_required
@require_http_methods(["GET", "POST"])
def member_import(request: AuthedRequest) -> HttpResponse:
    """导入党员: a form (organization, file); POST imports all rows or none and shows either
    the count or every error."""
    organization = chosen_organization(request)
    targets, more = import_targets(request.user, kinds=GRASSROOTS_KINDS)
    if organization is not None and organization not in targets:
        targets.insert(0, organization)
    result: ImportResult | None = None
    problem = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if organization is None:
            problem = "请选择导入到哪个党组织"
        elif upload is None:
            problem = "请选择要上传的Excel文件（.xlsx）"
        else:
            try:
                result = import_members(upload, into=organization, by=request.user)
            except InvalidInput as exc:
                problem = exc.message
    return render(
        request,
        "members/import.html",
        {
            "organization": organization,
            "targets": targets,
            "more_targets": more,
            "result": result,
            "errors": result.errors[:MAX_ERRORS_SHOWN] if result else [],
            "problem": problem,
            "done_url": f"{reverse('members:list')}?org={organization.pk}" if organization else "",
            "done_text": f"查看{organization.name}的党员" if organization else "",
        },
    )


@login_required
@require_GET
def member_import_template(request: AuthedRequest) -> HttpResponse:
    return xlsx_response(member_template(), "党员信息导入模板.xlsx")


@login_required
@require_GET
def member_export(request: AuthedRequest) -> HttpResponse:
    """The member list as .xlsx, with the list's own filters (the same query string)."""
    filters = filters_from_query(request.user, request.GET)
    rows = queries.search_members(request.user, filters)
    scope = filters.organization.name if filters.organization else "党员名单"
    return xlsx_response(export_members(rows), f"{scope}-{clock.today():%Y%m%d}.xlsx")
