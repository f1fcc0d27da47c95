"""The compliance rollup (组织生活达标情况): for every branch and month, which required kinds
were held with quorum; for every organization above, the sums over its branches.

`rollup_month(month)` rebuilds one month (the `jiceng orglife-compliance --month YYYY-MM`
command): one grouped read of the meetings that count (`held_counts`), the branches judged in
Python by `rules.evaluate_branch` (memoized: its inputs take few distinct values), the branch
rows written at once (core.bulk: COPY on PostgreSQL), and every organization above summed in
SQL, one INSERT ... SELECT per depth from the rows one level down. `refresh_branch` keeps it
current as meetings are signed off, adjusting the ancestors' rows by the difference (F()
updates on the ancestors' paths, one statement whatever the depth)."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F

from jiceng.core import clock
from jiceng.core.bulk import write_rows
from jiceng.members.models import ACTIVE_STATUSES as ROSTER_STATUSES
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import BRANCH_KINDS, Committee, Organization, PartyGroup

from . import rules
from .models import (
    Compliance,
    HeartToHeartTalk,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingStatus,
    Period,
)

STEP = Organization.steplen
MISSING_COLUMNS: dict[MeetingKind, str] = {kind: f"missing_{kind.lower()}" for kind in MeetingKind}

RuleSet = dict[MeetingKind, rules.Requirement]


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
        self._own_paths = {path for found in self.by_kind.values() for path in found}
        # a branch without rules of its own has its parent's: one resolution per parent
        self._by_parent: dict[str, RuleSet] = {}

    @property
    def uniform(self) -> bool:
        return not self.by_kind

    def for_path(self, path: str) -> RuleSet:
        if self.uniform:
            return self.national
        if path in self._own_paths:
            return self._resolve(path)
        parent = path[:-STEP]
        found = self._by_parent.get(parent)
        if found is None:
            found = self._by_parent[parent] = self._resolve(parent)
        return found

    def _resolve(self, path: str) -> RuleSet:
        resolved = {}
        for kind, national in self.national.items():
            found = rules.nearest_rule(path, self.by_kind.get(kind, {}), STEP)
            resolved[kind] = found or national
        return resolved

    def periods(self, kind: MeetingKind) -> list[Period]:
        """The periods any organization's rule gives `kind`, shortest first."""
        found = {self.national[kind].period} if kind in self.national else set()
        found |= {r.period for r in self.by_kind.get(kind, {}).values()}
        order = list(Period)
        return sorted(found, key=order.index)


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
    "members_without_talk",
)
# the columns an organization above the branches sums over its subtree
SUMMED = (
    "branches",
    "compliant",
    *MISSING_COLUMNS.values(),
    "expected",
    "present",
    "members_without_talk",
)
TALK = MeetingKind.HEART_TO_HEART_TALK
ACTIVE_STATUSES = (MemberStatus.FULL, MemberStatus.PROBATIONARY)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


@dataclass
class HeldCounts:
    """For each organization, the meetings held with quorum from the start of each (kind,
    period) to the month (`index[(kind, period)]` is its place in the tuple), then the expected
    and present counts of the month's held meetings."""

    index: dict[tuple[MeetingKind, str], int]
    by_organization: dict[int, tuple[int, ...]]
    # active members without a heart-to-heart talk in the period so far, by the talk's
    # period (rules may differ by subtree) and branch
    without_talk: dict[str, dict[int, int]]

    @property
    def zero(self) -> tuple[int, ...]:
        return (0,) * (len(self.index) + 2)


