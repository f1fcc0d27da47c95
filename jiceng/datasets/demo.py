"""The demo district (演示数据): 江苏省南京市栖霞区 and four demo logins.

The district is the national generator run for one county, so the demo looks like the rest of
the data set: all nine streets and the development zones, every community with its
organization, committees and members. Then four accounts, one per kind of user a demo walks
through, with fixed passwords (this is a demo, and the passwords are printed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import F

from jiceng.accounts.demo import DemoLogin, demo_user
from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.services import assign_role
from jiceng.appraisal import scoring
from jiceng.appraisal.models import Review, SelfAssessment
from jiceng.cases.demo import load_demo_cases
from jiceng.consent.demo import load_demo_consent
from jiceng.cooperatives.demo import load_demo_cooperatives as load_cooperatives
from jiceng.core import clock
from jiceng.core.errors import DomainError
from jiceng.core.paths import under
from jiceng.development.models import Applicant, CaseMove, CaseStatus, DevelopmentPlan
from jiceng.divisions.models import Division, common_name
from jiceng.grid.demo import load_demo_grids
from jiceng.grid.models import Grid, GridWorker
from jiceng.grid.services import assign_worker
from jiceng.households.demo import seed_households
from jiceng.members.models import Member, MemberStatus
from jiceng.orglife import compliance, rules, scheduling
from jiceng.orglife.models import Meeting, MeetingKind, MeetingStatus
from jiceng.orgs.models import CommitteeSeat, Organization, OrgKind, Post, Sector
from jiceng.points.posting import post_taskforce_month
from jiceng.posts.demo import seed_posts
from jiceng.reporting.models import ReportingRule
from jiceng.stations import services as station_services
from jiceng.stations.models import ServiceStation
from jiceng.taskforces.seeding import TaskForceSeedResult, demo_people, seed_taskforces
from jiceng.transfers.models import OPEN_STATES, StepAction, Transfer, TransferState
from jiceng.transfers.services import start_transfer, take_step
from jiceng.villages.models import Dispatch

from . import seeding
from .appraisal import AppraisalSeedResult, seed_appraisal
from .cases import CaseSeedResult, seed_cases
from .development import DevelopmentSeedResult, seed_development
from .dues import DuesSeedResult, seed_dues
from .orglife import OrglifeSeedResult, fill_branch_year, seed_orglife
from .patrols import seed_patrols
from .points import PointsSeedResult, seed_points
from .rectification import RectificationSeedResult, seed_rectification
from .reporting import seed_reporting
from .stations import seed_stations
from .transfers import TransferSeedResult, seed_transfers
from .villages import DEMO_LOGIN as VILLAGE_LOGIN
from .villages import seed_villages

DISTRICT = "320113"  # 江苏省南京市栖霞区
STREET = "仙林街道"
SEED = 2024
CASES_PER_YEAR = 6000  # about 500 a month over the district's 142 communities


class DivisionsMissing(DomainError):
    """The division table is empty: the demo needs `jiceng load-divisions` first."""


# username, password, role, and which organization the role names. The three separated
# administrators (三员) enroll an authenticator app at their first sign-in.
ACCOUNTS = (
    ("qixia-zzb", "Ziyun#Peak8412", Role.ORGANIZATION_DEPARTMENT, "district"),
    ("xianlin-dgw", "Lotus#River5093", Role.ORGANIZATION_DEPARTMENT, "street"),
    ("secretary-demo", "Maple#Cloud2716", Role.BRANCH_SECRETARY, "branch"),
    ("member-demo", "Pine#Stream6358", Role.MEMBER, "member"),
    ("sysadmin-demo", "Cedar#Field3851", Role.SYSTEM_ADMIN, "system"),
    ("secadmin-demo", "Birch#Lake4729", Role.SECURITY_ADMIN, "system"),
    ("auditadmin-demo", "Aspen#Hill6174", Role.AUDIT_ADMIN, "system"),
)


SECRETARY = "secretary-demo"


def district_committee() -> Organization | None:
    return Organization.objects.filter(
        kind=OrgKind.LOCAL_COMMITTEE, division_id=DISTRICT.ljust(12, "0")
    ).first()


def load_demo(
    *, workers: int = 2, progress: Callable[[str], None] | None = None
) -> list[DemoLogin]:
    """Seed the district if it is not in the tree yet, make the demo accounts that are missing,
    then the district's grids, case units, a year of citizen requests and of the demo grid
    worker's patrols, and a year of organizational life (载入演示数据).
    Running it again adds nothing and returns the same logins."""
    say = progress or (lambda line: None)
    if district_committee() is None:
        if not Division.objects.filter(code__startswith=DISTRICT).exists():
            raise DivisionsMissing("行政区划尚未载入，请先运行 jiceng load-divisions")
        seeding.seed(counties=[DISTRICT], seed=SEED, workers=workers, progress=progress)
    logins = make_accounts()
    say("网格……")
    load_demo_grids()
    logins.append(grid_worker_login())
    say("接诉即办的站所、部门和账号……")
    cases = load_demo_cases()
    logins += cases.logins
    say("一年的诉求和巡查……")
    load_demo_case_year(progress=progress)
    load_demo_patrols()
    say("一年的组织生活……")
    load_demo_orglife()
    say("一年的党费……")
    load_demo_dues()
    say("发展党员……")
    load_demo_development()
    say("组织关系转接和流动党员……")
    load_demo_transfers()
    load_demo_case_move()
    say("党员积分……")
    load_demo_points()
    say("评星定级……")
    load_demo_appraisal()
    say("软弱涣散党组织研判与整顿……")
    load_demo_rectification()
    say("党员联系户和责任岗……")
    load_demo_households()
    load_demo_posts()
    say("村集体经济和党组织领办合作社……")
    load_demo_cooperatives()
    say("加装电梯等居民意见征询……")
    load_demo_consent(DISTRICT, seed=SEED)
    say("双报到……")
    logins.append(load_demo_reporting())
    say("驻村第一书记与工作队……")
    logins += load_demo_villages()
    say("党员突击队……")
    load_demo_taskforces()
    say("红帆驿站和一年的到访……")
    logins += load_demo_stations()
    return logins


def load_demo_taskforces() -> TaskForceSeedResult:
    """The district's task force this week and the past ones over the year; the demo member
    holds shifts at its first site, which the demo secretary leads."""
    district = district_committee()
    if district is None:
        return TaskForceSeedResult()
    member, lead = demo_people()
    result = seed_taskforces(
        as_of=clock.today(),
        seed=SEED,
        under_paths=[district.path],
        focus_member_id=member,
        lead_member_id=lead,
    )
    # The year's final hours to the points ledger, as the hourly points job does for the
    # last two months.
    current = rules.month_of(clock.today())
    for back in range(12, -1, -1):
        post_taskforce_month(rules.add_months(current, -back))
    return result


def load_demo_households() -> int:
    """A year of household contacts in the demo grid worker's grid: the demo member and other
    members of the demo branch each keep eight households there."""
    worker = GridWorker.objects.filter(user__username=GRID_WORKER[0]).select_related("grid").first()
    member_user = User.objects.filter(username="member-demo").select_related("member").first()
    branch_id = _demo_branch()
    if worker is None or member_user is None or member_user.member is None or branch_id is None:
        return 0
    others = list(
        Member.objects.filter(organization_id=branch_id, status=MemberStatus.FULL)
        .exclude(pk=member_user.member.pk)
        .order_by("pk")[:11]
    )
    return seed_households(
        grid=worker.grid,
        members=[member_user.member, *others],
        by=worker.user,
        now=clock.now(),
        seed=SEED,
    )


def load_demo_posts() -> int:
    """A few responsibility posts of the demo branch."""
    branch_id = _demo_branch()
    if branch_id is None:
        return 0
    return seed_posts(organization=Organization.objects.get(pk=branch_id))


def load_demo_cooperatives() -> int:
    district = district_committee()
    return load_cooperatives(district.path, seed=SEED) if district is not None else 0


def _demo_branch() -> int | None:
    """The demo secretary's branch."""
    secretary = RoleAssignment.objects.filter(
        user__username=SECRETARY, role=Role.BRANCH_SECRETARY, organization__isnull=False
    ).first()
    return secretary.organization_id if secretary is not None else None


