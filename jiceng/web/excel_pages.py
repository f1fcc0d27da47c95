"""Page pieces shared by every Excel import and export page: the upload flow, the download."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import IO

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import XLSX_CONTENT_TYPE, ImportResult
from jiceng.orgs.imports import import_targets
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import access_organization
from jiceng.orgs.services import check_can_write

MAX_ERRORS_SHOWN = 1000

Importer = Callable[..., ImportResult]


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response


def chosen_organization(request: AuthedRequest, permission: Permission) -> Organization | None:
    """The organization named by `org` (POST, else the query string), if `permission` holds
    there; one outside the scope is a 404, as everywhere."""
    text = (request.POST.get("org") or request.GET.get("org") or "").strip()
    if not (text.isdigit() and len(text) <= 15):
        return None
    organization = access_organization(request.user, int(text))
    check_can_write(request.user, organization, permission)
    return organization


def import_page(
    request: AuthedRequest,
    *,
    template: str,
    permission: Permission,
    kinds: Collection[str],
    run: Callable[[IO[bytes], Organization], ImportResult],
    no_target: str,
    done: Callable[[Organization], tuple[str, str]],
) -> HttpResponse:
    """The upload form (organization, file); POST runs the all-or-nothing import and shows
    either the count or every error. `done` gives the link (url, text) after a success."""
    organization = chosen_organization(request, permission)
    targets, more = import_targets(request.user, permission=permission, kinds=kinds)
    if organization is not None and organization not in targets:
        targets.insert(0, organization)
    result: ImportResult | None = None
    problem = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if organization is None:
            problem = no_target
        elif upload is None:
            problem = "请选择要上传的Excel文件（.xlsx）"
        else:
            try:
                result = run(upload, organization)
            except InvalidInput as exc:
                problem = exc.message
    done_url, done_text = done(organization) if organization else ("", "")
    return render(
        request,
        template,
        {
            "organization": organization,
            "targets": targets,
            "more_targets": more,
            "result": result,
            "errors": result.errors[:MAX_ERRORS_SHOWN] if result else [],
            "problem": problem,
            "done_url": done_url,
            "done_text": done_text,
        },
    )
