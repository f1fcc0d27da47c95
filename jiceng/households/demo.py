"""A year of household contacts for the demo (载入演示数据): one grid's households, each linked
to a member who lives in the grid's community, visited by phone, WeChat or at the door about
once a month or two, a few findings turned into cases through the cases intake, and some
households left unvisited past the set days so the workbench has something to say.

About a hundred households and a thousand visits: the ORM's bulk_create is quick enough."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.cases import categories
from jiceng.core import clock, crypto, masking
from jiceng.grid.models import Grid
from jiceng.members.models import Member

from . import services
from .models import ContactRule, Household, HouseholdContact, Visit, Way
from .queries import NAME_FIELD, PHONE_FIELD

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "秀英桂英建华国强玉兰红梅志强明华丽娟海燕文军春生德明淑珍凤兰永刚小燕"
ROADS = ("学海路", "文苑路", "仙林大道", "仙鹤街", "白象路", "杉湖西路")
NOTES = ("", "", "", "独居老人", "空巢老人", "残疾人家庭", "低保户", "新迁入", "")
FINDINGS = (
    "老人反映楼道灯不亮，晚上出行不便",
    "住户反映楼上漏水，卫生间天花板渗水",
    "小区门口垃圾桶满溢，气味较大",
    "住户反映小区电动车充电桩不够用",
    "老人想了解高龄津贴的申请办法，已当场讲解",
    "家中一切正常，子女每周回来探望",
    "住户反映楼下餐馆油烟扰民",
    "孩子入学咨询，已告知社区受理时间",
)
# Findings the demo turns into cases (the others were answered on the spot).
CASE_FINDINGS = frozenset(FINDINGS[i] for i in (0, 1, 2, 6))
HOUSEHOLDS_PER_MEMBER = 8


def _name(rng: random.Random) -> str:
    given = rng.choice([GIVEN[i : i + 2] for i in range(0, len(GIVEN) - 1, 2)])
    return rng.choice(SURNAMES) + given


@transaction.atomic
def seed_households(
    *, grid: Grid, members: list[Member], by: User | None, now: dt.datetime, seed: int
) -> int:
    """Households of `grid` linked to `members` (who are made residents of its community
    where they live nowhere yet), with a year of visits; none if the grid has households."""
    if Household.objects.filter(grid=grid).exists() or not members:
        return 0
    rng = random.Random(seed)  # noqa: S311  # synthetic data
    today = now.astimezone(clock.CHINA).date()
    ContactRule.objects.get_or_create(
        division_id=grid.community_id[:6].ljust(12, "0"),
        defaults={"one_contact_per_household": True},
    )
    Member.objects.filter(pk__in=[m.pk for m in members], residential_division__isnull=True).update(
        residential_division_id=grid.community_id
    )
    households: list[Household] = []
    for n in range(len(members) * HOUSEHOLDS_PER_MEMBER):
        name, phone = _name(rng), f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        households.append(
            Household(
                grid=grid,
                address=f"{ROADS[n // 40 % len(ROADS)]}{n // 24 + 1}号{n // 6 % 4 + 1}栋"
                f"{n % 6 // 2 + 1}0{n % 2 + 1}室",
                resident_name_sealed=crypto.seal(name, field=NAME_FIELD),
                resident_name_masked=masking.mask_name(name),
                phone_sealed=crypto.seal(phone, field=PHONE_FIELD),
                phone_masked=masking.mask_phone(phone),
                note=rng.choice(NOTES),
                created_at=now - dt.timedelta(days=400),
            )
        )
    Household.objects.bulk_create(households)
    households = list(Household.objects.filter(grid=grid).order_by("pk"))
    start = today - dt.timedelta(days=365)
    HouseholdContact.objects.bulk_create(
        HouseholdContact(household=h, member=members[i // HOUSEHOLDS_PER_MEMBER], started_on=start)
        for i, h in enumerate(households)
    )
    visits: list[Visit] = []
    user_of = dict(User.objects.filter(member__in=members).values_list("member_id", "pk"))
    fallback = by.pk if by is not None else None
    for i, h in enumerate(households):
        member = members[i // HOUSEHOLDS_PER_MEMBER]
        visitor = user_of.get(member.pk, fallback)
        if visitor is None:
            continue
        # Every fifth household is left behind: its last visit is 100 to 200 days old, or
        # (one in three of those) it was never visited.
        behind = i % 5 == 2
        last = today - dt.timedelta(
            days=rng.randrange(100, 200) if behind else rng.randrange(2, 60)
        )
        if behind and i % 15 == 2:
            continue
        day = last
        while day >= start:
            finding = rng.choice(FINDINGS) if rng.random() < 0.25 else ""
            visits.append(
                Visit(
                    household=h,
                    visited_by_id=visitor,
                    member=member,
                    visited_on=day,
                    way=rng.choice([Way.IN_PERSON, Way.IN_PERSON, Way.PHONE, Way.WECHAT]),
                    finding=finding,
                    recorded_at=dt.datetime.combine(day, dt.time(18), tzinfo=clock.CHINA),
                )
            )
            day -= dt.timedelta(days=rng.randrange(25, 70))
        Household.objects.filter(pk=h.pk).update(last_visited_on=last)
    Visit.objects.bulk_create(visits)
    _open_demo_cases(grid, rng)
    return len(households)


def _open_demo_cases(grid: Grid, rng: random.Random) -> None:
    """A handful of the recent findings become cases, through the one intake."""
    case_type = next((t for t in categories.active_types() if t.code == "complaint"), None)
    subjects = categories.active_subjects()
    if case_type is None or not subjects:
        return
    recent = (
        Visit.objects.filter(household__grid=grid, finding__in=sorted(CASE_FINDINGS))
        .select_related("household__grid", "visited_by")
        .order_by("-visited_on")[:6]
    )
    for visit in recent:
        services.open_case(
            visit=visit, case_type=case_type, subject=rng.choice(subjects), by=visit.visited_by
        )
