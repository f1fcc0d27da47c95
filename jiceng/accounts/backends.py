"""The lockout backend (django-axes), first in AUTHENTICATION_BACKENDS."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check without its one refusal of callers that pass no request.

    Every sign-in over HTTP (our sign-in page, the admin site's) passes its request, and axes
    counts and locks those. A call without a request does not come from a client who could
    guess passwords: a management command, or the test client's `login()`. Axes would raise
    for it; there is nothing to count or lock, so this backend steps aside and lets the next
    backend check the password.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
