"""党员突击队 on the workbench (web.workbench): a member's coming shifts (with check-in at the
site); a committee's task forces running now, with their gaps. No panel when there is
nothing to do (no empty sentence every day)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.timezone import localtime

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.web.workbench import Action, Content, Figure, Item, panel

from . import queries

LIST_LIMIT = 3


def _is_member(user: User) -> bool:
    return user.member_id is not None


@panel("taskforces.mine", title="我的突击队班次", order=47, shows=_is_member)
def mine(user: User) -> Content | list[Content]:
    assert user.member_id is not None
    shifts = list(queries.my_assignments(user.member_id)[:LIST_LIMIT])
    if not shifts:
        return []
    return Content(
        items=[
            Item(
                a.shift.site.name,
                reverse("taskforces:site", args=[a.shift.site_id]),
                note=(
                    f"{localtime(a.starts_at):%m-%d %H:%M}–{localtime(a.ends_at):%H:%M}"
                    f" · {a.task_force.name}"
                ),
            )
            for a in shifts
        ],
        more=Action("全部班次", reverse("taskforces:home"), primary=False),
    )


def _manages(user: User) -> bool:
    return queries.managed_roots(user).exists()


@panel("taskforces.committee", title="党员突击队", order=48, shows=_manages)
def committee(user: User) -> Content | list[Content]:
    running = list(
        queries.managed_under(user)
        .filter(ends_on__gte=clock.today(), starts_on__lte=clock.today())
        .order_by("starts_on")[:LIST_LIMIT]
    )
    if not running:
        return []
    return Content(
        figures=[Figure("进行中", len(running), reverse("taskforces:home"))],
        items=[
            Item(
                tf.name,
                reverse("taskforces:board", args=[tf.pk]),
                note=f"已报名{tf.places_taken}/{tf.places_needed}人次 · 覆盖{tf.coverage}%",
                tone="warn" if tf.coverage < 100 else "ok",
            )
            for tf in running
        ],
        actions=[Action("组建突击队", reverse("taskforces:new"))],
    )
