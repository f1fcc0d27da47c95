"""Organizational life pages: thin views over orglife's writes (scheduling, attendance, minutes,
talks, ...) and orglife.queries.

A refused form (a DomainError) comes back to the page it was sent from with the reason as a
message, rather than the error page, so a secretary on a phone stays where they were."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from jiceng.accounts.access import public, requires, signed_in
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import DomainError, InvalidInput
from jiceng.members.models import Member
from jiceng.orgs.models import PartyGroup

from . import calendars, queries, rules
from .attendance import (
    check_in,
    decide_leave,
    join_online,
    leave_online,
    record_attendance,
    request_leave,
)
from .calendars import issue_calendar_token, revoke_calendar_token
from .checkin_codes import checkin_token, meeting_of_token, renew_checkin_code
from .minutes import (
    add_minutes_photo,
    amend_minutes,
    record_minutes,
    remove_minutes_photo,
    sign_minutes,
)
from .models import AttendanceStatus, CalendarToken, MeetingKind, MeetingStatus, Minutes
from .scheduling import schedule_meetings
from .talks import record_talk

MEETING_PEOPLE = (Permission.ATTEND_MEETINGS, Permission.MANAGE_MEETINGS)
COMPLIANCE_READERS = (Permission.VIEW_ORGANIZATIONS, Permission.MANAGE_MEETINGS)


def _month(request: AuthedRequest) -> int:
    raw = request.GET.get("month", "")
    if raw:
        try:
            return rules.parse_month(raw)
        except ValueError:
            raise InvalidInput("月份格式应为2025-05") from None
    return rules.month_of(clock.today())


def _attempt(
    request: AuthedRequest, back: str, action: Callable[[], Any], done: str
) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(back)


def qr_svg(url: str) -> SafeString:
    svg = segno.make(url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title="扫码签到"
    )
    # segno's own SVG of our own URL: it holds no markup from anyone.
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


# -- member ----------------------------------------------------------------------------------


@requires(*MEETING_PEOPLE)
def my_meetings(request: AuthedRequest) -> HttpResponse:
    """我的会议: upcoming first, with check-in, online and leave; the notices."""
    if request.user.member_id is None:
        return redirect("orglife:month")
    coming, past = queries.my_meetings_by_time(request.user)
    return render(
        request,
        "orglife/my_meetings.html",
        {
            # those to come as cards (check-in, online, leave); the past as one line each
            "coming": coming,
            "past": past,
            "notices": queries.my_notices(request.user),
        },
    )


@requires(*MEETING_PEOPLE)
def checkin(request: AuthedRequest, token: str) -> HttpResponse:
    """The address inside the QR code: a confirmation page, then a POST signs in."""
    meeting = meeting_of_token(token)
    if request.method == "POST":
        try:
            check_in(token=token, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"签到成功：{meeting.title}")
            return redirect("orglife:my_meetings")
    return render(request, "orglife/checkin.html", {"meeting": meeting, "token": token})


@requires(*MEETING_PEOPLE)
def online(request: AuthedRequest, pk: int) -> HttpResponse:
    """线上参会: the platform's own meeting room page; joining and leaving are recorded."""
    meeting, _ = queries.access_meeting(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        back = reverse("orglife:online", args=[pk])
        if action == "join":
            return _attempt(
                request,
                back,
                lambda: join_online(meeting=meeting, by=request.user),
                "已进入线上会议",
            )
        return _attempt(
            request,
            back,
            lambda: leave_online(meeting=meeting, by=request.user),
            "已离开线上会议",
        )
    return render(
        request,
        "orglife/online.html",
        {"meeting": meeting, "mine": queries.own_attendance(request.user, meeting)},
    )


@requires(*MEETING_PEOPLE)
@require_POST
def leave_request(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting, _ = queries.access_meeting(request.user, pk)
    return _attempt(
        request,
        reverse("orglife:my_meetings"),
        lambda: request_leave(
            meeting=meeting, reason=request.POST.get("reason", ""), by=request.user
        ),
        "请假申请已提交，等待书记审批",
    )


# -- secretary -------------------------------------------------------------------------------


@requires(Permission.MANAGE_MEETINGS)
def month(request: AuthedRequest, org: int | None = None) -> HttpResponse:
    """书记的月视图: the month's meetings, what the month still needs, the schedule form."""
    if org is None:
        first = queries.default_organization(request.user, Permission.MANAGE_MEETINGS)
        if first is None:
            raise Http404
        return redirect("orglife:org_month", org=first.pk)
    organization = queries.access_managed_organization(request.user, org)
    shown = _month(request)
    return render(
        request,
        "orglife/month.html",
        {
            "organization": organization,
            "month": shown,
            "month_label": f"{shown // 100}年{shown % 100}月",
            "previous": rules.format_month(rules.add_months(shown, -1)),
            "next": rules.format_month(rules.add_months(shown, 1)),
            "meetings": queries.month_meetings(organization, shown),
            "kinds": [(k.value, k.label) for k in rules.MEETING_KINDS],
            "groups": PartyGroup.objects.filter(organization=organization),
            "default_day": rules.month_start(shown).replace(day=15).isoformat(),
            "notices": queries.my_notices(request.user),
        },
    )


@requires(Permission.MANAGE_MEETINGS)
def talks(request: AuthedRequest, org: int) -> HttpResponse:
    """谈心谈话: this year's talks, the members still without one, and the form to record one."""
    organization = queries.access_managed_organization(request.user, org)
    back = reverse("orglife:talks", args=[org])
    if request.method == "POST":
        member = Member.objects.filter(
            pk=_int(request.POST.get("member", "")), organization=organization
        ).first()
        if member is None:
            messages.error(request, "请选择本支部的党员")
            return redirect(back)
        try:
            talked_on = dt.date.fromisoformat(request.POST.get("talked_on", ""))
        except ValueError:
            messages.error(request, "谈话日期格式应为2025-05-20")
            return redirect(back)
        return _attempt(
            request,
            back,
            lambda: record_talk(
                organization=organization,
                member=member,
                talked_on=talked_on,
                summary=request.POST.get("summary", ""),
                by=request.user,
            ),
            "谈心谈话已记录",
        )
    year = clock.today().year
    return render(
        request,
        "orglife/talks.html",
        {
            "organization": organization,
            "year": year,
            "view": queries.talk_year(organization, year),
            "today": clock.today().isoformat(),
        },
    )


def _int(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 16 else 0


def _when(date: str, time: str, label: str) -> dt.datetime:
    try:
        return dt.datetime.combine(
            dt.date.fromisoformat(date), dt.time.fromisoformat(time), tzinfo=clock.CHINA
        )
    except ValueError:
        raise InvalidInput(f"{label}不正确", fields={"starts_at": f"{label}不正确"}) from None


@requires(Permission.MANAGE_MEETINGS)
@require_POST
def schedule(request: AuthedRequest, org: int) -> HttpResponse:
    organization = queries.access_managed_organization(request.user, org)
    post = request.POST
    back = reverse("orglife:org_month", kwargs={"org": org})

    def run() -> None:
        starts_at = _when(post.get("date", ""), post.get("start", ""), "开始时间")
        ends_at = _when(post.get("date", ""), post.get("end", ""), "结束时间")
        group = post.get("party_group", "")
        repeat = post.get("repeat", "")
        schedule_meetings(
            organization=organization,
            kind=post.get("kind", ""),
            title=post.get("title", ""),
            starts_at=starts_at,
            ends_at=ends_at,
            repeat_monthly=int(repeat) if repeat.isdigit() else 1,
            place=post.get("place", ""),
            is_online=post.get("is_online") == "on",
            audience=post.get("audience") or None,
            party_group_id=_int(group) if group else None,
            agenda=[line for line in post.get("agenda", "").splitlines() if line.strip()],
            by=request.user,
        )

    return _attempt(request, back, run, "会议已安排，通知已发送")


@requires(*MEETING_PEOPLE)
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """会议页: notice, agenda, QR code (for the secretary to show), attendance, minutes."""
    meeting, manages = queries.access_meeting(request.user, pk)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    context: dict[str, Any] = {
        "meeting": meeting,
        "manages": manages,
        "agenda": meeting.agenda_items.all(),
        "minutes": minutes,
        "photos": queries.minutes_photos(minutes) if manages else [],
        "mine": queries.own_attendance(request.user, meeting),
        "is_live": meeting.status == MeetingStatus.SCHEDULED,
    }
    if manages:
        checkin_url = request.build_absolute_uri(
            reverse("orglife:checkin", args=[checkin_token(meeting)])
        )
        body = minutes.body if minutes else {}
        context.update(
            {
                "checkin_url": checkin_url,
                "qr": qr_svg(checkin_url),
                "attendance": queries.attendance_list(meeting),
                "statuses": AttendanceStatus.choices,
                "minutes_json": body,
                "editable": minutes is None
                or (minutes.signed_at is None and clock.now() < minutes.locks_at),
                "items_text": "\n".join(
                    f"{i['title']}｜{i['summary']}" for i in body.get("items", [])
                ),
                "resolutions_text": "\n".join(body.get("resolutions", [])),
                "tasks_text": "\n".join(
                    f"{t['title']}｜{t['owner']}｜{t['due_on']}" for t in body.get("tasks", [])
                ),
            }
        )
    return render(request, "orglife/meeting.html", context)


@requires(Permission.MANAGE_MEETINGS)
def attendance_panel(request: AuthedRequest, pk: int) -> HttpResponse:
    """The live attendance list, polled by htmx while the meeting runs."""
    meeting = queries.access_managed_meeting(request.user, pk)
    return render(
        request,
        "orglife/_attendance.html",
        {"meeting": meeting, "attendance": queries.attendance_list(meeting), "manages": True},
    )


@requires(Permission.MANAGE_MEETINGS)
@require_POST
def mark_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = queries.access_managed_meeting(request.user, pk)
    member = request.POST.get("member", "")
    return _attempt(
        request,
        reverse("orglife:meeting", args=[pk]),
        lambda: record_attendance(
            meeting=meeting,
            member_id=int(member) if member.isdigit() else 0,
            status=request.POST.get("status", ""),
            by=request.user,
        ),
        "参会情况已更新",
    )


@requires(Permission.MANAGE_MEETINGS)
@require_POST
def leave_decision(request: AuthedRequest, pk: int) -> HttpResponse:
    attendance = queries.access_attendance(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    return _attempt(
        request,
        reverse("orglife:meeting", args=[attendance.meeting_id]),
        lambda: decide_leave(attendance=attendance, approve=approve, by=request.user),
        "已批准请假" if approve else "已不予批准",
    )


def minutes_from_form(post: Any) -> dict[str, Any]:
    """Lines of the minutes form: "议题｜摘要", a resolution a line, "任务｜责任人｜期限"."""

    def split(line: str, parts: int) -> list[str]:
        cells = [c.strip() for c in line.replace("|", "｜").split("｜")]
        return (cells + [""] * parts)[:parts]

    items = [split(line, 2) for line in post.get("items", "").splitlines() if line.strip()]
    tasks = [split(line, 3) for line in post.get("tasks", "").splitlines() if line.strip()]
    return {
        "items": [{"title": t, "summary": s} for t, s in items],
        "resolutions": [r for r in post.get("resolutions", "").splitlines() if r.strip()],
        "tasks": [{"title": t, "owner": o, "due_on": d} for t, o, d in tasks],
    }


@requires(Permission.MANAGE_MEETINGS)
@require_POST
def save_minutes(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = queries.access_managed_meeting(request.user, pk)
    body = minutes_from_form(request.POST)
    back = reverse("orglife:meeting", args=[pk])
    action = request.POST.get("action", "save")
    if action == "amend":
        return _attempt(
            request,
            back,
            lambda: amend_minutes(
                meeting=meeting, body=body, reason=request.POST.get("reason", ""), by=request.user
            ),
            "修改已记录，原记录保留",
        )

    def run() -> None:
        record_minutes(meeting=meeting, body=body, by=request.user)
        if action == "sign":
            sign_minutes(meeting=meeting, by=request.user)

    return _attempt(request, back, run, "会议记录已签发" if action == "sign" else "会议记录已保存")


@requires(Permission.MANAGE_MEETINGS)
@require_POST
def upload_photo(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = queries.access_managed_meeting(request.user, pk)
    back = reverse("orglife:meeting", args=[pk])
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, "请选择照片")
        return redirect(back)
    return _attempt(
        request,
        back,
        lambda: add_minutes_photo(
            meeting=meeting,
            upload=upload,
            caption=request.POST.get("caption", ""),
            reason=request.POST.get("reason", ""),
            by=request.user,
        ),
        "照片已上传",
    )


@requires(Permission.MANAGE_MEETINGS)
@require_POST
def remove_photo(request: AuthedRequest, pk: int, photo: int) -> HttpResponse:
    found = queries.access_minutes_photo(request.user, pk, photo)
    return _attempt(
        request,
        reverse("orglife:meeting", args=[pk]),
        lambda: remove_minutes_photo(
            photo=found, reason=request.POST.get("reason", ""), by=request.user
        ),
        "照片已删除",
    )


@requires(Permission.MANAGE_MEETINGS)
def minutes_photo(request: AuthedRequest, pk: int, photo: int) -> FileResponse:
    """The photo itself, to those who manage the meeting (never a public media URL)."""
    found = queries.access_minutes_photo(request.user, pk, photo)
    response = FileResponse(found.image.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Permission.MANAGE_MEETINGS)
@require_POST
def renew_code(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = queries.access_managed_meeting(request.user, pk)
    return _attempt(
        request,
        reverse("orglife:meeting", args=[pk]),
        lambda: renew_checkin_code(meeting=meeting, by=request.user),
        "签到码已更新，旧二维码作废",
    )


@requires(Permission.MANAGE_MEETINGS)
def minutes_print(request: AuthedRequest, pk: int) -> HttpResponse:
    """会议记录打印版 for the paper file."""
    meeting = queries.access_managed_meeting(request.user, pk)
    minutes = Minutes.objects.filter(meeting=meeting).prefetch_related("amendments").first()
    return render(
        request,
        "orglife/print.html",
        {
            "meeting": meeting,
            "minutes": minutes,
            "photos": queries.minutes_photos(minutes),
            "agenda": meeting.agenda_items.all(),
            "attendance": queries.attendance_list(meeting),
        },
    )


# -- compliance ------------------------------------------------------------------------------


@requires(*COMPLIANCE_READERS)
def compliance(request: AuthedRequest, org: int | None = None) -> HttpResponse:
    """达标情况: the subtree's branches, by month and by sub-organization (ECharts)."""
    if org is None:
        first = queries.default_organization(
            request.user, Permission.VIEW_ORGANIZATIONS
        ) or queries.default_organization(request.user, Permission.MANAGE_MEETINGS)
        if first is None:
            raise Http404
        target = reverse("orglife:org_compliance", kwargs={"org": first.pk})
        query = request.GET.urlencode()  # a month asked for stays asked for
        return redirect(f"{target}?{query}" if query else target)
    organization = queries.access_compliance_organization(request.user, org)
    current = rules.month_of(clock.today())
    # The month still under way would read as failing everywhere (every requirement not yet
    # held): the page opens on the last complete month, and says so when the current one is
    # asked for.
    shown = _month(request) if request.GET.get("month") else rules.add_months(current, -1)
    view = queries.compliance_view(organization, shown)
    chart = {
        "months": [
            rules.format_month(m) + ("\n进行中" if m == current else "") for m, _ in view.by_month
        ],
        # no point for the month under way: it is not a drop to zero, only not over yet
        "rates": [
            round(100 * r.compliant / r.branches, 1) if r and r.branches and m < current else None
            for m, r in view.by_month
        ],
        "children": [o.name for o, _ in view.children],
        "short": short_names(view.organization.name, [o.name for o, _ in view.children]),
        "compliant": [c.compliant for _, c in view.children],
        "failing": [c.branches - c.compliant for _, c in view.children],
    }
    return render(
        request,
        "orglife/compliance.html",
        {
            "view": view,
            "month_text": rules.format_month(shown),
            "month_label": f"{shown // 100}年{shown % 100}月",
            "latest_text": rules.format_month(current),
            "in_progress": shown == current,
            "is_future": shown > current,
            "chart": chart,
            "kinds": MeetingKind,
        },
    )


# Long forms a bar's label can do without (the full name is in the tooltip and the table).
ABBREVIATIONS = (
    ("工作委员会", "工委"),
    ("总支部委员会", "总支"),
    ("支部委员会", "支部"),
    ("委员会", "委"),
    ("党支部", "支部"),
)


def short_names(parent: str, names: list[str]) -> list[str]:
    """Names for the bars of a phone-width chart: without 中共 and the place the parent's
    name already says (中共南京市栖霞区委 → its children lose 南京市栖霞区), long forms
    shortened."""
    place = parent.removeprefix("中共").removesuffix("委")
    shortened = []
    for name in names:
        short = name.removeprefix("中共")
        if len(place) >= 2 and short.startswith(place) and len(short) > len(place):
            short = short[len(place) :]
        for long, brief in ABBREVIATIONS:
            short = short.replace(long, brief)
        shortened.append(short)
    return shortened


# -- calendars -------------------------------------------------------------------------------


@signed_in
def calendar_settings(request: AuthedRequest) -> HttpResponse:
    """The user's calendar addresses: make, renew or stop them."""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            revoke_calendar_token(by=request.user)
            messages.success(request, "已停用日历订阅地址")
        else:
            issue_calendar_token(by=request.user)
            messages.success(request, "已生成新的日历订阅地址，旧地址作废")
        return redirect("orglife:calendar")
    token = CalendarToken.objects.filter(user=request.user).first()
    urls = {}
    if token is not None:
        urls["member"] = request.build_absolute_uri(
            reverse("orglife:ical_member", args=[token.token])
        )
        member = request.user.member
        if member is not None:
            urls["organization"] = request.build_absolute_uri(
                reverse("orglife:ical_organization", args=[token.token, member.organization_id])
            )
    return render(request, "orglife/calendar.html", {"token": token, "urls": urls})


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@public("日历应用无法登录：凭地址中的个人密钥（可停用、可更换）读取本人的会议日程")
def ical_member(request: AuthedRequest, token: str) -> HttpResponse:
    user = queries.user_of_calendar_token(token)
    name = user.display_name or user.username
    body = calendars.feed(f"{name}的会议", queries.member_calendar(user), host=request.get_host())
    return _ics(body, "meetings")


@public("日历应用无法登录：凭地址中的个人密钥（可停用、可更换）读取所在或所管党组织的会议")
def ical_organization(request: AuthedRequest, token: str, org: int) -> HttpResponse:
    user = queries.user_of_calendar_token(token)
    organization, meetings = queries.organization_calendar(user, org)
    body = calendars.feed(f"{organization.name}会议", meetings, host=request.get_host())
    return _ics(body, "organization")
