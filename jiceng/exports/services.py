"""Asking for a background export: the job row, then the task once the row is committed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import InvalidInput

from . import tasks
from .jobs import purge_expired_exports
from .models import ExportJob, ExportKind, ExportStatus

# One person's exports at a time: a second click while the first is written is a mistake, a
# dozen is a worker held up for everyone.
MAX_WORKING = 3


def inline_rows() -> int:
    """Exports of at most this many rows are downloaded at once, without a job."""
    return int(settings.JICENG_EXPORT_INLINE_ROWS)


def start_export(
    *,
    kind: ExportKind,
    params: Mapping[str, Any],
    title: str,
    filename: str,
    total: int,
    by: User,
    ip: str | None,
) -> ExportJob:
    """导出 in the background: the job, queued for the worker when the transaction commits."""
    purge_expired_exports()
    with transaction.atomic():
        working = ExportJob.objects.filter(
            requested_by=by, status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING)
        ).count()
        if working >= MAX_WORKING:
            raise InvalidInput(f"您已有{working}个导出正在进行，请等其完成后再导出")
        job = ExportJob.objects.create(
            requested_by=by,
            kind=kind,
            params=dict(params),
            title=title[:200],
            filename=filename[:200],
            total=total,
            ip=ip,
            created_at=clock.now(),
        )
        job_id = job.pk
        transaction.on_commit(lambda: tasks.run_export.enqueue(job_id))
    return job
