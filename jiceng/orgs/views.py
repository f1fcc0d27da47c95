"""Organization pages: thin views over orgs.queries and orgs.services."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest

from . import queries


@requires(Permission.VIEW_ORGANIZATIONS)
def tree(request: AuthedRequest) -> HttpResponse:
    """The tree's first screen: the user's roots with their children open."""
    user = request.user
    roots = [(root, list(queries.children(user, root))) for root in queries.tree_roots(user)]
    found = []
    q = request.GET.get("q", "").strip()
    if q:
        found = queries.search(request.user, name=q, limit=50)
    return render(request, "orgs/tree.html", {"roots": roots, "q": q, "found": found})


@requires(Permission.VIEW_ORGANIZATIONS)
def children(request: AuthedRequest, pk: int) -> HttpResponse:
    """The children of one node, loaded when it is opened (htmx)."""
    organization = queries.access_organization(request.user, pk)
    nodes = queries.children(request.user, organization)
    return render(request, "orgs/_children.html", {"nodes": nodes})


@requires(Permission.VIEW_ORGANIZATIONS)
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = queries.access_organization(request.user, pk)
    user = request.user
    context = {
        "organization": organization,
        "overview": queries.overview(organization),
        "ancestors": queries.ancestors(user, organization),
        "children": queries.children(user, organization)[:200],
        "members": organization.members.order_by("name")[:50],
        "terms_due": queries.terms_due(user, under=organization)[:50],
    }
    return render(request, "orgs/detail.html", context)
