"""Pages of 党员突击队: a member's task forces, shifts and check-in; a site lead's hours; a
committee's forming, coverage board, gaps and gap notice; the volunteers' sign-up. Thin:
queries read, services write; a refusal comes back in Chinese (beside its field on forms)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import public, requires, signed_in
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import DomainError, InvalidInput, not_found
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import checkin, notices, queries, services
from .models import Assignment, Kind, Shift, Site, TaskForce

MANAGERS = Permission.MANAGE_MEETINGS
COMMITTEE_KINDS = ("COMMITTEE", "WORKING_COMMITTEE", "GENERAL_BRANCH", "LOCAL_COMMITTEE")


def _attempt(request: HttpRequest, back: str, action: Callable[[], Any], done: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(back)


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("日期格式不正确", fields={field: "请选择日期"}) from None


def _float(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


def qr_svg(url: str) -> SafeString:
    svg = segno.make(url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title="扫码签到"
    )
    # segno's own SVG of our own URL: it holds no markup from anyone.
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


# -- a member's ------------------------------------------------------------------------------


@signed_in
def home(request: AuthedRequest) -> HttpResponse:
    """党员突击队: open to me, my shifts, the sites I lead; a committee's task forces."""
    user = request.user
    member = queries.member_of(user)
    managed = queries.managed_under(user)
    return render(
        request,
        "taskforces/home.html",
        {
            "open": list(queries.open_to(member)[:20]) if member else [],
            "mine": list(queries.my_assignments(member.pk)[:20]) if member else [],
            "past": list(queries.my_past_assignments(member.pk)[:10]) if member else [],
            "led": list(queries.led_sites(user)[:20]),
            "managed": list(managed.order_by("-starts_on", "-pk")[:20]),
            "manages": queries.managed_roots(user).exists(),
            "visible": list(
                queries.visible(user)
                .exclude(pk__in=managed.values("pk"))
                .filter(ends_on__gte=clock.today())[:20]
            ),
            "now": clock.now(),
            "early_minutes": int(checkin.early().total_seconds()) // 60,
        },
    )


