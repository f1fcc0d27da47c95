"""Pages of 双报到, phone first: the member's (my community, report, the lists, sign up, my
hours), the community's (reports to confirm, the three lists, confirm hours, half-yearly
feedback), the branch's (feedback on its reported members, those below the rule), an
organization's report with its 共建协议, and the reporting rules. Thin: queries read,
services write; a refusal comes back in Chinese beside its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import NO_SUCH_ACTION, DomainError, InvalidInput, not_found
from jiceng.divisions.models import Division, Level
from jiceng.members.models import Member
from jiceng.orgs.queries import access_writable_organization

from . import queries, rules, services
from .models import CommunityReport, ListStatus, Need, Project, Rating, ReportingRule

P = Permission
SHOWN = 8  # the latest sign-ups and hours on the member's page; the points page has them all
BELOW_SHOWN = 200  # a district's list is a thousand names: its branches each see their own


def parse_date(text: str, field: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("日期格式不正确", fields={field: "日期格式应为 2026-06-30"}) from None


def _item(user: Any, kind: str, pk: int) -> Need | Project:
    if kind == "need":
        return queries.access_need(user, pk)
    if kind == "project":
        return queries.access_project(user, pk)
    raise not_found("清单事项")


# -- the member ----------------------------------------------------------------------------


@requires(P.SERVE_COMMUNITY)
@require_http_methods(["GET", "POST"])
def mine(request: AuthedRequest) -> HttpResponse:
    """我的社区: report where I live, then the community's lists and my hours."""
    member = queries.own_member(request.user)
    fields: dict[str, str] = {}
    choices: list[tuple[str, str]] = []
    form: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            made = services.report_member(
                member=member,
                address=form.get("address", ""),
                choice=form.get("choice", ""),
                by=request.user,
            )
            messages.success(request, f"已向{made.community.name}报到，待社区确认")
            return redirect("reporting:mine")
        except services.AddressAmbiguous as error:
            fields, choices = error.fields, error.choices
            messages.error(request, error.message)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    report = queries.open_report_of(member)
    latest = report or queries.latest_report_of(member)
    year = clock.today().year
    context: dict[str, Any] = {
        "member": member,
        "report": report,
        "latest": latest,
        "fields": fields,
        "choices": choices,
        "form": form,
        "year": year,
    }
    if report is not None and report.status == "CONFIRMED":
        signed = queries.signups_of(member)
        context |= {
            "needs": queries.open_needs(report.community_id),
            "projects": queries.open_projects(report.community_id),
            "resources": queries.resources(report.community_id),
            "signups": signed[:SHOWN],
            "signed_needs": {s.need_id for s in signed if s.need_id},
            "signed_projects": {s.project_id for s in signed if s.project_id},
            "records": queries.records_of(member, year=year)[:SHOWN],
            "hours": queries.hours_of(member, year=year),
            "rule": rules.rule_for(
                rules.load_rules(), community_code=report.community_id, year=year
            ),
        }
    return render(request, "reporting/mine.html", context)


@requires(P.SERVE_COMMUNITY)
@require_POST
def sign_up(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    member = queries.own_member(request.user)
    item = _item(request.user, kind, pk)
    try:
        services.sign_up(member=member, item=item, by=request.user)
        messages.success(request, f"已报名“{item.title}”，服务后由社区确认时长")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("reporting:mine") + "#lists")


@requires(P.SERVE_COMMUNITY)
@require_POST
def end_mine(request: AuthedRequest) -> HttpResponse:
    member = queries.own_member(request.user)
    report = queries.open_report_of(member)
    if report is None:
        raise not_found("报到")
    try:
        services.end_report(report=report, by=request.user)
        messages.success(request, "已结束报到，可按新的居住地址重新报到")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("reporting:mine")


# -- the community -------------------------------------------------------------------------


@requires(P.MANAGE_COMMUNITY_SERVICE)
def communities(request: AuthedRequest) -> HttpResponse:
    found = list(queries.communities_of(request.user)[:300])
    if len(found) == 1:
        return redirect("reporting:community", found[0].code)
    return render(request, "reporting/communities.html", {"communities": found})