def load_demo_dues() -> DuesSeedResult:
    """A year of dues for the district; the demo secretary's branch has members behind (one
    four months, one seven: arrears, and the 自行脱党 flag). Idempotent, like the seed."""
    district = district_committee()
    if district is None:
        return DuesSeedResult()
    own = _demo_branch()
    return seed_dues(
        as_of=clock.today(),
        seed=320113,
        under=[district.path],
        behind=frozenset() if own is None else frozenset({own}),
    )


def load_demo_points() -> PointsSeedResult:
    """A year of the district's points from its attendance, and a few awards."""
    district = district_committee()
    if district is None:
        return PointsSeedResult()
    return seed_points(seed=SEED, under=[district.path])


def load_demo_appraisal() -> AppraisalSeedResult:
    """The district's year of standardization: self-assessments, reviews, scores from the
    seeded records and the model organizations named. The demo secretary's branch keeps one
    item to assess and one awaiting review, so both sides have something to do."""
    district = district_committee()
    if district is None:
        return AppraisalSeedResult()
    result = seed_appraisal(seed=SEED, under=[district.path])
    secretary = RoleAssignment.objects.filter(
        user__username=SECRETARY, role=Role.BRANCH_SECRETARY, organization__isnull=False
    ).first()
    if secretary is not None and secretary.organization is not None:
        own = SelfAssessment.objects.filter(
            organization=secretary.organization, item__version__year=clock.today().year
        ).order_by("item__order")
        rows = list(own)
        if len(rows) >= 2 and rows[-1].status != Review.PENDING:
            SelfAssessment.objects.filter(pk=rows[-2].pk).update(
                status=Review.PENDING, reviewed_points=None, reviewed_at=None
            )
            rows[-1].delete()
            scoring.compute_one(secretary.organization, clock.today().year)
    return result


