"""双报到 for the synthetic data set (`jiceng seed`, the demo): a share of the active members
report to a community of their county (most to the community their branch sits in or one of
its street), agencies, schools and enterprises report with a 共建协议 whose offers join the
resources; each community with reported members gets two needs a month and two projects a
year; members sign up and serve in plausible numbers (some not at all, so the branch sees who
is below the rule); the hours are posted to the points ledger by points.posting; and the
community writes its half-yearly feedback, the branch having read the older half.

Rows are made here with their ids and written by writer.BulkWriter (executemany on SQLite, COPY
on PostgreSQL): bulk_create's model instances took half of this seed. Idempotent: nothing is
written where reports exist."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import QuerySet

from jiceng.core import clock
from jiceng.core.paths import under_any
from jiceng.divisions.models import Division, Level
from jiceng.members.models import ACTIVE_STATUSES, Member
from jiceng.orglife.rules import add_months, month_of
from jiceng.orgs.models import BRANCH_KINDS, Organization, Sector
from jiceng.points.posting import db_datetime, post_service_month
from jiceng.reporting import rules
from jiceng.reporting.models import (
    CommunityReport,
    Feedback,
    ListStatus,
    Need,
    Project,
    Rating,
    ReportStatus,
    Resource,
    ServiceRecord,
    SignUp,
)

from .writer import BulkWriter, IdRows, Table

MEMBER_SHARE = 0.08  # of the active members, reported where they live
ORGANIZATION_SHARE = 0.3  # of the agencies', schools' and enterprises' branches
REPORT_COLUMNS = (
    "id",
    "member_id",
    "organization_id",
    "community_id",
    "address",
    "status",
    "offers",
    "agreement_signed_on",
    "agreement_until",
    "reported_at",
    "decided_at",
    "decline_reason",
)
RESOURCE_COLUMNS = (
    "id",
    "community_id",
    "title",
    "description",
    "report_id",
    "provider",
    "created_at",
)
NEED_COLUMNS = (
    "id",
    "community_id",
    "title",
    "description",
    "needed_on",
    "places",
    "status",
    "created_at",
)
PROJECT_COLUMNS = (
    "id",
    "community_id",
    "title",
    "description",
    "starts_on",
    "ends_on",
    "places",
    "status",
    "created_at",
)
SIGNUP_COLUMNS = ("id", "member_id", "report_id", "need_id", "project_id", "signed_at")
RECORD_COLUMNS = (
    "id",
    "signup_id",
    "member_id",
    "community_id",
    "served_on",
    "hours",
    "note",
    "confirmed_at",
    "revoke_reason",
)
FEEDBACK_COLUMNS = (
    "id",
    "report_id",
    "member_id",
    "organization_id",
    "half",
    "activities",
    "hours",
    "rating",
    "comment",
    "written_at",
    "read_at",
)
NEEDS = (
    "陪伴独居老人",
    "社区环境整治",
    "垃圾分类督导",
    "文明交通劝导",
    "青少年课业辅导",
    "反诈宣传进楼栋",
    "助老理发义剪",
    "消防安全巡查",
    "疫苗接种现场引导",
    "小区议事会记录",
)
ROADS = ("学海路", "文苑路", "仙林大道", "白象街")
PROJECTS = ("四点半课堂", "长者食堂帮厨", "楼道微更新", "社区读书角", "邻里互助驿站")
OFFERS = (
    "会议室周末向居民开放",
    "法律咨询每月一次",
    "义诊进社区每季度一次",
    "职工志愿服务队",
    "图书捐赠",
    "停车位夜间共享",
    "技能培训课程",
)
COMMENTS = ("积极参加社区活动", "服务热情，居民认可", "能按时参加", "参加次数偏少", "")
HOURS = (Decimal(1), Decimal("1.5"), Decimal(2), Decimal(2), Decimal("2.5"), Decimal(3))
ACTIVITY_COUNTS = (0, 1, 2, 3, 4, 5, 6, 8, 10, 12)


@dataclass
class ReportingSeedResult:
    members: int = 0
    organizations: int = 0
    needs: int = 0
    signups: int = 0
    records: int = 0
    feedback: int = 0
    seconds: float = 0.0


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.CHINA)


def _is_community(code: str | None) -> bool:
    return bool(code) and len(code or "") == 12 and not (code or "").endswith("000")


def seed_reporting(
    *,
    as_of: dt.date | None = None,
    seed: int = 1,
    under: list[str] | None = None,
    pinned: dict[int, str] | None = None,
) -> ReportingSeedResult:
    """A year of 双报到 up to `as_of` under the subtrees `under` (everywhere if None).
    `pinned` names members (by id) who report, confirmed a year ago, to a given community
    (the demo's member)."""
    started = time.perf_counter()
    as_of = as_of or clock.today()
    rng = random.Random(seed * 7919 + 15)  # noqa: S311 synthetic data, not secrets
    result = ReportingSeedResult()
    members = Member.objects.filter(status__in=ACTIVE_STATUSES)
    organizations = Organization.objects.filter(
        kind__in=BRANCH_KINDS,
        dissolved_on__isnull=True,
        sector__in=[
            Sector.AGENCY,
            Sector.INSTITUTION,
            Sector.STATE_ENTERPRISE,
            Sector.PRIVATE_ENTERPRISE,
        ],
    )
    if under:
        members = members.filter(under_any(under, "organization__path"))
        organizations = organizations.filter(under_any(under, "path"))
    rows = list(members.values_list("pk", "organization_id", "organization__division_id"))
    if not rows:
        return result
    counties = {str(code)[:6] for _, _, code in rows if code}
    by_county: dict[str, list[str]] = defaultdict(list)
    by_street: dict[str, list[str]] = defaultdict(list)
    for county in sorted(counties):
        for code in Division.objects.filter(
            code__startswith=county, level=Level.VILLAGE
        ).values_list("code", flat=True):
            by_county[county].append(code)
            by_street[code[:9]].append(code)
    tables = {
        "reports": Table.of(CommunityReport, REPORT_COLUMNS),
        "resources": Table.of(Resource, RESOURCE_COLUMNS),
        "needs": Table.of(Need, NEED_COLUMNS),
        "projects": Table.of(Project, PROJECT_COLUMNS),
        "signups": Table.of(SignUp, SIGNUP_COLUMNS),
        "records": Table.of(ServiceRecord, RECORD_COLUMNS),
        "feedback": Table.of(Feedback, FEEDBACK_COLUMNS),
    }
    with transaction.atomic():
        if CommunityReport.objects.filter(member_id__in=[r[0] for r in rows[:2000]]).exists():
            return result
        made = IdRows({name: table.model for name, table in tables.items()})
        start = as_of - dt.timedelta(days=365)
        pinned = pinned or {}
        chosen = [r for r in rows if r[0] in pinned or rng.random() < MEMBER_SHARE]
        member_org = {pk: org for pk, org, _ in rows}
        confirmed: list[tuple[int, int, str, dt.datetime]] = []
        for pk, _org, code in chosen:
            community = pinned.get(pk) or _community_for(rng, code, by_county, by_street)
            if community is None:
                continue
            if pk in pinned:
                reported_on, fate = start - dt.timedelta(days=10), 0.0
            else:
                reported_on, fate = start + dt.timedelta(days=rng.randrange(350)), rng.random()
            status = (
                ReportStatus.CONFIRMED
                if fate < 0.9
                else ReportStatus.DECLINED
                if fate < 0.95
                else ReportStatus.PENDING
            )
            if status == ReportStatus.PENDING:
                reported_on = as_of - dt.timedelta(days=rng.randrange(1, 6))
            decided = (
                _at(reported_on + dt.timedelta(days=rng.randrange(1, 5)), 15)
                if status != ReportStatus.PENDING
                else None
            )
            report = made.add(
                "reports",
                pk,
                None,
                community,
                f"{rng.choice(ROADS)}{rng.randrange(1, 200)}号",
                status.value,
                "",
                None,
                None,
                db_datetime(_at(reported_on, 9)),
                db_datetime(decided),
                "地址不在本社区" if status == ReportStatus.DECLINED else "",
            )
            result.members += 1
            if status == ReportStatus.CONFIRMED and decided is not None:
                confirmed.append((report, pk, community, decided))
        result.organizations = _seed_organizations(rng, made, organizations, by_county, start)
        result.needs, needs, projects = _seed_lists(
            rng, made, {c for _, _, c, _ in confirmed}, start, as_of
        )
        result.signups, served = _seed_service(rng, made, confirmed, needs, projects, as_of, pinned)
        result.records = len(served)
        result.feedback = _seed_feedback(rng, made, confirmed, served, member_org, as_of)
        with BulkWriter(tables, defer_indexes=False) as writer:
            made.flush(writer)
    current = month_of(as_of)
    for month in [add_months(current, -i) for i in range(13, -1, -1)]:
        post_service_month(month)
    result.seconds = time.perf_counter() - started
    return result


def _community_for(
    rng: random.Random,
    code: str | None,
    by_county: dict[str, list[str]],
    by_street: dict[str, list[str]],
) -> str | None:
    if not code:
        return None
    if _is_community(code) and rng.random() < 0.6:
        return code
    street = by_street.get(code[:9])
    if street and rng.random() < 0.7:
        return rng.choice(street)
    county = by_county.get(code[:6])
    return rng.choice(county) if county else None


def _seed_organizations(
    rng: random.Random,
    made: IdRows,
    organizations: QuerySet[Organization],
    by_county: dict[str, list[str]],
    start: dt.date,
) -> int:
    count = 0
    for pk, name, code in organizations.values_list("pk", "name", "division_id"):
        if not code or rng.random() >= ORGANIZATION_SHARE:
            continue
        community = code if _is_community(code) else None
        if community is None and by_county.get(code[:6]):
            community = rng.choice(by_county[code[:6]])
        if community is None:
            continue
        signed = start + dt.timedelta(days=rng.randrange(200))
        lines = rng.sample(OFFERS, rng.randrange(2, 4))
        decided = db_datetime(_at(signed + dt.timedelta(days=2), 15))
        report = made.add(
            "reports",
            None,
            pk,
            community,
            community,
            ReportStatus.CONFIRMED.value,
            "\n".join(lines),
            signed,
            signed.replace(year=signed.year + 2),
            db_datetime(_at(signed, 9)),
            decided,
            "",
        )
        for line in lines:
            made.add("resources", community, line, "", report, name, decided)
        count += 1
    return count


class _Item(NamedTuple):
    """A need or a project as the sign-ups draw on it: `on` is the need's day or the project's
    first day."""

    pk: int
    on: dt.date
    places: int


def _seed_lists(
    rng: random.Random, made: IdRows, communities: set[str], start: dt.date, as_of: dt.date
) -> tuple[int, dict[str, list[_Item]], dict[str, list[_Item]]]:
    by_need: dict[str, list[_Item]] = defaultdict(list)
    by_project: dict[str, list[_Item]] = defaultdict(list)
    count = 0
    for community in sorted(communities):
        for month in range(13):
            first = (start.replace(day=1) + dt.timedelta(days=31 * month)).replace(day=1)
            for _ in range(2):
                day = first + dt.timedelta(days=rng.randrange(27))
                if day > as_of + dt.timedelta(days=20):
                    continue
                places = rng.randrange(3, 9)
                need = made.add(
                    "needs",
                    community,
                    rng.choice(NEEDS),
                    "",
                    day,
                    places,
                    (ListStatus.CLOSED if day < as_of else ListStatus.OPEN).value,
                    db_datetime(_at(day - dt.timedelta(days=10))),
                )
                by_need[community].append(_Item(need, day, places))
                count += 1
        for half in range(2):
            begins = start + dt.timedelta(days=30 + 180 * half)
            ends = begins + dt.timedelta(days=150 + 90 * half)  # the second runs on
            places = rng.randrange(5, 15)
            project = made.add(
                "projects",
                community,
                rng.choice(PROJECTS),
                "",
                begins,
                ends,
                places,
                (ListStatus.CLOSED if ends < as_of else ListStatus.OPEN).value,
                db_datetime(_at(begins - dt.timedelta(days=10))),
            )
            by_project[community].append(_Item(project, begins, places))
            count += 1
    return count, by_need, by_project


Served = tuple[int, dt.date, Decimal]  # member, day, hours


def _seed_service(
    rng: random.Random,
    made: IdRows,
    confirmed: list[tuple[int, int, str, dt.datetime]],
    needs: dict[str, list[_Item]],
    projects: dict[str, list[_Item]],
    as_of: dt.date,
    pinned: dict[int, str],
) -> tuple[int, list[Served]]:
    taken: dict[int, int] = defaultdict(int)
    signups = 0
    served: list[Served] = []

    def serve(signup: int, member_id: int, community: str, day: dt.date) -> None:
        hours = rng.choice(HOURS)
        made.add(
            "records", signup, member_id, community, day, hours, "", db_datetime(_at(day, 18)), ""
        )
        served.append((member_id, day, hours))

    for report_id, member_id, community, decided_at in confirmed:
        since = decided_at.astimezone(clock.CHINA).date()
        open_needs = [n for n in needs[community] if n.on > since]
        want = 12 if member_id in pinned else rng.choice(ACTIVITY_COUNTS)
        for need in rng.sample(open_needs, min(want, len(open_needs))):
            if taken[need.pk] >= need.places or (need.on > as_of and rng.random() < 0.7):
                continue  # most of the coming needs still have places
            taken[need.pk] += 1
            signed = db_datetime(_at(need.on - dt.timedelta(days=3), 20))
            signup = made.add("signups", member_id, report_id, need.pk, None, signed)
            signups += 1
            if need.on <= as_of and rng.random() < 0.9:
                serve(signup, member_id, community, need.on)
        if want >= 4 and projects[community] and rng.random() < 0.5:
            project = rng.choice(projects[community])
            if project.on > since and project.on <= as_of:
                signed = db_datetime(_at(project.on - dt.timedelta(days=5), 20))
                signup = made.add("signups", member_id, report_id, None, project.pk, signed)
                signups += 1
                for week in range(rng.randrange(1, 4)):
                    day = project.on + dt.timedelta(days=14 * week + 2)
                    if day <= as_of:
                        serve(signup, member_id, community, day)
    return signups, served


def _seed_feedback(
    rng: random.Random,
    made: IdRows,
    confirmed: list[tuple[int, int, str, dt.datetime]],
    served: list[Served],
    member_org: dict[int, int],
    as_of: dt.date,
) -> int:
    """The community's half-yearly word on each member, from the hours just served (the
    members had none before: they had not reported)."""
    latest = rules.previous_half(rules.half_of(as_of))
    count = 0
    for half in (rules.previous_half(latest), latest):
        start, end = rules.half_range(half)
        totals: dict[int, tuple[int, Decimal]] = {}
        for member_id, day, hours in served:
            if start <= day < end:
                n, h = totals.get(member_id, (0, Decimal(0)))
                totals[member_id] = (n + 1, h + hours)
        for report_id, member_id, _community, decided_at in confirmed:
            if decided_at.astimezone(clock.CHINA).date() >= end or rng.random() > 0.9:
                continue
            n, h = totals.get(member_id, (0, Decimal(0)))
            rating = (
                Rating.EXCELLENT
                if n >= 5
                else Rating.GOOD
                if n >= 2
                else Rating.FAIR
                if n
                else Rating.POOR
            )
            at = _at(end + dt.timedelta(days=rng.randrange(3, 20)), 16)
            made.add(
                "feedback",
                report_id,
                member_id,
                member_org[member_id],
                half,
                n,
                h,
                rating.value,
                rng.choice(COMMENTS) if n else "本半年未参加社区活动",
                db_datetime(at),
                db_datetime(at + dt.timedelta(days=5))
                if half != latest or rng.random() < 0.5
                else None,
            )
            count += 1
    return count
