"""Writes of 双报到: reporting (a member where they live, an organization where it is located
with its 共建协议), the community's decision, its three lists, sign-ups, the hours it confirms
(posted to the points ledger at once, reversed when taken back), the half-yearly feedback to
the member's branch, and the reporting rules. Each refusal is a Chinese message, and each
write is one transaction: nothing is half-written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput, not_found
from jiceng.divisions.models import Division, Level
from jiceng.grid import routing
from jiceng.members.models import ACTIVE_STATUSES, Member
from jiceng.orgs.models import Organization
from jiceng.points.posting import post_service_records

from . import queries, rules
from .models import (
    OPEN_STATUSES,
    CommunityReport,
    Feedback,
    ListStatus,
    Need,
    Project,
    Rating,
    ReportingRule,
    ReportStatus,
    Resource,
    ServiceRecord,
    SignUp,
)

MAX_HOURS_A_DAY = Decimal(12)


# -- where an address lies -----------------------------------------------------------------


def community_of_address(address: str, *, choice: str = "") -> tuple[Division, int | None]:
    """The community (and grid, where the gazetteer knows it) of a home address, through the
    address gazetteer and the grids (grid.routing.locate_address). Where the address may
    mean several places, `choice` ("grid:12", "community:320113007001") picks one of them."""
    address = address.strip()
    if not address:
        raise InvalidInput("请填写居住地址", fields={"address": "请填写居住地址"})
    if len(address) > 200:
        raise InvalidInput("地址太长", fields={"address": "地址不超过200字"})
    resolution = routing.locate_address(address)
    candidates = list(resolution.candidates)
    if choice:
        candidates = [c for c in candidates if c.choice == choice]
        if not candidates:
            raise InvalidInput("所选社区不在该地址的候选之中", fields={"address": "请重新选择社区"})
    if not candidates:
        problem = "无法从该地址确定所在社区，请写明街道、社区名称和门牌号"
        raise InvalidInput(problem, fields={"address": problem})
    if len(candidates) > 1:
        names = "、".join(c.label for c in candidates)
        problem = f"该地址可能属于多个社区（{names}），请选择其一"
        raise AddressAmbiguous(problem, choices=[(c.choice, c.label) for c in candidates])
    place = candidates[0]
    if place.community_code is None:
        problem = "该地址只能确定到街道，请写明所在社区名称或门牌号"
        raise InvalidInput(problem, fields={"address": problem})
    community = Division.objects.filter(code=place.community_code, level=Level.VILLAGE).first()
    if community is None:
        raise InvalidInput("该地址所在社区不在行政区划中", fields={"address": "社区未找到"})
    return community, place.grid_id


class AddressAmbiguous(InvalidInput):
    """The address fits several communities: the person chooses among `choices`."""

    def __init__(self, message: str, *, choices: list[tuple[str, str]]) -> None:
        listed = "；".join(f"{value}（{label}）" for value, label in choices)
        super().__init__(message, fields={"address": message, "choice": listed})
        self.choices = choices


# -- reporting -----------------------------------------------------------------------------


@transaction.atomic
def report_member(*, member: Member, address: str, choice: str = "", by: User) -> CommunityReport:
    """A member reports (报到) to the community where they live, found from the home address;
    the community confirms it."""
    if member.status not in ACTIVE_STATUSES:
        raise InvalidInput("该党员党籍状态不能报到")
    Member.objects.select_for_update().filter(pk=member.pk).first()  # one report at a time
    current = queries.open_report_of(member)
    if current is not None:
        raise Conflict(
            f"您已向{current.community.name}报到（{current.get_status_display()}），"
            "如已搬家请先结束原报到"
        )
    community, grid_id = community_of_address(address, choice=choice)
    report = CommunityReport.objects.create(
        member=member,
        community=community,
        grid_id=grid_id,
        address=address.strip(),
        reported_at=clock.now(),
        reported_by=by,
    )
    audit.record(audit.AuditEvent.WRITE, action="reporting.report_member", target=report, user=by)
    return report


def _check_manages_organization(by: User, organization: Organization) -> None:
    if not scope_of(by).allows(
        Permission.MANAGE_ORGANIZATIONS,
        path=organization.path,
        division_id=organization.division_id,
    ):
        raise not_found("党组织")


@transaction.atomic
def report_organization(
    *,
    organization: Organization,
    address: str,
    choice: str = "",
    offers: str,
    signed_on: dt.date | None,
    until: dt.date | None,
    by: User,
) -> CommunityReport:
    """An organization reports to the community where it is located and signs the
    joint-building agreement (共建协议) with what it offers. The community is the
    organization's own division when that is a community and no address is given."""
    _check_manages_organization(by, organization)
    if organization.dissolved_on is not None:
        raise InvalidInput(f"{organization.name}已撤销，不能报到")
    fields: dict[str, str] = {}
    lines = [line.strip() for line in offers.splitlines() if line.strip()]
    if not lines:
        fields["offers"] = "请至少填写一项可提供的资源（每行一项）"
    elif any(len(line) > 100 for line in lines):
        fields["offers"] = "每项资源不超过100字"
    if signed_on is None:
        fields["signed_on"] = "请填写共建协议签订日期"
    elif signed_on > clock.today():
        fields["signed_on"] = "签订日期不能晚于今天"
    if until is not None and signed_on is not None and until <= signed_on:
        fields["until"] = "有效期应晚于签订日期"
    if fields:
        raise InvalidInput("共建协议填写不完整", fields=fields)
    grid_id = None
    own = Division.objects.filter(code=organization.division_id or "", level=Level.VILLAGE).first()
    if address.strip() or own is None:
        community, grid_id = community_of_address(address, choice=choice)
    else:
        community = own
    if CommunityReport.objects.filter(
        organization=organization, community=community, status__in=OPEN_STATUSES
    ).exists():
        raise Conflict(f"{organization.name}已向{community.name}报到")
    report = CommunityReport.objects.create(
        organization=organization,
        community=community,
        grid_id=grid_id,
        address=address.strip() or community.name,
        offers="\n".join(lines),
        agreement_signed_on=signed_on,
        agreement_until=until,
        reported_at=clock.now(),
        reported_by=by,
    )
    audit.record(
        audit.AuditEvent.WRITE, action="reporting.report_organization", target=report, user=by
    )
    return report