def held_counts(
    month: int, requirements: Requirements, organization_id: int | None = None
) -> HeldCounts:
    """The meetings held, in one statement, and the talk gaps (`_talk_gaps`, one more per
    period a talk rule gives). For the whole tree: for each kind, one range of the rollup
    index (kind, month, status, ...) over the months its longest period reaches back to; the
    ranges joined by UNION ALL (an OR would make SQLite read the table rows), grouped by
    organization. Every kind's range ends with the month itself, so the month's attendance
    sums come from the same rows. For one organization (signing minutes): its own meetings
    of the widest window, by the organization's index (a kind's range would be every
    branch's)."""
    index: dict[tuple[MeetingKind, str], int] = {}
    sums: list[str] = []
    sum_params: list[Any] = []
    ranges: list[tuple[str, int]] = []
    for kind in rules.MEETING_KINDS:
        starts = [(p, rules.period_bounds(p, month)[0]) for p in requirements.periods(kind)]
        for period, start in starts:
            index[(kind, period)] = len(index)
            if kind == MeetingKind.GROUP_MEETING:  # each party group that held one, once
                sums.append(
                    "COUNT(DISTINCT CASE WHEN kind = %s AND month >= %s AND quorum_met "
                    "THEN party_group_id END)"
                )
            else:
                sums.append(
                    "SUM(CASE WHEN kind = %s AND month >= %s AND quorum_met THEN 1 ELSE 0 END)"
                )
            sum_params += [kind.value, start]
        ranges.append((kind.value, min((s for _, s in starts), default=month)))
    sums.append("SUM(CASE WHEN month = %s THEN expected_count ELSE 0 END)")
    sums.append("SUM(CASE WHEN month = %s THEN present_count ELSE 0 END)")
    sum_params += [month, month]
    table = _quote(Meeting._meta.db_table)
    held = MeetingStatus.HELD.value
    where = "month >= %s AND month <= %s AND status = %s"
    if organization_id is None:
        part = (
            "SELECT organization_id, kind, month, quorum_met, expected_count, present_count, "  # noqa: S608 - our table
            "party_group_id "
            f"FROM {table} WHERE kind = %s AND {where}"
        )
        source = f"({' UNION ALL '.join([part] * len(ranges))}) AS held"
        source_params = [p for kind, start in ranges for p in (kind, start, month, held)]
    else:
        source = f"{table} WHERE organization_id = %s AND {where}"
        source_params = [organization_id, min(start for _, start in ranges), month, held]
    sql = (
        f"SELECT organization_id, {', '.join(sums)} "  # noqa: S608 - our table, our columns
        f"FROM {source} GROUP BY organization_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*sum_params, *source_params])
        found = {row[0]: tuple(int(n or 0) for n in row[1:]) for row in cursor.fetchall()}
    return HeldCounts(
        index=index,
        by_organization=found,
        without_talk=_talk_gaps(month, requirements, organization_id),
    )


def _talk_gaps(
    month: int, requirements: Requirements, organization_id: int | None = None
) -> dict[str, dict[int, int]]:
    """For each period a talk rule gives and each branch with active members, how many of
    them had no heart-to-heart talk from the period's start to the end of `month`. Grouped
    reads: the active members from the organizations' rollups, then per period
    (one unless rules differ) the members talked to by the index of the talks that count
    (year, organization, member, talked_on), alone: a talk counts only for a member still
    active in the branch it was recorded in, which `HeartToHeartTalk.counted` keeps (reading
    each talk's member took 16.4 s of a province's 7.7 million talks at scale 1)."""
    # The active members of each branch: its roster as the organization row counts it
    # (orgs.rollups: grouping 100 million members took most of a national rollup), less those
    # on the roster who are lost or suspended (few: one status at a time, by its partial
    # index; together, PostgreSQL read the whole (organization, status) index).
    organizations = Organization.objects.filter(member_count__gt=0)
    if organization_id is not None:
        organizations = organizations.filter(pk=organization_id)
    else:
        organizations = organizations.filter(kind__in=BRANCH_KINDS)
    active = dict(organizations.values_list("pk", "member_count").order_by())
    for status in sorted(ROSTER_STATUSES - set(ACTIVE_STATUSES)):
        absent = Member.objects.filter(status=status)
        if organization_id is not None:
            absent = absent.filter(organization_id=organization_id)
        for pk, n in absent.values_list("organization_id").annotate(n=Count("*")).order_by():
            if pk in active:
                active[pk] -= n
    end = rules.month_start(rules.add_months(month, 1))
    gaps: dict[str, dict[int, int]] = {}
    for period in requirements.periods(TALK):
        start = rules.month_start(rules.period_bounds(period, month)[0])
        talks = HeartToHeartTalk.objects.filter(
            year=month // 100, talked_on__gte=start, talked_on__lt=end, counted=True
        )
        if organization_id is not None:
            talks = talks.filter(organization_id=organization_id)
        talked = dict(
            talks.values_list("organization_id")
            .annotate(n=Count("member_id", distinct=True))
            .order_by()
        )
        gaps[period] = {pk: n - talked.get(pk, 0) for pk, n in active.items()}
    return gaps


class BranchJudge:
    """`rules.evaluate_branch` over many branches: the requirements resolved per path, each
    kind's count taken from the column of its period, the outcome memoized on the exact inputs
    (a few hundred distinct ones for 200,000 branches)."""

    def __init__(self, requirements: Requirements, month: int, held: HeldCounts) -> None:
        self.requirements = requirements
        self.month = month
        self.held = held
        self._picks: dict[int, tuple[RuleSet, list[tuple[MeetingKind, int]]]] = {}
        self._memo: dict[tuple[Any, ...], tuple[int, ...]] = {}

    def __call__(
        self,
        required: RuleSet,
        counts: tuple[int, ...],
        has_committee: bool,
        party_groups: int,
        without_talk: int = 0,
    ) -> tuple[int, ...]:
        """(compliant, met, missing, pending, missing per kind in MeetingKind order), for a
        branch whose rules (`Requirements.for_path`) are `required`."""
        picked = self._picks.get(id(required))
        if picked is None:  # the dict is kept in the value, so its id stays its own
            columns = [
                (k, self.held.index[(k, r.period)]) for k, r in required.items() if k != TALK
            ]
            picked = self._picks[id(required)] = (required, columns)
        columns = picked[1]
        # only whether anyone lacks a talk matters to the outcome: a small memo key
        key = (
            id(required),
            has_committee,
            party_groups,
            without_talk > 0,
            *(counts[i] for _, i in columns),
        )
        found = self._memo.get(key)
        if found is None:
            met, missing, pending = rules.evaluate_branch(
                requirements=required,
                held={kind: counts[i] for kind, i in columns},
                month=self.month,
                has_committee=has_committee,
                party_groups=party_groups,
                members_without_talk=without_talk,
            )
            flags = tuple(int(bool(missing & rules.KIND_BITS[k])) for k in MeetingKind)
            found = self._memo[key] = (int(missing == 0), met, missing, pending, *flags)
        return found


def branch_values(
    *,
    organization_id: int,
    path: str,
    month: int,
    judge: BranchJudge,
    has_committee: bool,
    party_groups: int,
) -> tuple[Any, ...]:
    """A branch's row, in the order of COLUMNS."""
    counts = judge.held.by_organization.get(organization_id) or judge.held.zero
    required = judge.requirements.for_path(path)
    talk_rule = required.get(TALK)
    gaps = judge.held.without_talk.get(talk_rule.period, {}) if talk_rule else {}
    without_talk = gaps.get(organization_id, 0)
    judged = judge(required, counts, has_committee, party_groups, without_talk)
    return (
        organization_id,
        month,
        path,
        len(path) // STEP,
        1,
        *judged,
        counts[-2],
        counts[-1],
        without_talk,
    )


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
    branches = sorted(
        Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
        .values_list("path", "pk")
        .order_by()
    )
    with_committee = set(
        Committee.objects.filter(ended_on__isnull=True).values_list("organization_id", flat=True)
    )
    groups = dict(
        PartyGroup.objects.values_list("organization_id").annotate(n=Count("pk")).order_by()
    )
    judge = BranchJudge(requirements, month, held_counts(month, requirements))
    values = [
        branch_values(
            organization_id=pk,
            path=path,
            month=month,
            judge=judge,
            has_committee=pk in with_committee,
            party_groups=groups.get(pk, 0),
        )
        for path, pk in branches
    ]
    rows = _write_month(month, values)
    return RollupResult(
        month=month,
        branches=len(values),
        compliant=sum(v[5] for v in values),
        rows=rows,
        seconds=time.perf_counter() - started,
    )


@transaction.atomic
def _write_month(month: int, branch_rows: Sequence[tuple[Any, ...]]) -> int:
    """Replace the month's rows: the branches' in one go (core.bulk), then every organization above,
    deepest first, as the sums of the rows one level down (branches have no organizations
    below them: orgs.rules.ALLOWED_CHILDREN), one INSERT ... SELECT per depth. Returns the
    number of rows written."""
    table = _quote(Compliance._meta.db_table)
    organizations = _quote(Organization._meta.db_table)
    columns = ", ".join(_quote(c) for c in COLUMNS)
    sums = ", ".join(
        f"SUM(c.{_quote(c)})" if c in SUMMED else "0"
        for c in COLUMNS
        if c not in ("organization_id", "month", "path", "depth")
    )
    ancestors = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 - our tables and columns
        f"SELECT o.id, c.month, o.path, %s, {sums} FROM {table} c "
        f"JOIN {organizations} o ON o.path = SUBSTR(c.path, 1, %s) "
        "WHERE c.month = %s AND c.depth = %s GROUP BY o.id, c.month, o.path"
    )
    Compliance.objects.filter(month=month).delete()
    written = len(branch_rows)
    write_rows(Compliance._meta.db_table, COLUMNS, branch_rows)
    with connection.cursor() as cursor:
        deepest = max((row[3] for row in branch_rows), default=0)
        for depth in range(deepest - 1, 0, -1):
            cursor.execute(ancestors, [depth, depth * STEP, month, depth + 1])
            written += cursor.rowcount
    return written


