"""Scheduling meetings (安排会议): one meeting or a monthly series, its agenda, the attendance
rows of everyone its audience takes in and the notice to them; cancelling one."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import GRASSROOTS_KINDS, CommitteeSeat, Organization, PartyGroup
from jiceng.orgs.queries import party_group_in

from . import rules
from .checks import check_can_manage, check_month_open
from .models import (
    AgendaItem,
    Attendance,
    Audience,
    Meeting,
    MeetingKind,
    MeetingStatus,
)

EXPECTED_STATUSES = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
MAX_AGENDA_ITEMS = 30
MAX_RECURRING = 24


def local_month(at: dt.datetime) -> int:
    return rules.month_of(at.astimezone(clock.CHINA).date())


def _check_schedule(
    *,
    organization: Organization,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    audience: str | None,
    party_group: PartyGroup | None,
) -> str:
    errors: dict[str, str] = {}
    if kind not in rules.MEETING_KINDS:
        errors["kind"] = "会议类型不正确"
    if not title.strip():
        errors["title"] = "请填写会议主题"
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        errors["starts_at"] = "时间须带时区"
    elif ends_at <= starts_at:
        errors["ends_at"] = "结束时间须晚于开始时间"
    elif ends_at - starts_at > dt.timedelta(hours=12):
        errors["ends_at"] = "一次会议不超过12小时"
    if organization.kind not in GRASSROOTS_KINDS:
        errors["organization"] = "只有基层党组织安排组织生活会议"
    chosen = audience or rules.DEFAULT_AUDIENCE.get(MeetingKind(kind), Audience.ALL_MEMBERS)
    if kind in MeetingKind.values and chosen not in Audience.values:
        errors["audience"] = "参会范围不正确"
    if chosen == Audience.PARTY_GROUP:
        if party_group is None:
            errors["party_group"] = "党小组会须选择党小组"
        elif party_group.organization_id != organization.pk:
            errors["party_group"] = "党小组不属于该党组织"
    if errors:
        raise InvalidInput("会议信息有误：" + "；".join(errors.values()), fields=errors)
    return str(chosen)


def expected_members(meeting: Meeting) -> list[tuple[int, bool, bool]]:
    """(member id, is full member, is mobile) of everyone the meeting's notice goes to."""
    members = Member.objects.filter(status__in=EXPECTED_STATUSES)
    if meeting.audience == Audience.COMMITTEE:
        seated = CommitteeSeat.objects.filter(
            committee__organization_id=meeting.organization_id, committee__ended_on__isnull=True
        ).values("member_id")
        members = members.filter(pk__in=seated)
    elif meeting.audience == Audience.PARTY_GROUP:
        members = members.filter(party_group_id=meeting.party_group_id)
    else:
        # its own members, and the mobile members registered with it (流动党员, their
        # attendance counted here while their record stays at home)
        from jiceng.transfers.mobility import hosted_member_ids

        hosted = hosted_member_ids(meeting.organization_id)
        own = Q(organization_id=meeting.organization_id)
        members = members.filter(own | Q(pk__in=hosted) if hosted else own)
    return [
        (pk, status == MemberStatus.FULL, mobile)
        for pk, status, mobile in members.values_list("pk", "status", "is_mobile")
    ]


def _create_meeting(
    *,
    organization: Organization,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    is_online: bool,
    audience: str,
    party_group: PartyGroup | None,
    agenda: Sequence[str],
    series: uuid.UUID | None,
    by: User | None,
) -> Meeting:
    month = local_month(starts_at)
    check_month_open(month)
    meeting = Meeting.objects.create(
        organization=organization,
        kind=kind,
        title=title.strip(),
        series=series,
        starts_at=starts_at,
        ends_at=ends_at,
        month=month,
        place=place.strip(),
        is_online=is_online,
        audience=audience,
        party_group=party_group if audience == Audience.PARTY_GROUP else None,
        checkin_secret=secrets.token_hex(16),
        created_by=by,
        notified_at=clock.now(),
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, position=i, title=t.strip()[:200])
        for i, t in enumerate(agenda, start=1)
        if t.strip()
    )
    expected = expected_members(meeting)
    Attendance.objects.bulk_create(
        Attendance(
            month=month, meeting=meeting, member_id=pk, is_full_member=full, is_remote=mobile
        )
        for pk, full, mobile in expected
    )
    Meeting.objects.filter(pk=meeting.pk).update(expected_count=len(expected))
    meeting.expected_count = len(expected)
    return meeting


def _check_agenda(agenda: Sequence[str]) -> None:
    if len(agenda) > MAX_AGENDA_ITEMS:
        raise InvalidInput(f"议程最多{MAX_AGENDA_ITEMS}项", fields={"agenda": "议程过多"})