@requires(P.MANAGE_COMMUNITY_SERVICE)
@require_http_methods(["GET", "POST"])
def community(request: AuthedRequest, code: str) -> HttpResponse:
    """社区报到: reports to confirm, the three lists with their forms."""
    place = queries.access_community(request.user, code)
    fields: dict[str, str] = {}
    form: dict[str, str] = {}
    action = request.GET.get("action", "")
    if request.method == "POST":
        form = request.POST.dict()
        try:
            if action in ("confirm", "decline"):
                report = queries.access_report(request.user, int(form.get("report") or 0))
                services.decide_report(
                    report=report,
                    accept=action == "confirm",
                    reason=form.get("reason", ""),
                    by=request.user,
                )
                who = report.member or report.organization
                messages.success(
                    request, f"已确认{who}的报到" if action == "confirm" else f"已退回{who}的报到"
                )
            elif action == "need":
                services.add_need(
                    community=place,
                    title=form.get("title", ""),
                    description=form.get("description", ""),
                    needed_on=parse_date(form.get("needed_on", ""), "needed_on"),
                    places=form.get("places", ""),
                    by=request.user,
                )
                messages.success(request, "需求已发布")
            elif action == "project":
                services.add_project(
                    community=place,
                    title=form.get("title", ""),
                    description=form.get("description", ""),
                    starts_on=parse_date(form.get("starts_on", ""), "starts_on"),
                    ends_on=parse_date(form.get("ends_on", ""), "ends_on"),
                    places=form.get("places", ""),
                    by=request.user,
                )
                messages.success(request, "项目已发布")
            elif action == "resource":
                services.add_resource(
                    community=place,
                    title=form.get("title", ""),
                    provider=form.get("provider", ""),
                    description=form.get("description", ""),
                    by=request.user,
                )
                messages.success(request, "资源已登记")
            else:
                raise InvalidInput(NO_SUCH_ACTION)
            return redirect("reporting:community", code)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    return render(
        request,
        "reporting/community.html",
        {
            "place": place,
            "pending": queries.reports_of(code, status="PENDING"),
            "reported": queries.reported_counts(code),
            "closed": queries.recently_closed_needs(
                code, since=clock.today() - dt.timedelta(days=60)
            ),
            "needs": queries.open_needs(code),
            "projects": queries.open_projects(code),
            "resources": queries.resources(code),
            "fields": fields,
            "form": form,
            "action": action,
            "half": rules.half_of(clock.today()),
        },
    )


@requires(P.MANAGE_COMMUNITY_SERVICE)
@require_http_methods(["GET", "POST"])
def item(request: AuthedRequest, code: str, kind: str, pk: int) -> HttpResponse:
    """A need or a project: who signed up, confirm hours, take a confirmation back."""
    place = queries.access_community(request.user, code)
    found = _item(request.user, kind, pk)
    if found.community_id != place.code:
        raise not_found("清单事项")
    fields: dict[str, str] = {}
    form: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST.dict()
        action = request.GET.get("action", "")
        try:
            if action == "hours":
                member_id = form.get("member", "")
                member = (
                    Member.objects.filter(pk=int(member_id)).first()
                    if member_id.isdigit()
                    else None
                )
                if member is None:
                    raise InvalidInput("请选择党员", fields={"member": "请选择党员"})
                record = services.confirm_hours(
                    item=found,
                    member=member,
                    served_on=parse_date(form.get("served_on", ""), "served_on"),
                    hours=form.get("hours", ""),
                    note=form.get("note", ""),
                    by=request.user,
                )
                messages.success(
                    request, f"已确认{member.name}服务{rules.shown(record.hours)}小时，积分已记入"
                )
            elif action == "revoke":
                record = queries.access_record(request.user, int(form.get("record") or 0))
                services.revoke_hours(record=record, reason=form.get("reason", ""), by=request.user)
                messages.success(request, "已撤销该服务时长，积分已冲回")
            elif action == "close":
                services.close_item(item=found, by=request.user)
                messages.success(request, f"“{found.title}”已结束报名")
            else:
                raise InvalidInput(NO_SUCH_ACTION)
            return redirect("reporting:item", code, kind, pk)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    return render(
        request,
        "reporting/item.html",
        {
            "place": place,
            "item": found,
            "kind": kind,
            "kind_label": "需求" if kind == "need" else "项目",
            "signups": queries.signups_for(found),
            "records": queries.records_for(found)[:100],
            "fields": fields,
            "form": form,
            "today": clock.today(),
            "is_open": found.status == ListStatus.OPEN,
        },
    )


@requires(P.MANAGE_COMMUNITY_SERVICE)
@require_http_methods(["GET", "POST"])
def community_feedback(request: AuthedRequest, code: str) -> HttpResponse:
    """半年反馈: the community's word on each reported member, back to their branch."""
    place = queries.access_community(request.user, code)
    current = rules.half_of(clock.today())
    halves = [current, rules.previous_half(current)]
    half = int(request.GET.get("half") or current)
    if half not in halves:
        half = current
    if request.method == "POST":
        try:
            report = queries.access_report(request.user, int(request.POST.get("report") or 0))
            services.write_feedback(
                report=report,
                half=half,
                rating=request.POST.get("rating", ""),
                comment=request.POST.get("comment", ""),
                by=request.user,
            )
            messages.success(request, f"已填写{report.member}的反馈，将送达其所在支部")
            return redirect(reverse("reporting:community_feedback", args=[code]) + f"?half={half}")
        except DomainError as error:
            messages.error(request, error.message)
    return render(
        request,
        "reporting/community_feedback.html",
        {
            "place": place,
            "half": half,
            "half_label": rules.half_label(half),
            "halves": [(h, rules.half_label(h)) for h in halves],
            "rows": queries.half_rows(code, half),
            "ratings": Rating.choices,
        },
    )