@transaction.atomic
def refresh_branch(*, organization: Organization, month: int) -> Compliance | None:
    """Recompute one branch's row for `month` and for the later months of the same year that
    were already rolled up (a general meeting in April also counts for May and June), and move
    the ancestors' rows by the difference. Organizations other than branches have no
    requirements of their own."""
    if organization.kind not in BRANCH_KINDS:
        return None
    requirements = Requirements()
    has_committee = Committee.objects.filter(
        organization=organization, ended_on__isnull=True
    ).exists()
    party_groups = PartyGroup.objects.filter(organization=organization).count()
    last = max(
        rules.period_bounds(r.period, month)[1]
        for r in requirements.for_path(organization.path).values()
    )
    later = Compliance.objects.filter(
        organization_id=organization.pk, month__gt=month, month__lte=last
    ).values_list("month", flat=True)
    for each in sorted(later, reverse=True):
        _refresh_month(organization, each, requirements, has_committee, party_groups)
    return _refresh_month(organization, month, requirements, has_committee, party_groups)


def _refresh_month(
    organization: Organization,
    month: int,
    requirements: Requirements,
    has_committee: bool,
    party_groups: int,
) -> Compliance:
    judge = BranchJudge(requirements, month, held_counts(month, requirements, organization.pk))
    values = dict(
        zip(
            COLUMNS,
            branch_values(
                organization_id=organization.pk,
                path=organization.path,
                month=month,
                judge=judge,
                has_committee=has_committee,
                party_groups=party_groups,
            ),
            strict=True,
        )
    )
    old = (
        Compliance.objects.select_for_update()
        .filter(organization_id=organization.pk, month=month)
        .values(*SUMMED)
        .first()
    ) or dict.fromkeys(SUMMED, 0)
    row, _ = Compliance.objects.update_or_create(
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
    changed = {k: F(k) + (values[k] - old[k]) for k in SUMMED if values[k] != old[k]}
    if changed:
        Compliance.objects.filter(month=month, path__in=ancestors).update(**changed)
    return row


def rules_ancestors(path: str) -> list[str]:
    return [path[:end] for end in range(STEP, len(path), STEP)]


# -- why a requirement is not met (the branch's own page) -----------------------------------


@dataclass(frozen=True)
class MeetingFacts:
    """What the explanation needs of one meeting of the period (not cancelled)."""

    pk: int
    status: str
    quorum_met: bool | None
    present: int
    expected: int
    starts_at: dt.datetime
    ends_at: dt.datetime


PERIOD_WORDS = {Period.MONTH: "本月", Period.QUARTER: "本季度", Period.YEAR: "本年度"}


def quorum_shortfall(kind: MeetingKind | str) -> str:
    """Why a held meeting of `kind` did not count (rules.quorum_met, in words)."""
    if kind == MeetingKind.COMMITTEE_MEETING:
        return "到会委员不足半数"
    if kind in rules.ALL_MEMBER_KINDS:
        return "到会人数未过半"
    return "无人到会"


def why_not_met(
    kind: MeetingKind, period: Period | str, meetings: Sequence[MeetingFacts], now: dt.datetime
) -> tuple[str, int | None]:
    """(the reason in words, the meeting it is about) for a required kind that is not met:
    held without quorum, held but the minutes not signed (a meeting counts once they are),
    scheduled for later, or not held at all. The first of these that applies, in that order:
    the one that tells the secretary what to do."""
    for m in meetings:
        if m.status == MeetingStatus.HELD and not m.quorum_met:
            return (
                f"已召开，但{quorum_shortfall(kind)}（实到{m.present}/应到{m.expected}），"
                "不计入达标",
                m.pk,
            )
    for m in meetings:
        if m.status == MeetingStatus.SCHEDULED and m.ends_at < now:
            return "会议已开，会议记录尚未签发（签发后计入）", m.pk
    for m in meetings:
        if m.status == MeetingStatus.SCHEDULED:
            when = m.starts_at.astimezone(clock.CHINA)
            return f"已安排在{when.month}月{when.day}日召开", m.pk
    words = PERIOD_WORDS.get(Period(period), "本期")
    if kind == MeetingKind.GROUP_MEETING:
        return f"{words}有党小组尚未召开党小组会", None
    return f"{words}尚未召开", None