def load_demo_rectification() -> RectificationSeedResult:
    """The month's detection over the district and rectifications in every state, named to
    the district's and streets' department accounts. Idempotent."""
    district = district_committee()
    if district is None:
        return RectificationSeedResult()
    return seed_rectification(as_of=clock.today(), seed=SEED, under=[district.path])


# The community official of the demo member's residential community (双报到).
COMMUNITY_OFFICIAL = ("shequ-demo", "Willow#Court3186")


@transaction.atomic
def community_login() -> tuple[DemoLogin, Division | None, Member | None]:
    """The demo member lives in the community of her branch (else the street's first): the
    community official's account acts for it."""
    username, password = COMMUNITY_OFFICIAL
    member = (
        Member.objects.filter(user__username="member-demo").select_related("organization").first()
    )
    street = Division.objects.get(code__startswith=DISTRICT, level=4, name=STREET)
    own = member.organization.division_id if member is not None else None
    community = Division.objects.filter(code=own or "", level=5).first() or (
        Division.objects.filter(code__startswith=street.short_code, level=5)
        .order_by("code")
        .first()
    )
    name = community.name if community is not None else STREET
    user = demo_user(username, password, f"{name}干部")
    if (
        community is not None
        and not RoleAssignment.objects.filter(user=user, role=Role.COMMUNITY_OFFICIAL).exists()
    ):
        assign_role(user=user, role=Role.COMMUNITY_OFFICIAL, division=community, by=None)
    login = DemoLogin(username, password, Role.COMMUNITY_OFFICIAL.label, name, user.display_name)
    return login, community, member


