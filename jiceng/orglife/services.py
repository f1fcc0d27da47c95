"""Every write of organizational life: scheduling, the notice, check-in, online presence,
leave, minutes, talks, rules and calendar tokens. Each checks where the user may act, writes in
one transaction and leaves one audit record."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput, NotFound
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import GRASSROOTS_KINDS, CommitteeSeat, Organization, PartyGroup

from . import compliance, rules
from .models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Audience,
    CalendarToken,
    HeartToHeartTalk,
    LeaveStatus,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingStatus,
    Minutes,
    MinutesAmendment,
    MinutesPhoto,
    Period,
)

ORG_NOT_FOUND = "党组织不存在或不在您的管理范围内"
MEETING_NOT_FOUND = "会议不存在或不在您的管理范围内"
EXPECTED_STATUSES = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
CHECKIN_SALT = "jiceng.orglife.checkin"
MAX_AGENDA_ITEMS = 30
MAX_RECURRING = 24


def lock_days() -> int:
    return settings.JICENG_MINUTES_LOCK_DAYS


def photo_max_bytes() -> int:
    return settings.JICENG_MINUTES_PHOTO_MAX_BYTES


def online_min_minutes() -> int:
    return settings.JICENG_ONLINE_MIN_MINUTES


def month_close_day() -> int:
    return settings.JICENG_ORGLIFE_MONTH_CLOSE_DAY


def local_month(at: dt.datetime) -> int:
    return rules.month_of(at.astimezone(clock.CHINA).date())


def check_can_manage(by: User | None, organization: Organization) -> None:
    """A secretary, committee member or organization department whose scope holds it; to
    anyone else the organization does not exist. `by=None` is the system (seeding, tasks)."""
    if by is None:
        return
    if not scope_of(by).allows(
        Permission.MANAGE_MEETINGS, path=organization.path, division_id=organization.division_id
    ):
        raise NotFound(ORG_NOT_FOUND)


def check_month_open(month: int) -> None:
    if rules.month_closed(month=month, today=clock.today(), close_day=month_close_day()):
        raise InvalidInput(
            f"{rules.format_month(month)}已结账（次月{month_close_day()}日起不能补录）",
            fields={"starts_at": "该月份已结账，不能补录"},
        )


def _member_of(by: User) -> Member:
    if by.member_id is None:
        raise InvalidInput("您的账号没有关联党员档案，不能参会签到")
    return Member.objects.get(pk=by.member_id)


# -- scheduling and the notice ------------------------------------------------------------------


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


def _expected_members(meeting: Meeting) -> list[tuple[int, bool, bool]]:
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
        members = members.filter(organization_id=meeting.organization_id)
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
    expected = _expected_members(meeting)
    Attendance.objects.bulk_create(
        Attendance(
            month=month, meeting=meeting, member_id=pk, is_full_member=full, is_remote=mobile
        )
        for pk, full, mobile in expected
    )
    Meeting.objects.filter(pk=meeting.pk).update(expected_count=len(expected))
    meeting.expected_count = len(expected)
    return meeting


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
    if len(agenda) > MAX_AGENDA_ITEMS:
        raise InvalidInput(f"议程最多{MAX_AGENDA_ITEMS}项", fields={"agenda": "议程过多"})
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


# -- attendance ---------------------------------------------------------------------------------


def checkin_token(meeting: Meeting) -> str:
    """What the QR code carries: the meeting signed with its own secret, so that renewing the
    secret (a photo of the code went round) voids every code shown before."""
    return signing.dumps([meeting.pk, meeting.checkin_secret[:8]], salt=CHECKIN_SALT)


def meeting_of_token(token: str) -> Meeting:
    try:
        pk, tag = signing.loads(token, salt=CHECKIN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidInput("签到码无效，请重新扫描会场的二维码") from None
    meeting = Meeting.objects.select_related("organization").filter(pk=pk).first()
    if meeting is None or meeting.checkin_secret[:8] != tag:
        raise InvalidInput("签到码已失效，请重新扫描会场的二维码")
    return meeting


@transaction.atomic
def renew_checkin_code(*, meeting: Meeting, by: User | None) -> Meeting:
    check_can_manage(by, meeting.organization)
    Meeting.objects.filter(pk=meeting.pk).update(checkin_secret=secrets.token_hex(16))
    audit.record(audit.AuditEvent.WRITE, action="orglife.renew_checkin_code", target=meeting)
    return Meeting.objects.get(pk=meeting.pk)


def _own_attendance(meeting: Meeting, member: Member) -> Attendance:
    found = Attendance.objects.filter(month=meeting.month, meeting=meeting, member=member).first()
    if found is None:
        raise NotFound("您不在本次会议的参会范围内")
    return found


def _check_live(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict("会议已结束或已取消")
    if not rules.in_checkin_window(
        at=clock.now(), starts_at=meeting.starts_at, ends_at=meeting.ends_at
    ):
        raise InvalidInput("不在会议签到时间内（会前30分钟至会议结束）")


@transaction.atomic
def check_in(*, token: str, by: User) -> Attendance:
    """扫码签到: once per member, only while the meeting's window is open."""
    meeting = meeting_of_token(token)
    _check_live(meeting)
    attendance = _own_attendance(meeting, _member_of(by))
    moved = Attendance.objects.filter(pk=attendance.pk, checked_in_at__isnull=True).update(
        status=AttendanceStatus.IN_PERSON, checked_in_at=clock.now()
    )
    if moved != 1:
        raise Conflict("您已签到，无需重复签到")
    audit.record(audit.AuditEvent.WRITE, action="orglife.check_in", target=attendance, user=by)
    return Attendance.objects.get(pk=attendance.pk)


