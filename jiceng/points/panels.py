"""积分 on the workbench: the member's own points of the year (never anyone else's)."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.members.models import Member
from jiceng.web.workbench import Content, Figure, Item, panel

from . import queries
from .models import SourceKind

LIST_LIMIT = 3


def _is_member(user: User) -> bool:
    return user.member_id is not None and has_permission(user, Permission.ATTEND_MEETINGS)


@panel("points.member", title="我的积分", order=15, shows=_is_member, empty="今年暂无积分")
def my_points(user: User) -> Content:
    member = Member.objects.select_related("organization").get(pk=user.member_id or 0)
    year = queries.this_year()
    url = reverse("points:mine")
    latest = list(queries.entries_of(member, year)[:LIST_LIMIT])
    return Content(
        figures=[Figure(f"{year}年积分", queries.balance_of(member, year), url=url)],
        items=[
            Item(
                label=f"{SourceKind(e.source_kind).label} {e.points:+d}",
                url=url,
                # a zero entry says why (已达本周期计分上限)
                note=" · ".join(filter(None, [e.occurred_at.strftime("%m-%d"), e.note])),
            )
            for e in latest
        ],
    )