def load_demo_reporting() -> DemoLogin:
    """A year of 双报到 in the district: the demo member reported to her community a year
    ago and serves there; Jiangsu's reporting rule; the community official's login."""
    login, community, member = community_login()
    district = district_committee()
    if district is not None:
        pinned = {member.pk: community.code} if member and community else {}
        seed_reporting(as_of=clock.today(), seed=SEED, under=[district.path], pinned=pinned)
        jiangsu = Division.objects.filter(code=DISTRICT[:2].ljust(12, "0")).first()
        if jiangsu is not None:
            ReportingRule.objects.get_or_create(
                province=jiangsu,
                valid_from_year=clock.today().year,
                defaults={
                    "min_activities_per_quarter": 1,
                    "yearly_hours": 16,
                    "created_at": clock.now(),
                },
            )
    return login


def load_demo_development() -> DevelopmentSeedResult:
    """The district's development pipelines, the demo secretary's branch lively (a case
    awaiting each approval, late ones of each kind). Idempotent: branches with cases are
    left alone."""
    district = district_committee()
    if district is None:
        return DevelopmentSeedResult()
    own = _demo_branch()
    # The district's plan for the year (发展计划), near what its branches admit: the seeded
    # members joined at about 4% a year.
    DevelopmentPlan.objects.get_or_create(
        organization=district,
        year=clock.today().year,
        defaults={"planned": max(10, int(round(district.subtree_member_count * 0.04, -1)))},
    )
    return seed_development(
        as_of=clock.today(),
        seed=SEED,
        under=[district.path],
        lively=frozenset() if own is None else frozenset({own}),
    )


def load_demo_transfers() -> TransferSeedResult:
    """Transfers in every state and mobile members for the district; the demo secretary's
    branch sends and receives in each open state. Idempotent (seed_transfers)."""
    district = district_committee()
    if district is None:
        return TransferSeedResult()
    secretary = RoleAssignment.objects.filter(
        user__username=SECRETARY, role=Role.BRANCH_SECRETARY, organization__isnull=False
    ).first()
    own = (secretary.organization_id,) if secretary and secretary.organization_id else ()
    return seed_transfers(as_of=clock.today(), seed=SEED, under=[district.path], must_have=own)


def load_demo_case_move() -> Transfer | None:
    """A probationary member of another branch of the district transferred into the demo
    secretary's branch last month, through the transfer services, so that the development
    file followed (development.following): the branch carries on the probation and decides
    转正, and the case's page shows where it came from. Idempotent: once the branch has
    received a file, nothing more."""
    own = _demo_branch()
    district = district_committee()
    if own is None or district is None or CaseMove.objects.filter(to_organization_id=own).exists():
        return None
    branch = Organization.objects.get(pk=own)
    street = branch.path[: len(district.path) + Organization.steplen]
    candidates = (
        Applicant.objects.filter(
            under(district.path, "organization__path"),
            status=CaseStatus.OPEN,
            member__status=MemberStatus.PROBATIONARY,
            member__organization_id=F("organization_id"),
            organization__kind=OrgKind.BRANCH,
        )
        .exclude(organization_id=own)
        .exclude(member__transfers__state__in=OPEN_STATES)
        .select_related("member")
    )
    # the nearest first: a branch of the same street
    case = candidates.filter(under(street, "organization__path")).order_by("pk").first()
    case = case or candidates.order_by("pk").first()
    if case is None or case.member is None:
        return None
    today = clock.today()
    transfer = start_transfer(
        member=case.member,
        to_organization=branch,
        reason="居住地变更",
        leaves_on=max(today - dt.timedelta(days=35), case.member.joined_on),
        by=None,
    )
    for action in (StepAction.APPROVE_OUT, StepAction.APPROVE_IN, StepAction.CONFIRM):
        if action is StepAction.APPROVE_IN and transfer.state != TransferState.OUT_APPROVED:
            continue  # one committee approves for both sides (the same street): once
        on = today - dt.timedelta(days=28) if action is StepAction.CONFIRM else None
        transfer = take_step(transfer=transfer, action=action, on=on, by=None)
    return transfer


