"""The compliance rollup (组织生活达标情况): for every branch and month, which required kinds
were held with quorum; for every organization above, the sums over its branches.

`rollup_month(month)` rebuilds one month from the meetings in a few grouped reads and one bulk
write (the `jiceng orglife-compliance --month YYYY-MM` command); `refresh_branch` keeps it
current as meetings are signed off, adjusting the ancestors' rows by the difference (F()
updates on the ancestors' paths, one statement whatever the depth)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum

from jiceng.orgs.models import BRANCH_KINDS, Committee, Organization, PartyGroup

from . import rules
from .models import Compliance, Meeting, MeetingKind, MeetingRule, MeetingStatus, Period

STEP = Organization.steplen
MISSING_COLUMNS: dict[MeetingKind, str] = {kind: f"missing_{kind.lower()}" for kind in MeetingKind}


class Requirements:
    """The rules in force, resolved per organization path: the nearest ancestor's row for each
    kind, else the national row, else the code's default."""

    def __init__(self) -> None:
        self.national = dict(rules.DEFAULT_RULES)
        self.by_kind: dict[MeetingKind, dict[str, rules.Requirement]] = defaultdict(dict)
        for kind, period, times, day, path in MeetingRule.objects.values_list(
            "kind", "period", "times_per_period", "fixed_day", "organization__path"
        ):
            requirement = rules.Requirement(MeetingKind(kind), Period(period), times, day)
            if path is None:
                self.national[MeetingKind(kind)] = requirement
            else:
                self.by_kind[MeetingKind(kind)][path] = requirement
        self._cache: dict[tuple[int, ...], dict[MeetingKind, rules.Requirement]] = {}

    @property
    def uniform(self) -> bool:
        return not self.by_kind

    def for_path(self, path: str) -> dict[MeetingKind, rules.Requirement]:
        if self.uniform:
            return self.national
        resolved = {}
        for kind, national in self.national.items():
            found = rules.nearest_rule(path, self.by_kind.get(kind, {}), STEP)
            resolved[kind] = found or national
        return resolved

    def earliest_start(self, month: int) -> dict[MeetingKind, int]:
        """For each kind the first month any branch's period may reach back to."""
        starts = {}
        for kind, national in self.national.items():
            periods = {national.period} | {r.period for r in self.by_kind.get(kind, {}).values()}
            starts[kind] = min(rules.period_bounds(p, month)[0] for p in periods)
        return starts


@dataclass
class Row:
    organization_id: int
    path: str
    branches: int = 0
    compliant: int = 0
    met: int = 0
    missing: int = 0
    pending: int = 0
    expected: int = 0
    present: int = 0

    def __post_init__(self) -> None:
        self.missing_by_kind = dict.fromkeys(MeetingKind, 0)

    def add(self, other: Row) -> None:
        self.branches += other.branches
        self.compliant += other.compliant
        self.expected += other.expected
        self.present += other.present
        for kind in MeetingKind:
            self.missing_by_kind[kind] += other.missing_by_kind[kind]

    def values(self, month: int) -> tuple[Any, ...]:
        return (
            self.organization_id,
            month,
            self.path,
            len(self.path) // STEP,
            self.branches,
            self.compliant,
            self.met,
            self.missing,
            self.pending,
            *(self.missing_by_kind[k] for k in MeetingKind),
            self.expected,
            self.present,
        )


COLUMNS = (
    "organization_id",
    "month",
    "path",
    "depth",
    "branches",
    "compliant",
    "met",
    "missing",
    "pending",
    *MISSING_COLUMNS.values(),
    "expected",
    "present",
)


