"""Organizational life on the workbench (web.workbench): a member's meetings and notices, and
a branch secretary's month (required meetings and their state, leave requests, minutes to
sign, talks due)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission, has_permission, roles_of
from jiceng.accounts.scoping import Where, role_reach
from jiceng.core import clock
from jiceng.core.paths import under as paths_under
from jiceng.notices import queries as notice_queries
from jiceng.orgs.models import BRANCH_KINDS, Committee, Organization, PartyGroup
from jiceng.web.workbench import Action, Content, Figure, Item, capped, panel

from . import compliance, rules
from .models import (
    Attendance,
    Compliance,
    LeaveStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Period,
)

LIST_LIMIT = 5
COUNT_CAP = 100
MANAGING_ROLES = frozenset({Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER})
ORGANIZATIONS_SHOWN = 3  # a secretary of more branches sees the first three here


def _when(at: dt.datetime) -> str:
    local = at.astimezone(clock.CHINA)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


# -- member ------------------------------------------------------------------------------------


def _is_member(user: User) -> bool:
    return user.member_id is not None and has_permission(user, Permission.ATTEND_MEETINGS)


@panel("orglife.member", title="我的组织生活", order=10, shows=_is_member, empty="近期没有会议")
def member_meetings(user: User) -> Content:
    """The member's next meetings, those open for check-in now, and the unread notices."""
    now = clock.now()
    member_id = user.member_id or 0  # shows: the user is a member
    upcoming = Attendance.objects.filter(
        member_id=member_id,
        meeting__ends_at__gte=now,
        meeting__status=MeetingStatus.SCHEDULED,
    )
    rows = list(
        upcoming.select_related("meeting", "meeting__organization").order_by(
            "meeting__starts_at", "meeting_id"
        )[:LIST_LIMIT]
    )
    count = upcoming.order_by()[:COUNT_CAP].count()
    notice_count = notice_queries.unread_orglife_notices(user).order_by()[:COUNT_CAP].count()
    mine = reverse("orglife:my_meetings")
    items: list[Item] = []
    open_now = 0
    for row in rows:
        meeting = row.meeting
        is_open = rules.in_checkin_window(
            at=now, starts_at=meeting.starts_at, ends_at=meeting.ends_at
        )
        if is_open:
            open_now += 1
        if is_open and meeting.is_online:
            url, note = reverse("orglife:online", args=[meeting.pk]), "正在进行：可线上参会"
        elif is_open:
            url, note = reverse("orglife:meeting", args=[meeting.pk]), "正在进行：请到会场扫码签到"
        else:
            url = reverse("orglife:meeting", args=[meeting.pk])
            note = _when(meeting.starts_at) + (f" · {meeting.place}" if meeting.place else "")
        if row.leave_status == LeaveStatus.REQUESTED:
            note += " · 请假待批"
        elif row.leave_status == LeaveStatus.APPROVED:
            note += " · 已请假"
        items.append(Item(meeting.title, url, note=note, tone="warn" if is_open else ""))
    return Content(
        figures=[
            Figure("待参加会议", capped(count, COUNT_CAP), mine),
            Figure("正在签到", open_now, mine, tone="warn" if open_now else ""),
            Figure(
                "未读通知",
                capped(notice_count, COUNT_CAP),
                reverse("notices:centre"),
                tone="warn" if notice_count else "",
            ),
        ],
        items=items,
        more=Action("我的全部会议和通知", mine, primary=False),
    )


# -- branch secretary / committee member --------------------------------------------------------


def _manages_a_branch(user: User) -> bool:
    return bool(roles_of(user) & MANAGING_ROLES)


def _named_organizations(user: User) -> list[Organization]:
    """The organizations the user's secretary and committee rows name (not an organization
    department's subtree: that is orgs' panel)."""
    paths: set[str] = set()
    for role in MANAGING_ROLES:
        paths.update(role_reach(user, role, Where.SUBTREE).paths)
    return list(
        Organization.objects.filter(path__in=sorted(paths), dissolved_on__isnull=True).order_by(
            "path"
        )[:ORGANIZATIONS_SHOWN]
    )


PERIOD_LEFT = {Period.MONTH: "本月内", Period.QUARTER: "本季度内", Period.YEAR: "年内"}


