"""Organization import and export pages: parse the request, call orgs.imports/exports, render."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.exports.models import ExportKind
from jiceng.web.excel_pages import export_page, import_page, xlsx_response

from . import queries
from .exports import EXPORT_MAX_ROWS, export_organizations
from .imports import import_organizations, organization_template
from .models import BRANCH_KINDS, OrgKind

# Organizations that can hold sub-organizations (a branch holds only party groups).
PARENT_KINDS = frozenset(OrgKind.values) - BRANCH_KINDS


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def organization_import(request: AuthedRequest) -> HttpResponse:
    """导入党组织."""
    return import_page(
        request,
        template="orgs/import.html",
        permission=Permission.MANAGE_ORGANIZATIONS,
        kinds=PARENT_KINDS,
        run=lambda upload, into: import_organizations(upload, into=into, by=request.user),
        no_target="请选择导入到哪个党组织之下",
        done=lambda org: (reverse("orgs:detail", args=[org.pk]), f"查看{org.name}"),
    )


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_GET
def organization_import_template(request: AuthedRequest) -> HttpResponse:
    return xlsx_response(organization_template(), "党组织导入模板.xlsx")


@requires(Permission.EXPORT_DATA)
@require_http_methods(["GET", "POST"])
def organization_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """The organization and its whole subtree (as far as the user sees it) as .xlsx; a large
    one is written in the background (web.excel_pages.export_page)."""
    organization = queries.access_organization(request.user, pk)
    rows = queries.subtree(request.user, organization)
    return export_page(
        request,
        count=min(rows.count(), EXPORT_MAX_ROWS),
        title=f"{organization.name}及下级党组织",
        filename=f"{organization.name}-党组织-{clock.today():%Y%m%d}.xlsx",
        at_once=lambda: export_organizations(rows, under=organization),
        kind=ExportKind.ORGANIZATIONS,
        params={"organization": organization.pk},
    )
