"""Reads of organizational life, scoped to the user (accounts.scoping): managers see the
meetings of organizations where they hold MANAGE_MEETINGS, members their own meetings,
departments the compliance of their subtree."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import NotFound, not_found
from jiceng.core.paths import under
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import Organization

from . import rules
from .compliance import MISSING_COLUMNS, MeetingFacts, Requirements, why_not_met
from .models import (
    Attendance,
    CalendarToken,
    Compliance,
    HeartToHeartTalk,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesPhoto,
    Notice,
    Period,
)


def can_manage(user: User, organization: Organization) -> bool:
    return scope_of(user).allows(
        Permission.MANAGE_MEETINGS, path=organization.path, division_id=organization.division_id
    )


def access_managed_organization(user: User, pk: int) -> Organization:
    found = (
        Organization.objects.filter(
            scope_of(user).organization_q(Permission.MANAGE_MEETINGS), pk=pk
        )
        .select_related("division")
        .first()
    )
    if found is None:
        raise not_found("党组织")
    return found


def default_organization(user: User, permission: Permission) -> Organization | None:
    """The first organization the user's role names for `permission` (the top of their scope)."""
    paths = scope_of(user).reach(permission).paths
    return Organization.objects.filter(path__in=paths).order_by("path").first()


def access_meeting(user: User, pk: int) -> tuple[Meeting, bool]:
    """The meeting and whether the user manages it; a member sees the meetings they are
    expected at. Anything else is not found."""
    meeting = Meeting.objects.select_related("organization", "party_group").filter(pk=pk).first()
    if meeting is None:
        raise not_found("会议")
    if can_manage(user, meeting.organization):
        return meeting, True
    if (
        user.member_id is not None
        and Attendance.objects.filter(
            month=meeting.month, meeting=meeting, member_id=user.member_id
        ).exists()
    ):
        return meeting, False
    raise not_found("会议")


def access_managed_meeting(user: User, pk: int) -> Meeting:
    meeting, manages = access_meeting(user, pk)
    if not manages:
        raise not_found("会议")
    return meeting


def access_minutes_photo(user: User, meeting_pk: int, photo_pk: int) -> MinutesPhoto:
    """A photo of the minutes of a meeting the user manages; anything else is not found."""
    meeting = access_managed_meeting(user, meeting_pk)
    photo = MinutesPhoto.objects.filter(pk=photo_pk, minutes__meeting=meeting).first()
    if photo is None:
        raise not_found("照片")
    return photo


def minutes_photos(minutes: Minutes | None) -> list[MinutesPhoto]:
    """The photos shown with the minutes (removed ones are kept, not shown)."""
    if minutes is None:
        return []
    return list(MinutesPhoto.objects.filter(minutes=minutes, removed_at__isnull=True))


def access_attendance(user: User, pk: int) -> Attendance:
    found = (
        Attendance.objects.filter(
            scope_of(user).organization_q(
                Permission.MANAGE_MEETINGS, prefix="meeting__organization__"
            ),
            pk=pk,
        )
        .select_related("meeting")
        .first()
    )
    if found is None:
        raise not_found("参会记录")
    return found


def month_meetings(organization: Organization, month: int) -> QuerySet[Meeting]:
    return Meeting.objects.filter(organization=organization, month=month).order_by("starts_at")


def attendance_list(meeting: Meeting) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(month=meeting.month, meeting=meeting)
        .select_related("member", "meeting")
        .order_by("status", "member__name")
    )


def own_attendance(user: User, meeting: Meeting) -> Attendance | None:
    if user.member_id is None:
        return None
    return Attendance.objects.filter(
        month=meeting.month, meeting=meeting, member_id=user.member_id
    ).first()


def my_meetings_by_time(
    user: User, *, limit: int = 30
) -> tuple[list[Attendance], list[Attendance]]:
    """The member's meetings to come (soonest first) and the most recent past ones."""
    if user.member_id is None:
        return [], []
    rows = Attendance.objects.filter(member_id=user.member_id).select_related(
        "meeting", "meeting__organization"
    )
    now = clock.now()
    upcoming = list(rows.filter(meeting__ends_at__gte=now).order_by("meeting__starts_at")[:limit])
    past = list(rows.filter(meeting__ends_at__lt=now).order_by("-meeting__starts_at")[:limit])
    return upcoming, past


