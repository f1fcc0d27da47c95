"""Dues pages: thin views over dues.bases, billing, payments and queries. A refused form comes
back to its page with the reason as a message (the secretary on a phone stays where they were)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.dates import parse_date
from jiceng.core.errors import DomainError, InvalidInput, not_found
from jiceng.orgs.models import BRANCH_KINDS, GRASSROOTS_KINDS, Organization
from jiceng.web.excel_pages import import_page, xlsx_response

from . import bases, billing, payments, queries, rates, spreadsheets
from .models import Payment, PaymentMethod

READERS = (Permission.VIEW_OWN_RECORD, Permission.VIEW_MEMBERS)


def _month(request: AuthedRequest) -> int:
    raw = request.GET.get("month", "") or request.POST.get("month", "")
    if raw:
        try:
            return rates.parse_month(raw)
        except ValueError:
            raise InvalidInput("月份格式应为2026-05") from None
    return queries.this_month()


def _attempt(
    request: AuthedRequest, back: str, action: Callable[[], Any], done: str
) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(back)


def _fen_field(request: AuthedRequest, key: str, *, label: str) -> int | None:
    raw = request.POST.get(key, "").strip()
    if not raw:
        return None
    try:
        return rates.fen_of(raw)
    except ValueError:
        raise InvalidInput(
            f"{label}应填写金额（元），如 6500 或 6500.50", fields={key: "金额不正确"}
        ) from None


def _date_field(request: AuthedRequest, key: str) -> dt.date | None:
    raw = request.POST.get(key, "").strip()
    if not raw:
        return None
    found = parse_date(raw)
    if found is None:
        raise InvalidInput("日期格式应为2026-05-01", fields={key: "日期不正确"})
    return found


def organization_url(organization: Organization) -> str:
    name = "dues:branch" if organization.kind in BRANCH_KINDS else "dues:totals"
    return reverse(name, args=[organization.pk])


@requires(*READERS)
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    """党费: the organization the user's role names, or the member's own dues."""
    named = queries.organizations_named(request.user)
    own = scope_of(request.user).own_member_id
    if len(named) == 1 and own is None:
        return redirect(organization_url(named[0]))
    if not named and own is not None:
        return redirect("dues:member", pk=own)
    return render(
        request,
        "dues/home.html",
        {"organizations": [(o, organization_url(o)) for o in named], "own": own},
    )


@requires(*READERS)
@require_GET
def member_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """一名党员的党费: base, what is owed, payments with receipts; the forms for a manager."""
    member = queries.access_dues_member(request.user, pk)
    dues = queries.member_dues(member)
    manages = queries.may_manage(request.user, member.organization)
    this_year = clock.today().year
    return render(
        request,
        "dues/member.html",
        {
            "member": member,
            "dues": dues,
            "manages": manages,
            "is_own": scope_of(request.user).own_member_id == member.pk,
            "year": this_year,
            "methods": PaymentMethod.choices,
            "today": clock.today().isoformat(),
            "organization_url": organization_url(member.organization)
            if queries.may_view(request.user, member.organization)
            else "",
        },
    )


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def pay(request: AuthedRequest, pk: int) -> HttpResponse:
    member = queries.access_managed_member(request.user, pk)
    back = reverse("dues:member", args=[pk])
    try:
        months = [rates.parse_month(m) for m in request.POST.getlist("months")]
        payment = payments.record_payment(
            member=member,
            months=months,
            method=request.POST.get("method", ""),
            reference=request.POST.get("reference", ""),
            paid_on=_date_field(request, "paid_on"),
            by=request.user,
        )
    except ValueError:
        messages.error(request, "月份格式不正确")
        return redirect(back)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request,
        f"已登记缴纳{payment.months}个月共{rates.yuan(payment.amount)}元，收据号{payment.receipt_label}",
    )
    return redirect(back)


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def set_base(request: AuthedRequest, pk: int) -> HttpResponse:
    member = queries.access_managed_member(request.user, pk)

    def run() -> None:
        year_text = request.POST.get("year", "")
        if not year_text.isdigit():
            raise InvalidInput("年度应为四位数字", fields={"year": "年度不正确"})
        bases.set_base(
            member=member,
            year=int(year_text),
            base=_fen_field(request, "base", label="月基数"),
            fixed_amount=_fen_field(request, "fixed_amount", label="自选定额"),
            on_subsistence=request.POST.get("subsistence") == "on",
            by=request.user,
        )

    return _attempt(request, reverse("dues:member", args=[pk]), run, "已保存党费基数")


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def reduce(request: AuthedRequest, pk: int) -> HttpResponse:
    member = queries.access_managed_member(request.user, pk)

    def run() -> None:
        amount = _fen_field(request, "amount", label="减免后金额")
        bases.approve_reduction(
            member=member,
            year=int(request.POST.get("year", "0") or 0),
            amount=amount or 0,
            reason=request.POST.get("reason", ""),
            by=request.user,
        )

    return _attempt(request, reverse("dues:member", args=[pk]), run, "已登记困难减免")


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def reason(request: AuthedRequest, pk: int) -> HttpResponse:
    member = queries.access_managed_member(request.user, pk)
    return _attempt(
        request,
        reverse("dues:member", args=[pk]),
        lambda: payments.record_arrears_reason(
            member=member, reason=request.POST.get("reason", ""), by=request.user
        ),
        "已保存",
    )


@requires(*READERS)
@require_GET
def receipt(request: AuthedRequest, pk: int) -> HttpResponse:
    """党费收据 to print (the member's own, or one of a branch the user sees)."""
    found = (
        Payment.objects.filter(pk=pk)
        .select_related("member", "organization", "recorded_by")
        .first()
    )
    if found is None:
        raise not_found("收据")
    queries.access_dues_member(request.user, found.member_id)
    return render(
        request, "dues/receipt.html", {"payment": found, "bills": found.bills.order_by("month")}
    )


@requires(Permission.VIEW_MEMBERS)
@require_GET
def branch(request: AuthedRequest, pk: int) -> HttpResponse:
    """一个支部的党费 of a month: who paid, who owes, arrears, the month's totals."""
    organization = queries.access_dues_organization(request.user, pk)
    month = _month(request)
    data = queries.branch_month(organization, month)
    return render(
        request,
        "dues/branch.html",
        {
            "organization": organization,
            "data": data,
            "month": month,
            "month_label": rates.month_label(month),
            "month_value": rates.format_month(month),
            "previous": rates.format_month(rates.add_months(month, -1)),
            "next": rates.format_month(rates.add_months(month, 1)),
            "manages": queries.may_manage(request.user, organization),
            "year": month // 100,
            "current": queries.this_month(),
            "parent_url": _parent_url(request, organization),
        },
    )


def _parent_url(request: AuthedRequest, organization: Organization) -> str:
    from jiceng.orgs.queries import parent_of

    parent = parent_of(organization)
    if parent is None or not queries.may_view(request.user, parent):
        return ""
    return organization_url(parent)


@requires(Permission.VIEW_MEMBERS)
@require_GET
def totals(request: AuthedRequest, pk: int) -> HttpResponse:
    """党费汇总 of a subtree by child organization (应缴、实缴、欠缴、上缴), and its arrears."""
    organization = queries.access_dues_organization(request.user, pk)
    month = _month(request)
    whole, children = queries.subtree_totals(organization, month)
    listed = queries.lists_arrears(organization)
    leaving, leaving_count = (
        queries.arrears_under(organization, leaving_only=True, limit=20) if listed else ([], 0)
    )
    arrears, arrears_count = (
        queries.arrears_under(organization, arrears_only=True, limit=20) if listed else ([], 0)
    )
    return render(
        request,
        "dues/totals.html",
        {
            "organization": organization,
            "whole": whole,
            "children": [(c, organization_url(c.organization)) for c in children],
            "leaving": leaving,
            "leaving_count": leaving_count,
            "arrears": arrears,
            "arrears_count": arrears_count,
            "lists_arrears": listed,
            "behind_count": arrears_count + leaving_count,
            "month": month,
            "month_label": rates.month_label(month),
            "month_value": rates.format_month(month),
            "previous": rates.format_month(rates.add_months(month, -1)),
            "next": rates.format_month(rates.add_months(month, 1)),
            "manages": queries.may_manage(request.user, organization),
            "parent_url": _parent_url(request, organization),
        },
    )


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def generate(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = queries.access_dues_organization(request.user, pk)
    month = _month(request)
    back = f"{organization_url(organization)}?month={rates.format_month(month)}"
    try:
        result = billing.generate_bills(organization=organization, month=month, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已生成{rates.month_label(month)}账单{result.created}份")
    return redirect(back)


@requires(Permission.MANAGE_MEMBERS)
@require_POST
def remit(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = queries.access_dues_organization(request.user, pk)
    month = _month(request)

    def run() -> None:
        amount = _fen_field(request, "amount", label="上缴金额")
        payments.record_remittance(
            organization=organization,
            month=month,
            amount=amount or 0,
            reference=request.POST.get("reference", ""),
            remitted_on=_date_field(request, "remitted_on"),
            by=request.user,
        )

    back = f"{organization_url(organization)}?month={rates.format_month(month)}"
    return _attempt(request, back, run, "已登记上缴")


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def import_bases(request: AuthedRequest) -> HttpResponse:
    return import_page(
        request,
        template="dues/import.html",
        permission=Permission.MANAGE_MEMBERS,
        kinds=GRASSROOTS_KINDS,
        run=lambda upload, into: spreadsheets.import_bases(upload, into=into, by=request.user),
        no_target="请选择导入到哪个党组织",
        done=lambda org: (organization_url(org), f"查看{org.name}的党费"),
    )


@requires(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def import_payments(request: AuthedRequest) -> HttpResponse:
    return import_page(
        request,
        template="dues/import_payments.html",
        permission=Permission.MANAGE_MEMBERS,
        kinds=GRASSROOTS_KINDS,
        run=lambda upload, into: spreadsheets.import_payments(upload, into=into, by=request.user),
        no_target="请选择导入到哪个党组织",
        done=lambda org: (organization_url(org), f"查看{org.name}的党费"),
    )


@requires(Permission.MANAGE_MEMBERS)
@require_GET
def bases_template(request: AuthedRequest) -> HttpResponse:
    return xlsx_response(spreadsheets.bases_template(), "党费基数导入模板.xlsx")


@requires(Permission.MANAGE_MEMBERS)
@require_GET
def payments_template(request: AuthedRequest) -> HttpResponse:
    return xlsx_response(spreadsheets.payments_template(), "党费缴纳导入模板.xlsx")


@requires(Permission.MANAGE_MEMBERS)
@require_GET
def export(request: AuthedRequest, pk: int) -> HttpResponse:
    """A branch's bills and payments of a year as .xlsx (a branch's year is small: at once)."""
    organization = queries.access_dues_organization(request.user, pk)
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else clock.today().year
    content = spreadsheets.export_year(organization, year, by=request.user)
    return xlsx_response(content, f"{organization.name}-{year}年党费.xlsx")
