"""Transfer and mobile-member pages: thin views over transfers.queries, transfers.services and
transfers.mobility. Each step is one POST naming its action; a refusal comes back as a message
on the page it came from."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import public, requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.dates import parse_date
from jiceng.core.errors import NO_SUCH_ACTION, DomainError, InvalidInput
from jiceng.core.masking import mask_name
from jiceng.federation.keys import is_configured as federation_configured
from jiceng.federation.queries import crossing_of
from jiceng.members.queries import access_managed_member, members_for
from jiceng.orglife.models import AttendanceStatus

from . import access, mobility, queries, services, workflow
from .models import MobileState, StepAction, TransferKind, TransferState

LIST_LIMIT = 20  # each list shows the latest; a department sees its whole subtree


def _date(value: str | None, field: str = "on") -> Any:
    try:
        return parse_date(value)
    except ValueError:
        raise InvalidInput(
            "日期格式应为2024-07-01", fields={field: "日期格式应为2024-07-01"}
        ) from None


@requires(Permission.MANAGE_MEMBERS)
def transfer_list(request: AuthedRequest) -> HttpResponse:
    """本支部的组织关系转接: waiting for me, outgoing, incoming."""
    user = request.user
    return render(
        request,
        "transfers/list.html",
        {
            "waiting": list(queries.waiting_for(user)[:LIST_LIMIT]),
            "outgoing": list(queries.outgoing(user)[:LIST_LIMIT]),
            "incoming": list(queries.incoming(user)[:LIST_LIMIT]),
            "late": list(queries.late_letters(user)[:LIST_LIMIT]),
            "limit": LIST_LIMIT,
        },
    )


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def transfer_start(request: AuthedRequest, member_pk: int) -> HttpResponse:
    """发起组织关系转接 from the member page: within the system to an organization found by
    name, or out of it with a letter to a named unit."""
    member = access_managed_member(request.user, member_pk)
    data = request.POST if request.method == "POST" else request.GET
    form = {
        "kind": data.get("kind", TransferKind.WITHIN),
        "q": data.get("q", ""),
        "to": data.get("to", ""),
        "destination": data.get("destination", ""),
        "reason": data.get("reason", ""),
        "leaves_on": data.get("leaves_on", clock.today().isoformat()),
    }
    error: InvalidInput | None = None
    if request.method == "POST":
        try:
            to = None
            if form["kind"] == TransferKind.WITHIN and form["to"].isdigit():
                to = queries.find_receiver(int(form["to"]))
            if form["kind"] not in TransferKind.values:
                raise InvalidInput(NO_SUCH_ACTION)
            transfer = services.start_transfer(
                member=member,
                kind=form["kind"],
                to_organization=to,
                destination=form["destination"],
                reason=form["reason"],
                leaves_on=_date(form["leaves_on"], "leaves_on"),
                by=request.user,
            )
        except InvalidInput as exc:
            error = exc
        except DomainError as exc:
            error = InvalidInput(exc.message)
        else:
            messages.success(request, f"已发起{member.name}的组织关系转接，待转出方党委审批")
            return redirect("transfers:detail", pk=transfer.pk)
    candidates = queries.receiving_candidates(form["q"]) if form["q"] else []
    chosen = form["to"]
    if chosen.isdigit() and all(str(c.pk) != chosen for c in candidates):
        found = queries.receiving_candidates_by_id(int(chosen))
        candidates = [*found, *candidates]
    return render(
        request,
        "transfers/start.html",
        {
            "member": member,
            "form": form,
            "candidates": candidates,
            "error": error,
            "fields": error.fields if error else {},
            "kinds": TransferKind.choices,
            "open": queries.open_transfer_of(member.pk),
            "cross_province": federation_configured(),
        },
        status=400 if error else 200,
    )


def qr_svg(url: str) -> SafeString:
    svg = segno.make(url, error="m").svg_inline(
        scale=3, dark="#000", light="#fff", title="扫码核验"
    )
    # segno's own SVG of our own URL: it holds no markup from anyone.
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


@requires(Permission.VIEW_MEMBERS)
def transfer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    transfer = queries.access_transfer(request.user, pk)
    actions = access.actions_for(request.user, transfer)
    # a letter to another province instance: where its record is
    crossing = crossing_of(transfer.pk) if transfer.kind == TransferKind.LETTER else None
    return render(
        request,
        "transfers/detail.html",
        {
            "transfer": transfer,
            "steps": transfer.steps.select_related("by").order_by("at", "pk"),
            "actions": [a.value for a in actions],
            "today": clock.today().isoformat(),
            "valid_days": workflow.LETTER_VALID_DAYS_DEFAULT,
            # resubmitted, its letter is the one returned, replaced at the new approval
            "has_letter": transfer.letter_number is not None
            and transfer.state != TransferState.SENT,
            "same_approver": transfer.in_approver_id == transfer.out_approver_id,
            # above the receiving side's committee the member's record is not open
            "sees_member": members_for(request.user).filter(pk=transfer.member_id).exists(),
            "crossing": crossing,
            # 改选接收党组织: a returned cross-province transfer, by its sending branch
            "can_redirect": crossing is not None
            and StepAction.RESUBMIT in actions
            and federation_configured(),
        },
    )


DONE = {
    StepAction.APPROVE_OUT: "已审批同意",
    StepAction.APPROVE_IN: "已审批同意",
    StepAction.CONFIRM: "已确认转入，该党员的档案已转到本组织",
    StepAction.RETURN: "已退回转出党组织",
    StepAction.RESUBMIT: "已重新提交",
    StepAction.CANCEL: "已撤销",
    StepAction.RECORD_RECEIPT: "已记录回执，该党员组织关系已转出",
}


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def transfer_step(request: AuthedRequest, pk: int) -> HttpResponse:
    transfer = queries.access_transfer(request.user, pk)
    action = request.POST.get("action", "")
    seen = request.POST.get("seen", "")
    try:
        if action not in DONE:
            raise InvalidInput(NO_SUCH_ACTION)
        if seen in TransferState.values:
            transfer.state = seen  # the state the person acted on, to catch a move meanwhile
        if action == StepAction.RESUBMIT and request.POST.get("reason", "").strip():
            transfer = services.revise_transfer(
                transfer=transfer, reason=request.POST["reason"], by=request.user
            )
        days = request.POST.get("valid_days", "").strip()
        services.take_step(
            transfer=transfer,
            action=action,
            by=request.user,
            reason=request.POST.get("reason", "") if action != StepAction.RESUBMIT else "",
            on=_date(request.POST.get("on")),
            valid_days=int(days) if days.isdigit() else None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, DONE[StepAction(action)])
        if action == StepAction.CONFIRM:
            return redirect("members:detail", pk=transfer.member_id)
    return redirect("transfers:detail", pk=transfer.pk)


@requires(Permission.VIEW_MEMBERS)
def letter_print(request: AuthedRequest, pk: int) -> HttpResponse:
    """组织关系介绍信 (三联: 存根, 介绍信, 回执), to print on A4."""
    transfer = queries.access_transfer(request.user, pk)
    if transfer.letter_token is None:
        messages.error(request, "该转接尚未开具介绍信")
        return redirect("transfers:detail", pk=transfer.pk)
    url = request.build_absolute_uri(reverse("transfers:verify", args=[transfer.letter_token]))
    return render(
        request,
        "transfers/letter.html",
        {"transfer": transfer, "member": transfer.member, "qr": qr_svg(url), "verify_url": url},
    )


@public("介绍信核验：只显示编号、有效期和状态，姓名打码")
def letter_verify(request: AuthedRequest, token: str) -> HttpResponse:
    transfer = queries.letter_of_token(token)
    context: dict[str, Any] = {"found": transfer is not None}
    if transfer is not None:
        today = clock.today()
        if transfer.state == TransferState.COMPLETED:
            state = "已收回回执，转接已完成"
        elif transfer.state == TransferState.CANCELLED:
            state = "已作废"
        elif transfer.letter_valid_until and transfer.letter_valid_until < today:
            state = "已过有效期"
        else:
            state = "有效"
        context.update(
            {
                "number": transfer.letter_label,
                "issuer": transfer.letter_issuer.name if transfer.letter_issuer else "",
                "issued_on": transfer.letter_issued_on,
                "valid_until": transfer.letter_valid_until,
                "state": state,
                "name": mask_name(transfer.member.name),
            }
        )
    response = render(request, "transfers/verify.html", context, status=200 if transfer else 404)
    response["Cache-Control"] = "no-store"
    return response


# -- 流动党员 ----------------------------------------------------------------------------------


@requires(Permission.MANAGE_MEMBERS)
def mobile_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "transfers/mobile_list.html",
        {
            "away": list(queries.away_from(request.user)[:LIST_LIMIT]),
            "hosted": list(queries.hosted_by(request.user)[:LIST_LIMIT]),
        },
    )


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def mobile_register(request: AuthedRequest, member_pk: int) -> HttpResponse:
    """流动党员登记 from the member page: where they are, since when, until when."""
    member = access_managed_member(request.user, member_pk)
    data = request.POST if request.method == "POST" else request.GET
    form = {
        key: data.get(key, "") for key in ("q", "host", "starts_on", "ends_on", "place", "contact")
    }
    form["starts_on"] = form["starts_on"] or clock.today().isoformat()
    error: InvalidInput | None = None
    if request.method == "POST":
        try:
            if not form["host"].isdigit():
                raise InvalidInput("请选择流入地党组织", fields={"host": "请选择流入地党组织"})
            registration = mobility.register_mobile(
                member=member,
                host=queries.find_receiver(int(form["host"])),
                starts_on=_date(form["starts_on"], "starts_on") or clock.today(),
                ends_on=_date(form["ends_on"], "ends_on"),
                place=form["place"],
                contact=form["contact"],
                by=request.user,
            )
        except InvalidInput as exc:
            error = exc
        except DomainError as exc:
            error = InvalidInput(exc.message)
        else:
            messages.success(request, f"已登记{member.name}为流动党员，待流入地党组织接收")
            return redirect("transfers:mobile_detail", pk=registration.pk)
    candidates = queries.receiving_candidates(form["q"]) if form["q"] else []
    if form["host"].isdigit() and all(str(c.pk) != form["host"] for c in candidates):
        candidates = [*queries.receiving_candidates_by_id(int(form["host"])), *candidates]
    return render(
        request,
        "transfers/mobile_form.html",
        {
            "member": member,
            "form": form,
            "candidates": candidates,
            "error": error,
            "fields": error.fields if error else {},
            "current": queries.current_registration_of(member.pk),
        },
        status=400 if error else 200,
    )


@requires(Permission.VIEW_MEMBERS)
def mobile_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    registration = queries.access_registration(request.user, pk)
    at_host = mobility.manages(request.user, registration.host)
    at_home = mobility.manages(request.user, registration.home)
    pending = registration.state == MobileState.PENDING
    current = registration.state in (MobileState.PENDING, MobileState.ACTIVE)
    return render(
        request,
        "transfers/mobile_detail.html",
        {
            "r": registration,
            "can_accept": pending and at_host,
            # the home branch withdraws a registration or ends it; the host ends one it took
            "can_end": current and (at_home or (at_host and not pending)),
            "attendances": queries.meetings_of_hosted(request.user, registration),
            "present": {AttendanceStatus.IN_PERSON, AttendanceStatus.ONLINE},
            "today": clock.today().isoformat(),
        },
    )


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def mobile_step(request: AuthedRequest, pk: int) -> HttpResponse:
    registration = queries.access_registration(request.user, pk)
    action = request.POST.get("action", "")
    try:
        if action == "accept":
            mobility.accept_mobile(registration=registration, by=request.user)
            done = "已接收，该党员参加本组织的组织生活"
        elif action == "decline":
            mobility.decline_mobile(
                registration=registration, note=request.POST.get("note", ""), by=request.user
            )
            done = "已记录未接收及原因"
        elif action == "end":
            mobility.end_mobile(
                registration=registration, on=_date(request.POST.get("on")), by=request.user
            )
            done = "流动党员登记已结束"
        else:
            raise InvalidInput(NO_SUCH_ACTION)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("transfers:mobile_detail", pk=registration.pk)