@transaction.atomic
def decide_report(
    *, report: CommunityReport, accept: bool, reason: str = "", by: User
) -> CommunityReport:
    """The community confirms a report (确认报到) or sends it back with a reason. An
    organization's confirmed offers join the community's 资源清单."""
    if not queries.may_act_for(by, report.community_id):
        raise not_found("报到")
    reason = reason.strip()
    if not accept and not reason:
        raise InvalidInput("请填写退回原因", fields={"reason": "请填写退回原因"})
    now = clock.now()
    moved = CommunityReport.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(
        status=ReportStatus.CONFIRMED if accept else ReportStatus.DECLINED,
        decided_at=now,
        decided_by=by,
        decline_reason="" if accept else reason[:200],
    )
    if moved != 1:
        raise Conflict("该报到已处理")
    report.refresh_from_db()
    if accept and report.organization_id is not None:
        assert report.organization is not None
        Resource.objects.bulk_create(
            Resource(
                community_id=report.community_id,
                title=line,
                report=report,
                provider=report.organization.name,
                created_at=now,
            )
            for line in report.offer_lines
        )
    audit.record(
        audit.AuditEvent.WRITE,
        action="reporting.confirm" if accept else "reporting.decline",
        target=report,
        user=by,
    )
    return report


@transaction.atomic
def end_report(*, report: CommunityReport, by: User) -> CommunityReport:
    """The member (moved away) or the community ends a report; its records stay."""
    own = report.member_id is not None and report.member_id == by.member_id
    if not own and not queries.may_act_for(by, report.community_id):
        raise not_found("报到")
    moved = CommunityReport.objects.filter(pk=report.pk, status__in=OPEN_STATUSES).update(
        status=ReportStatus.ENDED, ended_at=clock.now()
    )
    if moved != 1:
        raise Conflict("该报到已结束")
    report.refresh_from_db()
    audit.record(audit.AuditEvent.WRITE, action="reporting.end", target=report, user=by)
    return report


