"""Member pages: thin views over members.queries, members.services (registration and edits)
and members.lifecycle (status changes). A refused form comes back with each reason beside its
field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.accounts.scoping import scope_of
from jiceng.core.dates import parse_date
from jiceng.core.errors import DomainError, InvalidInput
from jiceng.orgs.imports import import_targets
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization, PartyGroup
from jiceng.web.excel_pages import chosen_organization

from . import lifecycle, queries, services, workflow
from .forms import filters_from_query, member_fields_from_post
from .models import Category, Education, Gender, Member, MemberStatus


def page_of(rows: QuerySet[Member], request: AuthedRequest) -> tuple[list[Member], int, bool]:
    """One page without COUNT(*): a national list has millions of rows and no one pages
    through them; we read one row more than a page to know whether there is a next one."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    size = settings.JICENG_PAGE_SIZE
    chunk = list(rows[(number - 1) * size : number * size + 1])
    return chunk[:size], number, len(chunk) > size


@requires(Permission.VIEW_MEMBERS, Permission.VIEW_OWN_RECORD)
def member_list(request: AuthedRequest) -> HttpResponse:
    filters = filters_from_query(request.user, request.GET)
    found = queries.search_members(request.user, filters)
    rows, number, has_next = page_of(found, request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/list.html",
        {
            "members": rows,
            "filters": filters,
            "page": number,
            "has_next": has_next,
            "query": query.urlencode(),
            "statuses": MemberStatus.choices,
            "categories": Category.choices,
            "total": queries.count_members(found),
            "count_limit": queries.COUNT_LIMIT,
            "can_add": queries.may_manage_somewhere(request.user),
            "add_into": filters.organization
            if filters.organization and queries.may_manage_at(request.user, filters.organization)
            else None,
        },
    )


@requires(Permission.VIEW_MEMBERS, Permission.VIEW_OWN_RECORD)
def member_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    member = queries.access_member(request.user, pk)
    return _detail_page(request, member, personal=None)


@requires(Permission.VIEW_PERSONAL_DATA)
@require_POST
def member_personal_data(request: AuthedRequest, pk: int) -> HttpResponse:
    """The same page with the full ID and phone number: a POST, so no prefetch or link
    preview ever triggers (and audits) a look; never cached."""
    member, personal = queries.reveal_personal_data(request.user, pk)
    response = _detail_page(request, member, personal=personal)
    response["Cache-Control"] = "no-store"
    return response


def _detail_page(
    request: AuthedRequest, member: Member, *, personal: queries.PersonalData | None
) -> HttpResponse:
    seats = member.committee_seats.filter(committee__ended_on__isnull=True).select_related(
        "committee__organization"
    )
    can_manage = queries.can_manage(request.user, member)
    context = {
        "member": member,
        "seats": seats,
        "personal": personal,
        "can_reveal": personal is None and queries.can_reveal(request.user, member),
        "can_manage": can_manage,
        "moves": _moves_from(member) if can_manage else [],
        "events": queries.timeline(member),
        # a member seen through a relation (a transfer in progress) may be of an organization
        # the user does not see: its name then, not a link that would not open
        "sees_organization": scope_of(request.user).allows(
            Permission.VIEW_ORGANIZATIONS,
            path=member.organization.path,
            division_id=member.organization.division_id,
        ),
    }
    return render(request, "members/detail.html", context)


# The moves the member page offers, with the words of their date field. 转正, 延长预备期 and
# 取消预备党员资格 belong to the development of new members, 转出 to transfers; a correction is
# made in the edit form, beside the status it corrects.
PAGE_MOVES = {
    workflow.Move.LOSE_CONTACT: "失去联系的日期",
    workflow.Move.RESTORE_CONTACT: "恢复联系的日期",
    workflow.Move.SUSPEND: "停止党籍的决定日期",
    workflow.Move.REINSTATE: "恢复党籍的决定日期",
    workflow.Move.RESIGN: "退党日期",
    workflow.Move.REMOVE: "除名的决定日期",
    workflow.Move.EXPEL: "开除党籍的决定日期",
    workflow.Move.DIE: "去世日期",
}


@dataclass(frozen=True)
class PageMove:
    value: str
    label: str
    date_label: str
    needs_reason: bool
    needs_decision: bool


def _moves_from(member: Member) -> list[PageMove]:
    """The moves the member page offers from the member's status."""
    return [
        PageMove(
            value=move.value,
            label=move.label,
            date_label=date_label,
            needs_reason=move in workflow.NEEDS_REASON,
            needs_decision=move in workflow.NEEDS_DECISION,
        )
        for move, date_label in PAGE_MOVES.items()
        if MemberStatus(member.status) in workflow.MOVES[move][0]
    ]


