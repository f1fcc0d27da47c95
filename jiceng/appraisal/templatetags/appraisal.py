"""The small block the organization page shows (orgs/detail.html): the years the organization
was named a model organization, with the citation, and its latest star grade."""

from __future__ import annotations

from typing import Any

from django import template

from jiceng.appraisal import queries
from jiceng.appraisal.models import StandardizationChecklist
from jiceng.orgs.models import Organization

register = template.Library()


@register.inclusion_tag("appraisal/_organization_block.html")
def appraisal_block(organization: Organization) -> dict[str, Any]:
    latest = (
        StandardizationChecklist.objects.filter(organization=organization)
        .order_by("-year")
        .only("year", "score", "stars", "organization_id")
        .first()
    )
    return {
        "organization": organization,
        "named": queries.named_for(organization),
        "latest": latest,
    }


@register.filter
def star_marks(stars: int) -> str:
    """★ once per star (1–5)."""
    return "★" * max(0, min(5, int(stars or 0)))
