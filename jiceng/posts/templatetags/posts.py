"""The organization page's block of responsibility posts:
`{% load posts %}{% posts_block organization request.user %}` (orgs/detail.html)."""

from __future__ import annotations

from typing import Any

from django import template

from jiceng.accounts.models import User
from jiceng.orgs.models import Organization
from jiceng.posts import queries

register = template.Library()


@register.inclusion_tag("posts/_block.html")
def posts_block(organization: Organization, user: User) -> dict[str, Any]:
    """Shown where the organization has posts, or to whoever may set one up."""
    posts = list(queries.posts_of(organization)[:20])
    may_manage = queries.may_manage(user, organization)
    return {
        "block": {
            "shows": bool(posts) or may_manage,
            "organization": organization,
            "posts": posts,
            "may_manage": may_manage,
        }
    }