def _form_context(
    request: AuthedRequest,
    *,
    member: Member | None,
    organization: Organization | None,
    form: dict[str, Any],
    error: InvalidInput | None = None,
) -> dict[str, Any]:
    targets, more = import_targets(
        request.user, permission=Permission.MANAGE_MEMBERS, kinds=GRASSROOTS_KINDS
    )
    if organization is not None and organization not in targets:
        targets.insert(0, organization)
    chosen = form.get("organization_id") or (organization.pk if organization else None)
    return {
        "member": member,
        "form": form,
        "fields": error.fields if error else {},
        "error": error,
        "targets": [t for t in targets if t.is_grassroots and t.is_active],
        "more_targets": more,
        "chosen_org": chosen,
        "groups": PartyGroup.objects.filter(organization_id=chosen).order_by("name")
        if chosen
        else [],
        "statuses": MemberStatus.choices,
        "categories": Category.choices,
        "educations": Education.choices,
        "genders": Gender.choices,
        "id_hint": f"现为{member.id_number_masked}，不修改请留空" if member else "",
        "phone_hint": f"现为{member.phone_masked or '未填'}，不修改请留空" if member else "",
        "joined_hint": f"现为{member.joined_on_shown}，不修改请留空" if member else "",
    }


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_create(request: AuthedRequest) -> HttpResponse:
    """登记党员: one member, by the rules of an import row (members.services)."""
    organization = chosen_organization(request, Permission.MANAGE_MEMBERS)
    if request.method == "POST":
        raw = member_fields_from_post(request.POST, editing=False)
        try:
            data = services.check_member_fields(raw, by=request.user)
            member = services.create_member(data=data, by=request.user)
        except InvalidInput as exc:
            form = {**raw, "id_number": "", "phone": ""}  # typed again, never echoed
            context = _form_context(
                request, member=None, organization=organization, form=form, error=exc
            )
            return render(request, "members/form.html", context, status=400)
        messages.success(request, f"已登记党员{member.name}")
        return redirect("members:detail", pk=member.pk)
    form = {"status": MemberStatus.FULL, "ethnicity": "汉族"}
    context = _form_context(request, member=None, organization=organization, form=form)
    return render(request, "members/form.html", context)


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """编辑党员信息: the particulars, and the status through the status machine (a change of
    status that is a correction needs its reason)."""
    member = queries.access_managed_member(request.user, pk)
    if request.method == "POST":
        raw = member_fields_from_post(request.POST, editing=True)
        reason = request.POST.get("reason", "")
        try:
            services.patch_member(member=member, changes=raw, by=request.user, reason=reason)
        except InvalidInput as exc:
            form = {**raw, "id_number": "", "phone": "", "reason": reason}
            context = _form_context(
                request, member=member, organization=member.organization, form=form, error=exc
            )
            return render(request, "members/form.html", context, status=400)
        messages.success(request, "党员信息已保存")
        return redirect("members:detail", pk=member.pk)
    form = {
        "name": member.name,
        "gender": member.gender,
        "ethnicity": member.ethnicity,
        "education": member.education,
        "category": member.category,
        # filled in only where the page would show it whole (core.masking)
        "joined_on": member.joined_on_shown if len(member.joined_on_shown) == 10 else "",
        "full_member_on": member.full_member_on.isoformat() if member.full_member_on else "",
        "status": member.status,
        "organization_id": member.organization_id,
        "party_group_id": member.party_group_id,
        "is_mobile": member.is_mobile,
        "work_place": member.work_place,
        "residential_division_code": member.residential_division_id or "",
    }
    context = _form_context(request, member=member, organization=member.organization, form=form)
    return render(request, "members/form.html", context)


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def member_status(request: AuthedRequest, pk: int) -> HttpResponse:
    """失联, 停止党籍, 除名, 去世 ...: a move of the status machine, from the member page."""
    member = queries.access_managed_member(request.user, pk)
    move = request.POST.get("move", "")
    try:
        if move not in PAGE_MOVES:
            raise InvalidInput("没有这项操作")
        try:
            on = parse_date(request.POST.get("on"))
        except ValueError:
            raise InvalidInput("日期格式应为2024-07-01") from None
        lifecycle.change_status(
            member=member,
            move=workflow.Move(move),
            on=on,
            reason=request.POST.get("reason", ""),
            decision=request.POST.get("decision", ""),
            by=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已记录：{workflow.Move(move).label}")
    return redirect("members:detail", pk=member.pk)
