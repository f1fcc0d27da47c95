"""The unread count of the notice centre, for the bell in the top bar (notices/bell.html)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import queries


def unread_notices(request: HttpRequest) -> dict[str, object]:
    """`unread_notices`: counted only when a template shows it (two indexed counts)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": SimpleLazyObject(lambda: queries.unread_count(user))}
