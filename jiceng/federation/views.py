"""全国汇总（省级实例）: the national instance's view of the provinces' published trees."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from jiceng.accounts.access import requires
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import Forbidden

from . import queries

DENIED = "全国汇总仅对全国实例的组织部门开放"


@requires(queries.PERMISSION)
def provinces(request: AuthedRequest) -> HttpResponse:
    if not queries.sees_nation(request.user):
        raise Forbidden(DENIED)
    lines = queries.province_figures()
    totals = {
        "members": sum(line.members for line in lines),
        "organizations": sum(line.organizations for line in lines),
        "branches": sum(line.branches for line in lines),
    }
    return render(request, "federation/provinces.html", {"lines": lines, "totals": totals})


@requires(queries.PERMISSION)
def organization(request: AuthedRequest, province: str, local_id: int) -> HttpResponse:
    if not queries.sees_nation(request.user):
        raise Forbidden(DENIED)
    found = queries.organization(province_code=province, local_id=local_id)
    if found is None:
        raise Http404("没有这个党组织")
    children = queries.children(province_code=province, local_id=local_id)
    return render(
        request, "federation/organization.html", {"organization": found, "children": children}
    )
