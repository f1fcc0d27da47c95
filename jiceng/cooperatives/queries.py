"""Reads of cooperatives and village collective income, scoped by the viewer's organizations
(VIEW_ORGANIZATIONS: the village's secretary, the township's and the county's departments,
the street and township officials by division); writes by those who manage the village
organization (MANAGE_ORGANIZATIONS there)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet, Sum

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, crypto
from jiceng.core.errors import not_found
from jiceng.orgs.models import Organization, Sector

from . import services
from .models import (
    Cooperative,
    CooperativeMember,
    CooperativeYear,
    VillageIncome,
    WeakVillage,
)

P = Permission


def villages_for(user: User | AnonymousUser) -> QuerySet[Organization]:
    return Organization.objects.filter(
        scope_of(user).reach(P.VIEW_ORGANIZATIONS).organization_q(), sector=Sector.VILLAGE
    )


def access_village(user: User | AnonymousUser, pk: int) -> Organization:
    found = villages_for(user).filter(pk=pk).first()
    if found is None:
        raise not_found("村党组织")
    return found


def may_manage(user: User | AnonymousUser, village: Organization) -> bool:
    return scope_of(user).allows(
        P.MANAGE_ORGANIZATIONS, path=village.path, division_id=village.division_id
    )


def cooperatives_for(user: User | AnonymousUser) -> QuerySet[Cooperative]:
    return Cooperative.objects.filter(
        scope_of(user).reach(P.VIEW_ORGANIZATIONS).organization_q("village__")
    )


def access_cooperative(user: User | AnonymousUser, pk: int) -> Cooperative:
    found = cooperatives_for(user).filter(pk=pk).select_related("village").first()
    if found is None:
        raise not_found("合作社")
    return found


@dataclass(frozen=True)
class WeakRow:
    village: Organization
    first_year: int
    cleared_year: int | None
    latest: VillageIncome | None


def weak_villages(user: User | AnonymousUser, *, include_cleared: bool) -> list[WeakRow]:
    """集体经济薄弱村 in the viewer's scope: those still under the line, and (if asked) those
    that have risen above it, each with its latest income (three queries)."""
    reach = scope_of(user).reach(P.VIEW_ORGANIZATIONS)
    rows = WeakVillage.objects.filter(reach.organization_q("village__")).select_related("village")
    if not include_cleared:
        rows = rows.filter(cleared_year__isnull=True)
    found = list(rows.order_by("cleared_year", "path")[:1000])
    latest: dict[int, VillageIncome] = {}
    for income in VillageIncome.objects.filter(
        village_id__in={w.village_id for w in found}
    ).order_by("year"):
        latest[income.village_id] = income
    return [
        WeakRow(w.village, w.first_year, w.cleared_year, latest.get(w.village_id)) for w in found
    ]


def totals(cooperative: Cooperative) -> dict[str, Decimal]:
    return {
        "member_shares": cooperative.members.aggregate(s=Sum("shares"))["s"] or Decimal(0),
        "collective_paid": cooperative.years.aggregate(s=Sum("collective_share"))["s"]
        or Decimal(0),
        "dividends_paid": cooperative.years.aggregate(s=Sum("dividends_paid"))["s"] or Decimal(0),
    }


def latest_years(cooperatives: list[Cooperative]) -> dict[int, CooperativeYear]:
    found: dict[int, CooperativeYear] = {}
    for year in CooperativeYear.objects.filter(cooperative__in=cooperatives).order_by("year"):
        found[year.cooperative_id] = year
    return found


def reveal_head(user: User, member_pk: int) -> tuple[CooperativeMember, str]:
    """A member household head's full name, for those who manage the village; audited."""
    member = (
        CooperativeMember.objects.filter(pk=member_pk, cooperative__in=cooperatives_for(user))
        .select_related("cooperative__village")
        .first()
    )
    if member is None or not may_manage(user, member.cooperative.village):
        raise not_found("入社农户")
    audit.record(
        audit.AuditEvent.SENSITIVE_VIEW, action="cooperatives.reveal_head", target=member, user=user
    )
    return member, crypto.unseal(member.head_sealed, field=services.HEAD_FIELD)


def incomes_of(village: Organization) -> QuerySet[VillageIncome]:
    return VillageIncome.objects.filter(village=village).order_by("-year")


def weak_history(village: Organization) -> QuerySet[WeakVillage]:
    return WeakVillage.objects.filter(village=village).order_by("first_year")
