"""Household contact pages (联系户), phone first: the member's own households, a household's
page (visits, contacts, the resident in full on request), logging a visit and turning its
finding into a case, a grid's households with the overdue ones, and assigning contacts.
Thin: queries read, services write; a refusal comes back in Chinese beside its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.cases import categories
from jiceng.cases import queries as case_queries
from jiceng.cases.models import CaseType, Subject
from jiceng.core import clock
from jiceng.core.errors import DomainError, InvalidInput, not_found
from jiceng.members.models import Member

from . import queries, services
from .models import HouseholdContact, Way

P = Permission
# Who may open a household page at all; the scoped queries then narrow it.
ANYONE_WITH_HOUSEHOLDS = (P.VIEW_OWN_RECORD, P.HANDLE_CASES, *queries.KEEPERS)
PAGE_SIZE = 50


def _date(raw: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            "日期格式应为 2026-05-01", fields={"visited_on": "日期格式不正确"}
        ) from None


def _case_choice(post: Any) -> tuple[CaseType | None, Subject | None]:
    return queries.case_categories(post.get("type", ""), post.get("subject", ""))


def _rows(households: list[Any]) -> list[dict[str, Any]]:
    names = queries.contact_names(households)
    return [
        {"household": h, "overdue": queries.is_overdue(h), "contacts": names.get(h.pk, [])}
        for h in households
    ]


# -- the member -------------------------------------------------------------------------------


@requires(P.VIEW_OWN_RECORD)
def mine(request: AuthedRequest) -> HttpResponse:
    """我的联系户: the member's households, the longest unvisited first."""
    households = list(queries.my_households(request.user))
    return render(
        request,
        "households/mine.html",
        {"rows": _rows(households), "days": queries.visit_days()},
    )


@requires(*ANYONE_WITH_HOUSEHOLDS)
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    household = queries.access_household(request.user, pk)
    return _detail_page(request, household, resident=None)


@requires(*ANYONE_WITH_HOUSEHOLDS)
@require_POST
def reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """The same page with the resident's name and phone in full: a POST (no prefetch or link
    preview triggers an audited look), never cached."""
    household, resident = queries.reveal_resident(request.user, pk)
    response = _detail_page(request, household, resident=resident)
    response["Cache-Control"] = "no-store"
    return response


def _detail_page(
    request: AuthedRequest, household: Any, *, resident: queries.Resident | None
) -> HttpResponse:
    user = request.user
    may_visit = queries.may_visit(user, household)
    visits = list(queries.visits_of(household)[:50])
    seen_cases = set(
        case_queries.cases_for(user)
        .filter(pk__in=[v.case_id for v in visits if v.case_id])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "households/detail.html",
        {
            "household": household,
            "overdue": queries.is_overdue(household),
            "contacts": list(queries.open_contacts(household)),
            "visits": visits,
            "seen_cases": seen_cases,
            "may_visit": may_visit,
            "may_keep": queries.may_keep(user, household),
            "may_see_grid": household.grid_id
            in queries.seen_grids(user).values_list("pk", flat=True),
            "resident": resident,
            "days": queries.visit_days(),
        },
    )


def _visit_context(household: Any, form: Any, error: DomainError | None) -> dict[str, Any]:
    return {
        "household": household,
        "ways": Way.choices,
        "types": categories.active_types(),
        "subjects": categories.active_subjects(),
        "form": form,
        "today": clock.today().isoformat(),
        "error": error,
        "fields": getattr(error, "fields", {}) if error else {},
    }


