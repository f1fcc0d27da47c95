"""Pages of the development of members: the pipeline (a branch's cases, or a department's
subtree by branch), an applicant's file with the form of the next step, the printable forms.
Thin: development.queries reads, development.services writes; a refused step comes back with
each rule's text beside its field."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import DomainError, InvalidInput
from jiceng.core.paths import is_under
from jiceng.members.models import Category, Education, Member, MemberStatus
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import access_organization
from jiceng.transfers.queries import transfers_for
from jiceng.web.excel_pages import chosen_organization

from . import queries, rules, services
from .models import Applicant, Outcome, RuleKind, Standing, Step, StepRecord, Unit

PRINT_FORMS = {
    "activist": "入党积极分子备案表",
    "candidate": "发展对象备案表",
    "review": "政治审查结论",
    "admission": "接收预备党员审批表",
    "full": "预备党员转正审批表",
    "contents": "发展党员档案材料目录",
}
# The documents of a development file (档案材料), by the step that makes each.
DOCUMENTS: dict[Step, str] = {
    Step.APPLY: "入党申请书",
    Step.TALK: "谈话记录",
    Step.ACTIVIST: "推荐入党积极分子材料、支部委员会会议记录",
    Step.ACTIVIST_FILED: "入党积极分子备案表",
    Step.CONTACTS: "培养联系人确定材料",
    Step.EDUCATION: "入党积极分子培养教育考察登记表",
    Step.CANDIDATE: "确定发展对象的支部委员会会议记录",
    Step.CANDIDATE_FILED: "发展对象备案表",
    Step.INTRODUCERS: "入党介绍人确定材料",
    Step.POLITICAL_REVIEW: "政治审查材料及结论",
    Step.TRAINING: "集中培训结业证明",
    Step.COMMITTEE_REVIEW: "支部委员会审查意见",
    Step.PRE_REVIEW: "上级党委预审意见",
    Step.APPLICATION_FORM: "入党志愿书",
    Step.ADMISSION_MEETING: "接收预备党员的支部大会会议记录",
    Step.ADMISSION_TALK: "上级党委谈话记录",
    Step.ADMISSION_APPROVAL: "上级党委审批意见",
    Step.ADMISSION_FILED: "备案材料",
    Step.GROUPED: "编入党支部和党小组通知",
    Step.OATH: "入党宣誓材料",
    Step.PROBATION_EDUCATION: "预备党员考察材料",
    Step.FULL_APPLICATION: "转正申请书",
    Step.FULL_MEETING: "讨论转正的支部大会会议记录",
    Step.FULL_APPROVAL: "上级党委转正审批意见",
    Step.ARCHIVED: "档案材料目录",
}


def _home(request: AuthedRequest) -> tuple[Organization | None, list[Organization]]:
    homes = queries.home_organizations(request.user)
    text = request.GET.get("org", "").strip()
    if text.isdigit() and len(text) <= 15:
        return access_organization(request.user, int(text)), homes
    return (homes[0] if homes else None), homes


@requires(Permission.VIEW_MEMBERS)
def pipeline(request: AuthedRequest) -> HttpResponse:
    """发展党员: a branch's cases, or (above a branch) the subtree's counts by branch."""
    organization, homes = _home(request)
    today = clock.today()
    context: dict[str, Any] = {
        "organization": organization,
        "homes": homes,
        "standings": [s for s in Standing if s != Standing.FULL],
        "today": today,
        "soon_days": queries.SOON_DAYS,
    }
    if organization is None:
        return render(request, "development/pipeline.html", context)
    context["time_rules"] = services.rules_for(organization)
    context["can_add_rule"] = services.may_approve(request.user, organization)
    context["rule_steps"] = [(s.step.value, f"{s.order}. {s.label}") for s in rules.STEPS]
    context["rule_kinds"] = RuleKind.choices
    context["rule_units"] = Unit.choices
    context["can_register"] = organization.is_branch and queries.may_register_at(
        request.user, organization
    )
    if organization.is_branch:
        context["lines"] = queries.branch_pipeline(organization, today=today)
        context["late"] = sum(1 for line in context["lines"] if line.is_late)
        context["figures"] = [
            (s.label, sum(1 for line in context["lines"] if line.applicant.standing == s))
            for s in context["standings"]
        ]
        return render(request, "development/pipeline.html", context)
    page = Paginator(queries.branches_under(organization), settings.JICENG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = queries.pipeline_of(page.object_list, today=today)
    total = queries.subtree_totals(organization, today=today)
    context.update(
        {
            "page": page,
            "table": [(row, [row.counts.get(s, 0) for s in context["standings"]]) for row in rows],
            "figures": [(s.label, total.counts.get(s, 0)) for s in context["standings"]],
            "total": total,
            "query": f"org={organization.pk}&",
            "plan": queries.plan_progress(organization, today.year),
            "can_plan": services.may_approve(request.user, organization),
        }
    )
    return render(request, "development/pipeline.html", context)


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def register(request: AuthedRequest) -> HttpResponse:
    """登记入党申请人: the particulars and the application's date (step 1)."""
    organization = chosen_organization(request, Permission.MANAGE_MEMBERS)
    if organization is None:
        raise Http404("请从发展党员页面选择党支部")
    form: dict[str, Any] = {"ethnicity": "汉族", "applied_on": clock.today().isoformat()}
    error = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in FIELDS}
        try:
            data = services.check_applicant_input(
                form, organization=organization, today=clock.today()
            )
            applicant = services.register_applicant(data=data, by=request.user)
        except InvalidInput as exc:
            error = exc
            form = {**form, "id_number": "", "phone": ""}  # typed again, never echoed
        else:
            messages.success(request, f"已登记入党申请人{applicant.name}")
            return redirect("development:applicant", pk=applicant.pk)
    context = {
        "organization": organization,
        "form": form,
        "error": error,
        "fields": error.fields if error else {},
        "categories": Category.choices,
        "educations": Education.choices,
    }
    return render(request, "development/register.html", context, status=400 if error else 200)


