"""Reads of the development of members, scoped like the member registry: a user sees the
applicants of the organizations where they may see members (accounts.scoping)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import not_found
from jiceng.core.paths import under
from jiceng.divisions.models import Division
from jiceng.orgs import subtrees
from jiceng.orgs.models import BRANCH_KINDS, Organization

from . import rules, services, tallies
from .models import (
    Applicant,
    CarriedFile,
    CaseMove,
    CaseStatus,
    DevelopmentPlan,
    Outcome,
    Standing,
    Step,
    StepRecord,
)

# A step whose deadline is this close shows as due soon (即将到期).
SOON_DAYS = 14
# The standings of people still on the way (the pipeline's columns).
STANDINGS = tuple(s for s in Standing if s != Standing.FULL)


def applicants_for(user: User) -> QuerySet[Applicant]:
    scope = scope_of(user)
    return Applicant.objects.filter(scope.organization_q(Permission.VIEW_MEMBERS, "organization__"))


def access_applicant(user: User, pk: int) -> Applicant:
    found = applicants_for(user).filter(pk=pk).select_related("organization", "member").first()
    if found is None:
        raise not_found("发展党员对象")
    return found


def may_record(user: User, applicant: Applicant) -> bool:
    """Whether the user records the applicant's next step (the higher committee's steps need
    the department's approval right as well)."""
    organization = applicant.organization
    scope = scope_of(user)
    if not scope.allows(
        Permission.MANAGE_MEMBERS, path=organization.path, division_id=organization.division_id
    ):
        return False
    following = rules.next_step(applicant.last_step)
    if following is None or applicant.status != CaseStatus.OPEN:
        return False
    if rules.spec(following).approval:
        return services.may_approve(user, organization)
    return True


def may_register_at(user: User, organization: Organization) -> bool:
    return scope_of(user).allows(
        Permission.MANAGE_MEMBERS, path=organization.path, division_id=organization.division_id
    )


def home_organizations(user: User) -> list[Organization]:
    """The organizations the user's roles name where they may see members: where the
    pipeline opens."""
    paths = scope_of(user).reach(Permission.VIEW_MEMBERS).paths
    return list(Organization.objects.filter(path__in=paths).order_by("path"))


def steps_of(applicant: Applicant) -> list[StepRecord]:
    return list(
        applicant.steps.select_related("decided_by", "recorded_by", "branch")
        .prefetch_related("people")
        .order_by("pk")
    )


def moves_of(applicant: Applicant) -> list[CaseMove]:
    """The times the file followed its member's transfer (development.following), in order."""
    return list(
        applicant.moves.select_related("from_organization", "to_organization").order_by(
            "moved_on", "pk"
        )
    )


@dataclass(frozen=True)
class CarriedFrom:
    file: CarriedFile
    province_name: str


def carried_file_of(applicant: Applicant) -> CarriedFrom | None:
    """随转发展档案: where the file came from, when it came with the member's transfer from
    another province instance (the province's name from the divisions, its code else)."""
    found = CarriedFile.objects.filter(applicant=applicant).first()
    if found is None:
        return None
    name = Division.objects.filter(code=found.province_code).values_list("name", flat=True)
    return CarriedFrom(found, next(iter(name), found.province_code))


def extension_of(applicant: Applicant) -> int:
    """The months the applicant's probation was extended by: as the file records it, or as
    the member's record does (an extension decided on the registry, or before a transfer)."""
    member = applicant.member if applicant.member_id else None
    return max(applicant.extended_months, member.probation_extended_months if member else 0)


def probation_period(applicant: Applicant) -> tuple[dt.date, dt.date] | None:
    """The probation of an admitted applicant (whatever they stand at now): from the general
    meeting that admitted them to the day it is over (rules.probation_ends: a year, and an
    extension); None before the admission is approved."""
    meeting = services.facts_of(applicant).dates.get(Step.ADMISSION_MEETING)
    admitted = applicant.steps.filter(step=Step.ADMISSION_APPROVAL, outcome=Outcome.APPROVED)
    if meeting is None or not admitted.exists():
        return None
    return meeting, rules.probation_ends(meeting, extension_of(applicant))


def probation_of(applicant: Applicant) -> tuple[dt.date, dt.date] | None:
    """A probationary member's probation (probation_period), None for anyone else."""
    if applicant.standing != Standing.PROBATIONARY:
        return None
    return probation_period(applicant)


