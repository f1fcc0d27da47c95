"""What every page's navigation needs: the permissions the signed-in user holds, so the top
bar offers only the pages the user's roles open."""

from __future__ import annotations

from django.http import HttpRequest

from jiceng.accounts.models import ADMIN_ROLES
from jiceng.accounts.permissions import permissions_of, roles_of


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "held": {str(p) for p in permissions_of(user)},
        "is_administrator": bool(roles_of(user) & ADMIN_ROLES),
    }