FIELDS: tuple[str, ...] = ("name", "id_number", "ethnicity", "phone", "education", "category")
FIELDS += ("work_place", "applied_on")
STEP_FIELDS: tuple[str, ...] = ("step", "done_on", "decision", "outcome", "hours", "days")
STEP_FIELDS += ("votes_for", "voters", "document_number", "months", "decided_by")


@requires(Permission.VIEW_MEMBERS)
@require_http_methods(["GET", "POST"])
def applicant_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """An applicant's file: particulars (masked), the timeline of steps, the form of the next
    step for those who record it, the printable forms."""
    applicant = queries.access_applicant(request.user, pk)
    error = None
    form: dict[str, Any] = {"done_on": clock.today().isoformat()}
    if request.method == "POST":
        if not queries.may_record(request.user, applicant):
            raise Http404("发展党员对象不存在或不在您的管理范围内")
        form = {k: request.POST.get(k, "") for k in STEP_FIELDS}
        form["people"] = request.POST.getlist("people")
        try:
            applicant = services.record_step(applicant=applicant, raw=form, by=request.user)
        except InvalidInput as exc:
            error = exc
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("development:applicant", pk=applicant.pk)
        else:
            messages.success(request, "已录入")
            return redirect("development:applicant", pk=applicant.pk)
    return render(
        request,
        "development/applicant.html",
        _applicant_context(request, applicant, form=form, error=error),
        status=400 if error else 200,
    )


def _applicant_context(
    request: AuthedRequest,
    applicant: Applicant,
    *,
    form: dict[str, Any],
    error: InvalidInput | None,
) -> dict[str, Any]:
    following = rules.next_step(applicant.last_step)
    spec = rules.spec(following) if following else None
    can_record = queries.may_record(request.user, applicant)
    records = queries.steps_of(applicant)
    moves = queries.moves_of(applicant)
    due = None
    if following and applicant.next_due_on:
        found = rules.next_due(
            last=applicant.last_step,
            dates=services.facts_of(applicant).dates,
            rules=services.rules_for(applicant.organization),
            extended_months=applicant.extended_months,
        )
        due = found
    context: dict[str, Any] = {
        "applicant": applicant,
        "records": records,
        "spec": spec,
        "steps": [(s, s.step in {r.step for r in records}) for s in rules.STEPS],
        "can_record": can_record,
        "form": form,
        "error": error,
        "fields": error.fields if error else {},
        "due": due,
        "today": clock.today(),
        "print_forms": _printable(records),
        "carried": queries.carried_file_of(applicant),
        "moves": moves,
        "seen_transfers": set(
            transfers_for(request.user)
            .filter(pk__in=[m.transfer_id for m in moves if m.transfer_id])
            .values_list("pk", flat=True)
        ),
        "probation": queries.probation_of(applicant),
        "extended": queries.extension_of(applicant),
        "can_close": applicant.status == "OPEN"
        and queries.may_register_at(request.user, applicant.organization),
    }
    if can_record and spec is not None:
        if spec.people is not None:
            context["candidates"] = list(
                Member.objects.filter(
                    organization=applicant.organization, status=MemberStatus.FULL
                ).order_by("name")[:300]
            )
            context["chosen"] = {str(v) for v in form.get("people", [])}
        if spec.approval:
            reach = scope_of(request.user).reach(Permission.APPROVE_DEVELOPMENT)
            context["approvers"] = [
                o
                for o in services.approvers_for(applicant.organization)
                if any(is_under(o.path, p) for p in reach.paths)
            ]
            default = services.default_approver(applicant.organization)
            context["approver_default"] = str(
                form.get("decided_by") or (default.pk if default else "")
            )
        context["outcomes"] = [(o.value, o.label) for o in spec.outcomes]
    return context