# -- the three lists -----------------------------------------------------------------------


def _text(value: str, field: str, label: str, limit: int, fields: dict[str, str]) -> str:
    value = value.strip()
    if not value:
        fields[field] = f"请填写{label}"
    elif len(value) > limit:
        fields[field] = f"{label}不超过{limit}字"
    return value


def _places(value: object, fields: dict[str, str]) -> int:
    try:
        places = int(str(value))
    except (TypeError, ValueError):
        fields["places"] = "需要人数应为整数"
        return 0
    if not 1 <= places <= 500:
        fields["places"] = "需要人数应在1到500之间"
    return places


def _check_community(by: User, community: Division) -> None:
    if not queries.may_act_for(by, community.code):
        raise not_found("社区")


@transaction.atomic
def add_need(
    *,
    community: Division,
    title: str,
    description: str = "",
    needed_on: dt.date | None = None,
    places: object,
    by: User,
) -> Need:
    _check_community(by, community)
    fields: dict[str, str] = {}
    title = _text(title, "title", "需求", 100, fields)
    count = _places(places, fields)
    if needed_on is not None and needed_on < clock.today():
        fields["needed_on"] = "需求时间不能早于今天"
    if fields:
        raise InvalidInput("需求填写有误", fields=fields)
    need = Need.objects.create(
        community=community,
        title=title,
        description=description.strip(),
        needed_on=needed_on,
        places=count,
        created_by=by,
        created_at=clock.now(),
    )
    audit.record(audit.AuditEvent.WRITE, action="reporting.add_need", target=need, user=by)
    return need


@transaction.atomic
def add_project(
    *,
    community: Division,
    title: str,
    description: str = "",
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    places: object,
    by: User,
) -> Project:
    _check_community(by, community)
    fields: dict[str, str] = {}
    title = _text(title, "title", "项目名称", 100, fields)
    count = _places(places, fields)
    if starts_on is None:
        fields["starts_on"] = "请填写开始日期"
    if ends_on is None:
        fields["ends_on"] = "请填写结束日期"
    elif starts_on is not None and ends_on < starts_on:
        fields["ends_on"] = "结束日期不能早于开始日期"
    if fields:
        raise InvalidInput("项目填写有误", fields=fields)
    assert starts_on is not None and ends_on is not None
    project = Project.objects.create(
        community=community,
        title=title,
        description=description.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        places=count,
        created_by=by,
        created_at=clock.now(),
    )
    audit.record(audit.AuditEvent.WRITE, action="reporting.add_project", target=project, user=by)
    return project


@transaction.atomic
def add_resource(
    *, community: Division, title: str, provider: str, description: str = "", by: User
) -> Resource:
    _check_community(by, community)
    fields: dict[str, str] = {}
    title = _text(title, "title", "资源", 100, fields)
    provider = _text(provider, "provider", "提供方", 100, fields)
    if fields:
        raise InvalidInput("资源填写有误", fields=fields)
    resource = Resource.objects.create(
        community=community,
        title=title,
        provider=provider,
        description=description.strip(),
        created_at=clock.now(),
    )
    audit.record(audit.AuditEvent.WRITE, action="reporting.add_resource", target=resource, user=by)
    return resource


@transaction.atomic
def close_item(*, item: Need | Project, by: User) -> None:
    """The community closes a need or a project (no more sign-ups; hours may still be
    confirmed for those who signed up)."""
    _check_community(by, item.community)
    moved = (
        type(item)
        .objects.filter(pk=item.pk, status=ListStatus.OPEN)
        .update(status=ListStatus.CLOSED)
    )
    if moved != 1:
        raise Conflict("已结束")


# -- sign-ups ------------------------------------------------------------------------------


