"""The work of a background export (the task worker runs it): ask again, as the user who
asked, for what they asked for; write the .xlsx through the same export functions as a
download made at once (members.exports, orgs.exports: the same masking, the same audit record,
written in the requester's name and from their address); keep the file for a limited time.

Each job moves QUEUED → RUNNING → DONE (or FAILED) by conditional updates, so two workers
never write the same file; progress is one UPDATE of `done` every thousand rows."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import QueryDict

from jiceng.accounts.permissions import Permission, has_permission
from jiceng.core import audit, clock
from jiceng.core.errors import DomainError
from jiceng.members import queries as member_queries
from jiceng.members.exports import export_members
from jiceng.members.forms import filters_from_query
from jiceng.orgs import queries as org_queries
from jiceng.orgs.exports import export_organizations

from .models import ExportJob, ExportKind, ExportStatus

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
FAILED = "导出失败，请重新导出；如仍失败请通过“投诉建议”告诉系统管理员"


def export_dir() -> Path:
    return Path(settings.JICENG_EXPORT_DIR)


def keep_hours() -> int:
    return int(settings.JICENG_EXPORT_KEEP_HOURS)


def stored_path(job: ExportJob) -> Path | None:
    """Where the job's file is, if it has one (a name of our own making, never a path)."""
    if not job.stored_as or "/" in job.stored_as or job.stored_as.startswith("."):
        return None
    return export_dir() / job.stored_as


def _members(job: ExportJob, progress: Progress) -> bytes:
    user = job.requested_by
    query = QueryDict(mutable=True)
    for key, value in job.params.get("query", {}).items():
        query[key] = str(value)
    filters = filters_from_query(user, query)
    rows = member_queries.search_members(user, filters)
    return export_members(rows, about=filters.describe(), progress=progress)


def _organizations(job: ExportJob, progress: Progress) -> bytes:
    user = job.requested_by
    organization = org_queries.access_organization(user, int(job.params["organization"]))
    rows = org_queries.subtree(user, organization)
    return export_organizations(rows, under=organization, progress=progress)


BUILDERS: dict[str, Callable[[ExportJob, Progress], bytes]] = {
    ExportKind.MEMBERS: _members,
    ExportKind.ORGANIZATIONS: _organizations,
}


def run_export_job(job_id: int) -> str:
    """Writes the job's file; returns its new status (or "skipped" if it was not queued)."""
    moved = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING
    )
    if moved != 1:
        return "skipped"  # another worker took it, or it was already done
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(done=rows)

    try:
        user = job.requested_by
        if not user.is_active or not has_permission(user, Permission.EXPORT_DATA):
            return _fail(job_id, "您已没有导出数据的权限")
        with audit.acting(user=user, ip=job.ip):
            content = BUILDERS[job.kind](job, progress)
        name = f"{secrets.token_hex(16)}.xlsx"
        _write(export_dir() / name, content)
    except DomainError as exc:  # the organization is no longer in the user's scope ...
        return _fail(job_id, exc.message)
    except Exception:
        logger.exception("export job %s failed", job_id)
        return _fail(job_id, FAILED)
    now = clock.now()
    ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        stored_as=name,
        done=job.total,
        finished_at=now,
        expires_at=now + dt.timedelta(hours=keep_hours()),
    )
    return ExportStatus.DONE


def _fail(job_id: int, message: str) -> str:
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.FAILED, error=message[:300], finished_at=clock.now()
    )
    return ExportStatus.FAILED


def _write(path: Path, content: bytes) -> None:
    """Readable by the service's account only: the file holds (masked) personal data."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def purge_expired_exports() -> int:
    """Deletes the files past their time and marks their jobs expired; returns how many."""
    now = clock.now()
    expired = list(
        ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lte=now).values_list(
            "pk", "stored_as"
        )
    )
    for pk, stored_as in expired:
        path = stored_path(ExportJob(pk=pk, stored_as=stored_as))
        if path is not None:
            path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=pk, status=ExportStatus.DONE).update(
            status=ExportStatus.EXPIRED, stored_as=""
        )
    return len(expired)