def _printable(records: list[StepRecord]) -> list[tuple[str, str]]:
    done = {r.step for r in records}
    needs = {
        "activist": Step.ACTIVIST,
        "candidate": Step.CANDIDATE,
        "review": Step.POLITICAL_REVIEW,
        "admission": Step.ADMISSION_MEETING,
        "full": Step.FULL_MEETING,
        "contents": Step.APPLY,
    }
    return [(key, PRINT_FORMS[key]) for key, step in needs.items() if step in done]


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def close(request: AuthedRequest, pk: int) -> HttpResponse:
    applicant = queries.access_applicant(request.user, pk)
    try:
        services.close_case(
            applicant=applicant, reason=request.POST.get("reason", ""), by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已终止培养，档案保留")
    return redirect("development:applicant", pk=applicant.pk)


@requires(Permission.APPROVE_DEVELOPMENT)
@require_POST
def plan(request: AuthedRequest, org: int) -> HttpResponse:
    organization = access_organization(request.user, org)
    try:
        planned = int(request.POST.get("planned", "").strip())
        year = int(request.POST.get("year", "").strip())
    except ValueError:
        messages.error(request, "计划发展人数应填整数")
    else:
        try:
            services.set_plan(
                organization=organization, year=year, planned=planned, by=request.user
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已设置{year}年发展计划：{planned}名")
    return redirect(f"{_url('development:pipeline')}?org={organization.pk}")


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@requires(Permission.APPROVE_DEVELOPMENT)
@require_POST
def add_rule(request: AuthedRequest, org: int) -> HttpResponse:
    """A department's stricter time rule for its subtree (only stricter: services says why)."""
    organization = access_organization(request.user, org)
    post = request.POST
    try:
        amount = int(post.get("amount", "").strip())
        services.add_time_rule(
            organization=organization,
            from_step=post.get("from_step", ""),
            to_step=Step(post.get("to_step", "")),
            kind=RuleKind(post.get("kind", "")),
            amount=amount,
            unit=Unit(post.get("unit", "")),
            text=post.get("text", ""),
            by=request.user,
        )
    except ValueError:
        messages.error(request, "请完整填写时间规定：起止步骤、类型、时长（整数）和单位")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已增加本级及下级适用的时间规定")
    return redirect(f"{_url('development:pipeline')}?org={organization.pk}#rules")


@requires(Permission.VIEW_MEMBERS)
def print_form(request: AuthedRequest, pk: int, form: str) -> HttpResponse:
    """A standard form of the file, filled from the recorded steps, for printing."""
    if form not in PRINT_FORMS:
        raise Http404("没有这张表")
    applicant = queries.access_applicant(request.user, pk)
    records = queries.steps_of(applicant)
    by_step: dict[str, StepRecord] = {}
    for record in records:
        by_step[record.step] = record  # the latest round
    context = {
        "applicant": applicant,
        "form": form,
        "title": PRINT_FORMS[form],
        "r": by_step,
        "records": records,
        "documents": [(r, DOCUMENTS[Step(r.step)]) for r in records],
        "printed_on": clock.today(),
        "outcomes": Outcome,
        "probation": queries.probation_period(applicant),
        "extended": queries.extension_of(applicant),
    }
    return render(request, "development/print.html", context)
