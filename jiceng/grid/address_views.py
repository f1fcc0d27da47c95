"""The gazetteer's page (门牌地址库): how many door plates the user's grids hold, the import
from Excel or CSV with its report, the template, and a box to try an address as the hotline
would route it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.accounts.scoping import scope_of
from jiceng.core.errors import DomainError
from jiceng.web.excel_pages import MAX_ERRORS_SHOWN, xlsx_response

from . import address_imports, gazetteer
from .models import GazetteerAddress

HOW_LABELS = {
    gazetteer.HOW_GAZETTEER: "门牌地址库",
    gazetteer.HOW_COMMUNITY: "社区（村）",
    gazetteer.HOW_STREET: "街道",
    gazetteer.HOW_NONE: "无法定位",
}


@require_http_methods(["GET", "POST"])
@requires(Permission.MANAGE_GRIDS)
def addresses(request: AuthedRequest) -> HttpResponse:
    result = None
    problem = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problem = "请选择要上传的 Excel 或 CSV 文件"
        else:
            try:
                result = address_imports.import_addresses(
                    upload, filename=upload.name or "", by=request.user
                )
            except DomainError as exc:
                problem = exc.message
    managed = scope_of(request.user).reach(Permission.MANAGE_GRIDS)
    count = GazetteerAddress.objects.filter(managed.division_q("grid__community_id")).count()
    query = request.GET.get("q", "").strip()[:200]
    tried = gazetteer.resolve(query) if query else None
    return render(
        request,
        "grid/addresses.html",
        {
            "result": result,
            "errors": result.errors[:MAX_ERRORS_SHOWN] if result else [],
            "problem": problem,
            "count": count,
            "query": query,
            "tried": tried,
            "how": HOW_LABELS[tried.how] if tried else "",
        },
        status=400 if problem or (result and result.errors) else 200,
    )


@require_GET
@requires(Permission.MANAGE_GRIDS)
def addresses_template(request: AuthedRequest) -> HttpResponse:
    return xlsx_response(address_imports.template(), "门牌地址导入模板.xlsx")
