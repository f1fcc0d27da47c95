"""Background work of exports (Django's tasks API): write an export's file; delete the files
past their time (for the scheduler: hourly is plenty, each new export also does it)."""

from __future__ import annotations

from django_tasks import task

from . import jobs


@task()
def run_export(job_id: int) -> str:
    return jobs.run_export_job(job_id)


@task()
def purge_expired_exports() -> int:
    return jobs.purge_expired_exports()