@dataclass
class BranchRow:
    """One organization's line of the department's pipeline."""

    organization_id: int
    name: str = ""
    path: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    late: int = 0
    soon: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def branches_under(organization: Organization) -> QuerySet[Organization]:
    """The branches of the subtree in tree order, whether they develop anyone or not (a
    branch that names no activist for years is a warning sign the department looks for)."""
    return (
        Organization.objects.filter(
            under(organization.path), kind__in=BRANCH_KINDS, dissolved_on__isnull=True
        )
        .only("pk", "name", "path")
        .order_by("path")
    )


def _counted(rows: QuerySet[Applicant, Any], today: dt.date) -> QuerySet[Applicant, Any]:
    soon = today + dt.timedelta(days=SOON_DAYS)
    counts = {s.value: Count("pk", filter=Q(standing=s)) for s in STANDINGS}
    return rows.annotate(
        **counts,
        late=Count("pk", filter=Q(next_due_on__lt=today)),
        soon=Count("pk", filter=Q(next_due_on__gte=today, next_due_on__lte=soon)),
    ).order_by()


def _row(organization_id: int, numbers: Iterable[int]) -> BranchRow:
    *by_standing, late, soon = numbers
    counts = {s.value: n for s, n in zip(STANDINGS, by_standing, strict=True) if n}
    return BranchRow(organization_id, counts=counts, late=late, soon=soon)


def pipeline_of(
    branches: Iterable[Organization], *, today: dt.date | None = None
) -> list[BranchRow]:
    """The open cases of these branches (a page of them), counted by standing, with the late
    and soon-due ones: one grouped read of the index (organization, status, standing,
    next_due_on), which holds every column it counts."""
    today = today or clock.today()
    listed = list(branches)
    found = _counted(
        Applicant.objects.filter(
            organization_id__in=[b.pk for b in listed], status=CaseStatus.OPEN
        ).values_list("organization_id"),
        today,
    )
    rows: dict[int, BranchRow] = {}
    for org_id, *numbers in found:
        rows[org_id] = _row(org_id, numbers)
    shown = []
    for branch in listed:
        row = rows.get(branch.pk) or BranchRow(branch.pk)
        row.name, row.path = branch.name, branch.path
        shown.append(row)
    return shown


def subtree_totals(organization: Organization, *, today: dt.date | None = None) -> BranchRow:
    """The open cases of the whole subtree by standing, late and due soon: one aggregate over
    the same index, probed for each organization of the subtree (a range of the path)."""
    today = today or clock.today()
    subtree = Organization.objects.filter(under(organization.path)).values("pk")
    found = _counted(
        Applicant.objects.filter(organization_id__in=subtree, status=CaseStatus.OPEN).values_list(
            "status"
        ),
        today,
    )
    for _, *numbers in found:
        total = _row(0, numbers)
        total.name = "合计"
        return total
    return BranchRow(0, name="合计")


@dataclass(frozen=True)
class CaseLine:
    """One applicant in a branch's pipeline: who, where they stand, what is next and when."""

    applicant: Applicant
    next_label: str
    due_on: dt.date | None
    is_late: bool
    is_soon: bool


def branch_pipeline(organization: Organization, *, today: dt.date | None = None) -> list[CaseLine]:
    """The open cases of the organization itself (a branch), late ones first, then by
    standing (申请人 … 预备党员) and name."""
    today = today or clock.today()
    soon = today + dt.timedelta(days=SOON_DAYS)
    order = {s.value: i for i, s in enumerate(Standing)}
    lines: list[CaseLine] = []
    for a in Applicant.objects.filter(organization=organization, status=CaseStatus.OPEN).only(
        "pk",
        "name",
        "gender",
        "standing",
        "last_step",
        "next_due_on",
        "organization_id",
        "birth_date",
    ):
        following = rules.next_step(a.last_step)
        lines.append(
            CaseLine(
                applicant=a,
                next_label=rules.spec(following).label if following else "",
                due_on=a.next_due_on,
                is_late=a.next_due_on is not None and a.next_due_on < today,
                is_soon=a.next_due_on is not None and today <= a.next_due_on <= soon,
            )
        )
    lines.sort(key=lambda c: (not c.is_late, order[c.applicant.standing], c.applicant.name))
    return lines


