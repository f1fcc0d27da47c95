"""Page pieces shared by every Excel import and export page: the upload flow, the download,
and the choice between an export downloaded at once and one written in the background."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import IO, Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.audit import client_ip
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import XLSX_CONTENT_TYPE, ImportResult
from jiceng.exports.models import ExportKind
from jiceng.exports.services import inline_rows, start_export
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


def export_page(
    request: AuthedRequest,
    *,
    count: int,
    title: str,
    filename: str,
    at_once: Callable[[], bytes],
    kind: ExportKind,
    params: Mapping[str, Any],
) -> HttpResponse:
    """An export of `count` rows: up to JICENG_EXPORT_INLINE_ROWS the file itself, at once
    (`at_once`), as it always was; more, a page that says how many and starts a background
    job on POST (jiceng.exports), then shows its progress and the download link. Either way
    the same export function writes the file, with the same masking and audit record."""
    problem = ""
    if request.method == "POST":
        try:
            job = start_export(
                kind=kind,
                params=params,
                title=title,
                filename=filename,
                total=count,
                by=request.user,
                ip=client_ip(request),
            )
        except InvalidInput as exc:
            problem = exc.message
        else:
            return redirect("exports:job", pk=job.pk)
    elif count <= inline_rows():
        return xlsx_response(at_once(), filename)
    return render(
        request,
        "exports/confirm.html",
        {"count": count, "title": title, "problem": problem},
    )
