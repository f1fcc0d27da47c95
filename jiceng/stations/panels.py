"""红帆驿站 on the workbench (web.workbench): a keeper's stations; a registrar's stations;
a rider who is a member of a new-group branch (新就业群体) sees the stations near the
branch, open ones first, and the finder for where they are now."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.orgs.models import Organization, Sector
from jiceng.web.workbench import Action, Content, Figure, Item, panel

from . import queries

LIST_LIMIT = 5


@panel(
    "stations.keeper",
    title="我的驿站",
    order=45,
    shows=lambda user: has_permission(user, Permission.KEEP_SERVICE_STATIONS),
    empty="您还没有负责的驿站（由社区任命）",
)
def keeper(user: User) -> Content:
    stations = list(queries.kept(user)[:LIST_LIMIT])
    totals = queries.visit_totals([s.pk for s in stations])
    return Content(
        items=[
            Item(
                s.name,
                reverse("stations:keep", args=[s.pk]),
                note=f"{queries.state_now(s).text} · 近30天到访 {totals.get(s.pk, 0)} 人次",
                tone="ok" if queries.state_now(s).is_open else "",
            )
            for s in stations
        ],
    )


@panel(
    "stations.registry",
    title="红帆驿站",
    order=46,
    shows=lambda user: has_permission(user, Permission.MANAGE_SERVICE_STATIONS),
    empty="辖区内尚未登记红帆驿站",
)
def registry(user: User) -> Content:
    stations = queries.managed(user).filter(is_active=True)
    total = stations.count()
    without_keeper = stations.filter(keeper__isnull=True).count()
    registry_url = reverse("stations:registry")
    figures = [Figure("在用驿站", total, registry_url)] if total else []
    if without_keeper:
        figures.append(Figure("未任命管理员", without_keeper, registry_url, tone="warn"))
    # those without a keeper first: the community's next appointment
    first = F("keeper").asc(nulls_first=True)
    shown = stations.select_related("keeper").order_by(first, "name")[:LIST_LIMIT]
    return Content(
        figures=figures,
        items=[
            Item(
                s.name,
                reverse("stations:edit", args=[s.pk]),
                note=f"{queries.state_now(s).text} · "
                + (f"管理员 {s.keeper}" if s.keeper else "未任命管理员"),
                tone="" if s.keeper else "warn",
            )
            for s in shown
        ],
        actions=[Action("登记新驿站", reverse("stations:register"))],
        more=Action("全部驿站", registry_url, primary=False) if total else None,
    )


def _rider_branch(user: User) -> Organization | None:
    if user.member_id is None:
        return None
    branch = (
        Organization.objects.filter(members__pk=user.member_id)
        .only("pk", "name", "sector", "division_id")
        .first()
    )
    return branch if branch is not None and branch.sector == Sector.NEW_ECONOMY else None


def _is_rider(user: User) -> bool:
    return user.member_id is not None and has_permission(user, Permission.VIEW_OWN_RECORD)


@panel("stations.rider", title="附近的红帆驿站", order=47, shows=_is_rider, empty="")
def rider(user: User) -> Content | list[Content]:
    branch = _rider_branch(user)
    if branch is None or not branch.division_id:
        return []  # members of other branches see no panel about riders' stations
    stations = queries.stations_in(branch.division_id, limit=LIST_LIMIT)
    states = [(s, queries.state_now(s)) for s in stations]
    states.sort(key=lambda pair: not pair[1].is_open)
    return Content(
        note=f"{branch.name}所在地的驿站",
        items=[
            Item(
                s.name,
                reverse("stations:station", args=[s.pk]),
                note=f"{state.text} · {s.address}",
                tone="ok" if state.is_open else "",
            )
            for s, state in states[:LIST_LIMIT]
        ],
        actions=[Action("按我的位置找驿站", reverse("stations:finder"))],
    )