@transaction.atomic
def join_online(*, meeting: Meeting, by: User) -> Attendance:
    """线上参会: through the platform's own page; presence counts from when one joins."""
    if not meeting.is_online:
        raise InvalidInput("本次会议不提供线上参会")
    _check_live(meeting)
    attendance = _own_attendance(meeting, _member_of(by))
    now = clock.now()
    moved = Attendance.objects.filter(
        pk=attendance.pk, online_session_started_at__isnull=True
    ).update(
        online_session_started_at=now,
        online_joined_at=Coalesce(F("online_joined_at"), now),
    )
    if moved != 1:
        raise Conflict("您已在线上会议中")
    audit.record(audit.AuditEvent.WRITE, action="orglife.join_online", target=attendance, user=by)
    return Attendance.objects.get(pk=attendance.pk)


def _close_session(attendance: Attendance, meeting: Meeting, at: dt.datetime) -> bool:
    """Adds the open session's seconds (up to the meeting's end) and counts the member as
    online once past the threshold. False if no session was open."""
    started = attendance.online_session_started_at
    if started is None:
        return False
    until = min(at, meeting.ends_at)
    seconds = max(0, int((until - max(started, meeting.starts_at)).total_seconds()))
    moved = Attendance.objects.filter(pk=attendance.pk, online_session_started_at=started).update(
        online_seconds=F("online_seconds") + seconds,
        online_session_started_at=None,
        online_left_at=at,
    )
    if moved != 1:
        return False
    total = attendance.online_seconds + seconds
    meeting_seconds = int((meeting.ends_at - meeting.starts_at).total_seconds())
    if rules.online_counts(
        seconds=total, meeting_seconds=meeting_seconds, min_minutes=online_min_minutes()
    ):
        Attendance.objects.filter(
            pk=attendance.pk, status__in=[AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED]
        ).update(status=AttendanceStatus.ONLINE)
    return True


@transaction.atomic
def leave_online(*, meeting: Meeting, by: User) -> Attendance:
    attendance = _own_attendance(meeting, _member_of(by))
    if not _close_session(attendance, meeting, clock.now()):
        raise Conflict("您不在线上会议中")
    audit.record(audit.AuditEvent.WRITE, action="orglife.leave_online", target=attendance, user=by)
    return Attendance.objects.get(pk=attendance.pk)


