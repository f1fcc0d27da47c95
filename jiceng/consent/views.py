"""Pages of residents' consent projects: the community's list and project page (units and
owners, the round as it stands, paper answers, codes by SMS, the deadline), a frozen round's
record, and the owner's own page that takes a one-time code (no sign-in). Thin: queries read,
services write; a refused write comes back in Chinese beside its field."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import public, requires
from jiceng.accounts.requests import AuthedRequest
from jiceng.accounts.throttle import hit, over_rate, throttled
from jiceng.core import clock
from jiceng.core.errors import NO_SUCH_ACTION, DomainError, InvalidInput, NotFound
from jiceng.divisions.models import Division

from . import queries, rules, services
from .models import Choice, ConsentOwner, ConsentRound, ProjectKind
from .queries import RUNS


def parse_deadline(text: str) -> dt.datetime:
    """A datetime-local field (2026-06-24T18:00), in China's time."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            "截止时间格式不正确", fields={"deadline": "请选择截止日期和时间"}
        ) from None
    return value.replace(tzinfo=clock.CHINA) if value.tzinfo is None else value


def _objections(form: dict[str, Any]) -> services.Objections:
    return services.Objections(
        light=bool(form.get("light")),
        ventilation=bool(form.get("ventilation")),
        noise=bool(form.get("noise")),
    )


@requires(RUNS)
@require_http_methods(["GET", "POST"])
def project_list(request: AuthedRequest) -> HttpResponse:
    """居民意见征询: the projects of the user's communities, and a new one."""
    communities = list(queries.communities_for(request.user)[:500])
    fields: dict[str, str] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            community = next((c for c in communities if c.code == form.get("community")), None)
            if community is None:
                raise InvalidInput("请选择社区", fields={"community": "请选择社区"})
            project = services.create_project(
                community=community,
                kind=form.get("kind", ""),
                name=form.get("name", ""),
                building=form.get("building", ""),
                unit=form.get("unit", ""),
                description=form.get("description", ""),
                by=request.user,
            )
            messages.success(request, "事项已登记，请录入房屋和业主")
            return redirect("consent:detail", project.pk)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
    projects = queries.projects_for(request.user).order_by("-created_at")[:200]
    names = dict(
        Division.objects.filter(code__in={p.community_id for p in projects}).values_list(
            "code", "name"
        )
    )
    rows = [(p, names.get(p.community_id, ""), queries.open_round(p)) for p in projects]
    return render(
        request,
        "consent/list.html",
        {
            "rows": rows,
            "communities": communities,
            "kinds": ProjectKind.choices,
            "fields": fields,
            "form": form,
        },
    )


def _checks(count: rules.Tally) -> list[dict[str, Any]]:
    return [
        {
            "label": c.label,
            "have": rules.percent_text(c.have),
            "need": rules.fraction_text(c.need),
            "is_met": c.is_met,
        }
        for c in count.checks
    ]


@requires(RUNS)
@require_http_methods(["GET", "POST"])
def project_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    project = queries.access_project(request.user, pk)
    services.freeze_if_due(project)  # on read: a round past its deadline is frozen first
    current = queries.open_round(project)
    fields: dict[str, str] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        action = request.GET.get("action", "")
        form = request.POST.dict()
        try:
            done = _act(request, action, form, project.pk, current)
            messages.success(request, done)
            return redirect("consent:detail", project.pk)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
        current = queries.open_round(project)
    count = queries.count_of(current) if current else None
    rows = queries.owner_rows(project, current)
    return render(
        request,
        "consent/detail.html",
        {
            "project": project,
            "community": Division.objects.filter(code=project.community_id).first(),
            "current": current,
            "count": count,
            "checks": _checks(count) if count else [],
            "rows": rows,
            "waiting": [r for r in rows if r.answer is None],
            "households": project.households.select_related("owner"),
            "rounds": project.rounds.exclude(frozen_at__isnull=True).order_by("-number"),
            "rule": queries.rule_for(project.community_id),
            "fields": fields,
            "form": form,
            "Choice": Choice,
        },
    )


def _owner(project_id: int, text: str) -> ConsentOwner:
    owner = (
        ConsentOwner.objects.filter(pk=int(text), project_id=project_id).first()
        if text.isdigit()
        else None
    )
    if owner is None:
        raise InvalidInput("请选择业主", fields={"owner": "请选择业主"})
    return owner


