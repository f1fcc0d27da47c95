"""党费基数: each member's monthly base for a year, the amount the rate table gives for it,
and hardship reductions (困难减免) with their approval."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import InvalidInput
from jiceng.members.models import Member

from . import billing, rates
from .checks import check_can_manage_dues
from .models import SUBSISTENCE, DuesBase
from .tables import table_for

# The years a base may be set for: the rules began in 2008; next year's may be set in December.
FIRST_YEAR = 2008


@dataclass(frozen=True)
class BaseInput:
    """A base as the form, the API and the Excel sheet give it, checked."""

    member: Member
    year: int
    category: str
    base: int | None
    fixed_amount: int | None
    standard_amount: int


def check_base_input(
    *,
    member: Member,
    year: int,
    base: int | None,
    fixed_amount: int | None = None,
    on_subsistence: bool = False,
    table: list[rates.RateRow] | None = None,
) -> BaseInput:
    """The one check of a base, whoever sends it; InvalidInput with the field and the rule."""
    this_year = clock.today().year
    if not FIRST_YEAR <= year <= this_year + 1:
        raise InvalidInput(
            f"年度应在{FIRST_YEAR}至{this_year + 1}年之间", fields={"year": "年度不正确"}
        )
    if base is not None:  # refused whatever the category: a base no salary has is a mistake
        try:
            rates.check_base(base)
        except ValueError as exc:
            raise InvalidInput(str(exc), fields={"base": str(exc)}) from None
    category = SUBSISTENCE if on_subsistence else member.category
    table = table if table is not None else table_for(year)
    if not rates.uses_base(table, category):
        base = None  # a fixed sum: the base plays no part
    else:
        if base is None:
            raise InvalidInput(
                "请填写月基数（税后工资收入）", fields={"base": "在岗职工和离退休人员须填写月基数"}
            )
        fixed_amount = None
    try:
        standard = rates.monthly_amount(
            table, category=category, base=base, fixed_amount=fixed_amount
        )
    except ValueError as exc:
        field = "fixed_amount" if fixed_amount is not None else "base"
        raise InvalidInput(str(exc), fields={field: str(exc)}) from None
    return BaseInput(
        member=member,
        year=year,
        category=category,
        base=base,
        fixed_amount=fixed_amount,
        standard_amount=standard,
    )


@transaction.atomic
def set_base(
    *,
    member: Member,
    year: int,
    base: int | None,
    fixed_amount: int | None = None,
    on_subsistence: bool = False,
    by: User | None,
) -> DuesBase:
    """设定党费基数 for the year (again: replaces it; an approved reduction stays)."""
    check_can_manage_dues(by, member.organization)
    data = check_base_input(
        member=member,
        year=year,
        base=base,
        fixed_amount=fixed_amount,
        on_subsistence=on_subsistence,
    )
    return save_bases([data], by=by)[0]


def save_bases(rows: list[BaseInput], *, by: User | None) -> list[DuesBase]:
    """Writes checked bases (a form's one, an Excel sheet's many) in one transaction."""
    saved: list[DuesBase] = []
    now = clock.now()
    with transaction.atomic():
        for data in rows:
            found, _ = DuesBase.objects.update_or_create(
                member=data.member,
                year=data.year,
                defaults={
                    "category": data.category,
                    "base": data.base,
                    "fixed_amount": data.fixed_amount,
                    "standard_amount": data.standard_amount,
                    "set_by": by,
                    "set_at": now,
                },
            )
            saved.append(found)
        audit.record(
            audit.AuditEvent.WRITE,
            action="dues.set_bases",
            target=saved[0] if len(saved) == 1 else None,
            detail={"count": len(saved)},
            user=by,
        )
    return saved


@transaction.atomic
def approve_reduction(
    *,
    member: Member,
    year: int,
    amount: int,
    reason: str,
    approved_on: dt.date | None = None,
    by: User | None,
) -> DuesBase:
    """困难减免: a member in hardship pays less (`amount` fen a month) or nothing (0), from the
    approval, for the year. The reason is required; the amount may not exceed the standard."""
    check_can_manage_dues(by, member.organization)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写减免原因", fields={"reason": "减免须写明原因"})
    if amount < 0:
        raise InvalidInput("减免后金额不能为负数", fields={"amount": "金额不正确"})
    found = DuesBase.objects.select_for_update().filter(member=member, year=year).first()
    if found is None:
        raise InvalidInput(
            f"请先设定{member.name}{year}年的党费基数", fields={"amount": "尚未设定基数"}
        )
    if amount > found.standard_amount:
        raise InvalidInput(
            f"减免后金额不能高于按标准应缴的{rates.yuan(found.standard_amount)}元",
            fields={"amount": "不能高于标准"},
        )
    found.reduced_amount = amount
    found.reduction_reason = reason[:200]
    found.reduction_approved_by = by
    found.reduction_approved_on = approved_on or clock.today()
    found.save(
        update_fields=[
            "reduced_amount",
            "reduction_reason",
            "reduction_approved_by",
            "reduction_approved_on",
        ]
    )
    # The year's bills still unpaid from the month of the approval on follow it.
    since = rates.month_of(found.reduction_approved_on)
    billing.rebill(
        member=member, months=(max(since, year * 100 + 1), year * 100 + 12), amount=amount
    )
    audit.record(audit.AuditEvent.WRITE, action="dues.approve_reduction", target=found, user=by)
    return found
