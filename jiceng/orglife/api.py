"""/api/v1/orglife: meetings, attendance, minutes, compliance, rules, talks, calendar token."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jiceng.accounts.access import api_requires, api_signed_in
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import InvalidInput, not_found
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.members.queries import access_member

from . import queries, rules
from .attendance import (
    check_in,
    decide_leave,
    join_online,
    leave_online,
    record_attendance,
    request_leave,
)
from .calendars import issue_calendar_token, revoke_calendar_token
from .checkin_codes import checkin_token
from .minutes import (
    add_minutes_photo,
    amend_minutes,
    record_minutes,
    remove_minutes_photo,
    sign_minutes,
)
from .models import Attendance, Meeting, MeetingKind, Minutes, MinutesPhoto, Period
from .requirements import set_meeting_rule
from .scheduling import cancel_meeting, schedule_meetings
from .talks import record_talk

router = Router(tags=["orglife"])

Id = PathId
MEETING_PEOPLE = (Permission.ATTEND_MEETINGS, Permission.MANAGE_MEETINGS)


class MeetingOut(Schema):
    id: int
    organization_id: int
    kind: str
    kind_label: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    month: str
    place: str
    is_online: bool
    audience: str
    party_group_id: int | None
    status: str
    quorum_met: bool | None
    expected_count: int
    present_count: int
    agenda: list[str]

    @staticmethod
    def of(m: Meeting) -> MeetingOut:
        return MeetingOut(
            id=m.pk,
            organization_id=m.organization_id,
            kind=m.kind,
            kind_label=m.get_kind_display(),
            title=m.title,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            month=rules.format_month(m.month),
            place=m.place,
            is_online=m.is_online,
            audience=m.audience,
            party_group_id=m.party_group_id,
            status=m.status,
            quorum_met=m.quorum_met,
            expected_count=m.expected_count,
            present_count=m.present_count,
            agenda=[a.title for a in m.agenda_items.all()],
        )


class AttendanceOut(Schema):
    id: int
    meeting_id: int
    member_id: int
    member_name: str
    status: str
    is_remote: bool
    checked_in_at: dt.datetime | None
    online_joined_at: dt.datetime | None
    online_seconds: int
    leave_status: str
    leave_reason: str

    @staticmethod
    def of(a: Attendance) -> AttendanceOut:
        return AttendanceOut(
            id=a.pk,
            meeting_id=a.meeting_id,
            member_id=a.member_id,
            member_name=a.member.name,
            status=a.status,
            is_remote=a.is_remote,
            checked_in_at=a.checked_in_at,
            online_joined_at=a.online_joined_at,
            online_seconds=a.online_seconds,
            leave_status=a.leave_status,
            leave_reason=a.leave_reason,
        )


class MeetingIn(Schema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    kind: MeetingKind
    title: str = Field(min_length=1, max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = Field(default="", max_length=200)
    is_online: bool = False
    audience: str | None = None
    party_group_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    agenda: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=30)
    repeat_monthly: int = Field(default=1, ge=1, le=24)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=clock.CHINA)


@router.get("/meetings", response={200: list[MeetingOut], 400: Error, 404: Error})
@api_requires(Permission.MANAGE_MEETINGS)
def meeting_list(
    request: AuthedRequest,
    organization_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
) -> list[MeetingOut]:
    organization = queries.access_managed_organization(request.user, organization_id)
    try:
        shown = rules.parse_month(month)
    except ValueError:
        raise InvalidInput("月份格式应为2025-05") from None
    rows = queries.month_meetings(organization, shown).prefetch_related("agenda_items")
    return [MeetingOut.of(m) for m in rows]


@router.post("/meetings", response={201: list[MeetingOut], 400: Error, 404: Error})
@api_requires(Permission.MANAGE_MEETINGS)
def meeting_create(request: AuthedRequest, payload: MeetingIn) -> Status[list[MeetingOut]]:
    organization = queries.access_managed_organization(request.user, payload.organization_id)
    made = schedule_meetings(
        organization=organization,
        kind=payload.kind.value,
        title=payload.title,
        starts_at=_aware(payload.starts_at),
        ends_at=_aware(payload.ends_at),
        repeat_monthly=payload.repeat_monthly,
        place=payload.place,
        is_online=payload.is_online,
        audience=payload.audience,
        party_group_id=payload.party_group_id,
        agenda=payload.agenda,
        by=request.user,
    )
    return Status(201, [MeetingOut.of(m) for m in made])


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, 404: Error})
@api_requires(*MEETING_PEOPLE)
def meeting_detail(request: AuthedRequest, meeting_id: Id) -> MeetingOut:
    meeting, _ = queries.access_meeting(request.user, meeting_id)
    return MeetingOut.of(meeting)


@router.post("/meetings/{meeting_id}/cancel", response={200: MeetingOut, 404: Error, 409: Error})
@api_requires(Permission.MANAGE_MEETINGS)
def meeting_cancel(request: AuthedRequest, meeting_id: Id) -> MeetingOut:
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    return MeetingOut.of(cancel_meeting(meeting=meeting, by=request.user))


class CheckinCodeOut(Schema):
    token: str


@router.get("/meetings/{meeting_id}/checkin-code", response={200: CheckinCodeOut, 404: Error})
@api_requires(Permission.MANAGE_MEETINGS)
def meeting_checkin_code(request: AuthedRequest, meeting_id: Id) -> CheckinCodeOut:
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    return CheckinCodeOut(token=checkin_token(meeting))


@router.get("/meetings/{meeting_id}/attendance", response={200: list[AttendanceOut], 404: Error})
@api_requires(Permission.MANAGE_MEETINGS)
def meeting_attendance(request: AuthedRequest, meeting_id: Id) -> list[AttendanceOut]:
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    return [AttendanceOut.of(a) for a in queries.attendance_list(meeting)]


class CheckinIn(Schema):
    token: str = Field(min_length=10, max_length=300)


@router.post("/checkin", response={200: AttendanceOut, 400: Error, 404: Error, 409: Error})
@api_requires(*MEETING_PEOPLE)
def checkin(request: AuthedRequest, payload: CheckinIn) -> AttendanceOut:
    return AttendanceOut.of(check_in(token=payload.token, by=request.user))


@router.post(
    "/meetings/{meeting_id}/online/join",
    response={200: AttendanceOut, 400: Error, 404: Error, 409: Error},
)
@api_requires(*MEETING_PEOPLE)
def online_join(request: AuthedRequest, meeting_id: Id) -> AttendanceOut:
    meeting, _ = queries.access_meeting(request.user, meeting_id)
    return AttendanceOut.of(join_online(meeting=meeting, by=request.user))


@router.post(
    "/meetings/{meeting_id}/online/leave",
    response={200: AttendanceOut, 400: Error, 404: Error, 409: Error},
)
@api_requires(*MEETING_PEOPLE)
def online_leave(request: AuthedRequest, meeting_id: Id) -> AttendanceOut:
    meeting, _ = queries.access_meeting(request.user, meeting_id)
    return AttendanceOut.of(leave_online(meeting=meeting, by=request.user))


class LeaveIn(Schema):
    reason: str = Field(max_length=200)


@router.post(
    "/meetings/{meeting_id}/leave",
    response={200: AttendanceOut, 400: Error, 404: Error, 409: Error},
)
@api_requires(*MEETING_PEOPLE)
def leave_request(request: AuthedRequest, meeting_id: Id, payload: LeaveIn) -> AttendanceOut:
    meeting, _ = queries.access_meeting(request.user, meeting_id)
    return AttendanceOut.of(request_leave(meeting=meeting, reason=payload.reason, by=request.user))


class DecisionIn(Schema):
    approve: bool


@router.post(
    "/attendance/{attendance_id}/leave-decision",
    response={200: AttendanceOut, 400: Error, 404: Error, 409: Error},
)
@api_requires(Permission.MANAGE_MEETINGS)
def leave_decision(request: AuthedRequest, attendance_id: Id, payload: DecisionIn) -> AttendanceOut:
    attendance = queries.access_attendance(request.user, attendance_id)
    return AttendanceOut.of(
        decide_leave(attendance=attendance, approve=payload.approve, by=request.user)
    )


class MarkIn(Schema):
    member_id: int = Field(ge=1, le=MAX_ID)
    status: str = Field(max_length=10)


@router.post(
    "/meetings/{meeting_id}/attendance",
    response={200: AttendanceOut, 400: Error, 404: Error, 409: Error},
)
@api_requires(Permission.MANAGE_MEETINGS)
def attendance_mark(request: AuthedRequest, meeting_id: Id, payload: MarkIn) -> AttendanceOut:
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    return AttendanceOut.of(
        record_attendance(
            meeting=meeting, member_id=payload.member_id, status=payload.status, by=request.user
        )
    )


class ItemIn(Schema):
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=5000)


class TaskIn(Schema):
    title: str = Field(max_length=200)
    owner: str = Field(max_length=50)
    due_on: str = Field(max_length=10)


class MinutesIn(Schema):
    items: list[ItemIn] = Field(default=[], max_length=50)
    resolutions: list[Annotated[str, Field(max_length=1000)]] = Field(default=[], max_length=50)
    tasks: list[TaskIn] = Field(default=[], max_length=50)


class AmendIn(MinutesIn):
    reason: str = Field(max_length=200)


class MinutesOut(Schema):
    meeting_id: int
    body: dict[str, Any]
    original_body: dict[str, Any] | None
    signed_at: dt.datetime | None
    locks_at: dt.datetime
    amendments: int

    @staticmethod
    def of(m: Minutes) -> MinutesOut:
        return MinutesOut(
            meeting_id=m.meeting_id,
            body=m.body,
            original_body=m.original_body,
            signed_at=m.signed_at,
            locks_at=m.locks_at,
            amendments=m.amendments.count(),
        )


@router.get("/meetings/{meeting_id}/minutes", response={200: MinutesOut, 404: Error})
@api_requires(Permission.MANAGE_MEETINGS)
def minutes_detail(request: AuthedRequest, meeting_id: Id) -> MinutesOut:
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise not_found("会议记录")
    return MinutesOut.of(minutes)


@router.put(
    "/meetings/{meeting_id}/minutes", response={200: MinutesOut, 400: Error, 404: Error, 409: Error}
)
@api_requires(Permission.MANAGE_MEETINGS)
def minutes_record(request: AuthedRequest, meeting_id: Id, payload: MinutesIn) -> MinutesOut:
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    return MinutesOut.of(
        record_minutes(meeting=meeting, body=payload.model_dump(), by=request.user)
    )


@router.post(
    "/meetings/{meeting_id}/minutes/sign",
    response={200: MeetingOut, 400: Error, 404: Error, 409: Error},
)
@api_requires(Permission.MANAGE_MEETINGS)
def minutes_sign(request: AuthedRequest, meeting_id: Id) -> MeetingOut:
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    return MeetingOut.of(sign_minutes(meeting=meeting, by=request.user))


@router.post(
    "/meetings/{meeting_id}/minutes/amend",
    response={200: MinutesOut, 400: Error, 404: Error, 409: Error},
)
@api_requires(Permission.MANAGE_MEETINGS)
def minutes_amend(request: AuthedRequest, meeting_id: Id, payload: AmendIn) -> MinutesOut:
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    body = payload.model_dump(exclude={"reason"})
    return MinutesOut.of(
        amend_minutes(meeting=meeting, body=body, reason=payload.reason, by=request.user)
    )


class PhotoOut(Schema):
    id: int
    caption: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    url: str

    @staticmethod
    def of(p: MinutesPhoto, meeting_id: int) -> PhotoOut:
        return PhotoOut(
            id=p.pk,
            caption=p.caption,
            content_type=p.content_type,
            size=p.size,
            uploaded_at=p.uploaded_at,
            url=f"/orglife/meetings/{meeting_id}/minutes/photos/{p.pk}/",
        )


class PhotoRemoveIn(Schema):
    reason: str = Field(default="", max_length=180)


@router.get("/meetings/{meeting_id}/minutes/photos", response={200: list[PhotoOut], 404: Error})
@api_requires(Permission.MANAGE_MEETINGS)
def minutes_photo_list(request: AuthedRequest, meeting_id: Id) -> list[PhotoOut]:
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    return [PhotoOut.of(p, meeting.pk) for p in queries.minutes_photos(minutes)]


@router.post(
    "/meetings/{meeting_id}/minutes/photos",
    response={201: PhotoOut, 400: Error, 404: Error, 409: Error},
)
@api_requires(Permission.MANAGE_MEETINGS)
def minutes_photo_upload(
    request: AuthedRequest,
    meeting_id: Id,
    photo: File[UploadedFile | None] = None,
    caption: Form[str] = "",
    reason: Form[str] = "",
) -> Status[PhotoOut]:
    """multipart/form-data: `photo`, optional `caption`, and `reason` once the minutes are
    signed or locked."""
    meeting = queries.access_managed_meeting(request.user, meeting_id)
    if photo is None:  # an empty file part is dropped by Django's parser
        raise InvalidInput("请选择照片", fields={"photo": "请选择照片"})
    added = add_minutes_photo(
        meeting=meeting, upload=photo, caption=caption, reason=reason, by=request.user
    )
    return Status(201, PhotoOut.of(added, meeting.pk))


@router.post(
    "/meetings/{meeting_id}/minutes/photos/{photo_id}/remove",
    response={204: None, 400: Error, 404: Error, 409: Error},
)
@api_requires(Permission.MANAGE_MEETINGS)
def minutes_photo_remove(
    request: AuthedRequest, meeting_id: Id, photo_id: Id, payload: PhotoRemoveIn
) -> Status[None]:
    photo = queries.access_minutes_photo(request.user, meeting_id, photo_id)
    remove_minutes_photo(photo=photo, reason=payload.reason, by=request.user)
    return Status(204, None)


class MyMeetingOut(Schema):
    meeting: MeetingOut
    attendance: AttendanceOut


@router.get("/my-meetings", response={200: list[MyMeetingOut]})
@api_requires(*MEETING_PEOPLE)
def my_meetings(request: AuthedRequest) -> list[MyMeetingOut]:
    return [
        MyMeetingOut(meeting=MeetingOut.of(a.meeting), attendance=AttendanceOut.of(a))
        for a in queries.my_meetings(request.user)
    ]


class ComplianceRowOut(Schema):
    organization_id: int
    organization_name: str
    branches: int
    compliant: int
    missing: dict[str, int]
    met_kinds: list[str]
    pending_kinds: list[str]
    expected: int
    present: int
    members_without_talk: int


class ComplianceOut(Schema):
    month: str
    organization: ComplianceRowOut | None
    children: list[ComplianceRowOut]
    failing: list[dict[str, Any]]


def _row(organization: Any, row: Any) -> ComplianceRowOut:
    from .compliance import MISSING_COLUMNS

    return ComplianceRowOut(
        organization_id=organization.pk,
        organization_name=organization.name,
        branches=row.branches,
        compliant=row.compliant,
        missing={k.value: getattr(row, c) for k, c in MISSING_COLUMNS.items()},
        met_kinds=[k.value for k in rules.kinds_in(row.met)],
        pending_kinds=[k.value for k in rules.kinds_in(row.pending)],
        expected=row.expected,
        present=row.present,
        members_without_talk=row.members_without_talk,
    )


@router.get("/compliance/{organization_id}", response={200: ComplianceOut, 400: Error, 404: Error})
@api_requires(Permission.VIEW_ORGANIZATIONS, Permission.MANAGE_MEETINGS)
def compliance(
    request: AuthedRequest,
    organization_id: Id,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
) -> ComplianceOut:
    organization = queries.access_compliance_organization(request.user, organization_id)
    try:
        shown = rules.parse_month(month)
    except ValueError:
        raise InvalidInput("月份格式应为2025-05") from None
    view = queries.compliance_view(organization, shown)
    return ComplianceOut(
        month=month,
        organization=_row(organization, view.row) if view.row else None,
        children=[_row(o, c) for o, c in view.children],
        failing=[
            {
                "organization_id": o.pk,
                "name": o.name,
                "missing": [k.value for k in kinds],
                "members_without_talk": without_talk,
            }
            for o, kinds, without_talk in view.failing
        ],
    )


class RuleIn(Schema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    kind: MeetingKind
    period: Period
    times_per_period: int = Field(ge=1, le=31)
    fixed_day: int | None = Field(default=None, ge=1, le=28)


class RuleOut(Schema):
    kind: str
    period: str
    times_per_period: int
    fixed_day: int | None


@router.put("/rules", response={200: RuleOut, 400: Error, 404: Error})
@api_requires(Permission.MANAGE_MEETING_RULES)
def rule_set(request: AuthedRequest, payload: RuleIn) -> RuleOut:
    from jiceng.orgs.queries import access_organization

    organization = access_organization(request.user, payload.organization_id)
    rule = set_meeting_rule(
        organization=organization,
        kind=payload.kind.value,
        period=payload.period.value,
        times_per_period=payload.times_per_period,
        fixed_day=payload.fixed_day,
        by=request.user,
    )
    return RuleOut(
        kind=rule.kind,
        period=rule.period,
        times_per_period=rule.times_per_period,
        fixed_day=rule.fixed_day,
    )


class TalkIn(Schema):
    member_id: int = Field(ge=1, le=MAX_ID)
    talked_on: dt.date
    summary: str = Field(default="", max_length=5000)


class TalkOut(Schema):
    id: int
    member_id: int
    talked_on: dt.date


@router.post("/talks", response={201: TalkOut, 400: Error, 404: Error})
@api_requires(Permission.MANAGE_MEETINGS)
def talk_create(request: AuthedRequest, payload: TalkIn) -> Status[TalkOut]:
    member = access_member(request.user, payload.member_id)
    talk = record_talk(
        organization=member.organization,
        member=member,
        talked_on=payload.talked_on,
        summary=payload.summary,
        by=request.user,
    )
    return Status(201, TalkOut(id=talk.pk, member_id=member.pk, talked_on=talk.talked_on))


class TokenOut(Schema):
    token: str


@router.post("/calendar-token", response={201: TokenOut})
@api_signed_in
def calendar_token_issue(request: AuthedRequest) -> Status[TokenOut]:
    return Status(201, TokenOut(token=issue_calendar_token(by=request.user).token))


@router.delete("/calendar-token", response={204: None})
@api_signed_in
def calendar_token_revoke(request: AuthedRequest) -> Status[None]:
    revoke_calendar_token(by=request.user)
    return Status(204, None)
