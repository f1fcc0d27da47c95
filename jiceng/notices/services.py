"""Marking notices read (a user's own: nothing to audit, they change nothing else)."""

from __future__ import annotations

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import not_found
from jiceng.orglife import queries as orglife_queries

from .models import Reading
from .queries import CASE, ORGLIFE, TASKFORCE, case_notices, gap_notices, unread_orglife_notices


@transaction.atomic
def mark_read(*, user: User, source: str, pk: int) -> None:
    """One notice read; one that is not the user's is not found."""
    now = clock.now()
    if source == CASE:
        found = case_notices(user).filter(pk=pk)
        if not found.exists():
            raise not_found("通知")
        found.filter(read_at__isnull=True).update(read_at=now)
    elif source == ORGLIFE:
        if not orglife_queries.notices_for(user).filter(pk=pk).exists():
            raise not_found("通知")
        Reading.objects.bulk_create(
            [Reading(user=user, notice_id=pk, read_at=now)], ignore_conflicts=True
        )
    elif source == TASKFORCE:
        found_gap = gap_notices(user).filter(pk=pk)
        if not found_gap.exists():
            raise not_found("通知")
        found_gap.filter(read_at__isnull=True).update(read_at=now)
    else:
        raise not_found("通知")


@transaction.atomic
def mark_all_read(*, user: User) -> int:
    """Every notice of the user read; how many were unread."""
    now = clock.now()
    marked = case_notices(user).filter(read_at__isnull=True).update(read_at=now)
    marked += gap_notices(user).filter(read_at__isnull=True).update(read_at=now)
    unread = list(unread_orglife_notices(user).values_list("pk", flat=True))
    Reading.objects.bulk_create(
        [Reading(user=user, notice_id=pk, read_at=now) for pk in unread],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return marked + len(unread)
