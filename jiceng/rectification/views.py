"""Pages of weak organizations: the department's detected list with reasons (paged), an
organization's rectification page with its forms. Thin: queries read, services write; a
refused write comes back in Chinese beside its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import NO_SUCH_ACTION, DomainError, Forbidden, InvalidInput, not_found
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import access_organization

from . import queries, services
from .models import RuleKind, Status


@requires(Permission.VIEW_ORGANIZATIONS)
def detected_list(request: AuthedRequest) -> HttpResponse:
    """软弱涣散党组织研判名单: the department's subtrees, the latest month."""
    if not queries.is_department(request.user):
        raise Forbidden("只有组织部门可以查看软弱涣散党组织研判名单")
    month = queries.detected_month()
    page = None
    rows: list[queries.Flagged] = []
    if month is not None:
        page, rows = queries.detected(
            request.user, month=month, page=int(request.GET.get("page") or 1)
        )
    return render(
        request,
        "rectification/detected.html",
        {
            "month": month and f"{month // 100}年{month % 100}月",
            "page": page,
            "rows": rows,
            "unconfirmed": queries.unconfirmed_count(request.user, month) if month else 0,
            "open": queries.open_under(request.user)[:20],
        },
    )


@requires(Permission.VIEW_ORGANIZATIONS)
@require_POST
def confirm(request: AuthedRequest, org: int) -> HttpResponse:
    organization = access_organization(request.user, org)
    try:
        rectification = services.confirm_rectification(organization=organization, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("rectification:detected")
    messages.success(request, f"已确定{organization.name}为整顿对象，请制定整顿方案")
    return redirect("rectification:detail", rectification.pk)


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("日期格式不正确", fields={"due_on": "日期格式应为 2026-06-30"}) from None


def _first_secretary(text: str, organization_path: str) -> Member | None:
    """A member by number (编号) or by a name unique in the country."""
    text = text.strip()
    if not text:
        return None
    found = list(
        Member.objects.filter(pk=int(text)) if text.isdigit() else Member.objects.filter(name=text)
    )[:2]
    if len(found) != 1:
        problem = "未找到该党员" if not found else "有多名同名党员，请填写党员编号"
        raise InvalidInput(problem, fields={"first_secretary": problem})
    return found[0]


@requires(Permission.VIEW_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """An organization's rectification: reasons, plan, progress, acceptance."""
    rectification = queries.access_rectification(request.user, pk)
    organization = rectification.organization
    manages = queries.may_manage(request.user, organization)
    fields: dict[str, str] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        action = request.GET.get("action", "")
        form = request.POST.dict()
        try:
            if action == "plan":
                leader_id = form.get("leader", "")
                leader = (
                    User.objects.filter(pk=int(leader_id)).first() if leader_id.isdigit() else None
                )
                services.set_plan(
                    rectification=rectification,
                    by=request.user,
                    leader=leader,
                    first_secretary=_first_secretary(
                        form.get("first_secretary", ""), organization.path
                    ),
                    plan=form.get("plan", ""),
                    measures=form.get("measures", ""),
                    due_on=_date(form.get("due_on", "")),
                )
                messages.success(request, "整顿方案已保存")
            elif action == "progress":
                services.record_progress(
                    rectification=rectification, by=request.user, text=form.get("text", "")
                )
                messages.success(request, "整顿进展已记录")
            elif action == "accept":
                services.accept_rectification(rectification=rectification, by=request.user)
                messages.success(request, f"{organization.name}整顿已销号")
            else:
                raise InvalidInput(NO_SUCH_ACTION)
            return redirect("rectification:detail", rectification.pk)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    return render(
        request,
        "rectification/detail.html",
        {
            "r": rectification,
            "organization": organization,
            "current": queries.current_reasons(organization),
            "progress": rectification.progress.select_related("recorded_by"),
            "manages": manages and rectification.is_open,
            "records": queries.may_record_progress(request.user, rectification)
            and rectification.status == Status.RECTIFYING,
            "leaders": queries.leaders_for(organization) if manages else [],
            "fields": fields,
            "form": form,
            "Status": Status,
        },
    )


def _number(form: dict[str, str], name: str, label: str) -> int:
    raw = form.get(name, "").strip()
    if not raw.isdigit():
        raise InvalidInput(f"{label}应为不小于0的整数", fields={name: f"{label}应为不小于0的整数"})
    return int(raw)


@requires(Permission.VIEW_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def rules_page(request: AuthedRequest) -> HttpResponse:
    """研判规则: the rules in force at one organization of the department's subtree (its
    root by default), the form to set one for that subtree, and the rules set below."""
    if not queries.is_department(request.user):
        raise Forbidden("只有组织部门可以设定软弱涣散党组织研判规则")
    raw = request.GET.get("org", "")
    organization: Organization | None
    if raw.isdigit():
        organization = access_organization(request.user, int(raw))
    else:
        roots = queries.department_reach(request.user).paths
        organization = Organization.objects.filter(path__in=roots).order_by("path").first()
    if organization is None or not queries.may_manage(request.user, organization):
        raise not_found("党组织")
    fields: dict[str, str] = {}
    form: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            rule = services.set_detection_rule(
                organization=organization,
                kind=form.get("kind", ""),
                is_enabled=form.get("is_enabled") == "on",
                months=_number(form, "months", "月数"),
                threshold=_number(form, "threshold", "比例"),
                reason=form.get("reason", ""),
                by=request.user,
            )
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"已设定{organization.name}的“{rule.get_kind_display()}”研判规则，下次研判起适用",
            )
            return redirect(f"{reverse('rectification:rules')}?org={organization.pk}")
    return render(
        request,
        "rectification/rules.html",
        {
            "organization": organization,
            "in_force": queries.rules_at(organization),
            "set_under": queries.rules_set_under(request.user)[:200],
            "kinds": RuleKind.choices,
            "form": form,
            "fields": fields,
        },
    )