def _requirement_items(organization: Organization, month: int, now: dt.datetime) -> list[Item]:
    """Each kind required of the branch, with its state at the end of this month as the
    compliance rollup judges it (compliance.branch_values, as refresh_branch does for one
    branch: never a second copy of the rules), and the meeting already scheduled for it."""
    requirements = compliance.Requirements()
    judge = compliance.BranchJudge(
        requirements, month, compliance.held_counts(month, requirements, organization.pk)
    )
    values = dict(
        zip(
            compliance.COLUMNS,
            compliance.branch_values(
                organization_id=organization.pk,
                path=organization.path,
                month=month,
                judge=judge,
                has_committee=Committee.objects.filter(
                    organization=organization, ended_on__isnull=True
                ).exists(),
                party_groups=PartyGroup.objects.filter(organization=organization).count(),
            ),
            strict=True,
        )
    )
    met, missing = values["met"], values["missing"]
    pending, without_talk = values["pending"], values["members_without_talk"]
    scheduled: dict[str, Meeting] = {}
    for meeting in Meeting.objects.filter(
        organization=organization, month=month, status=MeetingStatus.SCHEDULED
    ).order_by("-starts_at"):
        scheduled[meeting.kind] = meeting  # the earliest wins
    month_url = reverse("orglife:org_month", args=[organization.pk])
    talks_url = reverse("orglife:talks", args=[organization.pk])
    required = requirements.for_path(organization.path)
    shown: list[tuple[int, Item]] = []
    for kind, requirement in required.items():
        bit = rules.KIND_BITS[kind]
        label = MeetingKind(kind).label
        if kind == MeetingKind.HEART_TO_HEART_TALK:
            if not (met | missing | pending) & bit:
                continue
            if met & bit:
                shown.append((2, Item(label, talks_url, note="已完成", tone="ok")))
            else:
                note = f"{without_talk}名党员尚未谈话（{PERIOD_LEFT[requirement.period]}）"
                tone = "warn" if missing & bit else ""
                shown.append((0 if tone else 1, Item(label, talks_url, note=note, tone=tone)))
            continue
        if met & bit:
            shown.append((2, Item(label, month_url, note="已完成", tone="ok")))
        elif missing & bit or pending & bit:
            planned = scheduled.get(kind)
            if planned is not None and planned.ends_at < now:  # held: counts once signed
                url = reverse("orglife:meeting", args=[planned.pk]) + "#minutes"
                item = Item(label, url, note="已召开，会议记录待签发", tone="warn")
                shown.append((0, item))
            elif planned is not None:
                url = reverse("orglife:meeting", args=[planned.pk])
                item = Item(label, url, note=f"已安排：{_when(planned.starts_at)}")
                shown.append((1, item))
            elif missing & bit:
                item = Item(label, month_url, note="本月应召开，尚未安排", tone="warn")
                shown.append((0, item))
            else:
                note = f"待召开（{PERIOD_LEFT[requirement.period]}）"
                shown.append((1, Item(label, month_url, note=note)))
    return [item for _, item in sorted(shown, key=lambda found: found[0])]


def _open_months(today: dt.date) -> list[int]:
    """The months whose records may still be signed (rules.month_closed)."""
    this = rules.month_of(today)
    previous = rules.add_months(this, -1)
    close_day = settings.JICENG_ORGLIFE_MONTH_CLOSE_DAY
    if rules.month_closed(month=previous, today=today, close_day=close_day):
        return [this]
    return [previous, this]


