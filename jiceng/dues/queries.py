"""Reads of dues, scoped to the user: a member's own, a branch's month, the arrears of a
subtree, the totals of a department's subtree by child organization, and `paid_up_to`
(the transfer letter's 党费交至)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import not_found
from jiceng.core.paths import under
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import Organization

from . import rates
from .billing import BILLED_STATUSES
from .models import ArrearsReason, Bill, DuesBase, MonthTotal, Payment, Remittance, SubtreeTotal

UNPAID = Q(payment__isnull=True, amount__gt=0)
# Above this many members the arrears of a subtree are not listed on a page or a panel (a
# grouped scan of its unpaid bills); the totals by child organization lead down to them.
ARREARS_LISTED_UP_TO = 200_000


def lists_arrears(organization: Organization) -> bool:
    return organization.subtree_member_count <= ARREARS_LISTED_UP_TO


def this_month() -> int:
    return rates.month_of(clock.today())


# -- who may see what -------------------------------------------------------------------------


def may_view(user: User, organization: Organization) -> bool:
    """The dues of an organization's members: whoever sees its members."""
    return scope_of(user).allows(
        Permission.VIEW_MEMBERS, path=organization.path, division_id=organization.division_id
    )


def may_manage(user: User, organization: Organization) -> bool:
    """Bases, payments, bills and remittance: whoever manages its members."""
    return scope_of(user).allows(
        Permission.MANAGE_MEMBERS, path=organization.path, division_id=organization.division_id
    )


def access_dues_organization(user: User, pk: int) -> Organization:
    found = Organization.objects.filter(pk=pk).select_related("division").first()
    if found is None or not may_view(user, found):
        raise not_found("党组织")
    return found


def access_dues_member(user: User, pk: int) -> Member:
    """A member whose dues the user may see: their own, or one of an organization in scope."""
    found = Member.objects.filter(pk=pk).select_related("organization").first()
    if found is None:
        raise not_found("党员")
    if scope_of(user).own_member_id != found.pk and not may_view(user, found.organization):
        raise not_found("党员")
    return found


def access_managed_member(user: User, pk: int) -> Member:
    found = access_dues_member(user, pk)
    if not may_manage(user, found.organization):
        raise not_found("党员")
    return found


def organizations_named(user: User) -> list[Organization]:
    """The organizations the user's roles name for members (a secretary's branch, a
    department's top), outermost first: where the dues pages open."""
    paths = scope_of(user).reach(Permission.VIEW_MEMBERS).paths
    return list(Organization.objects.filter(path__in=paths).order_by("path"))


# -- a member's own ---------------------------------------------------------------------------


def paid_up_to(member: Member) -> dt.date | None:
    """党费交至: the last day of the last month up to which every bill is paid (or exempt);
    None when the member has no paid month at all (nothing billed yet, or the first bill
    unpaid). Used by the transfer letter."""
    bills = Bill.objects.filter(member=member)
    first_unpaid = bills.filter(UNPAID).order_by("month").values_list("month", flat=True).first()
    settled = bills.exclude(UNPAID)
    if first_unpaid is not None:
        settled = settled.filter(month__lt=first_unpaid)
    last = settled.order_by("-month").values_list("month", flat=True).first()
    return rates.month_end(last) if last is not None else None


@dataclass(frozen=True)
class MemberDues:
    member: Member
    base: DuesBase | None
    bills: list[Bill]  # latest first
    payments: list[Payment]
    unpaid: list[Bill]  # oldest first, every one
    overdue_months: int
    standing: str
    reason: str
    paid_up_to: dt.date | None

    @property
    def unpaid_total(self) -> int:
        return sum(b.amount for b in self.unpaid)


def overdue_count(bills: list[Bill], *, month: int) -> int:
    """Unpaid bills of months before `month` (the running month is not late yet)."""
    return sum(1 for b in bills if b.month < month)