def _act(
    request: AuthedRequest,
    action: str,
    form: dict[str, Any],
    project_id: int,
    current: ConsentRound | None,
) -> str:
    """One form of the project page; what to say when it is done."""
    project = queries.access_project(request.user, project_id)
    if action == "household":
        floor_text = form.get("floor", "").strip()
        if not floor_text.lstrip("-").isdigit():
            raise InvalidInput("请填写楼层", fields={"floor": "楼层应为整数"})
        household = services.add_household(
            project=project,
            room=form.get("room", ""),
            floor=int(floor_text),
            area=services.parse_area(form.get("area", "")),
            owner_name=form.get("owner_name", ""),
            owner_phone=form.get("owner_phone", ""),
            is_occupied=bool(form.get("is_occupied")),
            by=request.user,
        )
        return f"已登记{household.room}室"
    if action == "open":
        services.open_round(
            project=project, deadline=parse_deadline(form.get("deadline", "")), by=request.user
        )
        return "已发起征询"
    if current is None:
        last = project.rounds.order_by("-number").first()
        if last is not None and action in {"paper", "code", "deadline"}:
            raise services.closed(last, "录入或修改")  # its deadline passed as the form was open
        raise InvalidInput("本事项没有正在进行的征询")
    if action == "paper":
        owner = _owner(project.pk, form.get("owner", ""))
        services.record_paper_answer(
            round_=current,
            owner=owner,
            choice=form.get("choice", ""),
            objections=_objections(form),
            note=form.get("note", ""),
            by=request.user,
        )
        return f"已录入业主{owner.name_masked}的书面意见"
    if action == "code":
        owner = _owner(project.pk, form.get("owner", ""))
        services.send_code(
            round_=current,
            owner=owner,
            by=request.user,
            site=request.build_absolute_uri("/").rstrip("/"),
        )
        return f"已向{owner.phone_masked}发送验证码"
    if action == "deadline":
        services.change_deadline(
            round_=current, deadline=parse_deadline(form.get("deadline", "")), by=request.user
        )
        return "截止时间已修改"
    raise InvalidInput(NO_SUCH_ACTION)


def _fraction(text: str) -> Fraction | None:
    return None if text == "—" else Fraction(text)


@requires(RUNS)
def round_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A round's record: the count (frozen at the deadline) and every answer."""
    round_ = queries.access_round(request.user, pk)
    services.freeze_if_due(round_.project)
    round_.refresh_from_db()
    count = queries.count_of(round_)
    return render(
        request,
        "consent/round.html",
        {
            "round": round_,
            "project": round_.project,
            "result": round_.result if round_.is_frozen else None,
            "frozen_checks": [
                {**c, "have": rules.percent_text(_fraction(c["have"]))}
                for c in round_.result.get("checks", [])
            ],
            "checks": _checks(count),
            "count": count,
            "answers": round_.answers.select_related("owner", "entered_by"),
        },
    )


@requires(RUNS)
@require_POST
def reveal_owner(request: AuthedRequest, pk: int) -> HttpResponse:
    """The owner's full name and phone (to call them about their answer); audited."""
    owner, revealed = queries.reveal_owner(request.user, pk)
    response = render(request, "consent/reveal.html", {"owner": owner, "revealed": revealed})
    response["Cache-Control"] = "no-store"
    return response


@public("业主凭短信验证码表达意见（不登录）；按来源地址和征询轮次限流")
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, key: str) -> HttpResponse:
    """The owner's page: the code first, then their units and the answer."""
    try:
        round_ = queries.round_by_key(key)
    except NotFound as missing:
        return render(request, "consent/answer.html", {"missing": missing.message}, status=404)
    services.freeze_if_due(round_.project)
    round_.refresh_from_db()
    form = request.POST.dict() if request.method == "POST" else {}
    context: dict[str, Any] = {"round": round_, "project": round_.project, "form": form}
    status = 200
    if request.method == "POST" and not round_.is_frozen:
        retry_after = over_rate("consent_answer", request) or hit("consent_round", key)
        if retry_after is not None:
            return throttled(request, retry_after)
        try:
            owner = services.owner_by_code(round_, form.get("code", ""))
            context["owner"] = owner
            context["units"] = owner.households.all()
            if request.GET.get("action") == "answer":
                context["done"] = services.answer_with_code(
                    round_=round_,
                    code=form.get("code", ""),
                    choice=form.get("choice", ""),
                    objections=_objections(form),
                    note=form.get("note", ""),
                )
        except InvalidInput as error:
            context.update(fields=error.fields, error=error.message)
            status = 400
        except DomainError as error:
            context["error"] = error.message
            status = error.status
    response = render(request, "consent/answer.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response
