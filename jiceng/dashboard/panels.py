"""The dashboard on the organization department's workbench (web.workbench): its headline
figures and the way into the page and its large-screen mode."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import has_permission, roles_of
from jiceng.core.errors import NotFound
from jiceng.web.workbench import Action, Content, Figure, panel

from . import queries


def _is_department(user: User) -> bool:
    return Role.ORGANIZATION_DEPARTMENT in roles_of(user) and has_permission(
        user, queries.PERMISSION
    )


@panel("dashboard.cockpit", title="党建驾驶舱", order=35, shows=_is_department)
def cockpit(user: User) -> Content:
    try:
        organization = queries.access_organization(user, None)
    except NotFound:
        return Content()
    page = reverse("dashboard:organization", args=[organization.pk])
    figures = [
        Figure("党员", organization.subtree_member_count, page),
        Figure("基层党组织", organization.subtree_org_count, page),
    ]
    return Content(
        figures=figures,
        note=organization.name,
        actions=[Action("打开驾驶舱", page), Action("大屏模式", f"{page}?screen=1", primary=False)],
    )
