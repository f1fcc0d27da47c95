"""Rows the appraisal tests build: a branch's records of a year (compliance months, a
committee with its secretary) and the items of its checklist."""

from __future__ import annotations

import datetime as dt

from jiceng.appraisal.models import ChecklistItem, Source
from jiceng.appraisal.scoring import ensure_national_version
from jiceng.orglife.models import Compliance
from jiceng.orgs.models import Committee, CommitteeSeat, Organization, Post
from jiceng.testing.personas import add_member

YEAR = 2025
TODAY = dt.datetime(2026, 2, 10, 10)


def comply(branch: Organization, *, year: int = YEAR, months: int = 12, good: int = 12) -> None:
    """Compliance rows of `months` months of the year, the first `good` of them met."""
    Compliance.objects.bulk_create(
        Compliance(
            organization=branch,
            month=year * 100 + m,
            path=branch.path,
            depth=branch.depth,
            branches=1,
            compliant=1 if m <= good else 0,
        )
        for m in range(1, months + 1)
    )


def seat_committee(branch: Organization, *, term_due: dt.date = dt.date(2027, 5, 1)) -> None:
    committee = Committee.objects.create(
        organization=branch, term_start=term_due.replace(year=term_due.year - 5), term_due=term_due
    )
    secretary = add_member(branch, name="李秀英")
    CommitteeSeat.objects.create(committee=committee, member=secretary, post=Post.SECRETARY)


def self_items(year: int = YEAR) -> list[ChecklistItem]:
    version = ensure_national_version(year)
    return list(version.items.filter(source__in=[Source.SELF, Source.DUES]))
