"""Reads of the points ledger, scoped: a member's own entries, and distributions and totals
for a subtree. Nothing here lists members ordered by points (国办函〔2026〕12号 forbids
ranking people by points): per-member figures are only ever one member's own page."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Sum

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.paths import under
from jiceng.members.models import ACTIVE_STATUSES, Member
from jiceng.members.queries import access_member
from jiceng.orgs.models import Organization

from .models import PointsEntry, SourceKind

MIN_GROUP = 10  # a distribution is shown only for a group of at least this many members
BINS = 10


def this_year() -> int:
    return clock.today().year


def access_member_points(user: User, member_id: int) -> Member:
    """The member whose points the user may see: their own, or one in their scope."""
    return access_member(user, member_id)


def entries_of(member: Member, year: int) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(member=member, year=year).order_by("-occurred_at", "-pk")


def balance_of(member: Member, year: int) -> int:
    total = PointsEntry.objects.filter(member=member, year=year).aggregate(s=Sum("points"))["s"]
    return int(total or 0)


def years_of(member: Member) -> list[int]:
    years = set(PointsEntry.objects.filter(member=member).values_list("year", flat=True).distinct())
    years.add(this_year())
    return sorted(years, reverse=True)


@dataclass
class Distribution:
    """How a group's members' points of a year spread; no names, no order of people."""

    members: int  # active members of the group
    scored: int  # of them, with at least one entry
    total: int  # points of the year, reversals counted
    by_kind: list[tuple[str, int]]
    labels: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.members >= MIN_GROUP

    @property
    def mean(self) -> float:
        return self.total / self.members if self.members else 0.0

    def bin_of(self, points: int) -> int:
        """The index of the bin `points` falls in (for a member's own 'you are here')."""
        for i, label in enumerate(self.labels):
            low, _, high = label.partition("–")
            if int(low) <= points <= int(high or low):
                return i
        return len(self.labels) - 1

    def chart(self) -> dict[str, object]:
        return {"labels": self.labels, "counts": self.counts}


def _nice_width(top: int) -> int:
    raw = max(1, math.ceil(top / BINS))
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if step >= raw:
            return step
    return raw


def histogram(values: list[int], members: int) -> tuple[list[str], list[int]]:
    """Bins of equal width over the members' points; members without entries count as 0."""
    zeros = members - len(values)
    top = max(values, default=0)
    width = _nice_width(max(top, 1))
    labels, counts = [], []
    lowest = min(0, min(values, default=0))
    start = lowest
    while start <= top:
        end = start + width - 1
        labels.append(f"{start}–{end}" if width > 1 else f"{start}")
        counts.append(0)
        start += width
    for value in values + [0] * max(zeros, 0):
        counts[(value - lowest) // width] += 1
    return labels, counts


def distribution_of(organization: Organization, year: int) -> Distribution:
    """The year's points of the active members of `organization`'s subtree."""
    active = Member.objects.filter(
        under(organization.path, "organization__path"), status__in=ACTIVE_STATUSES
    )
    members = active.count()
    # One read, from the subtree's members to their entries (the (member, year) index): joined
    # the other way, SQLite scanned the year's whole ledger even for a branch of twenty members
    # (about 500 ms a read in the demo, against 1 ms).
    rows = (
        PointsEntry.objects.filter(member__in=active.values("pk"), year=year)
        .values("member_id", "source_kind")
        .annotate(s=Sum("points"))
        .values_list("member_id", "source_kind", "s")
    )
    per_member: defaultdict[int, int] = defaultdict(int)
    by_kind: defaultdict[str, int] = defaultdict(int)
    for member_id, kind, s in rows:
        per_member[member_id] += int(s or 0)
        by_kind[kind] += int(s or 0)
    sums = list(per_member.values())
    labels, counts = histogram(sums, members)
    return Distribution(
        members=members,
        scored=len(sums),
        total=sum(sums),
        by_kind=[(SourceKind(k).label, by_kind.get(k, 0)) for k in SourceKind.values],
        labels=labels,
        counts=counts,
    )


def children_totals(organization: Organization, year: int) -> list[tuple[Organization, int, int]]:
    """Each child organization with its points of the year and its entries, in the tree's
    order (never by points)."""
    children = list(
        Organization.objects.filter(
            under(organization.path), depth=organization.depth + 1
        ).order_by("path")[:200]
    )
    rows = []
    for child in children:
        found = PointsEntry.objects.filter(
            under(child.path, "organization__path"), year=year
        ).aggregate(s=Sum("points"), n=Count("id"))
        rows.append((child, int(found["s"] or 0), int(found["n"] or 0)))
    return rows


def members_by_name(organization: Organization) -> QuerySet[Member]:
    """A branch's roster by name, to reach each member's own page (no points in the list)."""
    return Member.objects.filter(organization=organization, status__in=ACTIVE_STATUSES).order_by(
        "name", "pk"
    )
