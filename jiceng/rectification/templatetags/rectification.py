"""The organization page's block of weak-organization findings and rectification:
`{% load rectification %}{% rectification_block organization user %}` (orgs/detail.html)."""

from __future__ import annotations

from typing import Any

from django import template

from jiceng.accounts.models import User
from jiceng.orgs.models import Organization
from jiceng.rectification import queries

register = template.Library()


@register.inclusion_tag("rectification/_block.html")
def rectification_block(organization: Organization, user: User) -> dict[str, Any]:
    """Shown where the organization has a finding or a rectification; nothing otherwise."""
    rectification = queries.latest_of(organization)
    reasons = queries.current_reasons(organization)
    return {
        "block": {
            "shows": bool(rectification or reasons),
            "organization": organization,
            "rectification": rectification,
            "reasons": reasons,
            "may_confirm": bool(reasons)
            and (rectification is None or not rectification.is_open)
            and queries.may_manage(user, organization),
        }
    }
