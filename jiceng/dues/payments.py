"""Payments (缴纳党费) with their receipts, remittance upward (上缴), and the valid reasons
for arrears (正当理由)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F, Max

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import parent_of

from . import billing, rates
from .checks import check_can_manage_dues
from .models import ArrearsReason, Bill, MonthTotal, Payment, PaymentMethod, Remittance


def _check_paid_on(paid_on: dt.date) -> None:
    if paid_on > clock.today():
        raise InvalidInput("缴纳日期不能晚于今天", fields={"paid_on": "日期不正确"})


@transaction.atomic
def record_payment(
    *,
    member: Member,
    months: Sequence[int],
    method: str,
    reference: str = "",
    paid_on: dt.date | None = None,
    by: User | None,
) -> Payment:
    """收缴党费: the member pays the bills of `months` (one or several, any of those unpaid),
    in cash to the branch or by a transfer with its reference. Gives the payment with its
    receipt number (the organization's next of the year). Two secretaries recording the same
    month at once: one wins, the other gets Conflict and nothing is written."""
    organization = member.organization
    check_can_manage_dues(by, organization)
    paid_on = paid_on or clock.today()
    _check_paid_on(paid_on)
    if method not in PaymentMethod.values:
        raise InvalidInput("请选择缴纳方式", fields={"method": "请选择现金或转账"})
    reference = reference.strip()
    if method == PaymentMethod.TRANSFER and not reference:
        raise InvalidInput(
            "转账缴纳须填写转账凭证号（交易流水号）", fields={"reference": "请填写凭证号"}
        )
    wanted = sorted(set(months))
    if not wanted:
        raise InvalidInput("请选择要缴纳的月份", fields={"months": "至少选择一个月"})
    bills = list(
        Bill.objects.filter(member=member, month__in=wanted, payment__isnull=True, amount__gt=0)
    )
    missing = sorted(set(wanted) - {b.month for b in bills})
    if missing:
        listed = "、".join(rates.month_label(m) for m in missing)
        raise InvalidInput(
            f"{listed}没有待缴的党费（已缴纳、免缴或尚未生成账单）",
            fields={"months": "所选月份不能缴纳"},
        )
    year = paid_on.year
    last = (
        Payment.objects.filter(organization=organization, receipt_year=year).aggregate(
            n=Max("receipt_number")
        )["n"]
        or 0
    )
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                organization=organization,
                member=member,
                amount=sum(b.amount for b in bills),
                method=method,
                reference=reference[:64],
                paid_on=paid_on,
                first_month=wanted[0],
                last_month=wanted[-1],
                months=len(wanted),
                receipt_year=year,
                receipt_number=last + 1,
                recorded_by=by,
            )
    except IntegrityError:
        raise Conflict("收据号刚被同时录入的另一笔缴费占用，请重新提交") from None
    # Conditional: a bill someone else marked paid meanwhile is not taken again.
    taken = Bill.objects.filter(pk__in=[b.pk for b in bills], payment__isnull=True).update(
        payment=payment
    )
    if taken != len(bills):
        raise Conflict("其中有月份刚被他人登记为已缴，本次未登记，请刷新后重试")
    changed = _by_branch_month(bills)
    paths = dict(
        Organization.objects.filter(pk__in={pk for pk, _ in changed}).values_list("pk", "path")
    )
    for (organization_id, month), (amount, count) in changed.items():
        MonthTotal.objects.filter(organization_id=organization_id, month=month).update(
            collected=F("collected") + amount, paid=F("paid") + count
        )
        billing.add_to_ancestors(
            path=paths[organization_id],
            month=month,
            change={"expected": 0, "collected": amount, "billed": 0, "paid": count},
        )
    audit.record(
        audit.AuditEvent.WRITE,
        action="dues.record_payment",
        target=payment,
        detail={"months": len(wanted), "amount": payment.amount},
        user=by,
    )
    return payment


def _by_branch_month(bills: Sequence[Bill]) -> dict[tuple[int, int], tuple[int, int]]:
    amounts: Counter[tuple[int, int]] = Counter()
    counts: Counter[tuple[int, int]] = Counter()
    for b in bills:
        amounts[b.organization_id, b.month] += b.amount
        counts[b.organization_id, b.month] += 1
    return {key: (amounts[key], counts[key]) for key in amounts}


@transaction.atomic
def record_remittance(
    *,
    organization: Organization,
    month: int,
    amount: int,
    reference: str = "",
    remitted_on: dt.date | None = None,
    by: User | None,
) -> Remittance:
    """上缴党费: the month's dues passed to the organization above, once per month."""
    check_can_manage_dues(by, organization)
    remitted_on = remitted_on or clock.today()
    if remitted_on > clock.today():
        raise InvalidInput("上缴日期不能晚于今天", fields={"remitted_on": "日期不正确"})
    if amount <= 0:
        raise InvalidInput("上缴金额应大于0", fields={"amount": "金额不正确"})
    parent = parent_of(organization)
    if parent is None:
        raise InvalidInput("该党组织没有上级党组织，无需上缴", fields={"amount": "无上级"})
    try:
        with transaction.atomic():
            remittance = Remittance.objects.create(
                organization=organization,
                to_organization=parent,
                month=month,
                amount=amount,
                reference=reference.strip()[:64],
                remitted_on=remitted_on,
                recorded_by=by,
            )
    except IntegrityError:
        raise InvalidInput(
            f"{rates.month_label(month)}的上缴已经登记过", fields={"month": "该月已上缴"}
        ) from None
    audit.record(
        audit.AuditEvent.WRITE, action="dues.record_remittance", target=remittance, user=by
    )
    return remittance


@transaction.atomic
def record_arrears_reason(*, member: Member, reason: str, by: User | None) -> ArrearsReason | None:
    """欠缴的正当理由 (illness, hardship, away without contact ...): the member is not flagged
    for the 自行脱党 procedure while it stands. An empty reason removes it."""
    check_can_manage_dues(by, member.organization)
    reason = reason.strip()
    if not reason:
        ArrearsReason.objects.filter(member=member).delete()
        audit.record(
            audit.AuditEvent.WRITE, action="dues.clear_arrears_reason", target=member, user=by
        )
        return None
    found, _ = ArrearsReason.objects.update_or_create(
        member=member,
        defaults={"reason": reason[:200], "recorded_by": by, "recorded_at": clock.now()},
    )
    audit.record(audit.AuditEvent.WRITE, action="dues.record_arrears_reason", target=found, user=by)
    return found
