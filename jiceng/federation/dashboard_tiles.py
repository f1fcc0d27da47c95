"""The dashboard's tile of the provinces federated: at the national root, each province
instance's members and organizations as published (federation.queries.province_figures)."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.dashboard.tiles import Figure, Tile, tile
from jiceng.orgs.models import Organization

from . import queries


@tile("federation.provinces", title="各省级实例", order=15)
def provinces(organization: Organization, user: User) -> Tile | None:
    if organization.depth != 1 or not queries.sees_nation(user):
        return None
    lines = queries.province_figures()
    if not lines:
        return None
    url = reverse("federation:provinces")
    figures = [Figure(f"{line.name}党员", line.members, url) for line in lines]
    figures.append(Figure("各省合计党员", sum(line.members for line in lines), url))
    chart = {
        "kind": "bar",
        "categories": [line.name for line in lines][::-1],
        "series": [{"name": "党员", "data": [line.members for line in lines][::-1]}],
    }
    return Tile(figures=figures, chart=chart, url=url, note="经逻辑复制汇总，不含个人信息")