def load_demo_orglife() -> OrglifeSeedResult:
    """A year of meetings for the district's branches and the compliance of each month.
    Idempotent: branches that already have meetings are left alone, and the rollups are rebuilt
    from the rows."""
    district = district_committee()
    if district is None:
        return OrglifeSeedResult()
    today = clock.today()
    secretary = RoleAssignment.objects.filter(
        user__username=SECRETARY, role=Role.BRANCH_SECRETARY, organization__isnull=False
    ).first()
    # The demo secretary's branch keeps its meetings, in full: attendance lists and minutes.
    own = secretary.organization_id if secretary is not None else None
    result = seed_orglife(
        as_of=today,
        seed=320113,
        under=[district.path],
        diligent=frozenset() if own is None else frozenset({own}),
        attended_months=12,  # a year of attendance, so that a year of points follows from it
    )
    if secretary is not None and secretary.organization_id is not None:
        fill_branch_year(
            organization_id=secretary.organization_id,
            secretary_user_id=secretary.user_id,
            seed=SEED,
        )
        schedule_demo_meetings(secretary.organization_id, secretary.user)
    current = rules.month_of(today)
    first = rules.add_months(current, -12)  # the seed's first month
    for back in range(12, -1, -1):
        month = rules.add_months(current, -back)
        if month // 100 == first // 100 and first % 100 != 1:
            # a year the seed holds only the end of: its yearly rules (谈心谈话, 党课) would
            # judge the months before the seed, and every branch would fail
            continue
        compliance.rollup_month(month)
    return result


# The demo branch's meetings still to come, as its secretary would have scheduled them: one that
# opens for check-in (and online) within the hour, the month's 主题党日 and a committee meeting.
UPCOMING: tuple[tuple[str, str, dt.timedelta, bool], ...] = (
    (
        MeetingKind.PARTY_LECTURE,
        "专题党课：学习贯彻党的二十届四中全会精神",
        dt.timedelta(minutes=40),
        True,
    ),
    (MeetingKind.THEME_DAY, "主题党日：走访慰问困难党员", dt.timedelta(days=3), False),
    (
        MeetingKind.COMMITTEE_MEETING,
        "支部委员会会议：研究年度民主评议安排",
        dt.timedelta(days=6),
        False,
    ),
)


def schedule_demo_meetings(organization_id: int, secretary: User) -> list[Meeting]:
    """The demo branch's next meetings, scheduled through orglife.scheduling (notices and all)
    by its secretary; none when the branch has a meeting still to come (a second load)."""
    now = clock.now()
    waiting = Meeting.objects.filter(
        organization_id=organization_id, status=MeetingStatus.SCHEDULED, ends_at__gte=now
    )
    if waiting.exists():
        return []
    organization = Organization.objects.get(pk=organization_id)
    start = now.astimezone(clock.CHINA).replace(second=0, microsecond=0)

    def starts(ahead: dt.timedelta) -> dt.datetime:
        """Soon (the reminder is seen during the demo), or a later day at 15:00, as branches
        meet, never at the hour the demo happened to be loaded."""
        if ahead < dt.timedelta(days=1):
            return start + ahead
        return dt.datetime.combine((start + ahead).date(), dt.time(15, 0), tzinfo=clock.CHINA)

    return [
        scheduling.schedule_meeting(
            organization=organization,
            kind=kind,
            title=title,
            starts_at=starts(ahead),
            ends_at=starts(ahead) + dt.timedelta(hours=1, minutes=30),
            place="社区党群服务中心二楼会议室",
            is_online=online,
            by=secretary,
        )
        for kind, title, ahead, online in UPCOMING
    ]


def load_demo_case_year(
    *, per_year: int = CASES_PER_YEAR, progress: Callable[[str], None] | None = None
) -> CaseSeedResult:
    """A year of citizen requests in the district's grids, more in 仙林街道 and most in the
    demo grid worker's grid, played through the workflow to today (`datasets.cases`).
    Idempotent: a district with cases is left alone."""
    street = Division.objects.filter(code__startswith=DISTRICT, level=4, name=STREET).first()
    busy_grid = (
        Grid.objects.filter(street=street).order_by("code").values_list("pk", flat=True).first()
        if street
        else None
    )
    return seed_cases(
        district=DISTRICT,
        seed=SEED,
        per_year=per_year,
        busy_street=street.code if street else "",
        busy_grid=busy_grid,
        progress=progress,
    )


