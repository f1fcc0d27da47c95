"""Pages of appraisal (phone first): an organization's checklist of a year with the
self-assessment and review forms, a subtree's grades (by stars, organizations by score) and
the model organizations' nominations. Thin: appraisal.queries reads, appraisal.services
writes; a refusal comes back beside its field."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import DomainError, InvalidInput, not_found
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import access_organization, organizations_for

from . import queries, services
from .access import may_assess, may_review
from .models import ChecklistItem, ModelOrganization, Nomination, Source

STAR_LABELS = {5: "五星级", 4: "四星级", 3: "三星级", 2: "二星级", 1: "一星级"}
# How the records answer each item, in the words a secretary reads beside it.
RECORD_NOTES = {
    Source.MEETINGS: "按月计分：组织生活达标的月份占本年已结束月份的比例（组织生活达标情况）",
    Source.COMMITTEE: "本届委员会已配备书记即得满分（组织架构·委员会）",
    Source.TERM: "本届委员会未超过应换届日期即得满分（组织架构·换届）",
    Source.DEVELOPMENT: "培养中的人员没有超期步骤的比例（发展党员）",
    Source.TALKS: "本年度已谈心谈话的党员比例（组织生活·谈心谈话）",
    Source.DUES: "本年已结束月份的党费账单中已缴的比例（党费）",
}


def _year(request: AuthedRequest) -> int:
    text = request.GET.get("year", "").strip()
    this = clock.today().year
    if text.isdigit() and 2000 <= int(text) <= this:
        return int(text)
    return this


def _organization(request: AuthedRequest) -> Organization | None:
    text = request.GET.get("org", "").strip()
    if text.isdigit() and len(text) <= 15:
        return access_organization(request.user, int(text))
    return organizations_for(request.user).order_by("depth", "path").first()


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 4 else None


@requires(Permission.VIEW_ORGANIZATIONS)
def grades(request: AuthedRequest) -> HttpResponse:
    """评星定级: a branch goes to its checklist; above, the subtree by stars and by score."""
    organization = _organization(request)
    year = _year(request)
    if organization is not None and organization.is_branch:
        return redirect(f"{reverse('appraisal:checklist', args=[organization.pk])}?year={year}")
    context: dict[str, Any] = {"organization": organization, "year": year, "years": []}
    if organization is not None:
        page = Paginator(
            queries.grades_under(organization, year), settings.JICENG_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        distribution = queries.distribution(organization, year)
        total = sum(distribution.values())
        context.update(
            {
                "page": page,
                "distribution": [
                    (stars, STAR_LABELS[stars], n, round(100 * n / total) if total else 0)
                    for stars, n in distribution.items()
                ],
                "total": total,
                "query": f"org={organization.pk}&year={year}&",
                "offset": page.start_index(),
                "waiting": queries.awaiting_review(request.user, limit=10),
                "years": range(clock.today().year, clock.today().year - 4, -1),
            }
        )
    return render(request, "appraisal/grades.html", context)


@requires(Permission.VIEW_ORGANIZATIONS)
@require_http_methods(["GET", "POST"])
def checklist(request: AuthedRequest, pk: int) -> HttpResponse:
    """An organization's checklist of a year: each item's points, where they come from, and
    the self-assessment (the branch) or review (the higher committee) forms."""
    organization = access_organization(request.user, pk)
    year = _year(request)
    fields: dict[str, str] = {}
    failed_item = None
    if request.method == "POST":
        here = f"{reverse('appraisal:checklist', args=[pk])}?year={year}"
        try:
            _post_checklist(request, organization, year)
        except InvalidInput as refused:
            fields, failed_item = refused.fields, _int(request.POST.get("item", ""))
            messages.error(request, refused.message)
        except DomainError as refused:
            messages.error(request, refused.message)
            return redirect(here)
        else:
            return redirect(here)
    view = queries.checklist_of(organization, year)
    return render(
        request,
        "appraisal/checklist.html",
        {
            "view": view,
            "organization": organization,
            "year": year,
            "stars": STAR_LABELS.get(view.graded.stars, "") if view.graded else "",
            "record_notes": {str(k): v for k, v in RECORD_NOTES.items()},
            "can_assess": organization.is_branch and may_assess(request.user, organization),
            "can_review": may_review(request.user, organization),
            "fields": fields,
            "failed_item": failed_item,
            "posted": request.POST if fields else {},
        },
        status=400 if fields else 200,
    )


def _post_checklist(request: AuthedRequest, organization: Organization, year: int) -> None:
    action = request.POST.get("action", "")
    if action == "assess":
        item_id = _int(request.POST.get("item", ""))
        item = ChecklistItem.objects.filter(pk=item_id or 0, version__year=year).first()
        if item is None:
            raise not_found("评分项")
        points = _int(request.POST.get("self_points", ""))
        if points is None:
            raise InvalidInput("请填写自评分", fields={"self_points": "请填写0以上的整数"})
        services.assess_item(
            organization=organization,
            item=item,
            self_points=points,
            note=request.POST.get("note", ""),
            evidence=request.FILES.get("evidence"),
            by=request.user,
        )
        messages.success(request, f"已提交自评：{item.text}，待上级党委审核")
    elif action == "review":
        assessment = queries.access_assessment(
            request.user, _int(request.POST.get("assessment", "")) or 0
        )
        points = _int(request.POST.get("reviewed_points", ""))
        if points is None:
            raise InvalidInput("请填写审核分", fields={"reviewed_points": "请填写0以上的整数"})
        services.review_item(
            assessment=assessment,
            reviewed_points=points,
            note=request.POST.get("review_note", ""),
            by=request.user,
        )
        messages.success(request, f"已审核：{assessment.item.text}")
    else:
        raise InvalidInput("没有这项操作")


@requires(Permission.VIEW_ORGANIZATIONS)
def evidence(request: AuthedRequest, pk: int) -> FileResponse:
    """The evidence itself, to those who see the organization (never a public media URL)."""
    found = queries.access_assessment(request.user, pk)
    if not found.evidence:
        raise not_found("佐证材料")
    response = FileResponse(found.evidence.open("rb"), content_type=found.evidence_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Permission.VIEW_ORGANIZATIONS)
def models(request: AuthedRequest) -> HttpResponse:
    """示范/模范党组织: the candidates from the top of the year's scores, the nominations and
    the organizations named."""
    organization = _organization(request)
    year = _year(request)
    context: dict[str, Any] = {"organization": organization, "year": year}
    if organization is not None:
        context.update(
            {
                "candidates": [
                    (row, may_review(request.user, row.organization))
                    for row in queries.candidates(organization, year)
                ],
                "nominations": [
                    (
                        n,
                        n.status == Nomination.NOMINATED
                        and n.nominated_by_id != request.user.pk
                        and may_review(request.user, n.organization),
                    )
                    for n in queries.nominations(organization, year)
                ],
                "fields": {},
            }
        )
    return render(request, "appraisal/models.html", context)


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_POST
def nominate(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = access_organization(request.user, pk)
    year = _year(request)
    back = request.POST.get("back", "")
    here = back if back.startswith("/appraisal/") else reverse("appraisal:models")
    try:
        services.nominate(
            organization=organization,
            year=year,
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"已推荐{organization.name}为{year}年度模范党组织候选")
    return redirect(here)


@requires(Permission.MANAGE_ORGANIZATIONS)
@require_POST
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    nomination = (
        ModelOrganization.objects.filter(pk=pk, organization__in=organizations_for(request.user))
        .select_related("organization")
        .first()
    )
    if nomination is None:
        raise not_found("推荐")
    named = request.POST.get("action") == "name"
    try:
        services.decide(
            nomination=nomination,
            named=named,
            citation=request.POST.get("citation", ""),
            by=request.user,
        )
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, f"已命名{nomination.organization.name}" if named else "已审定为未通过"
        )
    back = request.POST.get("back", "")
    return redirect(back if back.startswith("/appraisal/") else reverse("appraisal:models"))
