"""Demo consent projects for a district: a few lift projects per street, in its residents'
committees (towns, 乡 and zones get none: divisions.kinds), each a unit of six floors with its
owners (some owning two flats, the ground floor's kitchen taken by the shaft), one round closed
months ago (met or not, frozen with every answer), and, in some, a round open now with part of
the answers in. Written through the services, at the times they would
have happened. Running it again adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from jiceng.core import clock
from jiceng.core.paths import under
from jiceng.divisions.kinds import TownshipKind, is_residents_committee, township_kind
from jiceng.divisions.models import Division, Level

from . import services
from .models import Choice, ConsentOwner, ConsentProject, ProjectKind

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
PROJECTS_PER_STREET = 3
COMPOUNDS = ["文苑", "仙鹤", "羊山", "紫东", "和园", "东方", "学府", "枫林", "翠竹", "云亭"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _project(
    rng: random.Random, community: Division, number: int, today: dt.date
) -> ConsentProject:
    building = f"{rng.randint(1, 30)}栋"
    unit = f"{rng.randint(1, 4)}单元"
    compound = COMPOUNDS[number % len(COMPOUNDS)]
    opened = dt.datetime.combine(
        today - dt.timedelta(days=rng.randint(150, 300)), dt.time(9), tzinfo=clock.CHINA
    )
    with clock.frozen(opened - dt.timedelta(days=3)):
        project = services.create_project(
            community=community,
            kind=ProjectKind.LIFT,
            name=f"{compound}小区{building}{unit}加装电梯",
            building=building,
            unit=unit,
            description="拟在楼梯间北侧加装一部电梯，费用按楼层分摊，一楼不分摊。",
            by=None,
        )
        owners: list[tuple[str, str]] = []
        for floor in range(1, 7):
            for side, area in (("01", "88.50"), ("02", "72.30")):
                if owners and rng.random() < 0.08:
                    name, phone = owners[-1]  # the neighbour below owns this one too
                else:
                    name = _name(rng)
                    phone = f"139{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.85 else ""
                owners.append((name, phone))
                services.add_household(
                    project=project,
                    room=f"{floor}{side}",
                    floor=floor,
                    area=Decimal(area),
                    owner_name=name,
                    owner_phone=phone,
                    is_occupied=floor == 1 and side == "01",
                    by=None,
                )
    rounds = 1 + (rng.random() < 0.5)
    for r in range(rounds):
        is_open = r == rounds - 1 and rounds == 2
        start = opened if r == 0 else dt.datetime.combine(today, dt.time(9), tzinfo=clock.CHINA)
        start -= dt.timedelta(days=5) if is_open else dt.timedelta(0)
        deadline = start + dt.timedelta(days=14 if is_open else 30)
        with clock.frozen(start):
            round_ = services.open_round(project=project, deadline=deadline, by=None)
        answering = 0.5 if is_open else rng.choice((0.7, 0.95))
        agree = rng.choice((0.6, 0.85, 0.95))
        for i, owner in enumerate(ConsentOwner.objects.filter(project=project).order_by("pk")):
            if rng.random() > answering:
                continue
            choice = (
                Choice.AGREE
                if rng.random() < agree
                else rng.choice((Choice.DISAGREE, Choice.ABSTAIN))
            )
            low = owner.households.filter(floor__lte=2).exists()
            with clock.frozen(start + dt.timedelta(hours=3 + 7 * i)):
                services.record_paper_answer(
                    round_=round_,
                    owner=owner,
                    choice=choice,
                    objections=services.Objections(
                        light=low and choice != Choice.AGREE,
                        noise=low and rng.random() < 0.3,
                    ),
                    note="担心影响一楼采光" if low and choice != Choice.AGREE else "",
                    by=None,
                )
        if not is_open:
            with clock.frozen(deadline):
                services.freeze_if_due(project)
    return project


@transaction.atomic
def load_demo_consent(district: str, *, seed: int) -> int:
    """The projects made now (none if the district has some already)."""
    if ConsentProject.objects.filter(under(district, "community_id")).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311  # synthetic data
    today = clock.today()
    made = 0
    townships = Division.objects.filter(under(district, "code"), level=Level.TOWNSHIP).order_by(
        "code"
    )
    # lifts in old buildings are a street's matter (街道): not a town's or a 乡's, nor a zone's
    streets = [t for t in townships if township_kind(t.code) == TownshipKind.STREET]
    for street in streets:
        communities = [
            c
            for c in Division.objects.filter(parent=street, level=Level.VILLAGE).order_by("code")
            if is_residents_committee(c.code)  # not a village committee or a virtual one
        ]
        for community in rng.sample(communities, min(PROJECTS_PER_STREET, len(communities))):
            _project(rng, community, made, today)
            made += 1
    return made
