"""The dashboard's tile of weak organizations (jiceng.dashboard.tiles): detected in the latest
month, under rectification, accepted this year, inside the subtree."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.paths import under
from jiceng.dashboard.tiles import Figure, Tile, tile
from jiceng.orgs.models import Organization

from . import queries
from .models import Detection, Rectification, Status


@tile("rectification", title="软弱涣散党组织整顿", order=50)  # type: ignore[untyped-decorator,unused-ignore]
def build(organization: Organization, user: User) -> Tile | None:
    month = queries.detected_month()
    detected = (
        Detection.objects.filter(under(organization.path), month=month)
        .values("organization_id")
        .distinct()
        .count()
        if month
        else 0
    )
    rows = Rectification.objects.filter(under(organization.path, "organization__path"))
    rectifying = rows.exclude(status=Status.ACCEPTED).count()
    accepted = rows.filter(status=Status.ACCEPTED, accepted_at__year=clock.today().year).count()
    if not (detected or rectifying or accepted):
        return None
    url = reverse("rectification:detected") if queries.may_manage(user, organization) else ""
    return Tile(
        figures=[
            Figure("本月研判", detected, url),
            Figure("整顿中", rectifying, url),
            Figure("本年销号", accepted, url),
        ],
        chart={
            "kind": "bar",
            "categories": ["整顿中", "本年销号"],
            "series": [{"name": "党组织", "data": [rectifying, accepted]}],
        },
        url=url,
    )