def member_dues(member: Member, *, months: int = 24) -> MemberDues:
    """What the member page and the member's own page show (the caller accessed the member)."""
    current = this_month()
    base = (
        DuesBase.objects.filter(member=member, year__lte=current // 100).order_by("-year").first()
    )
    bills = list(Bill.objects.filter(member=member).order_by("-month")[:months])
    unpaid = list(Bill.objects.filter(UNPAID, member=member).order_by("month"))
    payments = list(Payment.objects.filter(member=member).order_by("-paid_on", "-pk")[:months])
    reason = ArrearsReason.objects.filter(member=member).values_list("reason", flat=True).first()
    overdue = overdue_count(unpaid, month=current)
    return MemberDues(
        member=member,
        base=base,
        bills=bills,
        payments=payments,
        unpaid=unpaid,
        overdue_months=overdue,
        standing=rates.standing(overdue, has_reason=bool(reason)),
        reason=reason or "",
        paid_up_to=paid_up_to(member),
    )


# -- a branch's month -------------------------------------------------------------------------


@dataclass
class BranchRow:
    member: Member
    bill: Bill | None = None
    base: DuesBase | None = None
    overdue_months: int = 0
    unpaid_months: list[int] = field(default_factory=list)
    standing: str = ""
    reason: str = ""

    @property
    def needs_base(self) -> bool:
        return self.bill is None and self.base is None


@dataclass(frozen=True)
class BranchMonth:
    organization: Organization
    month: int
    rows: list[BranchRow]
    total: MonthTotal | None
    remittance: Remittance | None

    @property
    def arrears(self) -> list[BranchRow]:
        return [r for r in self.rows if r.standing]

    @property
    def leaving(self) -> list[BranchRow]:
        return [r for r in self.rows if r.standing == "LEAVING"]


def branch_month(organization: Organization, month: int) -> BranchMonth:
    """Every billed member of the branch with the month's bill, their base of the year and
    their arrears (the caller checked the user may view the organization)."""
    current = this_month()
    members = list(
        Member.objects.filter(organization=organization, status__in=BILLED_STATUSES).order_by(
            "name", "pk"
        )
    )
    ids = [m.pk for m in members]
    bills = {b.member_id: b for b in Bill.objects.filter(member_id__in=ids, month=month)}
    bases: dict[int, DuesBase] = {}
    for b in DuesBase.objects.filter(member_id__in=ids, year__lte=month // 100).order_by("year"):
        bases[b.member_id] = b  # the latest year wins
    unpaid: dict[int, list[int]] = {}
    for member_id, billed in (
        Bill.objects.filter(UNPAID, member_id__in=ids)
        .order_by("month")
        .values_list("member_id", "month")
    ):
        unpaid.setdefault(member_id, []).append(billed)
    reasons = dict(
        ArrearsReason.objects.filter(member_id__in=ids).values_list("member_id", "reason")
    )
    rows = []
    for m in members:
        months = unpaid.get(m.pk, [])
        overdue = sum(1 for x in months if x < current)
        rows.append(
            BranchRow(
                member=m,
                bill=bills.get(m.pk),
                base=bases.get(m.pk),
                overdue_months=overdue,
                unpaid_months=months,
                standing=rates.standing(overdue, has_reason=m.pk in reasons),
                reason=reasons.get(m.pk, ""),
            )
        )
    return BranchMonth(
        organization=organization,
        month=month,
        rows=rows,
        total=MonthTotal.objects.filter(organization=organization, month=month).first(),
        remittance=Remittance.objects.filter(organization=organization, month=month).first(),
    )


# -- a subtree --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrearsRow:
    member_id: int
    name: str
    organization_id: int
    organization_name: str
    overdue_months: int
    standing: str


def arrears_under(
    organization: Organization,
    *,
    month: int | None = None,
    leaving_only: bool = False,
    arrears_only: bool = False,
    limit: int = 50,
) -> tuple[list[ArrearsRow], int]:
    """Members under `organization` three months or more behind (six or more without a valid
    reason: flagged for 自行脱党), most behind first, at most `limit`; and how many in all.
    `leaving_only`: the flagged only; `arrears_only`: those behind but not flagged."""
    current = month or this_month()
    counted = (
        Bill.objects.filter(
            UNPAID, under(organization.path, "organization__path"), month__lt=current
        )
        .values("member_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=rates.LEAVING_MONTHS if leaving_only else rates.ARREARS_MONTHS)
    )
    found = {row["member_id"]: row["n"] for row in counted}
    reasons = (
        set(
            ArrearsReason.objects.filter(member_id__in=list(found)).values_list(
                "member_id", flat=True
            )
        )
        if len(found) <= 5000
        else set(ArrearsReason.objects.values_list("member_id", flat=True))
    )
    standings = {pk: rates.standing(n, has_reason=pk in reasons) for pk, n in found.items()}
    if leaving_only:
        standings = {pk: s for pk, s in standings.items() if s == "LEAVING"}
    elif arrears_only:
        standings = {pk: s for pk, s in standings.items() if s == "ARREARS"}
    chosen = sorted(standings, key=lambda pk: (-found[pk], pk))[:limit]
    members = {
        m.pk: m
        for m in Member.objects.filter(pk__in=chosen)
        .select_related("organization")
        .only("name", "organization__name", "status")
    }
    rows = [
        ArrearsRow(
            member_id=pk,
            name=members[pk].name,
            organization_id=members[pk].organization_id,
            organization_name=members[pk].organization.name,
            overdue_months=found[pk],
            standing=standings[pk],
        )
        for pk in chosen
        if pk in members and members[pk].status != MemberStatus.TRANSFERRED_OUT
    ]
    return rows, len(standings)


@dataclass(frozen=True)
class TotalRow:
    organization: Organization
    expected: int
    collected: int
    billed: int
    paid: int
    remitted: int | None = None

    @property
    def unpaid(self) -> int:
        return self.expected - self.collected

    @property
    def rate(self) -> str:
        """收缴率, one decimal."""
        if not self.expected:
            return "—"
        return f"{self.collected * 100 / self.expected:.1f}%"


def subtree_totals(organization: Organization, month: int) -> tuple[TotalRow, list[TotalRow]]:
    """The month's totals of the whole subtree and of each child organization's subtree, from
    the subtree rollup (SubtreeTotal): the organization's row and its children's, never the
    branches' rows nor the bills, so the national root costs what a street does."""
    children = list(
        Organization.objects.filter(
            under(organization.path), depth=organization.depth + 1
        ).order_by("path")
    )
    sums: dict[int, dict[str, Any]] = {
        row["organization_id"]: dict(row)
        for row in SubtreeTotal.objects.filter(
            month=month, organization__in=[organization, *children]
        ).values("organization_id", "expected", "collected", "billed", "paid")
    }
    remitted = dict(
        Remittance.objects.filter(
            month=month, organization__in=[organization, *children]
        ).values_list("organization_id", "amount")
    )

    def row(found: Organization) -> TotalRow:
        summed = sums.get(found.pk, {})
        return TotalRow(
            organization=found,
            expected=summed.get("expected") or 0,
            collected=summed.get("collected") or 0,
            billed=summed.get("billed") or 0,
            paid=summed.get("paid") or 0,
            remitted=remitted.get(found.pk),
        )

    return row(organization), [row(c) for c in children]


def bills_of(organization: Organization, year: int) -> QuerySet[Bill]:
    """A branch's bills of a year (the Excel export), in member and month order."""
    return (
        Bill.objects.filter(
            organization=organization, month__gte=year * 100, month__lte=year * 100 + 12
        )
        .select_related("member", "payment")
        .order_by("member__name", "member_id", "month")
    )