def load_demo_patrols() -> int:
    """A year of the demo grid worker's patrols of their grid; none if they have any."""
    worker = GridWorker.objects.filter(user__username=GRID_WORKER[0]).select_related("grid").first()
    if worker is None:
        return 0
    return seed_patrols(grid=worker.grid, worker_id=worker.user_id, now=clock.now(), seed=SEED)


# The grid worker of the first grid of the street, whose inbox citizens' cases there reach.
GRID_WORKER = ("grid-demo", "Poplar#Lane5187", "网格员")


@transaction.atomic
def load_demo_villages() -> list[DemoLogin]:
    """Teams on the district's villages, weak ones first, with a year of logs (after the
    rectifications, whose weak villages get their first secretaries named). The login of
    the demo first secretary, on a first load and on a second."""
    district = district_committee()
    if district is None:
        return []
    result = seed_villages(district=district, as_of=clock.today(), seed=SEED)
    if result.login is not None:
        return [result.login]
    dispatch = (
        Dispatch.objects.filter(cadre__username=VILLAGE_LOGIN[0])
        .select_related("team__organization", "cadre")
        .first()
    )
    if dispatch is None:
        return []
    return [
        DemoLogin(
            VILLAGE_LOGIN[0],
            VILLAGE_LOGIN[1],
            "驻村第一书记",
            dispatch.team.organization.name,
            dispatch.cadre.display_name,
        )
    ]


def grid_worker_login() -> DemoLogin:
    username, password, display_name = GRID_WORKER
    street = Division.objects.get(code__startswith=DISTRICT, level=4, name=STREET)
    grid = Grid.objects.filter(street=street).order_by("code").first()
    if grid is None:
        raise DomainError(f"{STREET}没有网格，演示网格未能生成")
    user = demo_user(username, password, display_name)
    if not GridWorker.objects.filter(user=user).exists():
        assign_worker(grid=grid, user=user, by=None)
    return DemoLogin(username, password, Role.GRID_WORKER.label, grid.name, display_name)


@transaction.atomic
def make_accounts() -> list[DemoLogin]:
    district = district_committee()
    if district is None:
        raise DomainError("组织树中没有栖霞区委，演示数据未能生成")
    street_division = Division.objects.get(code__startswith=DISTRICT, level=4, name=STREET)
    street = Organization.objects.get(
        under(district.path), kind=OrgKind.WORKING_COMMITTEE, division_id=street_division.code
    )
    # The first community branch of the street (tree order) whose committee has a secretary.
    seat = (
        CommitteeSeat.objects.filter(
            under(street.path, "committee__organization__path"),
            post=Post.SECRETARY,
            committee__ended_on__isnull=True,
            committee__organization__kind=OrgKind.BRANCH,
            committee__organization__sector=Sector.COMMUNITY,
            committee__organization__dissolved_on__isnull=True,
        )
        .select_related("committee__organization", "member")
        .order_by("committee__organization__path")
        .first()
    )
    if seat is None:
        raise DomainError(f"{STREET}没有设书记的社区党支部")
    branch, secretary = seat.committee.organization, seat.member
    member = (
        Member.objects.filter(organization=branch, status=MemberStatus.FULL)
        .exclude(pk=secretary.pk)
        .order_by("pk")
        .first()
    )
    if member is None:
        raise DomainError(f"{branch.name}没有其他正式党员")
    scopes = {
        "district": (district, None, f"{district.name}组织部"),
        "street": (street, None, f"{STREET}党工委"),
        "branch": (branch, secretary, secretary.name),
        "member": (None, member, member.name),  # a member's scope is her own record
        "system": (None, None, ""),
    }
    logins = []
    for username, password, role, scope in ACCOUNTS:
        organization, linked, display_name = scopes[scope]
        display_name = display_name or Role(role).label
        user = demo_user(username, password, display_name, member=linked)
        if not RoleAssignment.objects.filter(user=user, role=role).exists():
            assign_role(user=user, role=Role(role), organization=organization, by=None)
        where = organization.name if organization else (branch.name if linked else "全系统")
        logins.append(DemoLogin(username, password, Role(role).label, where, user.display_name))
    return logins


