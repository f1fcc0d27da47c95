"""Demo cooperatives and collective income for a district's villages: four years of income
for every village organization (a few start under the line, some of them rise above it), and
a cooperative in about two villages of five, with its member households and three years of
accounts. Written through the services. Running it again adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from jiceng.core import clock
from jiceng.core.paths import under
from jiceng.orgs.models import Organization, Sector

from . import services
from .models import Cooperative, VillageIncome

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = [
    "建华",
    "秀英",
    "国强",
    "桂兰",
    "志明",
    "丽",
    "敏",
    "静",
    "伟",
    "芳",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "红",
]
TRADES = (
    ("茶叶专业合作社", "茶叶种植、加工与销售"),
    ("果蔬种植专业合作社", "果蔬种植与配送"),
    ("农旅专业合作社", "乡村民宿与采摘游"),
    ("土地股份合作社", "土地流转与规模种植"),
    ("劳务专业合作社", "保洁、绿化与建筑劳务"),
)
COOPERATIVE_SHARE = 0.4
YEARS = 4


def _yuan(value: float) -> Decimal:
    return Decimal(round(value)).quantize(Decimal("0.01"))


def village_organizations(path: str) -> list[Organization]:
    """The village organizations of a subtree, the topmost in each village."""
    found: dict[str | None, Organization] = {}
    for org in Organization.objects.filter(
        under(path), sector=Sector.VILLAGE, dissolved_on__isnull=True
    ).order_by("path"):
        found.setdefault(org.division_id, org)
    return list(found.values())


def _cooperative(rng: random.Random, village: Organization, first_year: int) -> None:
    suffix, business = rng.choice(TRADES)
    place = village.name.removesuffix("党支部").removesuffix("党总支").removesuffix("党委")
    cooperative = services.register_cooperative(
        village=village,
        name=f"{place}{suffix}"[:100],
        registered_on=dt.date(first_year - 1, rng.randint(1, 12), 1),
        business=business,
        collective_shares=Decimal(rng.choice((200, 300, 400))),
        by=None,
    )
    for _ in range(rng.randint(8, 20)):
        land = Decimal(rng.choice((0, 1, 2, 3, 5))) + Decimal("0.5") * rng.randint(0, 1)
        cash = Decimal(rng.choice((0, 0, 5000, 10000, 20000)))
        labour = Decimal(rng.choice((0, 0, 30, 60)))
        if not (land or cash or labour):
            land = Decimal(2)
        # the collective holds 200-400 shares: no household comes near a fifth
        shares = (land * 2 + cash / 5000 + labour / 30).quantize(Decimal("0.01"))
        services.add_member(
            cooperative=cooperative,
            head=rng.choice(SURNAMES) + rng.choice(GIVEN),
            land_mu=land,
            cash=cash,
            labour_days=labour,
            shares=shares,
            by=None,
        )
    scale = rng.uniform(300_000, 2_000_000)
    for year in range(first_year, clock.today().year):
        income = scale * rng.uniform(0.8, 1.3)
        profit = income * rng.uniform(0.08, 0.2)
        reserve = profit * 0.1
        services.record_year(
            cooperative=cooperative,
            year=year,
            income=_yuan(income),
            profit=_yuan(profit),
            reserve=_yuan(reserve),
            collective_share=_yuan(profit * 0.3),
            dividends_paid=_yuan(profit * 0.55),
            by=None,
        )


@transaction.atomic
def load_demo_cooperatives(path: str, *, seed: int) -> int:
    """The villages given incomes now (none if the subtree has some already)."""
    villages = village_organizations(path)
    if VillageIncome.objects.filter(village__in=villages).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311  # synthetic data
    last = clock.today().year - 1
    for village in villages:
        weak = rng.random() < 0.3
        total = rng.uniform(30_000, 95_000) if weak else rng.uniform(120_000, 900_000)
        leads = rng.random() < COOPERATIVE_SHARE
        for year in range(last - YEARS + 1, last + 1):
            # a village with a cooperative grows faster: some weak ones rise above the line
            total *= rng.uniform(1.05, 1.45) if leads else rng.uniform(0.95, 1.12)
            services.record_village_income(
                village=village,
                year=year,
                total=_yuan(total),
                operating=_yuan(total * rng.uniform(0.35, 0.7)),
                by=None,
            )
        if leads and not Cooperative.objects.filter(village=village).exists():
            _cooperative(rng, village, last - 2)
    return len(villages)
