"""Village work teams for the demo (驻村第一书记与工作队): teams on the district's village
organizations, those under rectification (weak) first, each a first secretary and one or two
members sent by the district's agencies, with a year of work logs, leave, spot checks,
monthly logs and things done, and the monthly on-site check run over the year. Most cadres
keep the rule; about one in six falls short in some months, so the department's list has
names. The first first secretary of the demo is the login `village-demo`. `seed_counties`
does the same for every county of the synthetic data set (`jiceng seed`). Idempotent: a county
that has a dispatch is left alone."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from jiceng.accounts.demo import DemoLogin, demo_user
from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.paths import under, under_any
from jiceng.divisions.models import LEVEL_DIGITS, Level, short_code_of
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization, OrgKind, Sector
from jiceng.rectification.models import Rectification, Status
from jiceng.villages import presence, services, workdays
from jiceng.villages.models import (
    Deed,
    Dispatch,
    Leave,
    LeaveStatus,
    MonthlyLog,
    Post,
    SendingUnit,
    SpotCheck,
    WorkDay,
)

TEAMS = 12
DEMO_LOGIN = ("village-demo", "Willow#Creek3187")
LOG_TEXTS = (
    "入户走访农户{n}户，收集群众急难愁盼问题，协调解决灌溉用水和道路照明。",
    "组织召开支部委员会和党员大会，讲党课一次；推进村集体经济项目，对接销售渠道。",
    "协助村两委完成换届后的工作交接，梳理村务公开台账，开展防汛安全排查。",
    "走访困难党员和留守老人{n}户，落实帮扶措施；联系派出单位捐赠农资。",
)
DEEDS = (
    "修通村西组路灯",
    "协调资金硬化田间道路",
    "为留守老人安装应急呼叫器",
    "联系企业订购村合作社农产品",
    "修缮村卫生室",
    "开办农技培训班",
    "疏通灌溉渠",
    "为村小学捐赠图书",
)


@dataclass(frozen=True)
class VillageSeedResult:
    teams: int = 0
    dispatches: int = 0
    work_days: int = 0
    login: DemoLogin | None = None


def seed_counties(
    *, as_of: dt.date | None, seed: int, teams: int = TEAMS, under: list[str] | None = None
) -> VillageSeedResult:
    """Teams in every county (a local committee located in a county-level division) of the
    tree, or of the subtrees at the paths `under`, `teams` a county; no demo login. `as_of`
    None: today."""
    as_of = as_of or clock.today()
    rows = Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE)
    if under:
        rows = rows.filter(under_any(under))
    counties = [
        c
        for c in rows.order_by("path")
        if c.division_id and len(short_code_of(c.division_id)) == LEVEL_DIGITS[Level.COUNTY]
    ]
    totals = [0, 0, 0]
    for i, county in enumerate(counties):
        done = seed_villages(
            district=county,
            as_of=as_of,
            seed=seed + i,
            teams=teams,
            demo_login=False,
            check_presence=False,  # once for all counties below: each check reads them all
        )
        totals[0] += done.teams
        totals[1] += done.dispatches
        totals[2] += done.work_days
    if totals[1]:
        check_presence_months(as_of)
    return VillageSeedResult(teams=totals[0], dispatches=totals[1], work_days=totals[2])


def _villages(district: Organization, count: int) -> list[Organization]:
    """The village organizations (the top one of each village), weak ones first."""
    rows = list(
        Organization.objects.filter(
            under(district.path), sector=Sector.VILLAGE, kind__in=sorted(GRASSROOTS_KINDS)
        )
        .exclude(division_id__isnull=True)
        .order_by("path")
    )
    top: dict[str | None, Organization] = {}
    for org in rows:
        if org.division_id not in top:
            top[org.division_id] = org
    villages = list(top.values())
    weak = set(  # a rectification anywhere in the village: the village is weak
        Rectification.objects.exclude(status=Status.ACCEPTED).values_list(
            "organization__division_id", flat=True
        )
    )
    villages.sort(key=lambda o: (o.division_id not in weak, o.path))
    return villages[:count]


@transaction.atomic
def seed_villages(
    *,
    district: Organization,
    as_of: dt.date,
    seed: int,
    teams: int = TEAMS,
    demo_login: bool = True,
    check_presence: bool = True,
) -> VillageSeedResult:
    """A year of village work teams in `district`; with `check_presence` the months' on-site
    checks after (each check is of every dispatch: a seed of many counties runs them once, at
    the end, `check_presence_months`)."""
    if Dispatch.objects.filter(under(district.path, "team__path")).exists():
        return VillageSeedResult()
    rng = random.Random(seed)  # noqa: S311  # synthetic data
    villages = _villages(district, teams)
    if not villages:
        return VillageSeedResult()
    agencies = list(
        Organization.objects.filter(under(district.path), sector=Sector.AGENCY)
        .exclude(name="")
        .order_by("path")[:40]
    ) or [district]
    cadres = list(
        Member.objects.filter(
            under(district.path, "organization__path"),
            organization__sector__in=[Sector.AGENCY, Sector.INSTITUTION],
            status=MemberStatus.FULL,
            user__isnull=True,
        ).order_by("pk")[: teams * 3]
    )
    starts_on = _first_day(as_of)
    login: DemoLogin | None = None
    made: list[tuple[Dispatch, float]] = []
    for i, village in enumerate(villages):
        agency = agencies[i % len(agencies)]
        unit, _ = SendingUnit.objects.get_or_create(name=agency.name[:100])
        size = 1 + rng.choice([1, 2, 2])
        for j in range(size):
            if not cadres:
                break
            member = cadres.pop(0)
            post = Post.FIRST_SECRETARY if j == 0 else Post.TEAM_MEMBER
            if demo_login and i == 0 and j == 0:
                user = demo_user(*DEMO_LOGIN, member.name, member=member)
                login = DemoLogin(
                    DEMO_LOGIN[0], DEMO_LOGIN[1], "驻村第一书记", village.name, member.name
                )
            else:
                user = User.objects.create(
                    username=f"cadre-{member.pk}", display_name=member.name, member=member
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
            dispatch = services.dispatch_cadre(
                organization=village,
                cadre=user,
                sending_unit=unit,
                post=post,
                starts_on=starts_on + dt.timedelta(days=rng.randrange(0, 20)),
                by=None,
            )
            # most keep the rule comfortably; about one in six does not in some months
            made.append((dispatch, 0.55 if rng.random() < 0.17 else 0.9))
    days = 0
    yesterday = as_of - dt.timedelta(days=1)
    for dispatch, diligence in made:
        logs, leaves, checks, monthly, deeds = [], [], [], [], []
        month_start = dispatch.starts_on
        for day in workdays.days_between(dispatch.starts_on, yesterday):
            working = workdays.is_workday(day)
            if (working and rng.random() < diligence) or (not working and rng.random() < 0.15):
                logs.append(WorkDay(dispatch=dispatch, day=day))
            if 14 <= day.day <= 16 and working and rng.random() < 0.25:
                found = any(w.day == day for w in logs[-1:])
                checks.append(SpotCheck(dispatch=dispatch, day=day, found_on_site=found))
            if day.day == 1 and day > month_start:
                previous = workdays.month_of(day - dt.timedelta(days=1))
                text = rng.choice(LOG_TEXTS).format(n=rng.randrange(12, 40))
                monthly.append(MonthlyLog(dispatch=dispatch, month=previous, text=text))
                if rng.random() < 0.6:
                    deeds.append(
                        Deed(
                            dispatch=dispatch,
                            done_on=day - dt.timedelta(days=rng.randrange(1, 20)),
                            title=rng.choice(DEEDS),
                        )
                    )
                if rng.random() < 0.2:
                    first = day + dt.timedelta(days=rng.randrange(5, 20))
                    last = first + dt.timedelta(days=rng.choice([1, 2, 6]))
                    if last < yesterday:
                        n = len(workdays.workdays_between(first, last))
                        leaves.append(
                            Leave(
                                dispatch=dispatch,
                                starts_on=first,
                                ends_on=last,
                                days=max(n, 1),
                                reason=rng.choice(["就医", "家中有事", "参加派出单位培训"]),
                                approver="TOWNSHIP" if n <= 3 else "COUNTY",
                                status=LeaveStatus.APPROVED,
                            )
                        )
        WorkDay.objects.bulk_create(logs, batch_size=2000)
        SpotCheck.objects.bulk_create(checks)
        MonthlyLog.objects.bulk_create(monthly)
        Deed.objects.bulk_create(deeds)
        Leave.objects.bulk_create(leaves)
        days += len(logs)
    # two requests waiting: a short one for the street, a long one for the district
    for (dispatch, _), length in zip(made[1:3], (2, 12), strict=False):
        first = as_of + dt.timedelta(days=7 - as_of.weekday())  # next Monday
        last = first + dt.timedelta(days=length - 1)
        n = len(workdays.workdays_between(first, last))
        Leave.objects.create(
            dispatch=dispatch,
            starts_on=first,
            ends_on=last,
            days=n,
            reason="就医复查" if length == 2 else "参加省委党校培训",
            approver="TOWNSHIP" if n <= 3 else "COUNTY",
        )
    if check_presence:
        check_presence_months(as_of)
    return VillageSeedResult(teams=len(villages), dispatches=len(made), work_days=days, login=login)


def check_presence_months(as_of: dt.date) -> None:
    """The on-site checks of the seeded year's months up to the day before `as_of` (the
    periodic job's own `presence.check_month`, which rebuilds a month for every dispatch)."""
    month = workdays.month_of(_first_day(as_of))
    while month <= workdays.month_of(as_of):
        presence.check_month(month, up_to=as_of - dt.timedelta(days=1))
        month = month + 1 if month % 100 < 12 else (month // 100 + 1) * 100 + 1


def _first_day(as_of: dt.date) -> dt.date:
    """The first day of the seeded year: the dispatches start in its first weeks."""
    return (as_of.replace(day=1) - dt.timedelta(days=370)).replace(day=1)
