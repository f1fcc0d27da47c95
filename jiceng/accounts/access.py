"""What each view declares about who may call it: default deny, checked by a test that walks
every URL pattern and API route (accounts/tests/test_url_walk.py).

A web view or API operation carries exactly one declaration:

- `requires(*permissions)` (`api_requires` in the API): a signed-in user holding at least
  one of them. Anonymous users go to the sign-in page (web) or get 401 (API); others get
  403. Rows are then narrowed by the app's scoped queries, where a row outside the scope
  answers 404.
- `signed_in` (`api_signed_in`): any signed-in user (reference data such as the division
  codes, the home page).
- `public(reason)`: no sign-in at all, with the reason written down (the sign-in page).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from ninja.decorators import decorate_view

from jiceng.core.errors import Forbidden

from .permissions import Permission, has_permission

View = TypeVar("View", bound=Callable[..., Any])

DECLARATION = "jiceng_access"  # the attribute the URL walk looks for


DENIED = "您的角色没有此项权限"


def requires(*permissions: Permission) -> Callable[[View], View]:
    """A web page for users holding one of `permissions`."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_permission(request.user, p) for p in permissions):
                raise Forbidden(DENIED)
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        setattr(checked, DECLARATION, ("requires", permissions))
        return checked  # type: ignore[return-value]

    return decorate


def api_requires(*permissions: Permission) -> Callable[[View], View]:
    """An API operation for users holding one of `permissions`.

    The check wraps the operation's run (ninja's `decorate_view`) rather than the function,
    so ninja still reads the function's own signature. Anonymous callers pass through to the
    API's default auth, which answers 401."""

    def check(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(run)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated and not any(
                has_permission(request.user, p) for p in permissions
            ):
                return JsonResponse({"detail": DENIED}, status=403)
            return run(request, *args, **kwargs)

        return checked

    def decorate(operation: View) -> View:
        setattr(operation, DECLARATION, ("requires", permissions))
        return decorate_view(check)(operation)

    return decorate


def api_signed_in(operation: View) -> View:
    """An API operation for any signed-in user: the API's default auth enforces it."""
    setattr(operation, DECLARATION, ("signed_in", ()))
    return operation


def signed_in(view: View) -> View:
    """A page or API operation for any signed-in user."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    setattr(checked, DECLARATION, ("signed_in", ()))
    return checked  # type: ignore[return-value]


def public(reason: str) -> Callable[[View], View]:
    """A view anyone may call, without signing in; `reason` says why."""

    def decorate(view: View) -> View:
        setattr(view, DECLARATION, ("public", (reason,)))
        return view

    return decorate


def declaration_of(view: Callable[..., Any]) -> tuple[str, tuple[Any, ...]] | None:
    """What a view declares, looking through wrappers such as csrf_protect."""
    seen: Callable[..., Any] | None = view
    while seen is not None:
        found: tuple[str, tuple[Any, ...]] | None = getattr(seen, DECLARATION, None)
        if found is not None:
            return found
        seen = getattr(seen, "__wrapped__", None)
    return None
