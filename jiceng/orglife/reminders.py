"""Reminders that time brings (the scheduler's tasks in orglife.tasks run them): the member's
reminder before a meeting (会前提醒) and the secretary's warning of a required meeting of the
month not yet scheduled (组织生活预警). Each is written once, whatever how often it runs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from jiceng.accounts.models import Role, RoleAssignment
from jiceng.core import clock
from jiceng.orgs.models import BRANCH_KINDS, Committee, Organization, PartyGroup

from . import rules
from .compliance import Requirements
from .models import (
    Attendance,
    LeaveStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Notice,
    NoticeKind,
)


def reminder_lead() -> dt.timedelta:
    return dt.timedelta(minutes=settings.JICENG_MEETING_REMINDER_LEAD)


def warning_day() -> int:
    return int(settings.JICENG_MEETING_WARNING_DAY)


def when(meeting: Meeting) -> str:
    """5月15日 15:00, as the pages write dates ("n月j日 H:i")."""
    local = meeting.starts_at.astimezone(clock.CHINA)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def remind_meetings(*, now: dt.datetime | None = None) -> list[Notice]:
    """会前提醒: for each scheduled meeting starting within the lead time, one reminder to each
    expected member without approved leave. The meeting is marked reminded by a conditional
    update first, so two runs never both remind it; a meeting whose notice itself went out
    within the lead time (scheduled at short notice) is marked and gets no second message."""
    now = now or clock.now()
    lead = reminder_lead()
    due = Meeting.objects.filter(
        reminded_at__isnull=True,
        status=MeetingStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + lead,
    ).order_by("starts_at")
    written: list[Notice] = []
    for meeting in due:
        with transaction.atomic():
            taken = Meeting.objects.filter(pk=meeting.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not taken:
                continue  # another run reminded it meanwhile
            if meeting.notified_at is not None and meeting.notified_at >= meeting.starts_at - lead:
                continue
            members = (
                Attendance.objects.filter(meeting_id=meeting.pk)
                .exclude(leave_status=LeaveStatus.APPROVED)
                .values_list("member_id", flat=True)
            )
            text = f"提醒：{when(meeting)}召开{meeting.title}"
            if meeting.place:
                text += f"，地点：{meeting.place}"
            rows = [
                Notice(
                    kind=NoticeKind.MEETING_REMINDER,
                    member_id=member_id,
                    meeting_id=meeting.pk,
                    text=text[:300],
                    created_at=now,
                )
                for member_id in members
            ]
            written += Notice.objects.bulk_create(rows, batch_size=2000)
    return written


def unscheduled_kinds(
    *,
    required: dict[MeetingKind, rules.Requirement],
    scheduled: dict[MeetingKind, int],
    month: int,
    has_committee: bool,
    party_groups: int,
) -> list[MeetingKind]:
    """The kinds whose period ends with `month` and that have fewer meetings scheduled or held
    in the period than required (a group meeting: fewer groups with one than the branch has)."""
    missing = []
    for kind in rules.MEETING_KINDS:
        requirement = required.get(kind)
        if requirement is None or rules.period_bounds(requirement.period, month)[1] != month:
            continue
        if not rules.applies(kind, has_committee=has_committee, party_groups=party_groups):
            continue
        needed = party_groups if kind == MeetingKind.GROUP_MEETING else requirement.times
        if scheduled.get(kind, 0) < needed:
            missing.append(kind)
    return missing


def warn_secretaries(*, now: dt.datetime | None = None) -> list[Notice]:
    """组织生活预警: from JICENG_MEETING_WARNING_DAY of a month on, each branch that has not yet
    scheduled a meeting its rules require by the end of the month gets one warning that month,
    naming the kinds (to its secretary; the centre shows it to whoever manages its meetings).
    Grouped reads: the branches, their committees and party groups, the meetings of the
    longest period back from this month by (organization, kind)."""
    now = now or clock.now()
    today = now.astimezone(clock.CHINA).date()
    if today.day < warning_day():
        return []
    month = rules.month_of(today)
    month_began = dt.datetime.combine(today.replace(day=1), dt.time(), tzinfo=clock.CHINA)
    warned = set(
        Notice.objects.filter(
            kind=NoticeKind.COMPLIANCE_WARNING,
            created_at__gte=month_began,
            organization__isnull=False,
        ).values_list("organization_id", flat=True)
    )
    requirements = Requirements()
    first_month = min(
        rules.period_bounds(period, month)[0]
        for kind in rules.MEETING_KINDS
        for period in requirements.periods(kind)
    )
    counts: dict[int, dict[MeetingKind, int]] = defaultdict(dict)
    meetings = (
        Meeting.objects.filter(month__gte=first_month, month__lte=month)
        .exclude(status=MeetingStatus.CANCELLED)
        .values_list("organization_id", "kind", "month")
        .annotate(n=Count("pk"), groups=Count("party_group", distinct=True))
        .order_by()
    )
    periods = {kind: requirements.periods(kind) for kind in rules.MEETING_KINDS}
    by_period: dict[tuple[int, MeetingKind, str], int] = defaultdict(int)
    for organization_id, kind, meeting_month, n, groups in meetings:
        kind = MeetingKind(kind)
        for period in periods.get(kind, []):
            if meeting_month >= rules.period_bounds(period, month)[0]:
                counted = groups if kind == MeetingKind.GROUP_MEETING else n
                by_period[(organization_id, kind, period)] += counted
    with_committee = set(
        Committee.objects.filter(ended_on__isnull=True).values_list("organization_id", flat=True)
    )
    party_groups = dict(
        PartyGroup.objects.values_list("organization_id").annotate(n=Count("pk")).order_by()
    )
    branches = (
        Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
        .exclude(pk__in=warned)
        .values_list("pk", "path")
        .order_by("path")
    )
    rows = []
    for organization_id, path in branches.iterator(chunk_size=5000):
        required = requirements.for_path(path)
        for kind, requirement in required.items():
            counts[organization_id][kind] = by_period.get(
                (organization_id, kind, requirement.period), 0
            )
        missing = unscheduled_kinds(
            required=required,
            scheduled=counts.pop(organization_id),
            month=month,
            has_committee=organization_id in with_committee,
            party_groups=party_groups.get(organization_id, 0),
        )
        if missing:
            names = "、".join(kind.label for kind in missing)
            rows.append(
                Notice(
                    kind=NoticeKind.COMPLIANCE_WARNING,
                    organization_id=organization_id,
                    text=f"{month // 100}年{month % 100}月尚未安排：{names}（月底前须召开）"[:300],
                    created_at=now,
                )
            )
    return Notice.objects.bulk_create(rows, batch_size=2000)


def secretaries_of(organization_ids: list[int]) -> dict[int, list[int]]:
    """The users holding the secretary's role of each organization."""
    found: dict[int, list[int]] = defaultdict(list)
    for organization_id, user_id in RoleAssignment.objects.filter(
        role=Role.BRANCH_SECRETARY, organization_id__in=organization_ids
    ).values_list("organization_id", "user_id"):
        found[organization_id].append(user_id)
    return found