def _held_counts(
    month: int, requirements: Requirements, organization_ids: Iterable[int] | None = None
) -> dict[int, dict[MeetingKind, list[tuple[int, int]]]]:
    """organization → kind → [(month, meetings held with quorum)] over each kind's reach."""
    starts = requirements.earliest_start(month)
    q = Q(pk__in=[])
    for kind, start in starts.items():
        q |= Q(kind=kind, month__gte=start)
    rows = Meeting.objects.filter(q, month__lte=month, status=MeetingStatus.HELD, quorum_met=True)
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=list(organization_ids))
    found: dict[int, dict[MeetingKind, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for org_id, kind, mon, count in (
        rows.values_list("organization_id", "kind", "month").annotate(n=Count("pk")).order_by()
    ):
        found[org_id][MeetingKind(kind)].append((mon, count))
    return found


def _attendance(
    month: int, organization_ids: Iterable[int] | None = None
) -> dict[int, tuple[int, int]]:
    rows = Meeting.objects.filter(month=month, status=MeetingStatus.HELD)
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=list(organization_ids))
    return {
        org_id: (expected or 0, present or 0)
        for org_id, expected, present in rows.values_list("organization_id")
        .annotate(e=Sum("expected_count"), p=Sum("present_count"))
        .order_by()
    }


def branch_row(
    *,
    organization_id: int,
    path: str,
    month: int,
    requirements: dict[MeetingKind, rules.Requirement],
    held: dict[MeetingKind, list[tuple[int, int]]],
    has_committee: bool,
    party_groups: int,
    attendance: tuple[int, int],
) -> Row:
    counts = {}
    for kind, requirement in requirements.items():
        start = rules.period_bounds(requirement.period, month)[0]
        counts[kind] = sum(n for mon, n in held.get(kind, ()) if mon >= start)
    met, missing, pending = rules.evaluate_branch(
        requirements=requirements,
        held=counts,
        month=month,
        has_committee=has_committee,
        party_groups=party_groups,
    )
    row = Row(organization_id, path, branches=1, compliant=int(missing == 0))
    row.met, row.missing, row.pending = met, missing, pending
    row.expected, row.present = attendance
    for kind in rules.kinds_in(missing):
        row.missing_by_kind[kind] = 1
    return row


@dataclass
class RollupResult:
    month: int
    branches: int
    compliant: int
    rows: int
    seconds: float


def rollup_month(month: int) -> RollupResult:
    """Rebuild the month's rows for the whole tree."""
    started = time.perf_counter()
    requirements = Requirements()
    branches = list(
        Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
        .values_list("pk", "path")
        .order_by()
    )
    with_committee = set(
        Committee.objects.filter(ended_on__isnull=True).values_list("organization_id", flat=True)
    )
    groups = dict(
        PartyGroup.objects.values_list("organization_id").annotate(n=Count("pk")).order_by()
    )
    held = _held_counts(month, requirements)
    attendance = _attendance(month)
    empty: dict[MeetingKind, list[tuple[int, int]]] = {}
    rows: dict[str, Row] = {}
    for pk, path in branches:
        rows[path] = branch_row(
            organization_id=pk,
            path=path,
            month=month,
            requirements=requirements.for_path(path),
            held=held.get(pk, empty),
            has_committee=pk in with_committee,
            party_groups=groups.get(pk, 0),
            attendance=attendance.get(pk, (0, 0)),
        )
    _add_ancestors(rows)
    _write_month(month, rows.values())
    branch_rows = [rows[path] for _, path in branches]
    return RollupResult(
        month=month,
        branches=len(branch_rows),
        compliant=sum(r.compliant for r in branch_rows),
        rows=len(rows),
        seconds=time.perf_counter() - started,
    )


def _add_ancestors(rows: dict[str, Row]) -> None:
    """Sum the branch rows into every ancestor (the prefixes of their paths)."""
    branch_rows = list(rows.values())
    ancestor_paths = {
        row.path[:end] for row in branch_rows for end in range(STEP, len(row.path), STEP)
    }
    ids = dict(
        Organization.objects.filter(path__in=sorted(ancestor_paths)).values_list("path", "pk")
        if len(ancestor_paths) < 500
        else Organization.objects.exclude(kind__in=BRANCH_KINDS).values_list("path", "pk")
    )
    for row in branch_rows:
        for end in range(STEP, len(row.path), STEP):
            prefix = row.path[:end]
            above = rows.get(prefix)
            if above is None:
                if prefix not in ids:
                    continue
                above = rows[prefix] = Row(ids[prefix], prefix)
            above.add(row)


@transaction.atomic
def _write_month(month: int, rows: Iterable[Row]) -> None:
    table = connection.ops.quote_name(Compliance._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    Compliance.objects.filter(month=month).delete()
    values = [row.values(month) for row in rows]
    with connection.cursor() as cursor:
        for i in range(0, len(values), 20_000):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - our table
                values[i : i + 20_000],
            )


@transaction.atomic
def refresh_branch(*, organization: Organization, month: int) -> Row | None:
    """Recompute one branch's row for `month` and move its ancestors' rows by the difference.
    Organizations other than branches have no requirements of their own."""
    if organization.kind not in BRANCH_KINDS:
        return None
    requirements = Requirements()
    held = _held_counts(month, requirements, [organization.pk]).get(organization.pk, {})
    row = branch_row(
        organization_id=organization.pk,
        path=organization.path,
        month=month,
        requirements=requirements.for_path(organization.path),
        held=held,
        has_committee=Committee.objects.filter(
            organization=organization, ended_on__isnull=True
        ).exists(),
        party_groups=PartyGroup.objects.filter(organization=organization).count(),
        attendance=_attendance(month, [organization.pk]).get(organization.pk, (0, 0)),
    )
    old = (
        Compliance.objects.select_for_update()
        .filter(organization_id=organization.pk, month=month)
        .first()
    )
    before = Row(organization.pk, organization.path)
    if old is not None:
        before.branches, before.compliant = old.branches, old.compliant
        before.expected, before.present = old.expected, old.present
        for kind, column in MISSING_COLUMNS.items():
            before.missing_by_kind[kind] = getattr(old, column)
    values = dict(zip(COLUMNS, row.values(month), strict=True))
    Compliance.objects.update_or_create(
        organization_id=organization.pk,
        month=month,
        defaults={k: v for k, v in values.items() if k not in ("organization_id", "month")},
    )
    ancestors = rules_ancestors(organization.path)
    existing = set(
        Compliance.objects.filter(month=month, path__in=ancestors).values_list("path", flat=True)
    )
    missing_paths = [p for p in ancestors if p not in existing]
    if missing_paths:
        Compliance.objects.bulk_create(
            Compliance(organization_id=pk, month=month, path=path, depth=len(path) // STEP)
            for path, pk in Organization.objects.filter(path__in=missing_paths).values_list(
                "path", "pk"
            )
        )
    delta = {
        "branches": row.branches - before.branches,
        "compliant": row.compliant - before.compliant,
        "expected": row.expected - before.expected,
        "present": row.present - before.present,
        **{
            MISSING_COLUMNS[k]: row.missing_by_kind[k] - before.missing_by_kind[k]
            for k in MeetingKind
        },
    }
    changed = {k: F(k) + v for k, v in delta.items() if v}
    if changed:
        Compliance.objects.filter(month=month, path__in=ancestors).update(**changed)
    return row


def rules_ancestors(path: str) -> list[str]:
    return [path[:end] for end in range(STEP, len(path), STEP)]
