"""The organization page's block of the village's work team:
`{% load villages %}{% village_team_block organization user %}` (orgs/detail.html)."""

from __future__ import annotations

from typing import Any

from django import template

from jiceng.accounts.models import User
from jiceng.orgs.models import Organization, Sector
from jiceng.villages import queries

register = template.Library()


@register.inclusion_tag("villages/_team_block.html")
def village_team_block(organization: Organization, user: User) -> dict[str, Any]:
    """Shown on a village organization with a team serving; nothing otherwise."""
    team = queries.team_of(organization) if organization.sector == Sector.VILLAGE else None
    return {
        "team": team,
        "links": team is not None and queries.manages(user, organization),
    }
