"""/api/v1/dues: the same dues as the pages, through the same services and reads. Amounts are
integers in fen (分): 1500 is 15.00 yuan; months are "YYYY-MM"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import InvalidInput
from jiceng.core.schemas import Error, PathId

from . import bases, billing, payments, queries, rates
from .models import Bill, DuesBase, Payment, PaymentMethod, Remittance

router = Router(tags=["dues"])
READERS = (Permission.VIEW_MEMBERS, Permission.VIEW_OWN_RECORD)
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def _month(text: str | None) -> int:
    if not text:
        return queries.this_month()
    try:
        return rates.parse_month(text)
    except ValueError:
        raise InvalidInput("月份格式应为2026-05", fields={"month": "格式不正确"}) from None


class BaseOut(Schema):
    year: int
    category: str = Field(description="缴纳类别：members 的人员类别，或 SUBSISTENCE（享受低保）")
    base: int | None = Field(description="月基数（分）；定额类别为空")
    standard_amount: int = Field(description="按标准每月应缴（分）")
    monthly_amount: int = Field(description="每月应缴（分），困难减免后")
    reduction_reason: str

    @staticmethod
    def of(b: DuesBase) -> BaseOut:
        return BaseOut(
            year=b.year,
            category=b.category,
            base=b.base,
            standard_amount=b.standard_amount,
            monthly_amount=b.monthly_amount,
            reduction_reason=b.reduction_reason,
        )


class BillOut(Schema):
    month: str
    amount: int = Field(description="应缴（分）")
    paid: bool
    payment_id: int | None

    @staticmethod
    def of(b: Bill) -> BillOut:
        return BillOut(
            month=rates.format_month(b.month),
            amount=b.amount,
            paid=b.is_paid,
            payment_id=b.payment_id,
        )


class PaymentOut(Schema):
    id: int
    member_id: int
    receipt_number: str = Field(description="收据号：年度-序号，每个党组织每年从1起")
    amount: int
    method: PaymentMethod
    reference: str
    paid_on: dt.date
    first_month: str
    last_month: str
    months: int

    @staticmethod
    def of(p: Payment) -> PaymentOut:
        return PaymentOut(
            id=p.pk,
            member_id=p.member_id,
            receipt_number=p.receipt_label,
            amount=p.amount,
            method=PaymentMethod(p.method),
            reference=p.reference,
            paid_on=p.paid_on,
            first_month=rates.format_month(p.first_month),
            last_month=rates.format_month(p.last_month),
            months=p.months,
        )


class MemberDuesOut(Schema):
    member_id: int
    name: str
    base: BaseOut | None
    unpaid: list[BillOut]
    overdue_months: int = Field(description="本月以前未缴的月数")
    standing: str = Field(
        description="空：正常；ARREARS：欠缴3个月以上；LEAVING：6个月以上且无正当理由"
    )
    paid_up_to: dt.date | None = Field(description="党费交至（该月最后一天）")
    bills: list[BillOut]
    payments: list[PaymentOut]


@router.get(
    "/members/{member_id}", response={200: MemberDuesOut, 404: Error}, summary="A member's dues"
)
@api_requires(*READERS)
def member_dues(request: AuthedRequest, member_id: PathId) -> MemberDuesOut:
    member = queries.access_dues_member(request.user, member_id)
    dues = queries.member_dues(member)
    return MemberDuesOut(
        member_id=member.pk,
        name=member.name,
        base=BaseOut.of(dues.base) if dues.base else None,
        unpaid=[BillOut.of(b) for b in dues.unpaid],
        overdue_months=dues.overdue_months,
        standing=dues.standing,
        paid_up_to=dues.paid_up_to,
        bills=[BillOut.of(b) for b in dues.bills],
        payments=[PaymentOut.of(p) for p in dues.payments],
    )


class BaseIn(Schema):
    year: int = Field(ge=2008, le=2100)
    base: int | None = Field(default=None, description="月基数（分）：在岗职工、离退休人员必填")
    fixed_amount: int | None = Field(default=None, description="农牧渔民自选定额（分），20–100")
    on_subsistence: bool = False


@router.put(
    "/members/{member_id}/base",
    response={200: BaseOut, 400: Error, 404: Error},
    summary="Set a member's base for a year (负数或每月超过100万元的基数被拒绝)",
)
@api_requires(Permission.MANAGE_MEMBERS)
def member_set_base(request: AuthedRequest, member_id: PathId, payload: BaseIn) -> BaseOut:
    member = queries.access_managed_member(request.user, member_id)
    found = bases.set_base(
        member=member,
        year=payload.year,
        base=payload.base,
        fixed_amount=payload.fixed_amount,
        on_subsistence=payload.on_subsistence,
        by=request.user,
    )
    return BaseOut.of(found)


class ReductionIn(Schema):
    year: int = Field(ge=2008, le=2100)
    amount: int = Field(ge=0, description="减免后每月应缴（分）；0 为免交")
    reason: str = Field(min_length=1, max_length=200)


@router.post(
    "/members/{member_id}/reduction",
    response={200: BaseOut, 400: Error, 404: Error},
    summary="Approve a hardship reduction or exemption (困难减免)",
)
@api_requires(Permission.MANAGE_MEMBERS)
def member_reduction(request: AuthedRequest, member_id: PathId, payload: ReductionIn) -> BaseOut:
    member = queries.access_managed_member(request.user, member_id)
    return BaseOut.of(
        bases.approve_reduction(
            member=member,
            year=payload.year,
            amount=payload.amount,
            reason=payload.reason,
            by=request.user,
        )
    )


class PaymentIn(Schema):
    months: list[Annotated[str, Field(pattern=MONTH)]] = Field(min_length=1, max_length=36)
    method: PaymentMethod
    reference: str = Field(default="", max_length=64, description="转账必填")
    paid_on: dt.date | None = None


@router.post(
    "/members/{member_id}/payments",
    response={201: PaymentOut, 400: Error, 404: Error, 409: Error},
    summary="Record a payment of one or several months, with its receipt number",
)
@api_requires(Permission.MANAGE_MEMBERS)
def member_pay(request: AuthedRequest, member_id: PathId, payload: PaymentIn) -> Status[PaymentOut]:
    member = queries.access_managed_member(request.user, member_id)
    payment = payments.record_payment(
        member=member,
        months=[rates.parse_month(m) for m in payload.months],
        method=payload.method,
        reference=payload.reference,
        paid_on=payload.paid_on,
        by=request.user,
    )
    return Status(201, PaymentOut.of(payment))


class GenerateOut(Schema):
    month: str
    created: int


@router.post(
    "/organizations/{organization_id}/bills",
    response={200: GenerateOut, 400: Error, 404: Error},
    summary="Generate a month's bills for the subtree (idempotent per member and month)",
)
@api_requires(Permission.MANAGE_MEMBERS)
def organization_bills(
    request: AuthedRequest,
    organization_id: PathId,
    month: Annotated[str | None, Query(pattern=MONTH)] = None,
) -> GenerateOut:
    organization = queries.access_dues_organization(request.user, organization_id)
    chosen = _month(month)
    result = billing.generate_bills(organization=organization, month=chosen, by=request.user)
    return GenerateOut(month=rates.format_month(chosen), created=result.created)


class TotalOut(Schema):
    organization_id: int
    name: str
    expected: int
    collected: int
    billed: int
    paid: int
    remitted: int | None


class TotalsOut(Schema):
    month: str
    total: TotalOut
    children: list[TotalOut]


def _total(row: queries.TotalRow) -> TotalOut:
    return TotalOut(
        organization_id=row.organization.pk,
        name=row.organization.name,
        expected=row.expected,
        collected=row.collected,
        billed=row.billed,
        paid=row.paid,
        remitted=row.remitted,
    )


@router.get(
    "/organizations/{organization_id}/totals",
    response={200: TotalsOut, 404: Error},
    summary="A month's totals of the subtree, by child organization",
)
@api_requires(Permission.VIEW_MEMBERS)
def organization_totals(
    request: AuthedRequest,
    organization_id: PathId,
    month: Annotated[str | None, Query(pattern=MONTH)] = None,
) -> TotalsOut:
    organization = queries.access_dues_organization(request.user, organization_id)
    chosen = _month(month)
    whole, children = queries.subtree_totals(organization, chosen)
    return TotalsOut(
        month=rates.format_month(chosen),
        total=_total(whole),
        children=[_total(c) for c in children],
    )


class ArrearsOut(Schema):
    member_id: int
    name: str
    organization_id: int
    overdue_months: int
    standing: str


@router.get(
    "/organizations/{organization_id}/arrears",
    response={200: list[ArrearsOut], 404: Error},
    summary="Members of the subtree three months or more behind (LEAVING: six, no valid reason)",
)
@api_requires(Permission.VIEW_MEMBERS)
def organization_arrears(request: AuthedRequest, organization_id: PathId) -> list[ArrearsOut]:
    organization = queries.access_dues_organization(request.user, organization_id)
    rows, _ = queries.arrears_under(organization, limit=200)
    return [
        ArrearsOut(
            member_id=r.member_id,
            name=r.name,
            organization_id=r.organization_id,
            overdue_months=r.overdue_months,
            standing=r.standing,
        )
        for r in rows
    ]


class RemittanceIn(Schema):
    month: str = Field(pattern=MONTH)
    amount: int = Field(ge=1, description="分")
    reference: str = Field(default="", max_length=64)
    remitted_on: dt.date | None = None


class RemittanceOut(Schema):
    id: int
    month: str
    amount: int
    to_organization_id: int

    @staticmethod
    def of(r: Remittance) -> RemittanceOut:
        return RemittanceOut(
            id=r.pk,
            month=rates.format_month(r.month),
            amount=r.amount,
            to_organization_id=r.to_organization_id,
        )


@router.post(
    "/organizations/{organization_id}/remittances",
    response={201: RemittanceOut, 400: Error, 404: Error},
    summary="Record the month's remittance to the organization above (上缴)",
)
@api_requires(Permission.MANAGE_MEMBERS)
def organization_remit(
    request: AuthedRequest, organization_id: PathId, payload: RemittanceIn
) -> Status[RemittanceOut]:
    organization = queries.access_dues_organization(request.user, organization_id)
    found = payments.record_remittance(
        organization=organization,
        month=rates.parse_month(payload.month),
        amount=payload.amount,
        reference=payload.reference,
        remitted_on=payload.remitted_on,
        by=request.user,
    )
    return Status(201, RemittanceOut.of(found))
