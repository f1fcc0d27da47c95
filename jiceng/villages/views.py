"""Pages of the village work teams. The cadre's, phone first: today (one tap), my month,
leave, the monthly log, things done. The department's: teams, a cadre's record (spot check,
renewal, recall, appraisal), leave to approve, the cadres below the on-site rule, a new
dispatch. Thin: queries read, services write, a refusal comes back in Chinese beside its
field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import NO_SUCH_ACTION, DomainError, InvalidInput, not_found
from jiceng.core.paths import under_any
from jiceng.orgs.models import Organization, Sector

from . import queries, services, workdays
from .models import DispatchStatus, Grade, Post, SendingUnit

P = Permission


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("请填写日期", fields={field: "请选择日期"}) from None


def _month(text: str | None, default: int) -> int:
    """YYYY-MM (a month input) or YYYYMM; the default for anything else."""
    text = (text or "").replace("-", "")
    return int(text) if text.isdigit() and len(text) == 6 and 1 <= int(text[4:]) <= 12 else default


def _shift(month: int, by: int) -> int:
    total = (month // 100) * 12 + month % 100 - 1 + by
    return (total // 12) * 100 + total % 12 + 1


def _form_page(
    request: AuthedRequest, template: str, context: dict[str, Any], act: Callable[[], str] | None
) -> HttpResponse:
    """GET renders; POST runs `act` (its message on success) and redirects back, or renders
    again with the refusal beside its field."""
    fields: dict[str, str] = {}
    if request.method == "POST" and act is not None:
        try:
            messages.success(request, act())
            return redirect(request.get_full_path())
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    return render(request, template, {**context, "fields": fields, "form": request.POST})


# -- the cadre ----------------------------------------------------------------------------


@requires(P.LOG_VILLAGE_WORK)
@require_http_methods(["GET", "POST"])
def today(request: AuthedRequest) -> HttpResponse:
    """今日在岗: one tap; a location only if the cadre ticks it; a missed day within the rule."""
    dispatch = queries.serving_dispatch(request.user)
    now = clock.today()

    def act() -> str:
        form = request.POST
        day = _date(form["day"], "day") if form.get("day") else None
        logged = services.log_work_day(
            cadre=request.user,
            day=day,
            latitude=form.get("latitude") or None,
            longitude=form.get("longitude") or None,
            note=form.get("note", ""),
        )
        return f"已记录{logged.day:%-m月%-d日}在岗"

    context: dict[str, Any] = {
        "dispatch": dispatch,
        "today": now,
        "weekday": "一二三四五六日"[now.weekday()],
    }
    if dispatch is not None:
        context |= {
            "logged_today": dispatch.work_days.filter(day=now).exists(),
            "recent": dispatch.work_days.order_by("-day")[:7],
            "month": queries.month_of(dispatch, workdays.month_of(now), up_to=now),
            "rule": queries.rule_of(dispatch.team.path),
            "is_workday": workdays.is_workday(now),
        }
    return _form_page(request, "villages/today.html", context, act if dispatch else None)


@requires(P.LOG_VILLAGE_WORK)
def my_month(request: AuthedRequest) -> HttpResponse:
    """我的本月: the month day by day, against the rule."""
    dispatch = queries.serving_dispatch(request.user)
    now = clock.today()
    if dispatch is None:
        return render(request, "villages/today.html", {"dispatch": None})
    month = _month(request.GET.get("month"), workdays.month_of(now))
    month = min(max(month, workdays.month_of(dispatch.starts_on)), workdays.month_of(now))
    shown = queries.month_of(dispatch, month, up_to=now)
    return render(
        request,
        "villages/month.html",
        {
            "dispatch": dispatch,
            "m": shown,
            "previous": _shift(month, -1)
            if month > workdays.month_of(dispatch.starts_on)
            else None,
            "next": _shift(month, 1) if month < workdays.month_of(now) else None,
            "weekdays": "一二三四五六日",
        },
    )


@requires(P.LOG_VILLAGE_WORK)
@require_http_methods(["GET", "POST"])
def leave(request: AuthedRequest) -> HttpResponse:
    """请假: ask, and see the answers."""
    dispatch = queries.serving_dispatch(request.user)

    def act() -> str:
        form = request.POST
        asked = services.ask_leave(
            cadre=request.user,
            starts_on=_date(form.get("starts_on", ""), "starts_on"),
            ends_on=_date(form.get("ends_on", ""), "ends_on"),
            reason=form.get("reason", ""),
        )
        return f"已提交请假{asked.days}个工作日，由{asked.get_approver_display()}审批"

    context: dict[str, Any] = {"dispatch": dispatch}
    if dispatch is not None:
        context |= {
            "leaves": dispatch.leaves.order_by("-starts_on")[:20],
            "rule": queries.rule_of(dispatch.team.path),
        }
    return _form_page(request, "villages/leave.html", context, act if dispatch else None)


@requires(P.LOG_VILLAGE_WORK)
@require_http_methods(["GET", "POST"])
def monthly_log(request: AuthedRequest) -> HttpResponse:
    """月度工作纪实: this month's (or a past month's), and the ones filed."""
    dispatch = queries.serving_dispatch(request.user)
    current = workdays.month_of(clock.today())
    month = _month(request.GET.get("month"), current)

    def act() -> str:
        chosen = _month(request.POST.get("month"), month)
        services.file_monthly_log(
            cadre=request.user, month=chosen, text=request.POST.get("text", "")
        )
        return f"{chosen // 100}年{chosen % 100}月工作纪实已提交"

    context: dict[str, Any] = {"dispatch": dispatch}
    if dispatch is not None:
        logs = list(dispatch.monthly_logs.order_by("-month"))
        existing = next((log for log in logs if log.month == month), None)
        context |= {
            "logs": logs,
            "month": month,
            "month_value": f"{month // 100}-{month % 100:02d}",
            "existing": existing,
            "text": request.POST.get("text", existing.text if existing else ""),
            "deeds": dispatch.deeds.filter(done_on__range=workdays.month_bounds(month)).order_by(
                "done_on"
            ),
            "count": queries.month_of(dispatch, month, up_to=clock.today()).count,
        }
    return _form_page(request, "villages/monthly_log.html", context, act if dispatch else None)


@requires(P.LOG_VILLAGE_WORK)
@require_http_methods(["GET", "POST"])
def deeds(request: AuthedRequest) -> HttpResponse:
    """办实事清单."""
    dispatch = queries.serving_dispatch(request.user)

    def act() -> str:
        form = request.POST
        done = services.record_deed(
            cadre=request.user,
            done_on=_date(form.get("done_on", ""), "done_on"),
            title=form.get("title", ""),
            detail=form.get("detail", ""),
        )
        return f"已记录：{done.title}"

    context: dict[str, Any] = {"dispatch": dispatch, "today": clock.today()}
    if dispatch is not None:
        context["deeds"] = dispatch.deeds.order_by("-done_on")
    return _form_page(request, "villages/deeds.html", context, act if dispatch else None)


# -- the department ------------------------------------------------------------------------


@requires(P.MANAGE_VILLAGE_TEAMS)
def teams(request: AuthedRequest) -> HttpResponse:
    """驻村工作队: the teams under the department, with the cadres serving."""
    month = queries.last_checked_month()
    return render(
        request,
        "villages/teams.html",
        {
            "teams": queries.teams_under(request.user)[:200],
            "pending": queries.pending_leaves(request.user).count(),
            "below": queries.below_rule(request.user, month).count(),
            "month": month,
            "is_county": queries.is_county_department(request.user),
            "to_appraise": queries.dispatches_to_appraise(request.user)[:20],
        },
    )


@requires(P.MANAGE_VILLAGE_TEAMS)
@require_http_methods(["GET", "POST"])
def dispatch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A cadre's record for the department: the month, leave, checks, logs, things done."""
    dispatch = queries.access_dispatch(request.user, pk)
    if not queries.manages(request.user, dispatch.team.organization):
        raise not_found("驻村干部")
    now = clock.today()
    month = _month(request.GET.get("month"), workdays.month_of(now))

    def act() -> str:
        form = request.POST
        action = request.GET.get("action", "")
        if action == "check":
            services.record_spot_check(
                dispatch=dispatch,
                day=_date(form.get("day", ""), "day"),
                found_on_site=form.get("found") == "1",
                note=form.get("note", ""),
                by=request.user,
            )
            return "抽查结果已记录"
        if action == "renew":
            renewed = services.renew_dispatch(dispatch=dispatch, by=request.user)
            return f"已续任至{renewed.ends_on:%Y年%-m月%-d日}"
        if action == "recall":
            services.recall_dispatch(
                dispatch=dispatch, reason=form.get("reason", ""), by=request.user
            )
            return "已召回"
        if action == "appraise":
            services.appraise_dispatch(
                dispatch=dispatch,
                grade=form.get("grade", ""),
                comment=form.get("comment", ""),
                by=request.user,
            )
            return "任期考核已记录"
        raise InvalidInput(NO_SUCH_ACTION)

    return _form_page(
        request,
        "villages/dispatch.html",
        {
            "d": dispatch,
            "m": queries.month_of(dispatch, month, up_to=now),
            "weekdays": "一二三四五六日",
            "previous": _shift(month, -1),
            "next": _shift(month, 1) if month < workdays.month_of(now) else None,
            "leaves": dispatch.leaves.order_by("-starts_on")[:10],
            "checks": dispatch.spot_checks.order_by("-day")[:10],
            "logs": dispatch.monthly_logs.order_by("-month")[:6],
            "deeds": dispatch.deeds.order_by("-done_on")[:20],
            "is_county": queries.is_county_department_of(request.user, dispatch.team.organization),
            "may_dispatch": queries.is_county_department(request.user),
            "serving": dispatch.status == DispatchStatus.SERVING,
            "grades": Grade.choices,
            "today": now,
        },
        act,
    )