@signed_in
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A task force: its sites and the shifts with places left (sign up); for the committee
    the forms that add sites and shifts."""
    task_force = queries.access_task_force(request.user, pk)
    manages = queries.may_manage(request.user, task_force)
    member = queries.member_of(request.user)
    can_join = member is not None and services.is_open_to(member, task_force)
    mine = (
        {a.shift_id for a in queries.my_assignments(member.pk).filter(task_force=task_force)}
        if member
        else set()
    )
    first_day = queries.first_open_day(task_force)
    day = _date(request.GET["day"], "day") if request.GET.get("day") else first_day
    return render(
        request,
        "taskforces/detail.html",
        {
            "tf": task_force,
            "manages": manages,
            "sees_board": manages or queries.visible(request.user).filter(pk=pk).exists(),
            "can_join": can_join and task_force.is_open,
            "shifts": queries.open_shifts(task_force, limit=100, day=day) if day else [],
            "day": day,
            "prev_day": day - dt.timedelta(days=1)
            if day and first_day and day > first_day
            else None,
            "next_day": day + dt.timedelta(days=1) if day and day < task_force.ends_on else None,
            "mine": mine,
            "sites": list(
                Site.objects.filter(task_force=task_force).select_related("lead").order_by("pk")
            ),
            "fields": {},
            "form": {},
            "today": clock.today(),
            "kinds": Kind.choices,
        },
    )


@signed_in
@require_POST
def sign_up(request: AuthedRequest, pk: int) -> HttpResponse:
    shift = queries.access_shift(request.user, pk)
    back = request.POST.get("next") or reverse("taskforces:detail", args=[shift.task_force_id])
    if not back.startswith("/"):
        back = reverse("taskforces:detail", args=[shift.task_force_id])
    return _attempt(
        request,
        back,
        lambda: services.sign_up(by=request.user, shift=shift),
        f"已报名：{shift.site.name} {localtime(shift.starts_at):%m-%d %H:%M}",
    )


@signed_in
@require_POST
def cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = (
        Assignment.objects.filter(pk=pk, member_id=request.user.member_id).first()
        if request.user.member_id is not None
        else None
    )
    if assignment is None:
        raise not_found("班次")
    return _attempt(
        request,
        reverse("taskforces:home"),
        lambda: services.cancel(by=request.user, assignment=assignment),
        "已取消该班次",
    )


@signed_in
@require_http_methods(["GET", "POST"])
def site(request: AuthedRequest, pk: int) -> HttpResponse:
    """A site: the QR code at the site leads here (check in/out); its lead confirms hours."""
    found = queries.access_site(request.user, pk)
    code = request.GET.get("code", "") or request.POST.get("code", "")
    back = reverse("taskforces:site", args=[pk]) + (f"?code={code}" if code else "")
    if request.method == "POST":
        action = request.GET.get("action", "")
        lon, lat = _float(request.POST.get("lon", "")), _float(request.POST.get("lat", ""))
        if action == "check_in":
            return _attempt(
                request,
                back,
                lambda: services.check_in(by=request.user, site=found, code=code, lon=lon, lat=lat),
                "签到成功",
            )
        if action == "check_out":
            return _attempt(
                request,
                back,
                lambda: services.check_out(
                    by=request.user, site=found, code=code, lon=lon, lat=lat
                ),
                "签退成功，服务时长已记录",
            )
        if action == "confirm":
            assignment = Assignment.objects.filter(
                pk=int(request.POST.get("assignment") or 0), shift__site=found
            ).first()
            if assignment is None:
                raise not_found("班次人员")
            hours = _float(request.POST.get("hours", ""))
            minutes = None if hours is None else round(hours * 60)
            return _attempt(
                request,
                back,
                lambda: services.confirm_hours(
                    by=request.user, assignment=assignment, minutes=minutes
                ),
                "服务时长已确认",
            )
        raise InvalidInput("没有这项操作")
    day = _date(request.GET["day"], "day") if request.GET.get("day") else clock.today()
    start, end = queries.day_range(day)
    confirms = services.may_confirm(request.user, found)
    shifts = list(
        Shift.objects.filter(site=found, starts_at__gte=start, starts_at__lt=end).order_by(
            "starts_at"
        )
    )
    people = (
        Assignment.objects.filter(shift__in=shifts, is_active=True)
        .select_related("member", "volunteer")
        .order_by("pk")
    )
    by_shift: dict[int, list[Assignment]] = {}
    for a in people:
        by_shift.setdefault(a.shift_id, []).append(a)
    mine = (
        Assignment.objects.filter(
            member_id=request.user.member_id,
            shift__site=found,
            is_active=True,
            ends_at__gt=clock.now() - dt.timedelta(hours=12),
            starts_at__lt=clock.now() + dt.timedelta(hours=12),
        ).order_by("starts_at")
        if request.user.member_id
        else Assignment.objects.none()
    )
    checkin_url = request.build_absolute_uri(
        reverse("taskforces:site", args=[pk])
        + "?code="
        + checkin.site_token(pk, found.checkin_secret)
    )
    return render(
        request,
        "taskforces/site.html",
        {
            "site": found,
            "tf": found.task_force,
            "day": day,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "rows": [(s, by_shift.get(s.pk, [])) for s in shifts],
            "confirms": confirms,
            "mine": list(mine),
            "code": code,
            "meters": checkin.checkin_meters(),
            "qr": qr_svg(checkin_url) if confirms else "",
            "now": clock.now(),
        },
    )


# -- a committee's ---------------------------------------------------------------------------


def _manageable_organizations(request: AuthedRequest) -> list[Organization]:
    roots = list(queries.managed_roots(request.user))
    if not roots:
        return []
    from jiceng.core.paths import under_any

    return (
        list(
            Organization.objects.filter(
                under_any([r.path for r in roots]),
                kind__in=COMMITTEE_KINDS,
                dissolved_on__isnull=True,
            ).order_by("path")[:200]
        )
        or roots
    )


@requires(MANAGERS)
@require_http_methods(["GET", "POST"])
def new(request: AuthedRequest) -> HttpResponse:
    """组建突击队."""
    organizations = _manageable_organizations(request)
    fields: dict[str, str] = {}
    form: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            organization = next(
                (o for o in organizations if str(o.pk) == form.get("organization")), None
            )
            if organization is None:
                raise InvalidInput("请选择组建党组织", fields={"organization": "请选择组建党组织"})
            task_force = services.form_task_force(
                by=request.user,
                organization=organization,
                name=form.get("name", ""),
                kind=form.get("kind", Kind.EVENT),
                purpose=form.get("purpose", ""),
                starts_on=_date(form.get("starts_on", ""), "starts_on"),
                ends_on=_date(form.get("ends_on", ""), "ends_on"),
            )
        except InvalidInput as error:
            fields = error.fields or {"name": error.message}
        else:
            messages.success(request, "突击队已组建，请添加点位和班次")
            return redirect("taskforces:detail", task_force.pk)
    return render(
        request,
        "taskforces/new.html",
        {"organizations": organizations, "kinds": Kind.choices, "fields": fields, "form": form},
    )


def _managed(request: AuthedRequest, pk: int) -> TaskForce:
    task_force = queries.access_task_force(request.user, pk)
    services.check_can_manage(request.user, task_force.organization)
    return task_force


def _lead(text: str) -> Member | None:
    text = text.strip()
    if not text:
        return None
    found = list(
        Member.objects.filter(pk=int(text)) if text.isdigit() else Member.objects.filter(name=text)
    )[:2]
    if len(found) != 1:
        problem = "未找到该党员" if not found else "有多名同名党员，请填写党员编号"
        raise InvalidInput(problem, fields={"lead": problem})
    return found[0]


@requires(MANAGERS)
@require_POST
def add_site(request: AuthedRequest, pk: int) -> HttpResponse:
    task_force = _managed(request, pk)
    form = request.POST.dict()
    back = reverse("taskforces:detail", args=[pk])
    try:
        lon, lat = _float(form.get("lon", "")), _float(form.get("lat", ""))
        if lon is None or lat is None:
            raise InvalidInput("请填写点位经纬度", fields={"location": "请填写经纬度"})
        services.add_site(
            by=request.user,
            task_force=task_force,
            name=form.get("name", ""),
            address=form.get("address", ""),
            lon=lon,
            lat=lat,
            community_code=form.get("community", ""),
            lead=_lead(form.get("lead", "")),
        )
    except InvalidInput as error:
        messages.error(request, "；".join(error.fields.values()) or error.message)
    else:
        messages.success(request, "点位已添加")
    return redirect(back)


@requires(MANAGERS)
@require_POST
def add_shifts(request: AuthedRequest, pk: int) -> HttpResponse:
    task_force = _managed(request, pk)
    form = request.POST.dict()
    site = Site.objects.filter(task_force=task_force, pk=int(form.get("site") or 0)).first()

    def add() -> None:
        if site is None:
            raise InvalidInput("请选择点位")
        try:
            needed = int(form.get("needed", ""))
        except ValueError:
            raise InvalidInput("请填写需要人数") from None
        services.add_shifts(
            by=request.user,
            site=site,
            first_day=_date(form.get("first_day", ""), "first_day"),
            last_day=_date(form.get("last_day", ""), "last_day"),
            slots=services.parse_slots(form.get("slots", "")),
            needed=needed,
        )

    return _attempt(request, reverse("taskforces:detail", args=[pk]), add, "班次已添加")


def _visible(request: AuthedRequest, pk: int) -> TaskForce:
    found = queries.visible(request.user).filter(pk=pk).first()
    if found is None:
        raise not_found("突击队")
    return found


@signed_in
def board(request: AuthedRequest, pk: int) -> HttpResponse:
    """覆盖情况: one day, site by site and shift by shift."""
    task_force = _visible(request, pk)
    day = _date(request.GET["day"], "day") if request.GET.get("day") else clock.today()
    gaps_only = request.GET.get("gaps") == "1"
    shown = queries.board(
        task_force, day, page=int(request.GET.get("page") or 1), gaps_only=gaps_only
    )
    return render(
        request,
        "taskforces/board.html",
        {
            "tf": task_force,
            "board": shown,
            "gaps_only": gaps_only,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "manages": queries.may_manage(request.user, task_force),
        },
    )


@signed_in
def gaps(request: AuthedRequest, pk: int) -> HttpResponse:
    """缺员清单: the shifts with places left over the coming days."""
    task_force = _visible(request, pk)
    days = min(max(int(request.GET.get("days") or 30), 1), 92)
    found = queries.gaps(
        task_force, start=clock.now(), days=days, page=int(request.GET.get("page") or 1)
    )
    return render(
        request,
        "taskforces/gaps.html",
        {
            "tf": task_force,
            "gaps": found,
            "days": days,
            "manages": queries.may_manage(request.user, task_force),
            "notice_days": notices.GAP_DAYS,
        },
    )


@requires(MANAGERS)
@require_POST
def send_gap_notice(request: AuthedRequest, pk: int) -> HttpResponse:
    task_force = _managed(request, pk)
    back = reverse("taskforces:gaps", args=[pk])
    try:
        told = notices.send_gap_notice(by=request.user, task_force=task_force)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"缺员通知已发给居住在点位所在社区的{told}名党员")
    return redirect(back)


@requires(MANAGERS, Permission.VIEW_ORGANIZATIONS)
def figures(request: AuthedRequest) -> HttpResponse:
    """突击队统计: a committee's task forces and those of its subtree, and each unit under it."""
    roots = list(queries.managed_roots(request.user))
    chosen = request.GET.get("org")
    organization: Organization | None = None
    if chosen and chosen.isdigit():
        from jiceng.orgs.queries import access_organization

        organization = access_organization(request.user, int(chosen))
    elif roots:
        organization = roots[0]
    year = int(request.GET.get("year") or clock.today().year)
    return render(
        request,
        "taskforces/figures.html",
        {
            "organization": organization,
            "roots": roots,
            "year": year,
            "years": list(range(clock.today().year, clock.today().year - 3, -1)),
            "figures": queries.figures(organization, year=year) if organization else None,
            "children": queries.figures_by_child(organization, year=year) if organization else [],
        },
    )


# -- volunteers ------------------------------------------------------------------------------


@public("志愿者（非党员）凭姓名和手机号报名突击队的班次，无需账号")
@require_http_methods(["GET", "POST"])
def volunteer(request: HttpRequest, pk: int) -> HttpResponse:
    task_force = TaskForce.objects.filter(pk=pk, is_open=True, ends_on__gte=clock.today()).first()
    if task_force is None:
        raise not_found("突击队")
    fields: dict[str, str] = {}
    form: dict[str, str] = {}
    done = None
    if request.method == "POST":
        form = request.POST.dict()
        shift = Shift.objects.filter(task_force=task_force, pk=int(form.get("shift") or 0)).first()
        try:
            if shift is None:
                raise InvalidInput("请选择班次", fields={"shift": "请选择班次"})
            done = services.sign_up_volunteer(
                shift=shift, name=form.get("name", ""), phone=form.get("phone", "")
            )
        except DomainError as error:
            fields = getattr(error, "fields", {}) or {"shift": error.message}
    return render(
        request,
        "taskforces/volunteer.html",
        {
            "tf": task_force,
            "shifts": queries.open_shifts(task_force, limit=100),
            "fields": fields,
            "form": form,
            "done": done,
        },
    )