@transaction.atomic
def sign_up(*, member: Member, item: Need | Project, by: User) -> SignUp:
    """A member signs up (报名) for a need or a project of the community they reported to.
    The item's row is locked while its places are counted: two members taking the last
    place at once, one gets it."""
    if by.member_id != member.pk:
        raise Forbidden("只能为本人报名")
    model = type(item)
    locked = model.objects.select_for_update().get(pk=item.pk)
    report = CommunityReport.objects.filter(
        member=member, community_id=locked.community_id, status=ReportStatus.CONFIRMED
    ).first()
    if report is None:
        raise InvalidInput("请先向该社区报到并经社区确认后再报名")
    if locked.status != ListStatus.OPEN:
        raise InvalidInput(f"“{locked.title}”已结束报名")
    field = "need" if isinstance(locked, Need) else "project"
    if SignUp.objects.filter(member=member, **{field: locked}).exists():
        raise Conflict(f"您已报名“{locked.title}”")
    if SignUp.objects.filter(**{field: locked}).count() >= locked.places:
        raise Conflict(f"“{locked.title}”报名人数已满")
    signup = SignUp.objects.create(
        member=member, report=report, signed_at=clock.now(), **{field: locked}
    )
    audit.record(audit.AuditEvent.WRITE, action="reporting.sign_up", target=signup, user=by)
    return signup


# -- hours ---------------------------------------------------------------------------------


def parse_hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            "服务时长应为数字", fields={"hours": "服务时长应为数字，如 2 或 1.5"}
        ) from None
    if not hours.is_finite() or hours < Decimal("0.5") or hours > MAX_HOURS_A_DAY:
        raise InvalidInput("服务时长应在0.5到12小时之间", fields={"hours": "应在0.5到12小时之间"})
    if hours * 2 != (hours * 2).to_integral_value():
        raise InvalidInput("服务时长以半小时计", fields={"hours": "以半小时计，如 1.5"})
    return hours


@transaction.atomic
def confirm_hours(
    *,
    item: Need | Project,
    member: Member,
    served_on: dt.date | None,
    hours: object,
    note: str = "",
    by: User,
) -> ServiceRecord:
    """The community confirms the hours a member served on a need or a project they signed
    up for; the points are posted at once (points.posting, idempotent)."""
    _check_community(by, item.community)
    field = "need" if isinstance(item, Need) else "project"
    signup = SignUp.objects.filter(member=member, **{field: item}).first()
    if signup is None:
        what = "需求" if field == "need" else "项目"
        raise InvalidInput(
            f"{member.name}未报名此{what}，不能确认服务时长",
            fields={"member": f"{member.name}未报名此{what}"},
        )
    amount = parse_hours(hours)
    today = clock.today()
    if served_on is None:
        raise InvalidInput("请填写服务日期", fields={"served_on": "请填写服务日期"})
    if served_on > today:
        raise InvalidInput("服务日期不能晚于今天", fields={"served_on": "服务日期不能晚于今天"})
    if served_on < signup.signed_at.astimezone(clock.CHINA).date():
        raise InvalidInput("服务日期不能早于报名日期", fields={"served_on": "不能早于报名日期"})
    if served_on.year < today.year - 1:
        raise InvalidInput("只能确认今年和去年的服务时长", fields={"served_on": "日期太早"})
    try:
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                signup=signup,
                member=member,
                community_id=item.community_id,
                served_on=served_on,
                hours=amount,
                note=note.strip()[:200],
                confirmed_by=by,
                confirmed_at=clock.now(),
            )
    except IntegrityError:
        raise Conflict(
            f"已确认过{member.name}在{served_on:%Y-%m-%d}的服务时长",
        ) from None
    post_service_records([record.pk])
    audit.record(audit.AuditEvent.WRITE, action="reporting.confirm_hours", target=record, user=by)
    return record


@transaction.atomic
def revoke_hours(*, record: ServiceRecord, reason: str, by: User) -> ServiceRecord:
    """The community takes back a confirmation (entered by mistake); its points are
    reversed once, the record stays with the reason."""
    if not queries.may_act_for(by, record.community_id):
        raise not_found("服务时长记录")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写撤销原因", fields={"reason": "请填写撤销原因"})
    moved = ServiceRecord.objects.filter(pk=record.pk, revoked_at__isnull=True).update(
        revoked_at=clock.now(), revoke_reason=reason[:200]
    )
    if moved != 1:
        raise Conflict("该服务时长已撤销")
    post_service_records([record.pk])
    record.refresh_from_db()
    audit.record(audit.AuditEvent.WRITE, action="reporting.revoke_hours", target=record, user=by)
    return record