@panel(
    "orglife.secretary",
    title="支部组织生活",
    order=20,
    shows=_manages_a_branch,
    empty="本支部没有待办事项",
)
def secretary_month(user: User) -> list[Content]:
    """For each organization the user is secretary or committee member of: the month's
    requirements, leave requests to decide, minutes to sign, and the schedule button."""
    now = clock.now()
    today = clock.today()
    month = rules.month_of(today)
    found: list[Content] = []
    for organization in _named_organizations(user):
        month_url = reverse("orglife:org_month", args=[organization.pk])
        content = Content(note=f"{organization.name} · {month // 100}年{month % 100}月")
        if organization.kind in BRANCH_KINDS:
            content.items = _requirement_items(organization, month, now)
        months = _open_months(today)
        # The organization's meetings of the open months first (a handful), then their leave
        # requests by the (month, meeting) key: joined to the meeting instead, SQLite read the
        # whole country's attendance of the two months to find one branch's.
        meetings = list(
            Meeting.objects.filter(organization=organization, month__in=months).values_list(
                "pk", flat=True
            )
        )
        leaves = Attendance.objects.filter(
            month__in=months, meeting_id__in=meetings, leave_status=LeaveStatus.REQUESTED
        ).select_related("meeting", "member")
        unsigned = Meeting.objects.filter(
            organization=organization,
            month__in=months,
            status=MeetingStatus.SCHEDULED,
            ends_at__lt=now,
        )
        leave_rows = list(leaves.order_by("meeting__starts_at", "pk")[:LIST_LIMIT])
        unsigned_rows = list(unsigned.order_by("starts_at", "pk")[:LIST_LIMIT])
        content.items += [
            Item(
                f"{row.member.name}请假：{row.meeting.title}",
                reverse("orglife:meeting", args=[row.meeting_id]) + "#attendance",
                note=f"事由：{row.leave_reason}" if row.leave_reason else "待审批",
                tone="warn",
            )
            for row in leave_rows
        ]
        content.items += [
            Item(
                f"会议记录待签发：{meeting.title}",
                reverse("orglife:meeting", args=[meeting.pk]) + "#minutes",
                note=_when(meeting.starts_at),
                tone="warn",
            )
            for meeting in unsigned_rows
        ]
        content.figures = [
            Figure("请假待批", capped(leaves.order_by()[:COUNT_CAP].count(), COUNT_CAP)),
            Figure("记录待签发", capped(unsigned.order_by()[:COUNT_CAP].count(), COUNT_CAP)),
        ]
        content.actions = [Action("安排会议", month_url + "#schedule-form")]
        if organization.kind in BRANCH_KINDS:
            content.actions.append(
                Action(
                    "谈心谈话",
                    reverse("orglife:talks", args=[organization.pk]),
                    primary=False,
                )
            )
        content.more = Action("本月全部会议", month_url, primary=False)
        found.append(content)
    return found


# -- organization department ----------------------------------------------------------------------


def _is_department(user: User) -> bool:
    return Role.ORGANIZATION_DEPARTMENT in roles_of(user)


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


CHILDREN_READ = 500  # the children's rows read to pick the weakest (a street has fewer)


@panel(
    "orglife.compliance",
    title="组织生活达标",
    order=31,
    shows=_is_department,
    empty="上月尚未统计达标情况",
)
def department_compliance(user: User) -> list[Content]:
    """The last complete month's compliance of each organization the department's rows name
    (the current month is still going on), and its weakest sub-organizations: rollup rows,
    read by the (month, path) and (month, depth, path) indexes."""
    month = rules.add_months(rules.month_of(clock.today()), -1)
    label = f"{month // 100}年{month % 100}月"
    named = role_reach(user, Role.ORGANIZATION_DEPARTMENT, Where.SUBTREE).paths
    found: list[Content] = []
    for organization in Organization.objects.filter(path__in=named).order_by("path")[:3]:
        url = reverse("orglife:org_compliance", args=[organization.pk])
        url += f"?month={rules.format_month(month)}"
        content = Content(note=f"{organization.name} · {label}（上一个完整月）")
        content.more = Action("查看达标情况", url, primary=False)
        row = Compliance.objects.filter(organization=organization, month=month).first()
        if row is not None and row.branches:
            content.figures = [
                Figure("达标率", _rate(row.compliant, row.branches), url),
                Figure("未达标支部", row.failing, url, tone="warn" if row.failing else ""),
                Figure("参会率", _rate(row.present, row.expected)),
            ]
            children = list(
                Compliance.objects.filter(month=month, depth=organization.depth + 1, branches__gt=0)
                .filter(paths_under(organization.path))
                .select_related("organization")
                .order_by("path")[:CHILDREN_READ]
            )
            weakest = sorted(
                (c for c in children if c.failing),
                key=lambda c: (c.compliant / c.branches, c.path),
            )[:LIST_LIMIT]
            content.items = [
                Item(
                    c.organization.name,
                    reverse("orglife:org_compliance", args=[c.organization_id])
                    + f"?month={rules.format_month(month)}",
                    note=f"达标{_rate(c.compliant, c.branches)}，{c.failing}个支部未达标",
                    tone="warn",
                )
                for c in weakest
            ]
        found.append(content)
    return found
