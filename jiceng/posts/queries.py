"""Reads of responsibility posts: those of the organizations the user sees
(orgs.queries), and one post's public page by its key."""

from __future__ import annotations

from django.db.models import QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core.errors import not_found
from jiceng.orgs.models import Organization

from .models import ResponsibilityPost

MANAGE = Permission.MANAGE_MEMBERS  # who keeps the organization's members keeps its posts


def posts_of(organization: Organization) -> QuerySet[ResponsibilityPost]:
    return ResponsibilityPost.objects.filter(
        organization=organization, is_active=True
    ).select_related("holder")


def posts_for(user: User) -> QuerySet[ResponsibilityPost]:
    scope = scope_of(user)
    return ResponsibilityPost.objects.filter(
        scope.organization_q(Permission.VIEW_ORGANIZATIONS, prefix="organization__")
    ).select_related("holder", "organization")


def access_post(user: User, pk: int) -> ResponsibilityPost:
    found = posts_for(user).filter(pk=pk).first()
    if found is None:
        raise not_found("责任岗")
    return found


def may_manage(user: User, organization: Organization) -> bool:
    return scope_of(user).allows(
        MANAGE, path=organization.path, division_id=organization.division_id
    )


def access_managed_post(user: User, pk: int) -> ResponsibilityPost:
    post = access_post(user, pk)
    if not may_manage(user, post.organization):
        raise not_found("责任岗")
    return post


def public_post(key: str) -> ResponsibilityPost:
    """The post its QR code names, while it is held."""
    found = (
        ResponsibilityPost.objects.filter(key=key, is_active=True)
        .select_related("holder", "organization")
        .first()
    )
    if found is None:
        raise not_found("责任岗")
    return found
