"""Reads of 双报到 within the user's scope: a member's own report, lists and hours; a
community's reports, lists and sign-ups (MANAGE_COMMUNITY_SERVICE over the community's
division: the community's officials, the street's); a branch's reported members and the
feedback on them (VIEW_MEMBERS over the member's organization)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import not_found
from jiceng.divisions.models import Division, Level
from jiceng.members.models import ACTIVE_STATUSES, Member
from jiceng.orgs.models import Organization

from . import rules
from .models import (
    OPEN_STATUSES,
    CommunityReport,
    Feedback,
    ListStatus,
    Need,
    Project,
    ReportStatus,
    Resource,
    ServiceRecord,
    SignUp,
)

P = Permission


# -- a member's own ------------------------------------------------------------------------


def own_member(user: User) -> Member:
    """The member the account is, if it may serve (SERVE_COMMUNITY over its own record)."""
    own = scope_of(user).own_member_id
    if not has_permission(user, P.SERVE_COMMUNITY) or own is None:
        raise not_found("党员档案")
    member = Member.objects.select_related("organization").filter(pk=own).first()
    if member is None:
        raise not_found("党员档案")
    return member


def open_report_of(member: Member) -> CommunityReport | None:
    return (
        CommunityReport.objects.filter(member=member, status__in=OPEN_STATUSES)
        .select_related("community", "grid")
        .first()
    )


def latest_report_of(member: Member) -> CommunityReport | None:
    return (
        CommunityReport.objects.filter(member=member)
        .select_related("community", "grid")
        .order_by("-reported_at")
        .first()
    )


def open_needs(community_code: str) -> QuerySet[Need]:
    return (
        Need.objects.filter(community_id=community_code, status=ListStatus.OPEN)
        .annotate(taken=Count("signups"))
        .order_by("needed_on", "pk")
    )


def open_projects(community_code: str) -> QuerySet[Project]:
    return (
        Project.objects.filter(community_id=community_code, status=ListStatus.OPEN)
        .annotate(taken=Count("signups"))
        .order_by("starts_on", "pk")
    )


def resources(community_code: str) -> QuerySet[Resource]:
    return Resource.objects.filter(community_id=community_code, is_active=True).order_by("pk")


def signups_of(member: Member) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(member=member)
        .select_related("need", "project")
        .annotate(hours=Sum("records__hours", filter=Q(records__revoked_at__isnull=True)))
        .order_by("-signed_at")
    )


def records_of(member: Member, *, year: int) -> QuerySet[ServiceRecord]:
    return (
        ServiceRecord.objects.filter(member=member, served_on__year=year)
        .select_related("signup__need", "signup__project")
        .order_by("-served_on")
    )


def hours_of(member: Member, *, year: int) -> Decimal:
    total = ServiceRecord.objects.filter(
        member=member, served_on__year=year, revoked_at__isnull=True
    ).aggregate(s=Sum("hours"))["s"]
    return Decimal(total or 0)


# -- a community's -------------------------------------------------------------------------


def communities_of(user: User) -> QuerySet[Division]:
    """The communities the user acts for (级别 5 within their MANAGE_COMMUNITY_SERVICE reach)."""
    reach = scope_of(user).reach(P.MANAGE_COMMUNITY_SERVICE)
    return Division.objects.filter(reach.division_q("code"), level=Level.VILLAGE).order_by("code")


def may_act_for(user: User, community_code: str) -> bool:
    return scope_of(user).reach(P.MANAGE_COMMUNITY_SERVICE).covers_division(community_code)


def access_community(user: User, code: str) -> Division:
    community = Division.objects.filter(code=code, level=Level.VILLAGE).first()
    if community is None or not may_act_for(user, code):
        raise not_found("社区")
    return community


def reports_of(community_code: str, *, status: str | None = None) -> QuerySet[CommunityReport]:
    rows = CommunityReport.objects.filter(community_id=community_code).select_related(
        "member", "member__organization", "organization", "grid"
    )
    if status is not None:
        rows = rows.filter(status=status)
    return rows.order_by("reported_at", "pk")


def reported_counts(community_code: str) -> dict[str, int]:
    """Confirmed reports of members and of organizations."""
    confirmed = CommunityReport.objects.filter(
        community_id=community_code, status=ReportStatus.CONFIRMED
    )
    return {
        "members": confirmed.filter(member__isnull=False).count(),
        "organizations": confirmed.filter(organization__isnull=False).count(),
    }


def recently_closed_needs(community_code: str, *, since: dt.date) -> QuerySet[Need]:
    """Needs closed whose day is recent: hours may still be confirmed for them."""
    return (
        Need.objects.filter(
            community_id=community_code, status=ListStatus.CLOSED, needed_on__gte=since
        )
        .annotate(taken=Count("signups"))
        .order_by("-needed_on", "-pk")[:10]
    )


def pending_count(user: User) -> int:
    reach = scope_of(user).reach(P.MANAGE_COMMUNITY_SERVICE)
    return CommunityReport.objects.filter(
        reach.division_q("community_id"), status=ReportStatus.PENDING
    ).count()


def access_report(user: User, pk: int) -> CommunityReport:
    report = (
        CommunityReport.objects.select_related("member", "organization", "community")
        .filter(pk=pk)
        .first()
    )
    if report is None or not may_act_for(user, report.community_id):
        raise not_found("报到")
    return report


def access_need(user: User, pk: int) -> Need:
    need = Need.objects.filter(pk=pk).first()
    if need is None or not _sees_community(user, need.community_id):
        raise not_found("需求")
    return need


def access_project(user: User, pk: int) -> Project:
    project = Project.objects.filter(pk=pk).first()
    if project is None or not _sees_community(user, project.community_id):
        raise not_found("项目")
    return project


def _sees_community(user: User, code: str) -> bool:
    """The community's own staff, or a member reported (confirmed) there."""
    if may_act_for(user, code):
        return True
    member_id = scope_of(user).own_member_id
    return (
        member_id is not None
        and has_permission(user, P.SERVE_COMMUNITY)
        and CommunityReport.objects.filter(
            member_id=member_id, community_id=code, status=ReportStatus.CONFIRMED
        ).exists()
    )