def my_meetings(user: User, *, limit: int = 30) -> list[Attendance]:
    """The member's meetings: those to come first, then the most recent."""
    upcoming, past = my_meetings_by_time(user, limit=limit)
    return upcoming + past


def notices_for(user: User) -> QuerySet[Notice]:
    """The member's own notices, and those to the organizations where the user manages
    meetings (a branch's warnings)."""
    q = Q(pk__in=[])
    if user.member_id is not None:
        q |= Q(member_id=user.member_id)
    paths = scope_of(user).reach(Permission.MANAGE_MEETINGS).paths
    if paths:
        # the organizations' ids first: with them the OR is two index ranges, (member, ...)
        # and (organization, ...), rather than a join that reads every notice
        ids = Organization.objects.filter(path__in=paths).values_list("pk", flat=True)
        q |= Q(organization_id__in=list(ids))
    return Notice.objects.filter(q)


def my_notices(user: User, *, limit: int = 10) -> list[Notice]:
    return list(notices_for(user).order_by("-created_at")[:limit])


# -- compliance --------------------------------------------------------------------------------


def access_compliance_organization(user: User, pk: int) -> Organization:
    scope = scope_of(user)
    q = scope.organization_q(Permission.VIEW_ORGANIZATIONS) | scope.organization_q(
        Permission.MANAGE_MEETINGS
    )
    found = Organization.objects.filter(q, pk=pk).first()
    if found is None:
        raise not_found("党组织")
    return found


@dataclass(frozen=True)
class KindLine:
    """One required kind on a branch's compliance page: its state (met, missing, pending),
    and for one not met, why, and the meeting concerned if there is one."""

    kind: MeetingKind
    state: str
    reason: str = ""
    meeting_id: int | None = None


@dataclass
class ComplianceView:
    organization: Organization
    month: int
    row: Compliance | None
    children: list[tuple[Organization, Compliance]]
    # each failing branch, what it misses, and how many members still lack a talk
    failing: list[tuple[Organization, list[MeetingKind], int]]
    by_month: list[tuple[int, Compliance | None]]
    missing: list[tuple[MeetingKind, int]] = field(default_factory=list)
    met_kinds: list[MeetingKind] = field(default_factory=list)
    pending_kinds: list[MeetingKind] = field(default_factory=list)
    # a branch's own page: each required kind with its state and, if not met, the reason
    kind_lines: list[KindLine] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        if self.row is None or not self.row.branches:
            return None
        return self.row.compliant / self.row.branches

    @property
    def attendance_rate(self) -> float | None:
        if self.row is None or not self.row.expected:
            return None
        return self.row.present / self.row.expected


def compliance_view(
    organization: Organization, month: int, *, failing_limit: int = 50
) -> ComplianceView:
    """Every read is an index range on (month, path) or (month, depth, path): the rollup rows
    of the organization, of its children, and of the first failing branches below."""
    rows = Compliance.objects.filter(month=month)
    row = rows.filter(organization=organization).first()
    inside = under(organization.path)
    children_rows = list(
        rows.filter(inside, depth=organization.depth + 1)
        .order_by("path")
        .select_related("organization")
    )
    failing_rows = list(
        rows.filter(inside, branches=1, compliant=0)
        .order_by("path")
        .select_related("organization")[:failing_limit]
    )
    months = [rules.add_months(month, -i) for i in range(11, -1, -1)]
    history = {
        c.month: c for c in Compliance.objects.filter(organization=organization, month__in=months)
    }
    view = ComplianceView(
        organization=organization,
        month=month,
        row=row,
        children=[(c.organization, c) for c in children_rows],
        failing=[
            (c.organization, rules.kinds_in(c.missing), c.members_without_talk)
            for c in failing_rows
        ],
        by_month=[(m, history.get(m)) for m in months],
    )
    if row is not None:
        view.missing = [(k, getattr(row, col)) for k, col in MISSING_COLUMNS.items()]
        view.met_kinds = rules.kinds_in(row.met)
        view.pending_kinds = rules.kinds_in(row.pending)
        if row.branches == 1 and row.organization_id == organization.pk:
            view.kind_lines = kind_lines(organization, month, row)
    return view


