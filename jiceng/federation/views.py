"""The federation's pages: 全国汇总（省级实例）, the national instance's view of the provinces'
published trees; 跨省转入, the arrivals from other provinces and their answer; 发起跨省转接.
Thin views over federation.queries, federation.arrivals and federation.crossing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.dates import parse_date
from jiceng.core.errors import (
    NO_SUCH_ACTION,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
)
from jiceng.development.queries import applicants_for
from jiceng.members.queries import access_managed_member, members_for
from jiceng.transfers.access import acts_as
from jiceng.transfers.models import TransferState
from jiceng.transfers.queries import access_transfer, open_transfer_of
from jiceng.transfers.workflow import Side

from . import arrivals, crossing, keys, queries, retries
from .models import IncomingTransfer, MessageKind

DENIED = "全国汇总仅对全国实例的组织部门开放"
LIST_LIMIT = 20


def _date(value: str | None, field: str = "on") -> Any:
    try:
        return parse_date(value)
    except ValueError:
        message = "日期格式应为2024-07-01"
        raise InvalidInput(message, fields={field: message}) from None


@requires(queries.PERMISSION)
def provinces(request: AuthedRequest) -> HttpResponse:
    if not queries.sees_nation(request.user):
        raise Forbidden(DENIED)
    lines = queries.province_figures()
    totals = {
        "members": sum(line.members for line in lines),
        "organizations": sum(line.organizations for line in lines),
        "branches": sum(line.branches for line in lines),
    }
    return render(request, "federation/provinces.html", {"lines": lines, "totals": totals})


@requires(queries.PERMISSION)
def organization(request: AuthedRequest, province: str, local_id: int) -> HttpResponse:
    if not queries.sees_nation(request.user):
        raise Forbidden(DENIED)
    found = queries.organization(province_code=province, local_id=local_id)
    if found is None:
        raise Http404("没有这个党组织")
    children = queries.children(province_code=province, local_id=local_id)
    return render(
        request, "federation/organization.html", {"organization": found, "children": children}
    )


# -- 交换异常 ---------------------------------------------------------------------------------

PROBLEM_LIMIT = 100
RETRIED = {
    "outbox": "已安排重新投递，下一次交换（约一分钟内）时发送",
    "inbox": "已安排重新处理，下一次交换（约一分钟内）时处理",
}


def _check_runs_exchange(request: AuthedRequest) -> None:
    if not keys.is_configured():
        raise Http404("本实例未与其他省级实例建立交换")
    retries.check_runs_exchange(request.user)


@requires(Permission.MANAGE_SETTINGS, queries.PERMISSION)
def exchange_problems(request: AuthedRequest) -> HttpResponse:
    """跨省交换异常: the outbox messages that keep failing to be delivered and the inbox
    messages that could not be acted on, each with its reason and a button to try it again;
    kinds, instances, times and reasons only, never the sealed payload."""
    _check_runs_exchange(request)
    outbox = queries.undelivered(limit=PROBLEM_LIMIT)
    inbox = queries.unprocessed(limit=PROBLEM_LIMIT)
    names = queries.instance_names({m.peer for m in outbox} | {m.sender for m in inbox})
    kinds = dict(MessageKind.choices)
    failing, failed = queries.exchange_problem_counts()
    return render(
        request,
        "federation/exchange_problems.html",
        {
            "outbox": [(m, names[m.peer], kinds.get(m.kind, m.kind)) for m in outbox],
            "inbox": [(m, names[m.sender], kinds.get(m.kind, m.kind)) for m in inbox],
            "failing": failing,
            "failed": failed,
            "limit": PROBLEM_LIMIT,
            "now": clock.now(),
        },
    )


@requires(Permission.MANAGE_SETTINGS, queries.PERMISSION)
@require_POST
def exchange_retry(request: AuthedRequest, box: str, pk: int) -> HttpResponse:
    """重新投递 (outbox) or 重新处理 (inbox) of one message."""
    _check_runs_exchange(request)
    try:
        if box == "outbox":
            retries.retry_outbox(pk=pk, by=request.user)
        elif box == "inbox":
            retries.retry_inbox(pk=pk, by=request.user)
        else:
            raise Http404("没有这个信箱")
    except Conflict as problem:  # delivered or acted on meanwhile
        messages.error(request, problem.message)
    else:
        messages.success(request, RETRIED[box])
    return redirect("federation:exchange_problems")


# -- 跨省转入 ---------------------------------------------------------------------------------


@requires(Permission.VIEW_MEMBERS)
def incoming_list(request: AuthedRequest) -> HttpResponse:
    """跨省转入: the arrivals waiting for the user's answer, then the latest seen."""
    user = request.user
    waiting = list(queries.incoming_waiting_for(user)[:LIST_LIMIT])
    others = queries.incoming_for(user).exclude(pk__in=[t.pk for t in waiting])
    return render(
        request,
        "federation/incoming_list.html",
        {
            "waiting": queries.with_sender_names(waiting),
            "latest": queries.with_sender_names(list(others[:LIST_LIMIT])),
            "limit": LIST_LIMIT,
        },
    )


