"""What every page's frame needs: the permissions the signed-in user holds, so the top bar
offers only the pages the user's roles open, and the display preference (大字模式)."""

from __future__ import annotations

from django.http import HttpRequest

from jiceng.accounts.models import ADMIN_ROLES
from jiceng.accounts.permissions import Permission, permissions_of, roles_of
from jiceng.accounts.scoping import scope_of
from jiceng.federation.queries import runs_exchange

from . import menu

ELDER_COOKIE = "jiceng_elder"  # "1": large text and high contrast (适老化), set by web:display


def navigation(request: HttpRequest) -> dict[str, object]:
    frame: dict[str, object] = {"elder": request.COOKIES.get(ELDER_COOKIE) == "1"}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return frame
    scope = scope_of(user)
    held = menu.Held(
        permissions=frozenset(str(p) for p in permissions_of(user)),
        is_administrator=bool(roles_of(user) & ADMIN_ROLES),
        # The compliance page opens on an organization the user's roles name: a street's
        # or community's official (a division, no organization) has none to open.
        sees_compliance=bool(
            scope.reach(Permission.VIEW_ORGANIZATIONS).paths
            or scope.reach(Permission.MANAGE_MEETINGS).paths
        ),
        runs_federation_exchange=runs_exchange(user),
    )
    sections = menu.links_for(held)
    frame.update(
        {
            "held": held.permissions,
            "is_administrator": held.is_administrator,
            "sees_compliance": held.sees_compliance,
            "menu": sections,
            "menu_flat": menu.is_flat(sections),
        }
    )
    return frame