def access_record(user: User, pk: int) -> ServiceRecord:
    record = ServiceRecord.objects.select_related("member").filter(pk=pk).first()
    if record is None or not may_act_for(user, record.community_id):
        raise not_found("服务时长记录")
    return record


def signups_for(item: Need | Project) -> QuerySet[SignUp]:
    field = "need" if isinstance(item, Need) else "project"
    return (
        SignUp.objects.filter(**{field: item})
        .select_related("member", "member__organization")
        .annotate(
            hours=Sum("records__hours", filter=Q(records__revoked_at__isnull=True)),
            days=Count("records", filter=Q(records__revoked_at__isnull=True)),
        )
        .order_by("signed_at", "pk")
    )


def records_for(item: Need | Project) -> QuerySet[ServiceRecord]:
    field = "signup__need" if isinstance(item, Need) else "signup__project"
    return (
        ServiceRecord.objects.filter(**{field: item})
        .select_related("member")
        .order_by("-served_on", "pk")
    )


@dataclass(frozen=True)
class HalfRow:
    """A confirmed member report and its half year, for the community's feedback form."""

    report: CommunityReport
    activities: int
    hours: Decimal
    feedback: Feedback | None


def half_rows(community_code: str, half: int) -> list[HalfRow]:
    start, end = rules.half_range(half)
    reports = list(
        CommunityReport.objects.filter(
            community_id=community_code,
            member__isnull=False,
            status=ReportStatus.CONFIRMED,
            decided_at__lt=_start_of(end),
        )
        .select_related("member", "member__organization")
        .order_by("member__name", "pk")
    )
    totals = _totals({r.member_id for r in reports if r.member_id}, community_code, start, end)
    written = {f.report_id: f for f in Feedback.objects.filter(report__in=reports, half=half)}
    return [
        HalfRow(r, *totals.get(r.member_id or 0, (0, Decimal(0))), written.get(r.pk))
        for r in reports
    ]


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.CHINA)


def _totals(
    member_ids: set[int], community_code: str, start: dt.date, end: dt.date
) -> dict[int, tuple[int, Decimal]]:
    rows = (
        ServiceRecord.objects.filter(
            member_id__in=member_ids,
            community_id=community_code,
            served_on__gte=start,
            served_on__lt=end,
            revoked_at__isnull=True,
        )
        .values("member_id")
        .annotate(n=Count("pk"), h=Sum("hours"))
        .values_list("member_id", "n", "h")
    )
    return {m: (n, Decimal(h or 0)) for m, n, h in rows}


def totals_of(member_id: int, community_code: str, half: int) -> tuple[int, Decimal]:
    start, end = rules.half_range(half)
    return _totals({member_id}, community_code, start, end).get(member_id, (0, Decimal(0)))


# -- a branch's ----------------------------------------------------------------------------