def _incoming_page(
    request: AuthedRequest,
    incoming: IncomingTransfer,
    *,
    record: queries.IncomingRecord | None = None,
    full: bool = False,
    error: InvalidInput | None = None,
    form: dict[str, str] | None = None,
) -> HttpResponse:
    try:
        record = record or queries.incoming_record(incoming)
        unreadable = ""
    except keys.KeyProblem as problem:  # the pair key changed since: the record stays sealed
        record, unreadable = None, str(problem)
    answering = incoming.is_pending and arrivals.can_answer(request.user, incoming)
    queries.with_sender_names([incoming])
    context = {
        "incoming": incoming,
        "record": record,
        "unreadable": unreadable,
        "full": full,
        "can_reveal": not full
        and record is not None
        and queries.can_reveal_incoming(request.user, incoming),
        "answering": answering,
        "error": error,
        "fields": error.fields if error else {},
        "form": form or {"on": clock.today().isoformat(), "reason": ""},
        "sees_member": incoming.member_id is not None
        and members_for(request.user).filter(pk=incoming.member_id).exists(),
        # the development file recreated here on acceptance, where the user sees it
        "carried_file": applicants_for(request.user)
        .filter(member_id=incoming.member_id, carried__isnull=False)
        .values_list("pk", flat=True)
        .first()
        if incoming.member_id is not None
        else None,
    }
    return render(request, "federation/incoming_detail.html", context, status=400 if error else 200)


@requires(Permission.VIEW_MEMBERS)
def incoming_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _incoming_page(request, queries.access_incoming(request.user, pk))


@requires(Permission.VIEW_PERSONAL_DATA)
@require_POST
def incoming_personal_data(request: AuthedRequest, pk: int) -> HttpResponse:
    """The same page with the full ID and phone number: a POST (no prefetch audits a look),
    never cached."""
    incoming, record = queries.reveal_incoming(request.user, pk)
    response = _incoming_page(request, incoming, record=record, full=True)
    response["Cache-Control"] = "no-store"
    return response


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def incoming_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    """接收 or 不予接收: a refusal comes back beside its field."""
    incoming = queries.access_incoming(request.user, pk)
    action = request.POST.get("action", "")
    form = {"on": request.POST.get("on", ""), "reason": request.POST.get("reason", "")}
    try:
        if action == "accept":
            member = arrivals.accept_incoming(
                incoming=incoming, by=request.user, on=_date(form["on"])
            )
        elif action == "refuse":
            arrivals.refuse_incoming(incoming=incoming, by=request.user, reason=form["reason"])
        else:
            raise InvalidInput(NO_SUCH_ACTION)
    except InvalidInput as problem:
        return _incoming_page(request, incoming, error=problem, form=form)
    except DomainError as problem:
        messages.error(request, problem.message)
        return redirect("federation:incoming_detail", pk=incoming.pk)
    if action == "accept":
        messages.success(request, f"已接收{member.name}，已登记为本组织党员，答复已发往转出方")
        return redirect("members:detail", pk=member.pk)
    messages.success(request, "已不予接收，原因已发往转出方")
    return redirect("federation:incoming_detail", pk=incoming.pk)