def _after_commit_notice(meeting_ids: list[int]) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.send_meeting_notices.enqueue(meeting_ids))


@transaction.atomic
def schedule_meeting(
    *,
    organization: Organization,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
    is_online: bool = False,
    audience: str | None = None,
    party_group: PartyGroup | None = None,
    agenda: Sequence[str] = (),
    by: User | None,
) -> Meeting:
    """安排会议: the meeting, its agenda, and the notice to everyone the kind expects."""
    check_can_manage(by, organization)
    _check_agenda(agenda)
    chosen = _check_schedule(
        organization=organization,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        audience=audience,
        party_group=party_group,
    )
    meeting = _create_meeting(
        organization=organization,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        is_online=is_online,
        audience=chosen,
        party_group=party_group,
        agenda=agenda,
        series=None,
        by=by,
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.schedule_meeting",
        target=meeting,
        user=by,
        detail={"kind": kind, "expected": meeting.expected_count},
    )
    _after_commit_notice([meeting.pk])
    return meeting


@transaction.atomic
def schedule_recurring_meetings(
    *,
    organization: Organization,
    kind: str,
    title: str,
    first_day: dt.date,
    day_of_month: int,
    count: int,
    start_time: dt.time,
    duration: dt.timedelta,
    place: str = "",
    is_online: bool = False,
    audience: str | None = None,
    party_group: PartyGroup | None = None,
    agenda: Sequence[str] = (),
    by: User | None,
) -> list[Meeting]:
    """A series, e.g. the theme day on the 15th of every month: one meeting a month from
    `first_day`, `count` of them, each with its own notice. The title gets the month."""
    check_can_manage(by, organization)
    _check_agenda(agenda)
    if not 1 <= count <= MAX_RECURRING:
        raise InvalidInput(f"一次最多安排{MAX_RECURRING}次", fields={"count": "次数不正确"})
    if not 1 <= day_of_month <= 28:
        raise InvalidInput("每月固定日须在1到28日之间", fields={"day_of_month": "日期不正确"})
    dates = rules.monthly_dates(first=first_day, day=day_of_month, count=count)
    series = uuid.uuid4()
    made = []
    for day in dates:
        starts_at = dt.datetime.combine(day, start_time, tzinfo=clock.CHINA)
        chosen = _check_schedule(
            organization=organization,
            kind=kind,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            audience=audience,
            party_group=party_group,
        )
        made.append(
            _create_meeting(
                organization=organization,
                kind=kind,
                title=f"{title.strip()}（{day.year}年{day.month}月）",
                starts_at=starts_at,
                ends_at=starts_at + duration,
                place=place,
                is_online=is_online,
                audience=chosen,
                party_group=party_group,
                agenda=agenda,
                series=series,
                by=by,
            )
        )
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.schedule_recurring_meetings",
        target=organization,
        user=by,
        detail={"kind": kind, "series": str(series), "meetings": len(made)},
    )
    _after_commit_notice([m.pk for m in made])
    return made


def schedule_meetings(
    *,
    organization: Organization,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    repeat_monthly: int = 1,
    place: str = "",
    is_online: bool = False,
    audience: str | None = None,
    party_group_id: int | None = None,
    agenda: Sequence[str] = (),
    by: User | None,
) -> list[Meeting]:
    """What the schedule form and the API send: the meeting at `starts_at`, or with
    `repeat_monthly` above 1 that many, one a month on the same day and time (China time). The
    party group is looked up in the organization; one that is not there is refused."""
    check_can_manage(by, organization)
    party_group = party_group_in(organization, party_group_id)
    if repeat_monthly > 1:
        local = starts_at.astimezone(clock.CHINA)
        return schedule_recurring_meetings(
            organization=organization,
            kind=kind,
            title=title,
            first_day=local.date(),
            day_of_month=local.day,
            count=repeat_monthly,
            start_time=local.time(),
            duration=ends_at - starts_at,
            place=place,
            is_online=is_online,
            audience=audience,
            party_group=party_group,
            agenda=agenda,
            by=by,
        )
    meeting = schedule_meeting(
        organization=organization,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        is_online=is_online,
        audience=audience,
        party_group=party_group,
        agenda=agenda,
        by=by,
    )
    return [meeting]


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, by: User | None) -> Meeting:
    check_can_manage(by, meeting.organization)
    moved = Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SCHEDULED).update(
        status=MeetingStatus.CANCELLED
    )
    if moved != 1:
        raise Conflict("会议已召开或已取消，不能取消")
    audit.record(audit.AuditEvent.WRITE, action="orglife.cancel_meeting", target=meeting, user=by)
    return Meeting.objects.get(pk=meeting.pk)