# 红帆驿站: the keeper whom the community (the demo community official, shequ-demo) appoints
# to its station, and a rider who is a member of a new-group branch (新就业群体). Should that
# community have no station, the street's first station's community official signs in as
# community-demo (printed with that community).
STATION_ACCOUNTS = (
    ("community-demo", "Maple#Court3517", "社区干部"),
    ("keeper-demo", "Ginkgo#Door2648", "驿站管理员"),
    ("rider-demo", "Swift#Road7093", "骑手党员"),
)
# A person's name: the station's page says "管理员 <name>", which a role's name would double.
KEEPER_DISPLAY_NAME = "刘桂芳"


@transaction.atomic
def load_demo_stations() -> list[DemoLogin]:
    """Stations in every street of the district with a year of visits (datasets.stations),
    one of them in the demo community official's community: she appoints the demo keeper
    to it; and the rider, a member of a new-group branch of the district."""
    _, own_community, _ = community_login()
    pinned = frozenset({own_community.code}) if own_community is not None else frozenset()
    seed_stations(district=DISTRICT, seed=SEED, pinned=pinned)
    logins: list[DemoLogin] = []
    station = (
        ServiceStation.objects.filter(community_id__in=pinned, is_active=True)
        .order_by("pk")
        .first()
    )
    if station is not None:
        official = User.objects.get(username=COMMUNITY_OFFICIAL[0])  # printed by 双报到
    else:
        street = Division.objects.get(code__startswith=DISTRICT, level=4, name=STREET)
        station = (
            ServiceStation.objects.filter(street_code=street.code, is_active=True)
            .order_by("community_id", "pk")
            .first()
        )
        if station is None:
            return logins
        community = Division.objects.get(code=station.community_id)
        official_name, official_password, _ = STATION_ACCOUNTS[0]
        official = demo_user(official_name, official_password, f"{common_name(community.name)}干部")
        if not RoleAssignment.objects.filter(user=official, role=Role.COMMUNITY_OFFICIAL).exists():
            assign_role(user=official, role=Role.COMMUNITY_OFFICIAL, division=community, by=None)
        logins.append(
            DemoLogin(
                official_name,
                official_password,
                Role.COMMUNITY_OFFICIAL.label,
                f"{community.name}（红帆驿站）",
                str(official),
            )
        )
    keeper_name, keeper_password, keeper_label = STATION_ACCOUNTS[1]
    keeper = demo_user(keeper_name, keeper_password, KEEPER_DISPLAY_NAME)
    if station.keeper_id != keeper.pk:
        station_services.appoint_keeper(station=station, username=keeper_name, by=official)
    logins.append(
        DemoLogin(keeper_name, keeper_password, keeper_label, station.name, KEEPER_DISPLAY_NAME)
    )
    rider_name, rider_password, rider_label = STATION_ACCOUNTS[2]
    rider = User.objects.filter(username=rider_name).first()
    if rider is None:
        member = (
            Member.objects.filter(
                under(district_path(), "organization__path"),
                organization__sector=Sector.NEW_ECONOMY,
                organization__kind__in=[OrgKind.BRANCH, OrgKind.JOINT_BRANCH],
                status=MemberStatus.FULL,
                user__isnull=True,
            )
            .select_related("organization")
            .order_by("organization__path", "pk")
            .first()
        )
        if member is None:
            return logins
        rider = demo_user(rider_name, rider_password, member.name, member=member)
        assign_role(user=rider, role=Role.MEMBER, by=None)
    member_org = rider.member.organization.name if rider.member else ""
    logins.append(DemoLogin(rider_name, rider_password, rider_label, member_org, str(rider)))
    return logins


def district_path() -> str:
    district = district_committee()
    return district.path if district is not None else "~"