@transaction.atomic
def request_leave(*, meeting: Meeting, reason: str, by: User) -> Attendance:
    """请假: the member gives a reason; the secretary decides."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("请填写请假事由", fields={"reason": "请填写请假事由"})
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict("会议已结束或已取消")
    attendance = _own_attendance(meeting, _member_of(by))
    moved = Attendance.objects.filter(
        pk=attendance.pk,
        status=AttendanceStatus.ABSENT,
        leave_status__in=[LeaveStatus.NONE, LeaveStatus.REFUSED],
    ).update(leave_status=LeaveStatus.REQUESTED, leave_reason=reason[:200])
    if moved != 1:
        raise Conflict("已签到或已请假，不能再请假")
    audit.record(audit.AuditEvent.WRITE, action="orglife.request_leave", target=attendance, user=by)
    return Attendance.objects.get(pk=attendance.pk)


@transaction.atomic
def decide_leave(*, attendance: Attendance, approve: bool, by: User | None) -> Attendance:
    meeting = Meeting.objects.select_related("organization").get(pk=attendance.meeting_id)
    check_can_manage(by, meeting.organization)
    check_month_open(meeting.month)
    changes: dict[str, Any] = {
        "leave_status": LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED,
        "leave_decided_by": by,
        "leave_decided_at": clock.now(),
    }
    if approve:
        changes["status"] = AttendanceStatus.EXCUSED
    moved = Attendance.objects.filter(
        pk=attendance.pk, leave_status=LeaveStatus.REQUESTED, status=AttendanceStatus.ABSENT
    ).update(**changes)
    if moved != 1:
        raise Conflict("该请假申请已处理")
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.decide_leave",
        target=attendance,
        user=by,
        detail={"approved": approve},
    )
    return Attendance.objects.get(pk=attendance.pk)


@transaction.atomic
def record_attendance(
    *, meeting: Meeting, member_id: int, status: str, by: User | None
) -> Attendance:
    """The secretary records one attendee by hand (a paper sign-in sheet, an absence)."""
    check_can_manage(by, meeting.organization)
    check_month_open(meeting.month)
    if status not in AttendanceStatus.values:
        raise InvalidInput("参会情况不正确", fields={"status": "参会情况不正确"})
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict("会议记录已签发，参会情况不能再改")
    attendance = Attendance.objects.filter(
        month=meeting.month, meeting=meeting, member_id=member_id
    ).first()
    if attendance is None:
        raise NotFound("该党员不在本次会议的参会范围内")
    changes: dict[str, Any] = {"status": status}
    if status == AttendanceStatus.IN_PERSON:
        changes["checked_in_at"] = Coalesce(F("checked_in_at"), clock.now())
    Attendance.objects.filter(pk=attendance.pk).update(**changes)
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.record_attendance",
        target=attendance,
        user=by,
        detail={"status": status},
    )
    return Attendance.objects.get(pk=attendance.pk)


# -- minutes --------------------------------------------------------------------------------------


def check_minutes_body(raw: Mapping[str, Any]) -> dict[str, Any]:
    """{"items": [{"title", "summary"}], "resolutions": [str], "tasks": [{"title", "owner",
    "due_on"}]}, trimmed; InvalidInput with the first bad field."""
    errors: dict[str, str] = {}
    items = []
    for i, item in enumerate(raw.get("items") or []):
        title = " ".join(str(item.get("title", "")).split())[:200]
        summary = str(item.get("summary", "")).strip()[:5000]
        if title or summary:
            items.append({"title": title or f"议题{i + 1}", "summary": summary})
    resolutions = [str(r).strip()[:1000] for r in raw.get("resolutions") or [] if str(r).strip()]
    tasks = []
    for i, task in enumerate(raw.get("tasks") or []):
        title = " ".join(str(task.get("title", "")).split())[:200]
        owner = " ".join(str(task.get("owner", "")).split())[:50]
        due = str(task.get("due_on") or "").strip()
        if not (title or owner or due):
            continue
        if not title:
            errors[f"tasks.{i}.title"] = "请填写任务内容"
        if not owner:
            errors[f"tasks.{i}.owner"] = "请填写责任人"
        try:
            due_on = dt.date.fromisoformat(due) if due else None
        except ValueError:
            errors[f"tasks.{i}.due_on"] = f"完成期限“{due}”不是有效日期"
            due_on = None
        if due_on is None and f"tasks.{i}.due_on" not in errors:
            errors[f"tasks.{i}.due_on"] = "请填写完成期限"
        tasks.append(
            {"title": title, "owner": owner, "due_on": due_on.isoformat() if due_on else ""}
        )
    if not items and not resolutions:
        errors["items"] = "请至少填写一项议题摘要或决议"
    if errors:
        raise InvalidInput("会议记录有误：" + "；".join(errors.values()), fields=errors)
    return {"items": items, "resolutions": resolutions, "tasks": tasks}


@transaction.atomic
def record_minutes(*, meeting: Meeting, body: Mapping[str, Any], by: User | None) -> Minutes:
    """记录: written freely until signed off or locked; after that only amended."""
    check_can_manage(by, meeting.organization)
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict("会议已取消")
    checked = check_minutes_body(body)
    now = clock.now()
    minutes, created = Minutes.objects.select_for_update().get_or_create(
        meeting=meeting,
        defaults={
            "body": checked,
            "recorded_by": by,
            "recorded_at": now,
            "locks_at": rules.minutes_lock_at(ends_at=meeting.ends_at, lock_days=lock_days()),
        },
    )
    if not created:
        if _is_locked(minutes):
            raise Conflict("会议记录已签发或已锁定，只能修改并说明原因")
        Minutes.objects.filter(pk=minutes.pk).update(body=checked, recorded_by=by, recorded_at=now)
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.record_minutes",
        target=meeting,
        user=by,
        detail={"items": len(checked["items"]), "tasks": len(checked["tasks"])},
    )
    return Minutes.objects.get(pk=minutes.pk)


def _tally(meeting: Meeting) -> dict[str, int]:
    present = Q(status__in=[AttendanceStatus.IN_PERSON, AttendanceStatus.ONLINE])
    return Attendance.objects.filter(month=meeting.month, meeting=meeting).aggregate(
        expected=Count("pk"),
        expected_full=Count("pk", filter=Q(is_full_member=True)),
        present=Count("pk", filter=present),
        present_full=Count("pk", filter=present & Q(is_full_member=True)),
    )


@transaction.atomic
def sign_minutes(*, meeting: Meeting, by: User | None) -> Meeting:
    """签发: closes the online sessions still open, counts who was there, decides the quorum,
    marks the meeting held and brings the month's compliance up to date."""
    check_can_manage(by, meeting.organization)
    check_month_open(meeting.month)
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        raise InvalidInput("请先填写会议记录再签发")
    if minutes.signed_at is not None:
        raise Conflict("会议记录已签发")
    now = clock.now()
    if now < meeting.starts_at:
        raise InvalidInput("会议尚未开始，不能签发记录")
    for attendance in Attendance.objects.filter(
        month=meeting.month, meeting=meeting, online_session_started_at__isnull=False
    ):
        _close_session(attendance, meeting, now)
    tally = _tally(meeting)
    met = rules.quorum_met(meeting.kind, **tally)
    moved = Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SCHEDULED).update(
        status=MeetingStatus.HELD,
        quorum_met=met,
        expected_count=tally["expected"],
        present_count=tally["present"],
    )
    if moved != 1:
        raise Conflict("会议已取消或已签发")
    Minutes.objects.filter(pk=minutes.pk).update(
        signed_by=by, signed_at=now, original_body=minutes.body
    )
    held = Meeting.objects.select_related("organization").get(pk=meeting.pk)
    compliance.refresh_branch(organization=held.organization, month=held.month)
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.sign_minutes",
        target=held,
        user=by,
        detail={"quorum_met": met, **tally},
    )
    return held