# -- 发起跨省转接 -----------------------------------------------------------------------------


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def cross_start(request: AuthedRequest, member_pk: int) -> HttpResponse:
    """发起跨省转接 from the member page: the other province instance (one of the configured
    peers) and its receiving organization, found in its published tree when this instance
    holds it, else typed as the receiving side gave it (name and number)."""
    if not keys.is_configured():
        raise Http404("本实例未与其他省级实例建立交换")
    member = access_managed_member(request.user, member_pk)
    data = request.POST if request.method == "POST" else request.GET
    provinces = queries.peer_provinces()
    form = {
        "province": data.get("province", provinces[0][0] if provinces else ""),
        "q": data.get("q", ""),
        "to": data.get("to", ""),
        "local_id": data.get("local_id", ""),
        "name": data.get("name", ""),
        "reason": data.get("reason", ""),
        "leaves_on": data.get("leaves_on", clock.today().isoformat()),
    }
    held = queries.holds_tree_of(form["province"])
    error: InvalidInput | None = None
    if request.method == "POST":
        try:
            transfer = crossing.start_cross_province_transfer(
                member=member,
                province=form["province"],
                local_id=_chosen(form, held=held),
                name=form["name"],
                reason=form["reason"],
                leaves_on=_date(form["leaves_on"], "leaves_on"),
                by=request.user,
            )
        except InvalidInput as problem:
            error = problem
        except DomainError as problem:
            error = InvalidInput(problem.message)
        else:
            messages.success(
                request, f"已发起{member.name}的跨省组织关系转接，待转出方党委审批并开具介绍信"
            )
            return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "federation/cross_start.html",
        {
            "member": member,
            "form": form,
            "provinces": provinces,
            "held": held,
            "candidates": _candidates(form, held=held),
            "error": error,
            "fields": error.fields if error else {},
            "open": open_transfer_of(member.pk),
        },
        status=400 if error else 200,
    )


def _chosen(form: dict[str, str], *, held: bool) -> int:
    """The receiving organization's number: chosen in the published tree when this instance
    holds the province's, else typed as the receiving side gave it."""
    chosen = form["to"] if held else form["local_id"]
    if not chosen.strip().isdigit():
        message = "请选择接收党组织" if held else "请填写接收党组织在对方系统中的编号（数字）"
        raise InvalidInput(message, fields={"local_id": message})
    return int(chosen)


def _candidates(form: dict[str, str], *, held: bool) -> list[Any]:
    if not held:
        return []
    candidates = queries.published_receivers(form["province"], form["q"])
    if form["to"].isdigit() and all(str(c.local_id) != form["to"] for c in candidates):
        candidates = [*queries.published_receiver(form["province"], int(form["to"])), *candidates]
    return candidates


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def cross_redirect(request: AuthedRequest, pk: int) -> HttpResponse:
    """改选接收党组织 of a cross-province transfer returned to its sending branch: another
    receiving organization, in the same or another peer instance, chosen as on the start
    form; the transfer goes back to the sending committee for a new letter."""
    if not keys.is_configured():
        raise Http404("本实例未与其他省级实例建立交换")
    transfer = access_transfer(request.user, pk)
    current = queries.crossing_of(transfer.pk)
    if current is None:
        raise Http404("这不是跨省组织关系转接")
    if transfer.state != TransferState.RETURNED or not acts_as(request.user, transfer, Side.SENDER):
        messages.error(request, "只有已退回的跨省转接，由转出党支部改选接收党组织")
        return redirect("transfers:detail", pk=transfer.pk)
    data = request.POST if request.method == "POST" else request.GET
    form = {
        "province": data.get("province", current.province_code),
        "q": data.get("q", ""),
        "to": data.get("to", ""),
        "local_id": data.get("local_id", ""),
        "name": data.get("name", ""),
        "reason": data.get("reason", transfer.reason),
        "leaves_on": data.get("leaves_on", transfer.leaves_on.isoformat()),
    }
    held = queries.holds_tree_of(form["province"])
    error: InvalidInput | None = None
    if request.method == "POST":
        seen = request.POST.get("seen", "")
        if seen in TransferState.values:
            transfer.state = seen  # the state the sender acted on, to catch a move meanwhile
        try:
            changed = crossing.redirect_cross_province_transfer(
                transfer=transfer,
                province=form["province"],
                local_id=_chosen(form, held=held),
                name=form["name"],
                reason=form["reason"],
                leaves_on=_date(form["leaves_on"], "leaves_on"),
                by=request.user,
            )
        except InvalidInput as problem:
            error = problem
        except DomainError as problem:
            messages.error(request, problem.message)
            return redirect("transfers:detail", pk=transfer.pk)
        else:
            messages.success(
                request,
                f"已改为转往{changed.destination}并重新提交，"
                "待转出方党委审批、开具新的介绍信后发往对方实例",
            )
            return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "federation/cross_redirect.html",
        {
            "transfer": transfer,
            "crossing": current,
            "form": form,
            "provinces": queries.peer_provinces(),
            "held": held,
            "candidates": _candidates(form, held=held),
            "error": error,
            "fields": error.fields if error else {},
        },
        status=400 if error else 200,
    )