# A reach of at most this many organizations (a branch, a general branch) reads its open cases
# by organization and picks the deadlines here: SQLite, which keeps no statistics, otherwise
# walks the (status, deadline) index of every open case in the database and looks each one's
# organization up (a branch secretary's workbench in Shandong: 1 s for a branch of 37 cases).
FEW_ORGANIZATIONS = 50


def _by_deadline(
    user: User,
    permission: Permission,
    due: tuple[dt.date | None, dt.date | None],
    limit: int,
) -> tuple[list[Applicant], int]:
    """Open cases of the user's reach whose next deadline lies in `due` (from, up to; both
    included, None open), earliest first, and how many in all (counted up to 100)."""
    first, last = due
    reach = scope_of(user).reach(permission)
    if subtrees.organizations_in(reach) <= FEW_ORGANIZATIONS:
        ids = list(Organization.objects.filter(reach.organization_q()).values_list("pk", flat=True))
        found = sorted(
            (
                a
                for a in Applicant.objects.filter(
                    organization_id__in=ids, status=CaseStatus.OPEN
                ).select_related("organization")
                if a.next_due_on is not None
                and (first is None or a.next_due_on >= first)
                and (last is None or a.next_due_on <= last)
            ),
            key=lambda a: (a.next_due_on, a.pk),
        )
        return found[:limit], min(len(found), 100)
    rows = Applicant.objects.filter(
        subtrees.inside(reach, prefix="organization__"), status=CaseStatus.OPEN
    )
    if first is not None:
        rows = rows.filter(next_due_on__gte=first)
    if last is not None:
        rows = rows.filter(next_due_on__lte=last)
    count = rows.order_by().values("pk")[:100].count()
    return list(rows.select_related("organization").order_by("next_due_on", "pk")[:limit]), count


def late_cases(
    user: User, *, permission: Permission = Permission.VIEW_MEMBERS, limit: int = 5
) -> tuple[list[Applicant], int]:
    """The user's late cases (past a deadline), earliest deadline first, and how many in all
    (counted up to 100)."""
    yesterday = clock.today() - dt.timedelta(days=1)
    return _by_deadline(user, permission, (None, yesterday), limit)


def soon_cases(user: User, *, limit: int = 5) -> tuple[list[Applicant], int]:
    today = clock.today()
    soon = today + dt.timedelta(days=SOON_DAYS)
    return _by_deadline(user, Permission.VIEW_MEMBERS, (today, soon), limit)


def awaiting_approval(user: User, *, limit: int = 5) -> tuple[list[Applicant], int]:
    """Cases whose next step is the higher committee's decision, where the user approves."""
    scope = scope_of(user)
    steps = [s.step for s in rules.STEPS]
    waiting_after = [steps[rules.ORDER[s.step] - 1] for s in rules.STEPS if s.approval]
    rows = Applicant.objects.filter(
        subtrees.inside(scope.reach(Permission.APPROVE_DEVELOPMENT), prefix="organization__"),
        status=CaseStatus.OPEN,
    )
    count = rows.filter(last_step__in=waiting_after).order_by().values("pk")[:100].count()
    # The earliest deadlines of each step waiting, each a walk of the (status, last_step,
    # next_due_on) index that stops at `limit`, merged here: one ORDER BY over all three steps
    # sorted every case waiting in the reach (a country's), or walked the deadlines of every
    # open case to find the few waiting.
    found: list[Applicant] = []
    for step in waiting_after:
        found += (
            rows.filter(last_step=step)
            .select_related("organization")
            .order_by("next_due_on", "pk")[:limit]
        )
    nulls_first = connection.vendor == "sqlite"  # as each database orders NULL in ASC

    def order(a: Applicant) -> tuple[bool, dt.date, int]:
        missing = a.next_due_on is None
        return (not missing if nulls_first else missing, a.next_due_on or dt.date.min, a.pk)

    return sorted(found, key=order)[:limit], count


@dataclass(frozen=True)
class PlanProgress:
    year: int
    planned: int | None
    admitted: int

    @property
    def share(self) -> int | None:
        if not self.planned:
            return None
        return round(100 * self.admitted / self.planned)


def plan_progress(organization: Organization, year: int) -> PlanProgress:
    """发展计划 of the subtree for `year` against the admissions approved that year (the
    subtree's tally: one row)."""
    plan = DevelopmentPlan.objects.filter(organization=organization, year=year).first()
    return PlanProgress(
        year=year,
        planned=plan.planned if plan else None,
        admitted=tallies.admitted(organization, year),
    )