@transaction.atomic
def amend_minutes(
    *, meeting: Meeting, body: Mapping[str, Any], reason: str, by: User | None
) -> Minutes:
    """修改已签发或已锁定的记录: the text it replaces is kept in the amendment."""
    check_can_manage(by, meeting.organization)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("请说明修改原因", fields={"reason": "请说明修改原因"})
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        raise NotFound("会议记录不存在")
    if not _is_locked(minutes):
        raise Conflict("会议记录尚未签发，可直接修改")
    checked = check_minutes_body(body)
    now = clock.now()
    MinutesAmendment.objects.create(
        minutes=minutes,
        previous_body=minutes.body,
        body=checked,
        reason=reason[:200],
        amended_by=by,
        amended_at=now,
    )
    Minutes.objects.filter(pk=minutes.pk).update(body=checked)
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.amend_minutes",
        target=meeting,
        user=by,
        detail={"reason": reason[:200]},
    )
    return Minutes.objects.get(pk=minutes.pk)


def _is_locked(minutes: Minutes) -> bool:
    """Signed off or past its lock: changed from then on only by amendments with a reason."""
    return minutes.signed_at is not None or clock.now() >= minutes.locks_at


def _amendment_reason(reason: str, locked: bool) -> str:
    reason = " ".join(reason.split())[:180]
    if locked and not reason:
        raise InvalidInput(
            "会议记录已签发或已锁定，请说明修改原因", fields={"reason": "请说明修改原因"}
        )
    return reason