# -- feedback to the branch ----------------------------------------------------------------


@transaction.atomic
def write_feedback(
    *, report: CommunityReport, half: int, rating: str, comment: str = "", by: User
) -> Feedback:
    """The community's half-yearly word on a reported member (半年反馈), with the half's
    activities and hours as the records hold them; it goes back to the member's branch."""
    if not queries.may_act_for(by, report.community_id):
        raise not_found("报到")
    if report.member is None or report.status != ReportStatus.CONFIRMED:
        raise InvalidInput("只能对已确认报到的党员填写反馈")
    current = rules.half_of(clock.today())
    if half not in (current, rules.previous_half(current)):
        raise InvalidInput("只能填写本半年或上半年的反馈", fields={"half": "半年度不正确"})
    if rating not in Rating.values:
        raise InvalidInput("请选择评价", fields={"rating": "请选择评价"})
    comment = comment.strip()
    if len(comment) > 300:
        raise InvalidInput("社区意见不超过300字", fields={"comment": "不超过300字"})
    activities, hours = queries.totals_of(report.member.pk, report.community_id, half)
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                report=report,
                member=report.member,
                organization_id=report.member.organization_id,
                half=half,
                activities=activities,
                hours=hours,
                rating=rating,
                comment=comment,
                written_by=by,
                written_at=clock.now(),
            )
    except IntegrityError:
        raise Conflict(f"已填写{report.member.name}{rules.half_label(half)}的反馈") from None
    audit.record(audit.AuditEvent.WRITE, action="reporting.feedback", target=feedback, user=by)
    return feedback


@transaction.atomic
def mark_feedback_read(*, feedback: Feedback, by: User) -> None:
    """The branch has read the community's feedback (阅知)."""
    Feedback.objects.filter(pk=feedback.pk, read_at__isnull=True).update(
        read_at=clock.now(), read_by=by
    )


# -- rules ---------------------------------------------------------------------------------


def may_set_rule(by: User, province_code: str | None) -> bool:
    """The organization department whose subtree's place holds the province (a provincial
    committee's, or the national one's for the national rule)."""
    reach = scope_of(by).reach(Permission.MANAGE_MEETING_RULES)
    if province_code is None:
        return "" in reach.subtree_divisions
    return reach.may_place_in(province_code)


@transaction.atomic
def set_rule(
    *,
    province: Division | None,
    year: int,
    min_activities_per_quarter: object,
    yearly_hours: object,
    by: User,
) -> ReportingRule:
    """报到要求 for a province (or the nation) from `year` on; a second call for the same
    year changes that year's row."""
    if province is not None and province.level != Level.PROVINCE:
        raise InvalidInput("报到要求按省份设定", fields={"province": "请选择省份"})
    if not may_set_rule(by, province.code if province else None):
        raise Forbidden("只有该省（全国）的组织部门可以设定报到要求")
    fields: dict[str, str] = {}
    try:
        activities = int(str(min_activities_per_quarter))
        if not 0 <= activities <= 12:
            fields["min_activities_per_quarter"] = "应在0到12之间"
    except ValueError:
        activities = 0
        fields["min_activities_per_quarter"] = "应为整数"
    try:
        hours = Decimal(str(yearly_hours))
        if not hours.is_finite() or not 0 <= hours <= 500:
            fields["yearly_hours"] = "应在0到500小时之间"
    except InvalidOperation:
        hours = Decimal(0)
        fields["yearly_hours"] = "应为数字"
    if not 2000 <= year <= clock.today().year + 1:
        fields["year"] = "起用年度不正确"
    if fields:
        raise InvalidInput("报到要求填写有误", fields=fields)
    rule, _ = ReportingRule.objects.update_or_create(
        province=province,
        valid_from_year=year,
        defaults={
            "min_activities_per_quarter": activities,
            "yearly_hours": hours,
            "created_by": by,
            "created_at": clock.now(),
        },
    )
    audit.record(audit.AuditEvent.WRITE, action="reporting.set_rule", target=rule, user=by)
    return rule
