"""The dashboard's tile of village collective economies (jiceng.dashboard.tiles): the weak
villages still followed and those that rose above the line this year and last, the
cooperatives led by village organizations and the dividends they paid to the collectives in
the latest year, inside the subtree."""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.paths import under
from jiceng.dashboard.tiles import Figure, Tile, tile
from jiceng.orgs.models import Organization

from .models import Cooperative, CooperativeYear, WeakVillage


@tile("cooperatives", title="村集体经济", order=60)  # type: ignore[untyped-decorator,unused-ignore]
def build(organization: Organization, user: User) -> Tile | None:
    weak = WeakVillage.objects.filter(under(organization.path))
    still = weak.filter(cleared_year__isnull=True).count()
    year = clock.today().year
    cleared = weak.filter(cleared_year__gte=year - 1).count()
    cooperatives = Cooperative.objects.filter(under(organization.path, "village__path")).count()
    if not (still or cleared or cooperatives):
        return None
    last = year - 1
    paid = (
        CooperativeYear.objects.filter(
            under(organization.path, "cooperative__village__path"), year=last
        ).aggregate(s=Sum("collective_share"))["s"]
        or 0
    )
    url = reverse("cooperatives:weak")
    return Tile(
        figures=[
            Figure("集体经济薄弱村", still, url, tone="warn" if still else ""),
            Figure("近两年摘帽", cleared, url),
            Figure("党组织领办合作社", cooperatives, reverse("cooperatives:overview")),
            Figure(f"{last}年村集体分红（万元）", f"{paid / 10000:,.1f}"),
        ],
        url=url,
        note="村集体经济年收入低于标准的村，跟踪至超过标准",
    )