@transaction.atomic
def add_minutes_photo(
    *, meeting: Meeting, upload: File, caption: str = "", reason: str = "", by: User | None
) -> MinutesPhoto:
    """会议照片: JPEG, PNG or WebP (read from the bytes) up to JICENG_MINUTES_PHOTO_MAX_BYTES.
    After sign-off or the lock it is an amendment with a reason, like a change of the text."""
    check_can_manage(by, meeting.organization)
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict("会议已取消")
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        raise InvalidInput("请先保存会议记录，再上传照片", fields={"photo": "尚无会议记录"})
    size = int(upload.size or 0)
    limit = photo_max_bytes()
    if size > limit:
        raise InvalidInput(f"照片不能超过{limit / 1024 / 1024:.1f}MB", fields={"photo": "文件过大"})
    upload.seek(0)
    found = rules.image_type(upload.read(16))
    upload.seek(0)
    if found is None or size == 0:
        raise InvalidInput(
            "只能上传JPEG、PNG或WebP格式的照片", fields={"photo": "文件不是JPEG、PNG或WebP图片"}
        )
    content_type, extension = found
    locked = _is_locked(minutes)
    why = _amendment_reason(reason, locked)
    now = clock.now()
    photo = MinutesPhoto(
        minutes=minutes,
        caption=" ".join(caption.split())[:200],
        content_type=content_type,
        size=size,
        uploaded_at=now,
        uploaded_by=by,
    )
    # a random name: the uploader's file name says nothing we keep
    photo.image.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    photo.save()
    if locked:
        MinutesAmendment.objects.create(
            minutes=minutes,
            previous_body=minutes.body,
            body=minutes.body,
            reason=f"补充照片：{why}",
            amended_by=by,
            amended_at=now,
            photo=photo,
        )
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.add_minutes_photo",
        target=meeting,
        user=by,
        detail={"photo": photo.pk, "type": content_type, "bytes": size, "amendment": locked},
    )
    return photo


