"""The notice centre's reads: a user's notices of both apps (cases.Notice, addressed to the
user; orglife.Notice, addressed to the user's member record or to an organization whose
meetings the user manages), newest first, and how many are unread."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.cases.models import Notice as CaseNotice
from jiceng.cases.queries import cases_for
from jiceng.orglife import queries as orglife_queries
from jiceng.orglife.models import Notice as OrglifeNotice
from jiceng.taskforces.models import GapNotice

from .models import Reading

# The unread count in the top bar stops counting here ("99+").
COUNT_CAP = 100
CASE, ORGLIFE, TASKFORCE = "case", "orglife", "taskforce"


@dataclass(frozen=True)
class Item:
    source: str  # CASE, ORGLIFE or TASKFORCE
    pk: int
    kind: str  # what the notice is about, as the page shows it
    text: str
    created_at: dt.datetime
    is_read: bool
    link: str  # the page of its case or meeting, "" for none


def _read_by(user: User) -> Exists:
    return Exists(Reading.objects.filter(user=user, notice_id=OuterRef("pk")))


def unread_orglife_notices(user: User) -> QuerySet[OrglifeNotice]:
    return orglife_queries.notices_for(user).filter(~_read_by(user))


def case_notices(user: User) -> QuerySet[CaseNotice]:
    return CaseNotice.objects.filter(user=user)


def gap_notices(user: User) -> QuerySet[GapNotice]:
    return GapNotice.objects.filter(user=user)


def notices_of(user: User, *, limit: int = 50) -> list[Item]:
    """The newest `limit` notices of both kinds, merged newest first. A case's notice links
    to the case only for a user whose roles open it (no link may lead to a 403)."""
    cases = list(case_notices(user).order_by("-created_at")[:limit])
    visible = set(
        cases_for(user).filter(pk__in={n.case_id for n in cases}).values_list("pk", flat=True)
    )
    items = [
        Item(
            source=CASE,
            pk=n.pk,
            kind="诉求",
            text=n.text,
            created_at=n.created_at,
            is_read=n.read_at is not None,
            link=reverse("cases:detail", args=[n.case_id]) if n.case_id in visible else "",
        )
        for n in cases
    ]
    items += [
        Item(
            source=ORGLIFE,
            pk=n.pk,
            kind=n.get_kind_display(),
            text=n.text,
            created_at=n.created_at,
            is_read=bool(n.is_read),
            link=reverse("orglife:meeting", args=[n.meeting_id]) if n.meeting_id else "",
        )
        for n in orglife_queries.notices_for(user)
        .annotate(is_read=_read_by(user))
        .order_by("-created_at")[:limit]
    ]
    items += [
        Item(
            source=TASKFORCE,
            pk=n.pk,
            kind="突击队缺员",
            text=n.text,
            created_at=n.created_at,
            is_read=n.read_at is not None,
            link=reverse("taskforces:detail", args=[n.task_force_id]),
        )
        for n in gap_notices(user).order_by("-created_at")[:limit]
    ]
    items.sort(key=lambda item: item.created_at, reverse=True)
    return items[:limit]


def unread_count(user: User) -> int:
    """Unread notices of both kinds, counted up to COUNT_CAP."""
    cases = case_notices(user).filter(read_at__isnull=True).order_by()[:COUNT_CAP].count()
    if cases >= COUNT_CAP:
        return COUNT_CAP
    orglife = unread_orglife_notices(user).order_by()[: COUNT_CAP - cases].count()
    if cases + orglife >= COUNT_CAP:
        return COUNT_CAP
    gaps = (
        gap_notices(user).filter(read_at__isnull=True).order_by()[: COUNT_CAP - cases - orglife]
    ).count()
    return cases + orglife + gaps
