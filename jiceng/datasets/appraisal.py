"""Standardization scores and model organizations (评星定级, 模范党组织) for the synthetic data
set (`jiceng seed`, `jiceng load-demo`): a year's self-assessments of the items the records
cannot answer, most reviewed, then the yearly computation from the seeded records, and in
each county the top five-star branches nominated and named.

Plausible distributions (local practice, reference/rules-wave2.md "Appraisal"): nine in ten
branches assess themselves by the end of the year and most of those are reviewed; a
self-score sits near the top of its item (self-scores run high, which is why they count only
once reviewed) and the review takes off a little. Evidence, where an item asks for it, is one
shared sample PDF: the seed does not write a file per branch. Run again, it adds nothing new
(existing rows are kept) and the computation rewrites the same scores."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from jiceng.appraisal import scoring
from jiceng.appraisal.models import (
    ModelOrganization,
    Nomination,
    Review,
    SelfAssessment,
    StandardizationChecklist,
)
from jiceng.core import clock
from jiceng.core.paths import under_any
from jiceng.orgs.models import BRANCH_KINDS, Organization

ASSESSED_SHARE = 0.9
REVIEWED_SHARE = 0.8
NAMED_PER_COUNTY = 2
NOMINATED_PER_COUNTY = 1
COUNTY_PATH = 4 * Organization.steplen  # the root, province, city, county
SAMPLE_EVIDENCE = "appraisal/evidence/seed/sample.pdf"
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
    b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
BATCH = 5000


@dataclass(frozen=True)
class AppraisalSeedResult:
    assessments: int = 0
    graded: int = 0
    five_star: int = 0
    named: int = 0
    seconds: float = 0.0


def _points(weight: int, generator: random.Random) -> tuple[int, int]:
    """A self-score near the top and the reviewed score a little below it."""
    own = min(weight, round(weight * generator.betavariate(8, 1.6)))
    reviewed = max(0, own - round(weight * generator.uniform(0, 0.2)))
    return own, reviewed


def seed_appraisal(
    *, as_of: dt.date | None = None, seed: int = 1, under: list[str] | None = None
) -> AppraisalSeedResult:
    started = time.perf_counter()
    as_of = as_of or clock.today()
    year = as_of.year
    if not default_storage.exists(SAMPLE_EVIDENCE):
        default_storage.save(SAMPLE_EVIDENCE, ContentFile(SAMPLE_PDF))
    versions = scoring.Versions(year)
    now = clock.now()
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
    if under:
        branches = branches.filter(under_any(under))
    done = set(
        SelfAssessment.objects.filter(item__version__year=year).values_list(
            "organization_id", flat=True
        )
    )
    rows: list[SelfAssessment] = []
    written = 0
    for pk, path in branches.order_by("path").values_list("pk", "path").iterator(chunk_size=BATCH):
        if pk in done:
            continue
        # one generator per branch: a second run draws the same (so skips the same) branches
        generator = random.Random(seed * 6151 + pk)  # noqa: S311  # synthetic data
        if generator.random() >= ASSESSED_SHARE:
            continue
        reviewed = generator.random() < REVIEWED_SHARE
        for item in versions.items[versions.for_path(path).pk]:
            if item.from_records:
                continue
            own, checked = _points(item.weight, generator)
            rows.append(
                SelfAssessment(
                    organization_id=pk,
                    item=item,
                    self_points=own,
                    evidence=SAMPLE_EVIDENCE if item.evidence_required else "",
                    evidence_type="application/pdf" if item.evidence_required else "",
                    status=Review.ACCEPTED if reviewed else Review.PENDING,
                    reviewed_points=checked if reviewed else None,
                    assessed_at=now,
                    reviewed_at=now if reviewed else None,
                )
            )
        if len(rows) >= BATCH:
            SelfAssessment.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
            written += len(rows)
            rows = []
    SelfAssessment.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    written += len(rows)
    roots = (
        list(Organization.objects.filter(path__in=under))
        if under
        else list(Organization.objects.filter(depth=1))
    )
    graded = five = 0
    for root in roots:
        result = scoring.compute_year(root=root, year=year, today=as_of)
        graded += result.organizations
        five = result.five_star
    named = _name_models(year, under, now)
    return AppraisalSeedResult(written, graded, five, named, time.perf_counter() - started)


def _name_models(year: int, under: list[str] | None, now: dt.datetime) -> int:
    """In each county the top five-star branches named (with a citation), the next nominated."""
    rows = StandardizationChecklist.objects.filter(year=year, stars=5)
    if under:
        rows = rows.filter(under_any(under))
    by_county: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for pk, path, score in rows.order_by("-score", "path").values_list(
        "organization_id", "path", "score"
    ):
        county = by_county[path[:COUNTY_PATH]]
        if len(county) < NAMED_PER_COUNTY + NOMINATED_PER_COUNTY:
            county.append((pk, path, score))
    found = []
    for county in by_county.values():
        for place, (pk, path, score) in enumerate(county):
            named = place < NAMED_PER_COUNTY
            found.append(
                ModelOrganization(
                    organization_id=pk,
                    year=year,
                    path=path,
                    status=Nomination.NAMED if named else Nomination.NOMINATED,
                    reason=f"{year}年度标准化规范化建设{score}分，评定为五星级",
                    citation=(
                        "组织生活规范、班子坚强有力、服务群众成效突出，树立为基层党组织建设标杆"
                        if named
                        else ""
                    ),
                    score=score,
                    nominated_at=now,
                    decided_at=now if named else None,
                )
            )
    ModelOrganization.objects.bulk_create(found, batch_size=BATCH, ignore_conflicts=True)
    return sum(1 for m in found if m.status == Nomination.NAMED)