def kind_lines(organization: Organization, month: int, row: Compliance) -> list[KindLine]:
    """A branch's required kinds for `month`, met first; for each kind not met, why (one
    read of the branch's meetings of those kinds over the longest period concerned)."""
    required = Requirements().for_path(organization.path)
    unmet = rules.kinds_in(row.missing | row.pending)
    starts = {k: rules.period_bounds(required[k].period, month)[0] for k in unmet if k in required}
    facts: dict[MeetingKind, list[MeetingFacts]] = {k: [] for k in starts}
    if starts:
        found = (
            Meeting.objects.filter(
                organization=organization,
                kind__in=list(starts),
                month__gte=min(starts.values()),
                month__lte=month,
            )
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("starts_at")
            .values_list(
                "pk",
                "kind",
                "month",
                "status",
                "quorum_met",
                "present_count",
                "expected_count",
                "starts_at",
                "ends_at",
            )
        )
        for pk, kind, held_month, status, quorum, present, expected, starts_at, ends_at in found:
            if held_month >= starts[MeetingKind(kind)]:
                facts[MeetingKind(kind)].append(
                    MeetingFacts(pk, status, quorum, present, expected, starts_at, ends_at)
                )
    now = clock.now()
    lines = [KindLine(k, "met") for k in rules.kinds_in(row.met)]
    for state, mask in (("missing", row.missing), ("pending", row.pending)):
        for kind in rules.kinds_in(mask):
            if kind == MeetingKind.HEART_TO_HEART_TALK:
                reason = f"{row.members_without_talk}名党员尚未谈心谈话"
                lines.append(KindLine(kind, state, reason))
                continue
            period = required[kind].period if kind in required else Period.MONTH
            reason, meeting_id = why_not_met(kind, period, facts.get(kind, []), now)
            lines.append(KindLine(kind, state, reason, meeting_id))
    return lines


@dataclass
class TalkYear:
    talks: list[HeartToHeartTalk]
    without_talk: list[Member]


def talk_year(organization: Organization, year: int) -> TalkYear:
    """谈心谈话 of one branch and year: the talks, and the active members still without one."""
    talks = list(
        HeartToHeartTalk.objects.filter(organization=organization, year=year)
        .select_related("member")
        .order_by("-talked_on", "-pk")
    )
    talked = {t.member_id for t in talks}
    active = Member.objects.filter(
        organization=organization, status__in=(MemberStatus.FULL, MemberStatus.PROBATIONARY)
    ).order_by("pk")
    return TalkYear(talks=talks, without_talk=[m for m in active if m.pk not in talked])


# -- calendars ---------------------------------------------------------------------------------


def user_of_calendar_token(token: str) -> User:
    found = CalendarToken.objects.filter(token=token).select_related("user").first()
    if found is None or not found.user.is_active:
        raise NotFound("日历订阅地址无效或已停用")
    return found.user


def member_calendar(user: User) -> list[Meeting]:
    if user.member_id is None:
        return []
    return list(
        Meeting.objects.filter(attendances__member_id=user.member_id)
        .select_related("organization")
        .order_by("-starts_at")[:500]
    )


def organization_calendar(user: User, pk: int) -> tuple[Organization, list[Meeting]]:
    """An organization's meetings for someone who manages them or belongs to it."""
    organization = Organization.objects.filter(pk=pk).first()
    allowed = organization is not None and (
        can_manage(user, organization)
        or (user.member is not None and user.member.organization_id == organization.pk)
    )
    if organization is None or not allowed:
        raise not_found("党组织")
    meetings = list(
        Meeting.objects.filter(organization=organization)
        .select_related("organization")
        .order_by("-starts_at")[:500]
    )
    return organization, meetings