@transaction.atomic
def remove_minutes_photo(*, photo: MinutesPhoto, reason: str = "", by: User | None) -> None:
    """Before sign-off the photo goes (its file once the transaction commits); after, it is
    kept, marked removed, and the amendment records why."""
    minutes_row = (
        Minutes.objects.select_for_update()
        .select_related("meeting__organization")
        .get(pk=photo.minutes_id)
    )
    meeting = minutes_row.meeting
    check_can_manage(by, meeting.organization)
    locked = _is_locked(minutes_row)
    why = _amendment_reason(reason, locked)
    now = clock.now()
    if locked:
        moved = MinutesPhoto.objects.filter(pk=photo.pk, removed_at__isnull=True).update(
            removed_at=now
        )
        if moved != 1:
            raise Conflict("照片已删除")
        MinutesAmendment.objects.create(
            minutes=minutes_row,
            previous_body=minutes_row.body,
            body=minutes_row.body,
            reason=f"删除照片：{why}",
            amended_by=by,
            amended_at=now,
            photo=photo,
        )
    else:
        if MinutesPhoto.objects.filter(pk=photo.pk, removed_at__isnull=True).delete()[0] != 1:
            raise Conflict("照片已删除")
        name, storage = str(photo.image.name), photo.image.storage
        transaction.on_commit(lambda: storage.delete(name))
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.remove_minutes_photo",
        target=meeting,
        user=by,
        detail={"photo": photo.pk, "amendment": locked},
    )


# -- talks, rules, calendar tokens -----------------------------------------------------------


@transaction.atomic
def record_talk(
    *, organization: Organization, member: Member, talked_on: dt.date, summary: str, by: User | None
) -> HeartToHeartTalk:
    """谈心谈话."""
    check_can_manage(by, organization)
    if member.organization_id != organization.pk:
        raise InvalidInput("该党员不属于本党组织", fields={"member_id": "不属于本党组织"})
    if talked_on > clock.today():
        raise InvalidInput("谈话日期不能晚于今天", fields={"talked_on": "日期不正确"})
    talk = HeartToHeartTalk.objects.create(
        organization=organization,
        member=member,
        talked_on=talked_on,
        year=talked_on.year,
        summary=summary.strip()[:5000],
        recorded_by=by,
    )
    compliance.refresh_branch(organization=organization, month=rules.month_of(talked_on))
    audit.record(audit.AuditEvent.WRITE, action="orglife.record_talk", target=talk, user=by)
    return talk


@transaction.atomic
def set_meeting_rule(
    *,
    organization: Organization | None,
    kind: str,
    period: str,
    times_per_period: int,
    fixed_day: int | None = None,
    by: User | None,
) -> MeetingRule:
    """An organization department sets the requirement for its subtree (None: national)."""
    if by is not None:
        allowed = organization is not None and scope_of(by).allows(
            Permission.MANAGE_MEETING_RULES,
            path=organization.path,
            division_id=organization.division_id,
        )
        if not allowed:
            raise NotFound(ORG_NOT_FOUND)
    errors = {}
    if kind not in MeetingKind.values:
        errors["kind"] = "会议类型不正确"
    if period not in Period.values:
        errors["period"] = "周期应为每月、每季度或每年"
    if not 1 <= times_per_period <= 31:
        errors["times_per_period"] = "每周期次数应在1到31之间"
    if fixed_day is not None and not 1 <= fixed_day <= 28:
        errors["fixed_day"] = "固定日应在1到28日之间"
    if errors:
        raise InvalidInput("会议要求有误：" + "；".join(errors.values()), fields=errors)
    rule, _ = MeetingRule.objects.update_or_create(
        organization=organization,
        kind=kind,
        defaults={"period": period, "times_per_period": times_per_period, "fixed_day": fixed_day},
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.set_meeting_rule",
        target=rule,
        user=by,
        detail={"kind": kind, "period": period, "times": times_per_period},
    )
    return rule


@transaction.atomic
def issue_calendar_token(*, by: User) -> CalendarToken:
    """A new secret for the user's calendar addresses; the old one stops working."""
    CalendarToken.objects.filter(user=by).delete()
    token = CalendarToken.objects.create(
        user=by, token=secrets.token_urlsafe(32), created_at=clock.now()
    )
    audit.record(audit.AuditEvent.WRITE, action="orglife.issue_calendar_token", target=by, user=by)
    return token


@transaction.atomic
def revoke_calendar_token(*, by: User) -> None:
    CalendarToken.objects.filter(user=by).delete()
    audit.record(audit.AuditEvent.WRITE, action="orglife.revoke_calendar_token", target=by, user=by)