@requires(P.MANAGE_VILLAGE_TEAMS)
def leaves(request: AuthedRequest) -> HttpResponse:
    """请假审批: what waits for this department."""
    return render(
        request,
        "villages/leaves.html",
        {
            "leaves": queries.pending_leaves(request.user)[:100],
            "is_county": queries.is_county_department(request.user),
        },
    )


@requires(P.MANAGE_VILLAGE_TEAMS)
@require_POST
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    leave = queries.access_leave(request.user, pk)
    approve = request.POST.get("approve") == "1"
    try:
        services.decide_leave(leave=leave, approve=approve, by=request.user)
        messages.success(request, "已批准" if approve else "已不予批准")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("villages:leaves")


@requires(P.MANAGE_VILLAGE_TEAMS)
def below_rule(request: AuthedRequest) -> HttpResponse:
    """未达在岗要求: the cadres under the department short of the rule in a month."""
    month = _month(request.GET.get("month"), queries.last_checked_month())
    return render(
        request,
        "villages/below.html",
        {
            "rows": queries.below_rule(request.user, month)[:500],
            "month": month,
            "month_value": f"{month // 100}-{month % 100:02d}",
            "is_county": queries.is_county_department(request.user),
        },
    )


@requires(P.MANAGE_VILLAGE_TEAMS)
@require_http_methods(["GET", "POST"])
def new_dispatch(request: AuthedRequest) -> HttpResponse:
    """选派: the county department sends a cadre (an existing account) to a village."""
    paths = queries.county_paths(request.user)
    villages = Organization.objects.filter(under_any(paths), sector=Sector.VILLAGE).order_by(
        "path"
    )[:500]

    def act() -> str:
        form = request.POST
        errors: dict[str, str] = {}
        village = (
            villages.model.objects.filter(under_any(paths), pk=int(form["village"])).first()
            if form.get("village", "").isdigit()
            else None
        )
        if village is None:
            errors["village"] = "请选择村党组织"
        cadre = User.objects.filter(username=form.get("username", "").strip()).first()
        if cadre is None:
            errors["username"] = "未找到该账号，请先由系统管理员开设账号"
        unit_name = form.get("unit", "").strip()
        if not unit_name:
            errors["unit"] = "请填写派出单位"
        if form.get("post") not in Post.values:
            errors["post"] = "请选择职务"
        if errors:
            raise InvalidInput(next(iter(errors.values())), fields=errors)
        assert village is not None and cadre is not None
        unit, _ = SendingUnit.objects.get_or_create(name=unit_name[:100])
        dispatch = services.dispatch_cadre(
            organization=village,
            cadre=cadre,
            sending_unit=unit,
            post=Post(form["post"]),
            starts_on=_date(form.get("starts_on", ""), "starts_on"),
            by=request.user,
        )
        return f"已选派{cadre}任{village.name}{dispatch.get_post_display()}"

    return _form_page(
        request,
        "villages/new.html",
        {"villages": villages, "posts": Post.choices, "is_county": bool(paths)},
        act if paths else None,
    )
