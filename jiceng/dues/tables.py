"""The rate table in force in a year, read from dues.models.Rate as dues.rates takes it."""

from __future__ import annotations

from . import rates
from .models import Rate


def table_for(year: int) -> list[rates.RateRow]:
    """The rate table in force in `year` (the latest year's rows up to it)."""
    latest = Rate.objects.filter(year__lte=year).order_by("-year").values_list("year", flat=True)
    found = latest.first()
    if found is None:
        return []
    return [
        rates.RateRow(
            year=r.year,
            category=r.category,
            up_to=r.up_to,
            permyriad=r.permyriad,
            fixed=r.fixed,
            fixed_min=r.fixed_min,
            fixed_max=r.fixed_max,
        )
        for r in Rate.objects.filter(year=found)
    ]
