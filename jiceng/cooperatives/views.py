"""Pages of cooperatives and village collective income: the overview of the viewer's villages
and cooperatives, the weak-collective list (集体经济薄弱村) for the county and township, a
village's page (its yearly income, its cooperatives), a cooperative's page (members and their
shares, yearly accounts). Thin: queries read, services write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import NO_SUCH_ACTION, DomainError, Forbidden, InvalidInput

from . import queries, services
from .services import parse_amount

VIEW = Permission.VIEW_ORGANIZATIONS


def _year(text: str) -> int:
    if not text.strip().isdigit():
        raise InvalidInput("请填写年度", fields={"year": "年度为四位数字，如 2025"})
    return int(text)


@requires(VIEW)
def overview(request: AuthedRequest) -> HttpResponse:
    cooperatives = list(
        queries.cooperatives_for(request.user)
        .select_related("village")
        .order_by("village__path")[:200]
    )
    latest = queries.latest_years(cooperatives)
    return render(
        request,
        "cooperatives/overview.html",
        {
            "rows": [(c, latest.get(c.pk)) for c in cooperatives],
            "villages": queries.villages_for(request.user).order_by("path")[:50],
            "weak": len(queries.weak_villages(request.user, include_cleared=False)),
        },
    )


@requires(VIEW)
def weak_list(request: AuthedRequest) -> HttpResponse:
    """集体经济薄弱村: under the line, and those that have risen above it."""
    rows = queries.weak_villages(request.user, include_cleared=True)
    return render(
        request,
        "cooperatives/weak.html",
        {
            "open": [r for r in rows if r.cleared_year is None],
            "cleared": [r for r in rows if r.cleared_year is not None],
            "line": services.line_for(None),
        },
    )


@requires(VIEW)
@require_http_methods(["GET", "POST"])
def village(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = queries.access_village(request.user, pk)
    manages = queries.may_manage(request.user, organization)
    fields: dict[str, str] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        action = request.GET.get("action", "")
        try:
            if not manages:
                raise Forbidden("只有本村党组织或上级组织部门可以录入")
            if action == "income":
                services.record_village_income(
                    village=organization,
                    year=_year(form.get("year", "")),
                    total=parse_amount(form.get("total", ""), "total"),
                    operating=parse_amount(form.get("operating", ""), "operating"),
                    by=request.user,
                )
                messages.success(request, "村集体经济收入已录入")
            elif action == "register":
                try:
                    registered_on = dt.date.fromisoformat(form.get("registered_on", ""))
                except ValueError:
                    raise InvalidInput(
                        "请填写登记日期", fields={"registered_on": "请选择登记日期"}
                    ) from None
                cooperative = services.register_cooperative(
                    village=organization,
                    name=form.get("name", ""),
                    registered_on=registered_on,
                    business=form.get("business", ""),
                    collective_shares=parse_amount(
                        form.get("collective_shares", ""), "collective_shares"
                    ),
                    by=request.user,
                )
                messages.success(request, f"{cooperative.name}已登记")
                return redirect("cooperatives:detail", cooperative.pk)
            else:
                raise InvalidInput(NO_SUCH_ACTION)
            return redirect("cooperatives:village", organization.pk)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    line = services.line_for(organization.division_id)
    incomes = [
        (i, services.is_weak(i.total, i.operating, line)) for i in queries.incomes_of(organization)
    ]
    cooperatives = list(queries.cooperatives_for(request.user).filter(village=organization))
    latest = queries.latest_years(cooperatives)
    return render(
        request,
        "cooperatives/village.html",
        {
            "village": organization,
            "manages": manages,
            "incomes": incomes,
            "line": line,
            "weak": queries.weak_history(organization),
            "cooperatives": [(c, latest.get(c.pk)) for c in cooperatives],
            "fields": fields,
            "form": form,
            "this_year": clock.today().year,
        },
    )


@requires(VIEW)
@require_http_methods(["GET", "POST"])
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    cooperative = queries.access_cooperative(request.user, pk)
    manages = queries.may_manage(request.user, cooperative.village)
    fields: dict[str, str] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.POST.dict()
        action = request.GET.get("action", "")
        try:
            if not manages:
                raise Forbidden("只有本村党组织或上级组织部门可以录入")
            if action == "member":
                services.add_member(
                    cooperative=cooperative,
                    head=form.get("head", ""),
                    land_mu=parse_amount(form.get("land_mu") or "0", "land_mu"),
                    cash=parse_amount(form.get("cash") or "0", "cash"),
                    labour_days=parse_amount(form.get("labour_days") or "0", "labour_days"),
                    shares=parse_amount(form.get("shares", ""), "shares"),
                    by=request.user,
                )
                messages.success(request, "入社农户已登记")
            elif action == "year":
                services.record_year(
                    cooperative=cooperative,
                    year=_year(form.get("year", "")),
                    income=parse_amount(form.get("income", ""), "income"),
                    profit=parse_amount(form.get("profit", ""), "profit", negative=True),
                    reserve=parse_amount(form.get("reserve") or "0", "reserve"),
                    collective_share=parse_amount(
                        form.get("collective_share") or "0", "collective_share"
                    ),
                    dividends_paid=parse_amount(
                        form.get("dividends_paid") or "0", "dividends_paid"
                    ),
                    by=request.user,
                )
                messages.success(request, "年度经营情况已录入")
            else:
                raise InvalidInput(NO_SUCH_ACTION)
            return redirect("cooperatives:detail", cooperative.pk)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    totals = queries.totals(cooperative)
    all_shares = totals["member_shares"] + cooperative.collective_shares
    return render(
        request,
        "cooperatives/detail.html",
        {
            "c": cooperative,
            "manages": manages,
            "members": cooperative.members.order_by("pk"),
            "years": cooperative.years.all(),
            "totals": totals,
            "all_shares": all_shares,
            "collective_percent": (
                f"{cooperative.collective_shares * 100 / all_shares:.1f}%" if all_shares else "—"
            ),
            "fields": fields,
            "form": form,
        },
    )


@requires(VIEW)
@require_POST
def reveal_head(request: AuthedRequest, pk: int) -> HttpResponse:
    member, name = queries.reveal_head(request.user, pk)
    response = render(request, "cooperatives/reveal.html", {"member": member, "name": name})
    response["Cache-Control"] = "no-store"
    return response