# -- the branch ----------------------------------------------------------------------------


@requires(P.VIEW_MEMBERS)
def branch(request: AuthedRequest) -> HttpResponse:
    """报到反馈: the community feedback on the subtree's reported members, and those below
    the rule (in roster order, never ranked)."""
    current = rules.half_of(clock.today())
    halves = [
        current,
        rules.previous_half(current),
        rules.previous_half(rules.previous_half(current)),
    ]
    half = int(request.GET.get("half") or rules.previous_half(current))
    below = queries.below_rule(request.user)
    return render(
        request,
        "reporting/branch.html",
        {
            "figures": queries.branch_figures(request.user),
            "feedback": queries.feedback_for_branch(request.user, half=half)[:300],
            "half": half,
            "half_label": rules.half_label(half),
            "halves": [(h, rules.half_label(h)) for h in halves],
            "below": below[:BELOW_SHOWN],
            "below_total": len(below),
            "sees": queries.sees_branch_pages(request.user),
            "own": queries.own_organizations(request.user),
        },
    )


@requires(P.VIEW_MEMBERS)
@require_POST
def feedback_read(request: AuthedRequest, pk: int) -> HttpResponse:
    feedback = queries.access_feedback(request.user, pk)
    services.mark_feedback_read(feedback=feedback, by=request.user)
    return redirect(reverse("reporting:branch") + f"?half={feedback.half}")


# -- an organization -----------------------------------------------------------------------


@requires(P.MANAGE_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def organization(request: AuthedRequest, org: int) -> HttpResponse:
    """单位报到: the organization reports to the community where it is located, with its
    共建协议."""
    found = access_writable_organization(request.user, org)
    fields: dict[str, str] = {}
    form: dict[str, str] = {}
    choices: list[tuple[str, str]] = []
    if request.method == "POST":
        form = request.POST.dict()
        try:
            report = services.report_organization(
                organization=found,
                address=form.get("address", ""),
                choice=form.get("choice", ""),
                offers=form.get("offers", ""),
                signed_on=parse_date(form.get("signed_on", ""), "signed_on"),
                until=parse_date(form.get("until", ""), "until"),
                by=request.user,
            )
            messages.success(request, f"已向{report.community.name}报到，待社区确认")
            return redirect("reporting:organization", org)
        except services.AddressAmbiguous as error:
            fields, choices = error.fields, error.choices
            messages.error(request, error.message)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    own = Division.objects.filter(code=found.division_id or "", level=Level.VILLAGE).first()
    return render(
        request,
        "reporting/organization.html",
        {
            "organization": found,
            "reports": CommunityReport.objects.filter(organization=found)
            .select_related("community")
            .order_by("-reported_at"),
            "own_community": own,
            "fields": fields,
            "form": form,
            "choices": choices,
            "today": clock.today(),
        },
    )


# -- rules ---------------------------------------------------------------------------------


@requires(P.MANAGE_MEETING_RULES)
@require_http_methods(["GET", "POST"])
def rule_list(request: AuthedRequest) -> HttpResponse:
    """报到要求: per province (or national), settable by that level's department."""
    provinces = [
        d
        for d in Division.objects.filter(level=Level.PROVINCE).order_by("code")
        if services.may_set_rule(request.user, d.code)
    ]
    national = services.may_set_rule(request.user, None)
    fields: dict[str, str] = {}
    form: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST.dict()
        code = form.get("province", "")
        province = Division.objects.filter(code=code).first() if code else None
        try:
            if code and province is None:
                raise InvalidInput("请选择省份", fields={"province": "请选择省份"})
            services.set_rule(
                province=province,
                year=int(form.get("year") or 0),
                min_activities_per_quarter=form.get("min_activities_per_quarter", ""),
                yearly_hours=form.get("yearly_hours", ""),
                by=request.user,
            )
            messages.success(request, "报到要求已保存")
            return redirect("reporting:rules")
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    return render(
        request,
        "reporting/rules.html",
        {
            "rows": ReportingRule.objects.select_related("province").order_by(
                "province_id", "-valid_from_year"
            ),
            "default": rules.DEFAULT,
            "provinces": provinces,
            "national": national,
            "fields": fields,
            "form": form,
            "year": clock.today().year,
        },
    )
