"""Default deny, checked over every route there is.

Each URL pattern and each API operation must declare who may call it (accounts.access); one
that declares nothing fails here. Then every route is called for real, by an anonymous
visitor and by a signed-in account holding no role, and only what is declared public or
open to any signed-in user may answer with content.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from jiceng.accounts.access import declaration_of
from jiceng.accounts.admin_site import JicengAdminSite, RoleGatedAdmin
from jiceng.accounts.models import User
from jiceng.config.api import api


def patterns(
    resolvers: list[Any] | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    """(route, namespace, pattern) of every URL pattern, through every include."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            yield from patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            yield prefix + str(entry.pattern), namespace, entry


def ninja_path_view(pattern: URLPattern) -> Any:
    """The API's PathView behind a pattern, if it is one (its view closes over it)."""
    if not inspect.isfunction(pattern.callback):
        return None
    closure = inspect.getclosurevars(pattern.callback).nonlocals
    return closure.get("self") if hasattr(closure.get("self"), "operations") else None


ALL = list(patterns())


def test_the_walk_finds_the_routes() -> None:
    routes = {route for route, _, _ in ALL}
    assert "members/<int:pk>/personal-data/" in routes
    assert any(r.startswith("api/v1/") for r in routes)
    assert len(ALL) > 30


def test_every_page_declares_who_may_call_it() -> None:
    undeclared = []
    for route, namespace, pattern in ALL:
        if namespace == "admin":
            continue  # the admin site checks roles itself: see the next test
        path_view = ninja_path_view(pattern)
        if path_view is not None:
            undeclared += [
                f"{route} {method}"
                for operation in path_view.operations
                for method in operation.methods
                if declaration_of(operation.view_func) is None
            ]
        elif declaration_of(pattern.callback) is None:
            undeclared.append(route)
    assert undeclared == [], f"routes that declare no permission: {undeclared}"


def test_the_admin_site_is_the_role_checking_one() -> None:
    assert isinstance(admin.site, JicengAdminSite)
    open_admins = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not isinstance(model_admin, RoleGatedAdmin)
    ]
    assert open_admins == [], f"model admins that do not check roles: {open_admins}"


def test_every_api_operation_declares_who_may_call_it() -> None:
    operations = [
        operation
        for _, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]
    assert len(operations) > 15
    assert [o.view_func.__name__ for o in operations if declaration_of(o.view_func) is None] == []


def concrete(route: str) -> str:
    """A real address for a route: 1 for every number, a plausible code for every string."""
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"<(?:str|slug)?:?\w+>", "110000000000", route)
    route = re.sub(r"<path:\w+>", "x", route)
    return "/" + route.lstrip("^").rstrip("$").replace("\\Z", "")


def declared(pattern: URLPattern) -> str:
    if ninja_path_view(pattern) is not None:
        kinds = {declaration_of(o.view_func)[0] for o in ninja_path_view(pattern).operations}  # type: ignore[index]
        return kinds.pop() if kinds in ({"signed_in"}, {"public"}) else "requires"
    found = declaration_of(pattern.callback)
    return found[0] if found else "admin"


# The sign-in page and the API's description are public; they may answer 200 to anyone.
DENIED_TO_ANONYMOUS = {302, 401, 403, 404, 405, 429}


@pytest.mark.parametrize(("route", "namespace", "pattern"), ALL, ids=[r for r, _, _ in ALL])
def test_anonymous_visitors_get_nothing_undeclared(
    route: str, namespace: str, pattern: URLPattern, db: None
) -> None:
    client = Client()
    kind = declared(pattern)
    for method in ("get", "post"):
        response = getattr(client, method)(concrete(route))
        if kind == "public":
            continue
        assert response.status_code in DENIED_TO_ANONYMOUS, f"{method} {route}"
        if response.status_code == 302:
            location = response["Location"]
            # The admin's sign-out sends a visitor who is not signed in back to the admin,
            # which sends them to sign in.
            assert "login" in location or location == "/admin/", f"{method} {route} → {location}"


@pytest.mark.parametrize(("route", "namespace", "pattern"), ALL, ids=[r for r, _, _ in ALL])
def test_an_account_without_roles_gets_nothing_that_needs_one(
    route: str, namespace: str, pattern: URLPattern, nobody: User
) -> None:
    client = Client()
    client.force_login(nobody)
    kind = declared(pattern)
    if kind in {"public", "signed_in"}:
        return
    for method in ("get", "post"):
        response = getattr(client, method)(concrete(route))
        assert response.status_code in {302, 403, 404, 405}, f"{method} {route}"
        if response.status_code == 302:  # only the admin sends a role-less account away
            assert namespace == "admin", route
            assert "login" in response["Location"] or route == "admin/logout/", route
