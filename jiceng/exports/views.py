"""The pages of background exports: the job's progress (polled by htmx), the download, and
the list of the user's own exports. Each opens only for the user who asked."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import audit, clock
from jiceng.core.excel import XLSX_CONTENT_TYPE

from . import queries
from .jobs import keep_hours, stored_path
from .models import ExportJob, ExportStatus


def _context(job: ExportJob) -> dict[str, object]:
    expired = job.status == ExportStatus.EXPIRED or (
        job.status == ExportStatus.DONE
        and job.expires_at is not None
        and job.expires_at <= clock.now()
    )
    return {"job": job, "expired": expired, "keep_hours": keep_hours()}


@requires(Permission.EXPORT_DATA)
@require_GET
def job(request: AuthedRequest, pk: int) -> HttpResponse:
    found = queries.access_own_job(request.user, pk)
    return render(request, "exports/job.html", _context(found))


@requires(Permission.EXPORT_DATA)
@require_GET
def progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The progress block alone, polled every second while the job is working."""
    found = queries.access_own_job(request.user, pk)
    return render(request, "exports/_progress.html", _context(found))


@requires(Permission.EXPORT_DATA)
@require_GET
def download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    found = queries.access_own_job(request.user, pk)
    path = stored_path(found)
    if (
        found.status != ExportStatus.DONE
        or _context(found)["expired"]
        or path is None
        or not path.exists()
    ):
        messages.error(request, "文件已过期删除或尚未生成，请重新导出")
        return redirect("exports:job", pk=pk)
    audit.record(
        audit.AuditEvent.EXPORT,
        action="exports.download",
        target=found,
        detail={"kind": found.kind, "rows": found.total},
    )
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=found.filename, content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response


@requires(Permission.EXPORT_DATA)
@require_GET
def mine(request: AuthedRequest) -> HttpResponse:
    """我的导出: the latest twenty, with their state and links."""
    now = clock.now()
    return render(
        request,
        "exports/mine.html",
        {"jobs": queries.my_jobs(request.user), "now": now, "keep_hours": keep_hours()},
    )