def sees_branch_pages(user: User) -> bool:
    return bool(scope_of(user).reach(P.VIEW_MEMBERS).paths)


def feedback_for_branch(user: User, *, half: int | None = None) -> QuerySet[Feedback]:
    """The feedback on members of the user's subtrees (the organization it went back to)."""
    reach = scope_of(user).reach(P.VIEW_MEMBERS)
    rows = Feedback.objects.filter(reach.organization_q("organization__")).select_related(
        "member", "organization", "report__community"
    )
    if half is not None:
        rows = rows.filter(half=half)
    return rows.order_by("-half", "organization__path", "member__name", "pk")


def unread_feedback_count(user: User) -> int:
    return feedback_for_branch(user).filter(read_at__isnull=True).count()


def access_feedback(user: User, pk: int) -> Feedback:
    found = feedback_for_branch(user).filter(pk=pk).first()
    if found is None:
        raise not_found("社区反馈")
    return found


def own_organizations(user: User) -> list[Organization]:
    """The organizations the user's roles name and may report (单位报到): the tops of their
    MANAGE_ORGANIZATIONS subtrees."""
    paths = scope_of(user).reach(P.MANAGE_ORGANIZATIONS).paths
    return list(Organization.objects.filter(path__in=paths).order_by("path")[:5])


@dataclass(frozen=True)
class BranchFigures:
    active_members: int
    reported: int
    pending: int


def branch_figures(user: User) -> BranchFigures:
    """How many of the subtree's members reported (counts, never names ranked)."""
    reach = scope_of(user).reach(P.VIEW_MEMBERS)
    members = Member.objects.filter(
        reach.organization_q("organization__"), status__in=ACTIVE_STATUSES
    )
    reports = CommunityReport.objects.filter(
        reach.organization_q("member__organization__"), status__in=OPEN_STATUSES
    )
    by_status = dict(reports.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return BranchFigures(
        active_members=members.count(),
        reported=by_status.get(ReportStatus.CONFIRMED, 0),
        pending=by_status.get(ReportStatus.PENDING, 0),
    )


@dataclass(frozen=True)
class BelowRule:
    member_id: int
    member_name: str
    organization_id: int
    organization_name: str
    community_code: str
    community_name: str
    reasons: list[str]


def below_rule(user: User, *, today: dt.date | None = None) -> list[BelowRule]:
    """The subtree's reported members whose year so far falls short of the rule of their
    community's province, in the order of the roster (organization, then name): a list of
    what to talk about, never a ranking. Plain values, no model rows: a district's three
    thousand reports as rows of three models each took a second (the demo's)."""
    today = today or clock.today()
    reach = scope_of(user).reach(P.VIEW_MEMBERS)
    # The subtree's members first, then their reports (the index on member): joined the other
    # way, SQLite read every confirmed report in the country to find one branch's.
    members = Member.objects.filter(
        reach.organization_q("organization__"), status__in=ACTIVE_STATUSES
    ).values("pk")
    reports = list(
        CommunityReport.objects.filter(member_id__in=members, status=ReportStatus.CONFIRMED)
        .order_by("member__organization__path", "member__name", "pk")
        .values_list(
            "member_id",
            "member__name",
            "member__organization_id",
            "member__organization__name",
            "community_id",
            "community__name",
            "decided_at",
        )
    )
    if not reports:
        return []
    days: dict[int, list[dt.date]] = defaultdict(list)
    hours: dict[int, Decimal] = defaultdict(Decimal)
    for member_id, served_on, h in ServiceRecord.objects.filter(
        member_id__in=[r[0] for r in reports],
        served_on__year=today.year,
        served_on__lte=today,
        revoked_at__isnull=True,
    ).values_list("member_id", "served_on", "hours"):
        days[member_id].append(served_on)
        hours[member_id] += h
    book = rules.load_rules()
    found = []
    for member_id, name, org_id, org_name, community, community_name, decided_at in reports:
        assert decided_at is not None
        rule = rules.rule_for(book, community_code=community, year=today.year)
        short = rules.shortfall(
            rule,
            today=today,
            reported_on=decided_at.astimezone(clock.CHINA).date(),
            activity_days=days[member_id],
            hours=hours[member_id],
        )
        if short.is_short:
            found.append(
                BelowRule(
                    member_id=member_id,
                    member_name=name,
                    organization_id=org_id,
                    organization_name=org_name,
                    community_code=community,
                    community_name=community_name,
                    reasons=short.reasons(rule),
                )
            )
    return found
