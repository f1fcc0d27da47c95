"""Background work of dues: the month's bills for everyone, which the scheduler enqueues
(core.scheduler, "dues_bills"). It runs every few hours; a run that finds the month billed
adds nothing (billing is idempotent per member and month), so the 1st is covered however
the schedule falls, and members who joined during the month are billed on the next run."""

from __future__ import annotations

from django_tasks import task

from . import billing, queries


@task()
def generate_monthly_bills() -> int:
    """生成本月党费账单 for every member in the country (the system acts: by=None)."""
    return billing.generate_bills(organization=None, month=queries.this_month(), by=None).created
