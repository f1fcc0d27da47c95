"""Organization import and export pages: parse the request, call orgs.imports/exports, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import ImportResult
from jiceng.members.views_excel import MAX_ERRORS_SHOWN, chosen_organization, xlsx_response

from . import queries
from .exports import export_organizations
from .imports import import_organizations, import_targets, organization_template
from .models import BRANCH_KINDS, OrgKind

# Organizations that can hold sub-organizations (a branch holds only party groups).
PARENT_KINDS = frozenset(OrgKind.values) - BRANCH_KINDS


@login_required
@require_http_methods(["GET", "POST"])
def organization_import(request: AuthedRequest) -> HttpResponse:
    """导入党组织: a form (organization, file); POST creates all rows or none and shows either
    the count or every error."""
    organization = chosen_organization(request)
    targets, more = import_targets(request.user, kinds=PARENT_KINDS)
    if organization is not None and organization not in targets:
        targets.insert(0, organization)
    result: ImportResult | None = None
    problem = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if organization is None:
            problem = "请选择导入到哪个党组织之下"
        elif upload is None:
            problem = "请选择要上传的Excel文件（.xlsx）"
        else:
            try:
                result = import_organizations(upload, into=organization, by=request.user)
            except InvalidInput as exc:
                problem = exc.message
    return render(
        request,
        "orgs/import.html",
        {
            "organization": organization,
            "targets": targets,
            "more_targets": more,
            "result": result,
            "errors": result.errors[:MAX_ERRORS_SHOWN] if result else [],
            "problem": problem,
            "done_url": reverse("orgs:detail", args=[organization.pk]) if organization else "",
            "done_text": f"查看{organization.name}" if organization else "",
        },
    )


@login_required
@require_GET
def organization_import_template(request: AuthedRequest) -> HttpResponse:
    return xlsx_response(organization_template(), "党组织导入模板.xlsx")


@login_required
@require_GET
def organization_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """The organization and its whole subtree (as far as the user sees it) as .xlsx."""
    organization = queries.access_organization(request.user, pk)
    rows = queries.subtree(request.user, organization)
    content = export_organizations(rows)
    return xlsx_response(content, f"{organization.name}-党组织-{clock.today():%Y%m%d}.xlsx")
