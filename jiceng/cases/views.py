"""Case pages, phone first: thin views over cases.queries and the writes (intake, the moves in
services, the whistle).

A refused move comes back to the case page as a message (the service's Chinese text); a case
outside the user's reach is a 404 page, as everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import public, requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.accounts.throttle import anonymous_rate, hit, over_rate, throttled
from jiceng.core import clock
from jiceng.core.errors import NO_SUCH_ACTION, DomainError, Forbidden, InvalidInput, NotFound
from jiceng.core.paths import under
from jiceng.grid import maps
from jiceng.grid import queries as grid_queries
from jiceng.grid.models import Grid

from . import categories, deadlines, intake, queries, services, units, whistle, workflow
from .models import Case, Department, Station, SummonsReport
from .workflow import Channel, Level, Satisfaction, Status

P = Permission
ANY_CASE_ROLE = (P.HANDLE_CASES, P.DISPATCH_CASES, P.SUMMON_DEPARTMENTS, P.ANSWER_SUMMONS)
MAP_GRIDS_MAX = 1000  # the picking map draws a district's grids (栖霞区 in the demo: 652)


# -- forms ------------------------------------------------------------------------------------


def _float(raw: str | None, field: str) -> float | None:
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput("位置格式不正确", fields={field: "请在地图上重新选点"}) from None


def _intake_from_post(
    request: HttpRequest, *, channel: Channel, by: Any = None, address_choice: str = ""
) -> intake.Submitted:
    post = request.POST
    return intake.submit_case(
        channel=channel,
        type=categories.type_by_code(post.get("type", "")),
        subject=categories.subject_by_code(post.get("subject", "")),
        description=post.get("description", ""),
        lon=_float(post.get("lon"), "location"),
        lat=_float(post.get("lat"), "location"),
        address=post.get("address", ""),
        reporter_name=post.get("reporter_name", ""),
        reporter_phone=post.get("reporter_phone", ""),
        photo=request.FILES.get("photo"),
        by=by,
        address_choice=address_choice,
    )


def _map_context() -> dict[str, Any]:
    """The picking map's layers (grid.maps): the grids, the outlines and names of their
    streets and communities, and the basemap if one is set; without tiles the outlines and
    names alone show where to tap."""
    grids = list(
        Grid.objects.filter(is_active=True)
        .values("code", "name", "community", "boundary")
        .order_by("code")[:MAP_GRIDS_MAX]
    )
    # Every community with grids is outlined and named, even where the grids drawn stop.
    communities = (
        Grid.objects.filter(is_active=True)
        .order_by("community")
        .values_list("community", flat=True)
        .distinct()[:MAP_GRIDS_MAX]
    )
    return {"map_data": maps.map_data(grids, communities=communities)}


def _intake_context(request: HttpRequest, error: DomainError | None = None) -> dict[str, Any]:
    return {
        "types": categories.active_types(),
        "subjects": categories.active_subjects(),
        "error": error,
        "fields": getattr(error, "fields", {}) if error else {},
        "form": request.POST if request.method == "POST" else {},
        **_map_context(),
    }


@public("群众在手机上提交诉求，无需登录；提交按来源地址限流")
@anonymous_rate("citizen_case")
def citizen_submit(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            submitted = _intake_from_post(request, channel=Channel.WEB)
        except DomainError as error:
            return render(request, "cases/submit.html", _intake_context(request, error), status=400)
        private = reverse("cases:feedback", args=[submitted.token, submitted.feedback_key])
        return HttpResponseRedirect(private + "?new=1")
    return render(request, "cases/submit.html", _intake_context(request))


@public("凭不可猜测的查询码查看进度；诉求人凭只给了他的评价码评价，评价按来源地址限流")
@anonymous_rate("citizen_case")
def track(request: HttpRequest, token: str, key: str = "") -> HttpResponse:
    """The progress by the token (a link the reporter may share); with the feedback key too
    (the submitter's own link, `cases:feedback`), the rating form."""
    case = queries.case_for_feedback(token, key) if key else queries.case_by_token(token)
    error = None
    if request.method == "POST":
        if not key:
            raise Forbidden("评价须使用提交诉求时得到的评价链接")
        try:
            services.record_feedback(
                case=case,
                is_resolved=request.POST.get("is_resolved") == "yes",
                satisfaction=_satisfaction(request.POST.get("satisfaction", "")),
                by=None,
            )
            messages.success(request, "感谢您的评价")
            return HttpResponseRedirect(reverse("cases:feedback", args=[token, key]))
        except DomainError as refused:
            error = refused
    response = render(
        request,
        "cases/track.html",
        {
            "case": case,
            "events": queries.events_of(case),
            "is_new": request.GET.get("new") == "1",
            "can_rate": bool(key),
            "progress_url": reverse("cases:track", args=[token]),
            "error": error,
            "satisfactions": Satisfaction.choices,
        },
        status=400 if error else 200,
    )
    response["Cache-Control"] = "no-store"
    # The token is in the address: never send it to another site (same-origin, not
    # no-referrer, which makes the browser send "Origin: null" and fail the CSRF check).
    response["Referrer-Policy"] = "same-origin"
    return response


@public("群众凭工单号和手机号后四位查看进度（不显示个人信息，不能评价）；按来源地址和工单号限流")
def lookup(request: HttpRequest) -> HttpResponse:
    """按工单号查询: for the reporter without the link (a hotline caller, a lost link). The page
    shows where the case stands and nothing of the person or the free text: four digits are
    a weaker key than the link's token."""
    number = request.POST.get("number", "").strip()[:40]
    tail = request.POST.get("phone_tail", "").strip()[:10]
    context: dict[str, Any] = {"number": number, "phone_tail": tail, "fields": {}}
    if request.method == "POST":
        retry_after = over_rate("case_lookup", request)
        if retry_after is None and queries.number_parts(number) is not None:
            retry_after = hit("case_lookup_number", number)
        if retry_after is not None:
            return throttled(request, retry_after)
        context["fields"] = _lookup_fields(number, tail)
        if not context["fields"]:
            try:
                case = queries.case_by_number_and_phone_tail(number, tail)
                context.update(case=case, events=queries.events_of(case))
            except NotFound as wrong:
                context["error"] = wrong.message
    status = 400 if context["fields"] else 404 if context.get("error") else 200
    response = render(request, "cases/lookup.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _lookup_fields(number: str, tail: str) -> dict[str, str]:
    """What is wrong in the form itself (said beside the field; a number or digits of the
    right form that match nothing get one answer for both, from the query)."""
    fields = {}
    if not number:
        fields["number"] = "请填写工单号"
    elif not (number.isascii() and number.isdigit()):
        fields["number"] = "工单号只有数字，如 20260302000123"
    elif queries.number_parts(number) is None:
        fields["number"] = "工单号是14位或更长的数字，前8位是受理日期"
    if not tail:
        fields["phone_tail"] = "请填写手机号后四位"
    elif not (len(tail) == 4 and tail.isascii() and tail.isdigit()):
        fields["phone_tail"] = "请填写4位数字"
    return fields


def _satisfaction(raw: str) -> Satisfaction:
    try:
        return Satisfaction(raw)
    except ValueError:
        raise InvalidInput("请选择满意度", fields={"satisfaction": "请选择"}) from None


# -- inboxes ----------------------------------------------------------------------------------


@requires(P.HANDLE_CASES)
def inbox(request: AuthedRequest) -> HttpResponse:
    """The grid worker's inbox (and a station's or department's handler's)."""
    return render(
        request,
        "cases/inbox.html",
        {
            "cases": list(queries.handling_inbox(request.user)[:200]),
            "notices": queries.notices_for(request.user, 10),
            "title": "我的待办诉求",
            # a grid worker patrols from here; a station's or department's handler does not
            "patrols": grid_queries.worker_grids(request.user).exists(),
        },
    )


@requires(P.DISPATCH_CASES)
def dispatch_console(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "cases/dispatch.html",
        {
            "queue": list(queries.dispatch_queue(request.user)[:200]),
            "open_cases": list(queries.open_cases_in_area(request.user)[:200]),
        },
    )


@requires(P.DISPATCH_CASES)
def hotline_intake(request: AuthedRequest) -> HttpResponse:
    """热线受理: the operator types the call in while talking. An address of several places
    comes back with its candidates, for the operator to choose one with the caller."""
    if request.method == "POST":
        try:
            case = _intake_from_post(
                request,
                channel=Channel.HOTLINE,
                by=request.user,
                address_choice=request.POST.get("address_choice", ""),
            ).case
        except DomainError as error:
            context = _intake_context(request, error)
            context["candidates"] = getattr(error, "candidates", ())
            return render(request, "cases/hotline.html", context, status=400)
        sent_to = (
            f"已派至{units.unit_name(case)}"
            if case.status == Status.DISPATCHED
            else "待街道派单（地址只能确定到街道或社区）"
        )
        if not queries.cases_for(request.user).filter(pk=case.pk).exists():
            # A caller from another street: its dispatcher has it; no link to a 404.
            messages.success(request, f"已受理，工单号 {case.number}，{sent_to}（不在本辖区）")
            return HttpResponseRedirect(reverse("cases:hotline"))
        messages.success(request, f"已受理，工单号 {case.number}，{sent_to}")
        return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    return render(request, "cases/hotline.html", _intake_context(request))


@require_http_methods(["GET", "POST"])
@requires(P.HANDLE_CASES)
def case_from_finding(request: AuthedRequest, finding_id: int) -> HttpResponse:
    """巡查发现转工单 on the page: the worker picks the finding's type and subject; the case is
    routed and dispatched as any other (intake.submit_finding)."""
    finding = grid_queries.access_own_finding(request.user, finding_id)
    opened = queries.cases_of_findings([finding.pk]).get(finding.pk)
    error: DomainError | None = None
    if request.method == "POST" and opened is None:
        try:
            case = intake.submit_finding(
                finding_id=finding.pk,
                type=categories.type_by_code(request.POST.get("type", "")),
                subject=categories.subject_by_code(request.POST.get("subject", "")),
                by=request.user,
            ).case
        except DomainError as refused:
            error = refused
        except IntegrityError:  # a double tap: the other request opened it first
            opened = queries.cases_of_findings([finding.pk]).get(finding.pk)
        else:
            messages.success(request, f"已转为工单 {case.number}，已派单给{units.unit_name(case)}")
            if queries.cases_for(request.user).filter(pk=case.pk).exists():
                return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
            return HttpResponseRedirect(reverse("grid:patrol"))  # routed to another's grid
    return render(
        request,
        "cases/from_finding.html",
        {
            "finding": finding,
            "opened": opened,
            "can_open": opened is not None
            and queries.cases_for(request.user).filter(pk=opened.pk).exists(),
            "types": categories.active_types(),
            "subjects": categories.active_subjects(),
            "error": error,
            "fields": getattr(error, "fields", {}) if error else {},
            "form": request.POST if request.method == "POST" else {},
        },
        status=400 if error else 200,
    )


@requires(P.SUMMON_DEPARTMENTS)
def whistle_board(request: AuthedRequest) -> HttpResponse:
    """The street's whistle board: open cases, and the summonses with each department's part:
    those still under way, or all of them a page at a time (?show=all)."""
    show_all = request.GET.get("show") == "all"
    rows = queries.summonses_for_street(request.user, unfinished_only=not show_all)
    page = Paginator(rows, settings.JICENG_PAGE_SIZE).get_page(request.GET.get("page"))
    summonses = list(page.object_list)
    departments = [r.department_id for s in summonses for r in s.reports.all()]
    return render(
        request,
        "cases/whistle.html",
        {
            "open_cases": list(queries.open_cases_in_area(request.user)[:200]),
            "summonses": summonses,
            "page": page,
            "show_all": show_all,
            "staffed": queries.departments_with_staff(departments),
        },
    )


@requires(P.ANSWER_SUMMONS)
def department_inbox(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "cases/department.html",
        {
            "reports": list(queries.summons_reports_for(request.user)[:200]),
            "cases": list(queries.handling_inbox(request.user)[:200]),
            "notices": queries.notices_for(request.user, 10),
        },
    )


# -- one case ---------------------------------------------------------------------------------


@requires(*ANY_CASE_ROLE)
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    return _detail_page(request, case, phone=None)


@requires(P.HANDLE_CASES, P.DISPATCH_CASES)
@require_POST
def case_phone(request: AuthedRequest, pk: int) -> HttpResponse:
    """The same page with the reporter's full number: a POST (no prefetch ever reveals it),
    audited, never cached."""
    case, phone = queries.reveal_phone(request.user, pk)
    response = _detail_page(request, case, phone=phone)
    response["Cache-Control"] = "no-store"
    return response


@requires(*ANY_CASE_ROLE)
def case_photo(request: AuthedRequest, pk: int) -> FileResponse:
    case = queries.access_case(request.user, pk)
    if not case.photo:
        raise Http404("没有照片")
    response = FileResponse(case.photo.open("rb"))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _detail_page(request: AuthedRequest, case: Case, *, phone: str | None) -> HttpResponse:
    user = request.user
    can_dispatch = queries.can_dispatch(user, case)
    can_summon = queries.can_summon(user, case)
    street, district = case.street_id or "", (case.street_id or case.community_id or "")[:6]
    reports = list(SummonsReport.objects.filter(case=case).select_related("department", "summons"))
    context: dict[str, Any] = {
        "case": case,
        "events": queries.events_of(case),
        "phone": phone,
        "can_handle": queries.can_handle(user, case),
        "can_dispatch": can_dispatch,
        "can_summon": can_summon,
        "can_see_phone": phone is None and queries.can_see_phone(user, case),
        "reports": reports,
        "my_departments": queries.my_departments(user),
        "next_level": workflow.next_level(case.level),
        "Status": Status,
        "Level": Level,
        "satisfactions": Satisfaction.choices,
        "late": Case.objects.filter(deadlines.overdue_q(now=clock.now()), pk=case.pk).exists(),
    }
    if can_dispatch:
        context["duplicates"] = queries.duplicates_of(case)
        context["grids"] = Grid.objects.filter(street_id=street, is_active=True).order_by("code")
        context["stations"] = Station.objects.filter(street_id=street, is_active=True)
    if can_dispatch or can_summon:
        context["departments"] = list(
            Department.objects.filter(under(district, "district_id"), is_active=True)
        )
    if can_summon:
        context["staffed"] = queries.departments_with_staff(
            [d.pk for d in context["departments"]] + [r.department_id for r in reports]
        )
    return render(request, "cases/detail.html", context)


def _unit_kwargs(post: Any) -> dict[str, Any]:
    """The unit picked in a form: one select whose values are "grid:3", "station:1" ..."""
    kind, _, raw = post.get("unit", "").partition(":")
    ids: dict[str, int | None] = {"grid": None, "station": None, "department": None}
    if kind not in ids or not raw.isdigit():
        raise InvalidInput("请选择承办单位", fields={"unit": "请选择"})
    ids[kind] = int(raw)
    return units.units_by_id(ids["grid"], ids["station"], ids["department"])


def _moves() -> dict[str, Callable[[AuthedRequest, Case], Case]]:
    def escalate(request: AuthedRequest, case: Case) -> Case:
        picked: dict[str, Any] = {"station": None, "department": None}
        if request.POST.get("unit"):
            picked = _unit_kwargs(request.POST)
        return services.escalate_case(
            case=case,
            by=request.user,
            reason=request.POST.get("reason", ""),
            station=picked["station"],
            department=picked["department"],
        )

    def merge(request: AuthedRequest, case: Case) -> Case:
        raw = request.POST.get("into", "")
        if not raw.isdigit():
            raise InvalidInput("请选择要并入的诉求", fields={"into": "请选择"})
        into = queries.access_case(request.user, int(raw))
        return services.merge_case(case=case, into=into, by=request.user)

    return {
        "dispatch": lambda r, c: services.dispatch_case(
            case=c, by=r.user, note=r.POST.get("note", ""), **_unit_kwargs(r.POST)
        ),
        "reassign": lambda r, c: services.reassign_case(
            case=c, by=r.user, note=r.POST.get("note", ""), **_unit_kwargs(r.POST)
        ),
        "accept": lambda r, c: services.accept_case(case=c, by=r.user),
        "start": lambda r, c: services.start_case(case=c, by=r.user),
        "resolve": lambda r, c: services.resolve_case(
            case=c, by=r.user, resolution=r.POST.get("resolution", "")
        ),
        "return": lambda r, c: services.return_case(
            case=c, by=r.user, reason=r.POST.get("reason", "")
        ),
        "escalate": escalate,
        "follow-up": lambda r, c: services.record_feedback(
            case=c,
            is_resolved=r.POST.get("is_resolved") == "yes",
            satisfaction=_satisfaction(r.POST.get("satisfaction", "")),
            by=r.user,
            via="call",
            note=r.POST.get("note", ""),
        ),
        "close": lambda r, c: services.close_case(case=c, by=r.user, note=r.POST.get("note", "")),
        "reopen": lambda r, c: services.reopen_case(
            case=c, by=r.user, reason=r.POST.get("reason", "")
        ),
        "merge": merge,
    }


# What the page says once a move is done. Not "已" + the new status: the statuses read 已签收,
# 已派单 already (which gave "已已签收"), and 办理中 or a reopened case's 已派单 say nothing of
# what was done.
MOVE_DONE = {
    "dispatch": "已派单",
    "reassign": "已改派",
    "accept": "已签收",
    "start": "已开始办理",
    "resolve": "已办结",
    "return": "已退回调度",
    "escalate": "已上报",
    "follow-up": "已记录回访",
    "close": "已结案",
    "reopen": "已重新派单办理",
    "merge": "已合并到所选诉求",
}


@requires(P.HANDLE_CASES, P.DISPATCH_CASES)
@require_POST
def case_move(request: AuthedRequest, pk: int, move: str) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    run = _moves().get(move)
    if run is None:
        raise NotFound(NO_SUCH_ACTION)
    try:
        run(request, case)
        messages.success(request, MOVE_DONE[move])
    except NotFound:
        raise
    except DomainError as refused:
        messages.error(request, refused.message)
    return HttpResponseRedirect(reverse("cases:detail", args=[pk]))


@requires(P.SUMMON_DEPARTMENTS)
@require_POST
def case_summon(request: AuthedRequest, pk: int) -> HttpResponse:
    case = queries.access_case(request.user, pk)
    try:
        ids = [int(v) for v in request.POST.getlist("departments") if v.isdigit()]
        raw_minutes = request.POST.get("within_minutes", "30")
        minutes = int(raw_minutes) if raw_minutes.isdigit() else 30
        whistle.summon_departments(
            case=case,
            departments=units.departments_by_id(ids),
            by=request.user,
            within=dt.timedelta(minutes=minutes),
            note=request.POST.get("note", ""),
        )
        messages.success(request, "已吹哨，等待部门报到")
    except DomainError as refused:
        messages.error(request, refused.message)
    return HttpResponseRedirect(reverse("cases:detail", args=[pk]))


@requires(P.ANSWER_SUMMONS, P.SUMMON_DEPARTMENTS)
@require_POST
def report_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    report = queries.access_report(request.user, pk)
    try:
        if action == "report":
            whistle.report_to_summons(report=report, by=request.user)
            messages.success(request, "已报到")
        elif action == "finish":
            whistle.finish_summons(
                report=report, by=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, "已提交办理情况")
        elif action == "withdraw":
            whistle.withdraw_summons(
                report=report, by=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"已撤回对{report.department.name}的吹哨")
        elif action == "reassign":
            raw = request.POST.get("department", "")
            if not raw.isdigit():
                raise InvalidInput("请选择改派的部门", fields={"department": "请选择"})
            moved = whistle.reassign_summons(
                report=report,
                to=units.departments_by_id([int(raw)])[0],
                by=request.user,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, f"已改派给{moved.department.name}，等待报到")
        elif action == "rate":
            raw = request.POST.get("rating", "")
            whistle.rate_department(
                report=report, by=request.user, rating=int(raw) if raw.isdigit() else 0
            )
            messages.success(request, "已评价")
        else:
            raise NotFound(NO_SUCH_ACTION)
    except NotFound:
        raise
    except DomainError as refused:
        messages.error(request, refused.message)
    return HttpResponseRedirect(reverse("cases:detail", args=[report.case_id]))