@require_http_methods(["GET", "POST"])
@requires(P.VIEW_OWN_RECORD, P.HANDLE_CASES)
def log_visit(request: AuthedRequest, pk: int) -> HttpResponse:
    """记录走访, and with 转为工单 ticked its finding becomes a case in the same step."""
    household = queries.access_visitable_household(request.user, pk)
    error: DomainError | None = None
    if request.method == "POST":
        post = request.POST
        try:
            case_type, subject = _case_choice(post) if post.get("to_case") else (None, None)
            if post.get("to_case") and case_type is None:
                raise InvalidInput(
                    "转为工单须选择诉求类型和事项",
                    fields={"type": "请选择诉求类型", "subject": "请选择诉求事项"},
                )
            visit = services.log_visit(
                household=household,
                by=request.user,
                visited_on=_date(post.get("visited_on", "")),
                way=post.get("way", ""),
                finding=post.get("finding", ""),
                case_type=case_type,
                subject=subject,
            )
        except DomainError as refused:
            error = refused
        else:
            if visit.case is not None:
                messages.success(request, f"已记录走访，发现的情况已转为工单 {visit.case.number}")
            else:
                messages.success(request, "已记录走访")
            return redirect("households:detail", household.pk)
    return render(
        request,
        "households/visit.html",
        _visit_context(household, request.POST if request.method == "POST" else {}, error),
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@requires(P.VIEW_OWN_RECORD, P.HANDLE_CASES)
def visit_case(request: AuthedRequest, pk: int) -> HttpResponse:
    """走访发现转工单 of a visit already logged."""
    visit = queries.access_visit(request.user, pk)
    error: DomainError | None = None
    if request.method == "POST" and visit.case_id is None:
        try:
            case_type, subject = _case_choice(request.POST)
            visit = services.open_case(
                visit=visit, case_type=case_type, subject=subject, by=request.user
            )
        except DomainError as refused:
            error = refused
        except IntegrityError:  # a double tap: the other request opened it first
            visit = queries.access_visit(request.user, pk)
        else:
            assert visit.case is not None
            messages.success(request, f"已转为工单 {visit.case.number}")
            return redirect("households:detail", visit.household_id)
    return render(
        request,
        "households/visit_case.html",
        {
            **_visit_context(visit.household, request.POST if error else {}, error),
            "visit": visit,
        },
        status=400 if error else 200,
    )


# -- grid workers and the community -----------------------------------------------------------


@requires(P.HANDLE_CASES, *queries.KEEPERS)
def grids(request: AuthedRequest) -> HttpResponse:
    """The grids whose households the user sees, with their overdue counts; one grid goes
    straight to its list."""
    rows = list(queries.seen_grids(request.user).order_by("code")[:200])
    if len(rows) == 1:
        return redirect("households:grid", rows[0].pk)
    return render(request, "households/grids.html", {"grids": rows})


@requires(P.HANDLE_CASES, *queries.KEEPERS)
def grid(request: AuthedRequest, grid_id: int) -> HttpResponse:
    """网格联系户: every household of the grid with its contacts and last visit, or only the
    overdue ones (?overdue=1)."""
    found = queries.access_seen_grid(request.user, grid_id)
    overdue_only = request.GET.get("overdue") == "1"
    rows = queries.grid_households(found, overdue_only=overdue_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "households/grid.html",
        {
            "grid": found,
            "page": page,
            "rows": _rows(list(page.object_list)),
            "overdue_only": overdue_only,
            "overdue_count": queries.grid_households(found, overdue_only=True).count(),
            "total_count": queries.grid_households(found).count(),
            "days": queries.visit_days(),
            "may_keep": queries.keeps_community(request.user, found.community_id),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(*queries.KEEPERS)
def add(request: AuthedRequest, grid_id: int) -> HttpResponse:
    """登记联系户 in a grid the user keeps."""
    found = queries.access_kept_grid(request.user, grid_id)
    error: DomainError | None = None
    if request.method == "POST":
        post = request.POST
        try:
            household = services.add_household(
                grid=found,
                address=post.get("address", ""),
                resident_name=post.get("resident_name", ""),
                phone=post.get("phone", ""),
                note=post.get("note", ""),
                by=request.user,
            )
        except DomainError as refused:
            error = refused
        else:
            messages.success(request, f"已登记 {household.address}")
            return redirect("households:assign", household.pk)
    # The form is never echoed back with the name and phone typed: they are asked again.
    form = {k: request.POST.get(k, "") for k in ("address", "note")} if error else {}
    return render(
        request,
        "households/add.html",
        {
            "grid": found,
            "form": form,
            "error": error,
            "fields": getattr(error, "fields", {}) if error else {},
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@requires(*queries.KEEPERS)
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    """分配联系党员: members who live in the grid's community, with how many households each
    keeps already; the rule of one contact per household refuses a second."""
    household = queries.access_kept_household(request.user, pk)
    error: DomainError | None = None
    if request.method == "POST":
        try:
            if request.POST.get("end"):
                contact = HouseholdContact.objects.filter(
                    pk=int(request.POST["end"]), household=household
                ).first()
                if contact is None:
                    raise not_found("联系关系")
                services.end_contact(contact=contact, by=request.user)
                messages.success(request, f"已解除 {contact.member.name} 的联系关系")
            else:
                member = Member.objects.filter(
                    pk=int(request.POST.get("member") or 0),
                    residential_division_id=household.grid.community_id,
                ).first()
                if member is None:
                    raise InvalidInput(
                        "请从本社区居住的党员中选择", fields={"member": "请选择联系党员"}
                    )
                services.assign_contact(household=household, member=member, by=request.user)
                messages.success(request, f"已分配 {member.name} 联系此户")
        except DomainError as refused:
            error = refused
        except ValueError:
            error = InvalidInput("请选择联系党员", fields={"member": "请选择联系党员"})
        else:
            return redirect("households:assign", household.pk)
    return render(
        request,
        "households/assign.html",
        {
            "household": household,
            "contacts": list(queries.open_contacts(household)),
            "candidates": queries.candidates(household.grid),
            "one_only": services.one_contact_per_household(household.grid.community_id),
            "error": error,
            "fields": getattr(error, "fields", {}) if error else {},
            "back": reverse("households:grid", args=[household.grid_id]),
        },
        status=400 if error else 200,
    )
