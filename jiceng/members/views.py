"""Member pages: thin views over members.queries."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

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
    return _detail_page(request, member, personal=None)


@requires(Permission.VIEW_PERSONAL_DATA)
@require_POST
def member_personal_data(request: AuthedRequest, pk: int) -> HttpResponse:
    """The same page with the full ID and phone number: a POST, so no prefetch or link
    preview ever triggers (and audits) a look; never cached."""
    member, personal = queries.reveal_personal_data(request.user, pk)
    response = _detail_page(request, member, personal=personal)
    response["Cache-Control"] = "no-store"
    return response


def _detail_page(
    request: AuthedRequest, member: Member, *, personal: queries.PersonalData | None
) -> HttpResponse:
    seats = member.committee_seats.filter(committee__ended_on__isnull=True).select_related(
        "committee__organization"
    )
    context = {
        "member": member,
        "seats": seats,
        "personal": personal,
        "can_reveal": personal is None and queries.can_reveal(request.user, member),
    }
    return render(request, "members/detail.html", context)
