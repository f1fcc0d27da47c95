"""Member pages: thin views over members.queries."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest

from . import queries
from .forms import filters_from_query
from .models import Category, Member, MemberStatus


def page_of(rows: QuerySet[Member], request: AuthedRequest) -> tuple[list[Member], int, bool]:
    """One page without COUNT(*): a national list has millions of rows and no one pages
    through them; we read one row more than a page to know whether there is a next one."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    size = settings.JICENG_PAGE_SIZE
    chunk = list(rows[(number - 1) * size : number * size + 1])
    return chunk[:size], number, len(chunk) > size


@requires(Permission.VIEW_MEMBERS, Permission.VIEW_OWN_RECORD)
def member_list(request: AuthedRequest) -> HttpResponse:
    filters = filters_from_query(request.user, request.GET)
    rows, number, has_next = page_of(queries.search_members(request.user, filters), request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/list.html",
        {
            "members": rows,
            "filters": filters,
            "page": number,
            "has_next": has_next,
            "query": query.urlencode(),
            "statuses": MemberStatus.choices,
            "categories": Category.choices,
        },
    )


@requires(Permission.VIEW_MEMBERS, Permission.VIEW_OWN_RECORD)
def member_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    member = queries.access_member(request.user, pk)
    seats = member.committee_seats.filter(committee__ended_on__isnull=True).select_related(
        "committee__organization"
    )
    return render(request, "members/detail.html", {"member": member, "seats": seats})
