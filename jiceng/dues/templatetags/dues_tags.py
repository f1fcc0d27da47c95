"""Template filters of the dues pages: fen as yuan, YYYYMM as a month."""

from __future__ import annotations

from django import template

from jiceng.dues import rates

register = template.Library()


@register.filter
def yuan(amount: int | None) -> str:
    return "—" if amount is None else rates.yuan(int(amount))


@register.filter
def month_label(month: int) -> str:
    return rates.month_label(int(month))


@register.filter
def month_value(month: int) -> str:
    return rates.format_month(int(month))
