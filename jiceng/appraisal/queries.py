"""Reads of appraisal, scoped to the user: an organization's checklist of a year, a subtree's
grades (distribution by stars, organizations by score: ranking organizations is allowed,
ranking people is not), the candidates and nominations for model organizations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.scoping import Reach, scope_of
from jiceng.core.errors import not_found
from jiceng.core.paths import under
from jiceng.orgs import subtrees
from jiceng.orgs.models import BRANCH_KINDS, Organization

from . import scoring
from .access import assessed_paths, department_paths
from .models import (
    ChecklistItem,
    ChecklistVersion,
    ModelOrganization,
    Nomination,
    SelfAssessment,
    StandardizationChecklist,
)

CANDIDATES = 10


@dataclass(frozen=True)
class ItemLine:
    item: ChecklistItem
    points: int | None
    assessment: SelfAssessment | None


@dataclass(frozen=True)
class ChecklistView:
    organization: Organization
    year: int
    version: ChecklistVersion
    graded: StandardizationChecklist | None
    lines: list[ItemLine]


def checklist_of(organization: Organization, year: int) -> ChecklistView:
    version = scoring.Versions(year).for_path(organization.path)
    graded = StandardizationChecklist.objects.filter(organization=organization, year=year).first()
    items = list(version.items.all())
    assessments = {
        a.item_id: a
        for a in SelfAssessment.objects.filter(organization=organization, item__in=items)
    }
    points = graded.points if graded and graded.version_id == version.pk else {}
    lines = [ItemLine(i, points.get(str(i.pk)), assessments.get(i.pk)) for i in items]
    return ChecklistView(organization, year, version, graded, lines)


def access_assessment(user: User, pk: int) -> SelfAssessment:
    found = (
        SelfAssessment.objects.filter(scope_of(user).organization_q(prefix="organization__"), pk=pk)
        .select_related("organization", "item", "item__version")
        .first()
    )
    if found is None:
        raise not_found("自评")
    return found


def grades_under(organization: Organization, year: int) -> QuerySet[StandardizationChecklist]:
    """The year's grades of the subtree, highest score first."""
    return (
        StandardizationChecklist.objects.filter(under(organization.path), year=year)
        .select_related("organization")
        .order_by("-score", "path")
    )


def distribution(organization: Organization, year: int) -> dict[int, int]:
    """Organizations per star grade (5 down to 1) in the subtree."""
    found = dict(
        StandardizationChecklist.objects.filter(under(organization.path), year=year)
        .values_list("stars")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("stars", "n")
    )
    return {stars: found.get(stars, 0) for stars in (5, 4, 3, 2, 1)}


def awaiting_review(user: User, *, limit: int = 5) -> tuple[list[SelfAssessment], int]:
    """Self-assessments waiting for this department's review (below its own node)."""
    paths = department_paths(user)
    if not paths:
        return [], 0
    # a big subtree by the pending ones' (assessed_at) index, each tested for its organization
    # (orgs.subtrees): the LIMITs stop the walk
    rows = SelfAssessment.objects.filter(
        subtrees.inside(Reach(paths=paths), prefix="organization__"), status="PENDING"
    ).exclude(organization__path__in=paths)
    count = rows.order_by().values("pk")[:100].count()
    return list(
        rows.select_related("organization", "item").order_by("assessed_at", "pk")[:limit]
    ), count


def candidates(organization: Organization, year: int) -> list[StandardizationChecklist]:
    """From the top of the scores: the five-star branches of the subtree not yet nominated."""
    nominated = ModelOrganization.objects.filter(under(organization.path), year=year).values(
        "organization_id"
    )
    return list(
        grades_under(organization, year)
        .filter(stars=5)
        .exclude(organization_id__in=nominated)[:CANDIDATES]
    )


def nominations(organization: Organization, year: int) -> list[ModelOrganization]:
    return list(
        ModelOrganization.objects.filter(under(organization.path), year=year)
        .select_related("organization")
        .order_by("status", "-score", "path")
    )


def named_for(organization: Organization) -> list[ModelOrganization]:
    """The years this organization was named a model organization, latest first."""
    return list(
        ModelOrganization.objects.filter(
            organization=organization, status=Nomination.NAMED
        ).order_by("-year")
    )


def branches_assessed_by(user: User) -> list[Organization]:
    """The branches the user assesses (those their roles name and manage)."""
    paths = assessed_paths(user)
    if not paths:
        return []
    return list(
        Organization.objects.filter(
            path__in=paths, kind__in=BRANCH_KINDS, dissolved_on__isnull=True
        ).order_by("path")[:5]
    )


def self_items_left(organization: Organization, year: int) -> list[ChecklistItem]:
    """The items of the branch's checklist the records cannot answer and it has not yet
    assessed."""
    version = scoring.Versions(year).for_path(organization.path)
    done = SelfAssessment.objects.filter(organization=organization, item__version=version)
    return [
        item
        for item in version.items.exclude(pk__in=done.values("item_id"))
        if not item.from_records
    ]
