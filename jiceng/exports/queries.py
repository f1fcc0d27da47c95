"""Reads of exports: a user's own jobs, nobody else's."""

from __future__ import annotations

from jiceng.accounts.models import User
from jiceng.core.errors import not_found

from .models import ExportJob


def access_own_job(user: User, pk: int) -> ExportJob:
    """The user's own export; anyone else's is not found, administrators' included."""
    found = ExportJob.objects.filter(pk=pk, requested_by=user).first()
    if found is None:
        raise not_found("导出文件")
    return found


def my_jobs(user: User, *, limit: int = 20) -> list[ExportJob]:
    return list(ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-pk")[:limit])
