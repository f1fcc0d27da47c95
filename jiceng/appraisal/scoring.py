"""The yearly computation (评星定级): every branch of a subtree scored on its checklist from the
records and the reviewed self-assessments, its stars, then the five-star cap of each checklist.

`compute_year(root=..., year=...)` is bulk and idempotent: one grouped read per source
(compliance rows, current committees and their secretaries, dues bills, late development
cases, reviewed
self-assessments), the scores in Python, one upsert of the year's rows (keyed on organization
and year, so a second run rewrites the same rows), and the cap applied in two UPDATEs per
checklist over the whole year's rows of that checklist, wherever they were computed from. The
`jiceng appraisal-compute` command and the periodic task `appraisal` call it."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, Sum

from jiceng.core import clock
from jiceng.core.paths import under
from jiceng.development.models import Applicant, CaseStatus
from jiceng.dues.models import Bill
from jiceng.orglife.models import Compliance
from jiceng.orgs.models import BRANCH_KINDS, Committee, CommitteeSeat, Organization, Post

from . import rules
from .models import (
    ChecklistItem,
    ChecklistVersion,
    Review,
    SelfAssessment,
    Source,
    StandardizationChecklist,
)

STEP = Organization.steplen
BATCH = 2000


@transaction.atomic
def ensure_national_version(year: int) -> ChecklistVersion:
    """The national checklist of `year`, made from rules.DEFAULT_ITEMS the first time."""
    found = ChecklistVersion.objects.filter(year=year, organization__isnull=True).first()
    if found:
        return found
    version = ChecklistVersion.objects.create(
        year=year,
        name=f"{year}年度党支部标准化规范化建设评分表",
        five_star_cap_percent=rules.DEFAULT_FIVE_STAR_CAP,
        created_at=clock.now(),
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            version=version,
            order=number,
            text=spec.text,
            weight=spec.weight,
            source=spec.source,
            evidence_required=spec.evidence_required,
        )
        for number, spec in enumerate(rules.DEFAULT_ITEMS, start=1)
    )
    return version


class Versions:
    """The checklists of a year, resolved per organization path: the nearest adopted one above
    (or at) the organization, else the national one."""

    def __init__(self, year: int) -> None:
        self.national = ensure_national_version(year)
        self.by_path: dict[str, ChecklistVersion] = {
            v.organization.path: v  # type: ignore[union-attr]
            for v in ChecklistVersion.objects.filter(year=year, organization__isnull=False)
            .select_related("organization")
            .order_by()
        }
        ids = [self.national.pk, *(v.pk for v in self.by_path.values())]
        self.items: dict[int, list[ChecklistItem]] = defaultdict(list)
        for item in ChecklistItem.objects.filter(version_id__in=ids).order_by("version", "order"):
            self.items[item.version_id].append(item)

    def for_path(self, path: str) -> ChecklistVersion:
        if self.by_path:
            for end in range(len(path), 0, -STEP):
                found = self.by_path.get(path[:end])
                if found:
                    return found
        return self.national


def as_of_day(year: int, today: dt.date | None = None) -> dt.date:
    today = today or clock.today()
    return min(dt.date(year, 12, 31), today)


def judged_months(year: int, as_of: dt.date) -> tuple[int, int]:
    """The first and last months (YYYYMM) of `year` whose compliance is final by `as_of`: the
    complete months (the whole year once it is over)."""
    last = as_of.year * 100 + as_of.month
    if as_of != dt.date(as_of.year, 12, 31):
        last = last - 1 if as_of.month > 1 else (as_of.year - 1) * 100 + 12
    return year * 100 + 1, last


@dataclass(frozen=True)
class Facts:
    """What the records say of one branch in a year."""

    months: int = 0
    compliant_months: int = 0
    members: int = 0
    members_without_talk: int = 0
    has_secretary: bool = False
    term_in_force: bool = False
    open_cases: int = 0
    late_cases: int = 0
    bills: int = 0  # the members' dues bills of the judged months (nothing owed: none)
    bills_paid: int = 0


def item_points(item: ChecklistItem, facts: Facts, reviewed: dict[int, int]) -> int:
    """The points of one item: from the records, or the reviewed self-assessment (a
    self-assessment not yet reviewed counts nothing: self-scores are never taken as final)."""
    weight = item.weight
    match item.source:
        case Source.MEETINGS:
            return rules.share_points(weight, facts.compliant_months, facts.months)
        case Source.COMMITTEE:
            return weight if facts.has_secretary else 0
        case Source.TERM:
            return weight if facts.term_in_force else 0
        case Source.DUES:
            return rules.share_points(weight, facts.bills_paid, facts.bills)
        case Source.DEVELOPMENT:
            return rules.share_points(weight, facts.open_cases - facts.late_cases, facts.open_cases)
        case Source.TALKS:
            return rules.share_points(
                weight, facts.members - facts.members_without_talk, facts.members
            )
    return min(weight, reviewed.get(item.pk, 0))


def gather_facts(branches: dict[int, Organization], year: int, as_of: dt.date) -> dict[int, Facts]:
    """The records of these branches in `year`, one grouped read per source."""
    ids = list(branches)
    first, last = judged_months(year, as_of)
    months: dict[int, tuple[int, int]] = {}
    talks: dict[int, int] = {}
    if last >= first:
        for row in (
            Compliance.objects.filter(organization_id__in=ids, month__range=(first, last))
            .values("organization_id")
            .annotate(n=Count("id"), good=Sum("compliant"))
            .order_by()
        ):
            months[row["organization_id"]] = (row["n"], int(row["good"] or 0))
        talks = dict(
            Compliance.objects.filter(organization_id__in=ids, month=last).values_list(
                "organization_id", "members_without_talk"
            )
        )
    committees = dict(
        Committee.objects.filter(organization_id__in=ids, ended_on__isnull=True).values_list(
            "organization_id", "term_due"
        )
    )
    with_secretary = set(
        CommitteeSeat.objects.filter(
            committee__organization_id__in=ids,
            committee__ended_on__isnull=True,
            post=Post.SECRETARY,
        ).values_list("committee__organization_id", flat=True)
    )
    cases: dict[int, tuple[int, int]] = {
        row["organization_id"]: (row["n"], row["late"])
        for row in Applicant.objects.filter(organization_id__in=ids, status=CaseStatus.OPEN)
        .values("organization_id")
        .annotate(n=Count("id"), late=Count("id", filter=Q(next_due_on__lt=as_of)))
        .order_by()
    }
    dues: dict[int, tuple[int, int]] = {}
    if last >= first:
        # The months one by one, not a range: with the branches' ids each is an equality on
        # the bills' index (month, organization). Over a range SQLite read every bill of the
        # months for each batch of branches (Shandong's 94.9 million bills: 7.6 s a batch of
        # 2,000 branches, 0.28 s this way).
        judged = list(range(first, last + 1))  # months of one year (as_of_day keeps to it)
        dues = {
            row["organization_id"]: (row["n"], row["paid"])
            for row in Bill.objects.filter(organization_id__in=ids, month__in=judged, amount__gt=0)
            .values("organization_id")
            .annotate(n=Count("id"), paid=Count("id", filter=Q(payment__isnull=False)))
            .order_by()
        }
    span = last - first + 1 if last >= first else 0
    facts = {}
    for pk, organization in branches.items():
        good = months.get(pk, (0, 0))[1]
        open_cases, late = cases.get(pk, (0, 0))
        due = committees.get(pk)
        facts[pk] = Facts(
            # a month not rolled up counts as not met: the rollup is rebuilt every month
            months=span,
            compliant_months=good,
            members=organization.member_count,
            members_without_talk=talks.get(pk, 0),
            has_secretary=pk in with_secretary,
            term_in_force=due is not None and due >= as_of,
            open_cases=open_cases,
            late_cases=late,
            bills=dues.get(pk, (0, 0))[0],
            bills_paid=dues.get(pk, (0, 0))[1],
        )
    return facts


def reviewed_points(ids: Iterable[int]) -> tuple[dict[int, dict[int, int]], dict[int, int]]:
    """Per branch: the reviewed points by item, and how many self-assessments await review."""
    points: dict[int, dict[int, int]] = defaultdict(dict)
    waiting: dict[int, int] = defaultdict(int)
    for organization_id, item_id, status, reviewed in SelfAssessment.objects.filter(
        organization_id__in=list(ids)
    ).values_list("organization_id", "item_id", "status", "reviewed_points"):
        if status == Review.ACCEPTED:
            points[organization_id][item_id] = reviewed or 0
        else:
            waiting[organization_id] += 1
    return points, waiting


@dataclass(frozen=True)
class ComputeResult:
    organizations: int
    five_star: int
    seconds: float


def _branches_under(root: Organization) -> Iterable[list[Organization]]:
    rows = (
        Organization.objects.filter(
            under(root.path), kind__in=BRANCH_KINDS, dissolved_on__isnull=True
        )
        .only("pk", "path", "member_count")
        .order_by("path")
    )
    batch: list[Organization] = []
    for organization in rows.iterator(chunk_size=BATCH):
        batch.append(organization)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def compute_year(*, root: Organization, year: int, today: dt.date | None = None) -> ComputeResult:
    """Scores and stars of every branch under `root` (itself included) for `year`."""
    started = time.perf_counter()
    as_of = as_of_day(year, today)
    versions = Versions(year)
    now = clock.now()
    count = 0
    touched: set[int] = set()
    for batch in _branches_under(root):
        branches = {o.pk: o for o in batch}
        facts = gather_facts(branches, year, as_of)
        reviewed, waiting = reviewed_points(branches)
        rows = []
        for pk, organization in branches.items():
            version = versions.for_path(organization.path)
            touched.add(version.pk)
            points = {
                str(item.pk): item_points(item, facts[pk], reviewed.get(pk, {}))
                for item in versions.items[version.pk]
            }
            score = sum(points.values())
            rows.append(
                StandardizationChecklist(
                    organization_id=pk,
                    year=year,
                    version=version,
                    path=organization.path,
                    points=points,
                    score=score,
                    stars=rules.stars_of(score),
                    awaiting_review=waiting.get(pk, 0),
                    computed_at=now,
                )
            )
        with transaction.atomic():
            StandardizationChecklist.objects.bulk_create(
                rows,
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=["organization", "year"],
                update_fields=[
                    "version",
                    "path",
                    "points",
                    "score",
                    "stars",
                    "awaiting_review",
                    "computed_at",
                ],
            )
        count += len(rows)
    five = apply_caps(year, touched)
    return ComputeResult(count, five, time.perf_counter() - started)


def apply_caps(year: int, version_ids: Iterable[int]) -> int:
    """The five-star cap of each checklist over all its rows of the year: the highest scores
    (ties by path, so the answer does not depend on the order of runs) keep five stars, the
    rest of the 90+ get four. Returns how many hold five stars under these checklists."""
    five = 0
    for version in ChecklistVersion.objects.filter(pk__in=list(version_ids)):
        rows = StandardizationChecklist.objects.filter(year=year, version=version)
        allowed = rules.five_star_allowed(
            organizations=rows.count(), cap_percent=version.five_star_cap_percent
        )
        eligible = rows.filter(score__gte=rules.STAR_FLOORS[0][0])
        keep = list(eligible.order_by("-score", "path").values_list("pk", flat=True)[:allowed])
        with transaction.atomic():
            eligible.exclude(pk__in=keep).update(stars=4)
            rows.filter(pk__in=keep).update(stars=5)
        five += len(keep)
    return five


def compute_one(organization: Organization, year: int) -> StandardizationChecklist:
    """One branch again (after a self-assessment or a review), the cap included."""
    compute_year(root=organization, year=year)
    return StandardizationChecklist.objects.get(organization=organization, year=year)
