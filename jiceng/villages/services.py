"""Every write of the village work teams: dispatch, renewal and recall (by the county
organization department), the cadre's work log, leave, monthly logs and things done, the
department's leave decisions, spot checks and end-of-term appraisal.

Who may act where is read from the roles: a cadre acts on their own serving dispatch only;
the department acts on the villages its ORGANIZATION_DEPARTMENT rows cover, and what the rules
give to the county (dispatch, long leave, appraisal) only through a row at the county level
or above (accounts.scoping.role_reach with up_to_level)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from jiceng.accounts import services as account_services
from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput, not_found
from jiceng.members.models import MemberStatus
from jiceng.orgs.models import Organization, Sector
from jiceng.rectification import services as rectification_services

from . import queries, rules, workdays
from .models import (
    Approver,
    Deed,
    Dispatch,
    DispatchStatus,
    Grade,
    Leave,
    LeaveStatus,
    MonthlyLog,
    Post,
    SendingUnit,
    SpotCheck,
    VillageWorkTeam,
    WorkDay,
)
from .rules import approver_for

TERM_YEARS = 2  # 任期一般两年
TEXT_LIMIT = 2000


def _years_after(day: dt.date, years: int) -> dt.date:
    """The day before the same date `years` later: a term from 2026-03-01 ends 2028-02-29."""
    try:
        same = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        same = day.replace(year=day.year + years, day=28)
    return same - dt.timedelta(days=1)


def _check_county(by: User, dispatch_or_org: Dispatch | Organization, what: str) -> None:
    organization = (
        dispatch_or_org.team.organization
        if isinstance(dispatch_or_org, Dispatch)
        else dispatch_or_org
    )
    if not queries.is_county_department_of(by, organization):
        if queries.manages(by, organization):
            raise Forbidden(f"{what}由县级以上组织部门办理")
        raise not_found("村党组织")


@transaction.atomic
def dispatch_cadre(
    *,
    organization: Organization,
    cadre: User,
    sending_unit: SendingUnit,
    post: Post,
    starts_on: dt.date,
    by: User | None,
    years: int = TERM_YEARS,
) -> Dispatch:
    """选派: the county organization department sends `cadre` to the village organization,
    grants the village cadre role there (accounts.delegations) and, for a first secretary of a
    village under rectification, names them on the rectification."""
    errors: dict[str, str] = {}
    if organization.sector != Sector.VILLAGE:
        errors["organization"] = "只能向村党组织选派驻村干部"
    if post == Post.FIRST_SECRETARY:
        member = cadre.member
        if member is None or member.status != MemberStatus.FULL:
            errors["cadre"] = "第一书记应为正式党员"
    if Dispatch.objects.filter(cadre=cadre, status=DispatchStatus.SERVING).exists():
        errors["cadre"] = f"{cadre}正在驻村，须先召回或任期届满"
    if not 1 <= years <= 5:
        errors["years"] = "任期应为1至5年"
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    if by is not None:
        _check_county(by, organization, "选派驻村干部")
    team = VillageWorkTeam.objects.filter(organization=organization, is_active=True).first()
    if team is None:
        team = VillageWorkTeam.objects.create(
            organization=organization,
            path=organization.path,
            lead_unit=sending_unit,
            formed_on=starts_on,
        )
    if (
        post == Post.FIRST_SECRETARY
        and team.dispatches.filter(
            post=Post.FIRST_SECRETARY, status=DispatchStatus.SERVING
        ).exists()
    ):
        raise InvalidInput("该村已有在驻第一书记", fields={"post": "该村已有在驻第一书记"})
    try:
        with transaction.atomic():
            dispatch = Dispatch.objects.create(
                team=team,
                cadre=cadre,
                sending_unit=sending_unit,
                post=post,
                starts_on=starts_on,
                ends_on=_years_after(starts_on, years),
                dispatched_by=by,
            )
    except IntegrityError:
        raise Conflict("该村已有在驻第一书记，或此人正在驻村") from None
    if not cadre.roles.filter(role=Role.VILLAGE_CADRE, organization=organization).exists():
        account_services.assign_role(
            user=cadre, role=Role.VILLAGE_CADRE, organization=organization, by=by
        )
    if post == Post.FIRST_SECRETARY and cadre.member is not None:
        rectification_services.name_first_secretary(organization=organization, member=cadre.member)
    audit.record(audit.AuditEvent.WRITE, action="villages.dispatch", target=dispatch, user=by)
    return dispatch


def _serving(dispatch: Dispatch) -> None:
    if dispatch.status != DispatchStatus.SERVING:
        raise Conflict(f"该干部{dispatch.get_status_display()}，不能再办理")


@transaction.atomic
def renew_dispatch(*, dispatch: Dispatch, by: User, years: int = TERM_YEARS) -> Dispatch:
    """续任: the term runs `years` more from its current end."""
    _check_county(by, dispatch, "续任")
    _serving(dispatch)
    if not 1 <= years <= 5:
        raise InvalidInput("续任年限应为1至5年", fields={"years": "续任年限应为1至5年"})
    new_end = _years_after(dispatch.ends_on + dt.timedelta(days=1), years)
    moved = Dispatch.objects.filter(pk=dispatch.pk, status=DispatchStatus.SERVING).update(
        ends_on=new_end, renewals=dispatch.renewals + 1
    )
    if moved != 1:
        raise Conflict("该选派记录已变更，请刷新后重试")
    audit.record(audit.AuditEvent.WRITE, action="villages.renew", target=dispatch, user=by)
    return Dispatch.objects.get(pk=dispatch.pk)


def _end(
    dispatch: Dispatch, status: DispatchStatus, on: dt.date, reason: str, by: User | None
) -> None:
    moved = Dispatch.objects.filter(pk=dispatch.pk, status=DispatchStatus.SERVING).update(
        status=status, left_on=on, leave_reason=reason
    )
    if moved != 1:
        raise Conflict("该选派记录已变更，请刷新后重试")
    organization = dispatch.team.organization
    for assignment in RoleAssignment.objects.filter(
        user=dispatch.cadre, role=Role.VILLAGE_CADRE, organization=organization
    ):
        account_services.remove_role(assignment=assignment, by=by)
    if not dispatch.team.dispatches.filter(status=DispatchStatus.SERVING).exists():
        VillageWorkTeam.objects.filter(pk=dispatch.team_id).update(is_active=False)


@transaction.atomic
def recall_dispatch(*, dispatch: Dispatch, reason: str, by: User) -> Dispatch:
    """召回: the cadre leaves before the term ends; the village cadre role goes with it."""
    _check_county(by, dispatch, "召回")
    _serving(dispatch)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写召回原因", fields={"reason": "请填写召回原因"})
    _end(dispatch, DispatchStatus.RECALLED, clock.today(), reason[:200], by)
    audit.record(audit.AuditEvent.WRITE, action="villages.recall", target=dispatch, user=by)
    return Dispatch.objects.get(pk=dispatch.pk)


def end_terms(*, today: dt.date | None = None) -> int:
    """任期届满: every serving dispatch past its end is ended (the periodic job), by the
    console (by=None), and its role taken away."""
    today = today or clock.today()
    ended = 0
    for dispatch in Dispatch.objects.filter(
        status=DispatchStatus.SERVING, ends_on__lt=today
    ).select_related("team__organization", "cadre"):
        with transaction.atomic():
            _end(dispatch, DispatchStatus.ENDED, dispatch.ends_on, "", None)
        ended += 1
    return ended


# -- the cadre's own records ---------------------------------------------------------------


def _own(cadre: User) -> Dispatch:
    dispatch = queries.serving_dispatch(cadre)
    if dispatch is None:
        raise Forbidden("您目前没有在驻的选派记录")
    return dispatch


def _coordinate(text: str | None, low: int, high: int, field: str) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        value = Decimal(str(text)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise InvalidInput("位置格式不正确", fields={field: "位置格式不正确"}) from None
    if not low <= value <= high:
        raise InvalidInput("位置超出范围", fields={field: "位置超出范围"})
    return value


@transaction.atomic
def log_work_day(
    *,
    cadre: User,
    day: dt.date | None = None,
    latitude: str | None = None,
    longitude: str | None = None,
    note: str = "",
) -> WorkDay:
    """在岗记录: one tap for today (or a day the rule lets the cadre log late). The location
    is kept only when the cadre chose to add it."""
    dispatch = _own(cadre)
    today = clock.today()
    day = day or today
    rule = queries.rule_of(dispatch.team.path)
    if day > today:
        raise InvalidInput("不能记录未来的日期", fields={"day": "不能记录未来的日期"})
    if day < dispatch.starts_on:
        raise InvalidInput("该日期早于本次驻村任期", fields={"day": "该日期早于本次驻村任期"})
    if (today - day).days > rule.backfill_days:
        problem = f"只能补记{rule.backfill_days}天内的在岗记录"
        raise InvalidInput(problem, fields={"day": problem})
    lat = _coordinate(latitude, -90, 90, "latitude")
    lon = _coordinate(longitude, -180, 180, "longitude")
    if (lat is None) != (lon is None):
        raise InvalidInput("位置不完整", fields={"latitude": "位置不完整"})
    problem = f"{day:%Y年%-m月%-d日}已记录在岗，不能重复记录"
    if WorkDay.objects.filter(dispatch=dispatch, day=day).exists():
        raise InvalidInput(problem, fields={"day": problem})
    try:
        with transaction.atomic():
            return WorkDay.objects.create(
                dispatch=dispatch, day=day, latitude=lat, longitude=lon, note=note.strip()[:200]
            )
    except IntegrityError:  # a second tap racing the first
        raise InvalidInput(problem, fields={"day": problem}) from None


@transaction.atomic
def ask_leave(*, cadre: User, starts_on: dt.date, ends_on: dt.date, reason: str) -> Leave:
    """请假: the working days away decide who approves (the rule's township limit)."""
    dispatch = _own(cadre)
    errors: dict[str, str] = {}
    reason = reason.strip()
    if not reason:
        errors["reason"] = "请填写请假事由"
    if ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    elif ends_on > dispatch.ends_on:
        errors["ends_on"] = "请假不能超出驻村任期"
    elif (ends_on - starts_on).days > 90:
        errors["ends_on"] = "一次请假不能超过90天"
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    days = len(workdays.workdays_between(starts_on, ends_on))
    if days == 0:
        raise InvalidInput(
            "所选日期都是节假日，无需请假", fields={"starts_on": "所选日期没有工作日"}
        )
    overlapping = dispatch.leaves.exclude(status=LeaveStatus.REFUSED).filter(
        starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if overlapping.exists():
        raise InvalidInput("与已有的请假日期重叠", fields={"starts_on": "与已有的请假日期重叠"})
    rule = queries.rule_of(dispatch.team.path)
    return Leave.objects.create(
        dispatch=dispatch,
        starts_on=starts_on,
        ends_on=ends_on,
        days=days,
        reason=reason[:200],
        approver=approver_for(days, rule),
    )


@transaction.atomic
def decide_leave(*, leave: Leave, approve: bool, by: User) -> Leave:
    """审批请假: the township's committee for short leave (or the county), the county
    department for longer."""
    organization = leave.dispatch.team.organization
    if not queries.manages(by, organization):
        raise not_found("请假")
    if leave.approver == Approver.COUNTY and not queries.is_county_department_of(by, organization):
        raise Forbidden(f"请假{leave.days}个工作日，须由县委组织部审批")
    moved = Leave.objects.filter(pk=leave.pk, status=LeaveStatus.PENDING).update(
        status=LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED,
        decided_by=by,
        decided_at=clock.now(),
    )
    if moved != 1:
        raise Conflict("该请假已审批")
    audit.record(audit.AuditEvent.WRITE, action="villages.decide_leave", target=leave, user=by)
    return Leave.objects.get(pk=leave.pk)


def _month(month: int, dispatch: Dispatch) -> int:
    today = clock.today()
    if not 200001 <= month <= 999912 or not 1 <= month % 100 <= 12:
        raise InvalidInput("月份不正确", fields={"month": "月份不正确"})
    if month > workdays.month_of(today):
        raise InvalidInput("不能填写未来月份的工作纪实", fields={"month": "不能填写未来月份"})
    if month < workdays.month_of(dispatch.starts_on):
        raise InvalidInput("该月份早于本次驻村任期", fields={"month": "该月份早于本次驻村任期"})
    return month


@transaction.atomic
def file_monthly_log(*, cadre: User, month: int, text: str) -> MonthlyLog:
    """月度工作纪实: filed once a month, corrected by filing again."""
    dispatch = _own(cadre)
    month = _month(month, dispatch)
    text = text.strip()
    if not text:
        raise InvalidInput("请填写本月工作纪实", fields={"text": "请填写本月工作纪实"})
    if len(text) > TEXT_LIMIT:
        problem = f"工作纪实不能超过{TEXT_LIMIT}字"
        raise InvalidInput(problem, fields={"text": problem})
    log, _ = MonthlyLog.objects.update_or_create(
        dispatch=dispatch, month=month, defaults={"text": text, "filed_at": clock.now()}
    )
    return log


@transaction.atomic
def record_deed(*, cadre: User, done_on: dt.date, title: str, detail: str = "") -> Deed:
    """办实事: one thing done for the village."""
    dispatch = _own(cadre)
    title = title.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "请填写办了什么实事"
    if done_on > clock.today():
        errors["done_on"] = "完成日期不能晚于今天"
    elif done_on < dispatch.starts_on:
        errors["done_on"] = "完成日期早于本次驻村任期"
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    return Deed.objects.create(
        dispatch=dispatch, done_on=done_on, title=title[:100], detail=detail.strip()[:TEXT_LIMIT]
    )


# -- the department ------------------------------------------------------------------------


@transaction.atomic
def record_spot_check(
    *, dispatch: Dispatch, day: dt.date, found_on_site: bool, note: str, by: User
) -> SpotCheck:
    """抽查: the department's finding on a day; a finding of absence outweighs the log."""
    if not queries.manages(by, dispatch.team.organization):
        raise not_found("驻村干部")
    if day > clock.today():
        raise InvalidInput("不能记录未来日期的抽查", fields={"day": "不能记录未来日期的抽查"})
    if not dispatch.starts_on <= day <= dispatch.last_day:
        raise InvalidInput("抽查日期不在驻村任期内", fields={"day": "抽查日期不在驻村任期内"})
    if SpotCheck.objects.filter(dispatch=dispatch, day=day).exists():
        raise InvalidInput("该日已有抽查记录", fields={"day": "该日已有抽查记录"})
    check = SpotCheck.objects.create(
        dispatch=dispatch,
        day=day,
        found_on_site=found_on_site,
        note=note.strip()[:200],
        checked_by=by,
    )
    audit.record(audit.AuditEvent.WRITE, action="villages.spot_check", target=check, user=by)
    return check


@transaction.atomic
def appraise_dispatch(
    *, dispatch: Dispatch, grade: Grade | str, comment: str, by: User
) -> Dispatch:
    """任期考核: the county organization department's appraisal at the end of the term."""
    _check_county(by, dispatch, "任期考核")
    if grade not in Grade.values:
        raise InvalidInput("请选择考核等次", fields={"grade": "请选择考核等次"})
    opens = dispatch.ends_on - dt.timedelta(days=rules.APPRAISAL_WINDOW_DAYS)
    if dispatch.status == DispatchStatus.SERVING and clock.today() < opens:
        problem = f"任期考核自{opens:%Y年%-m月%-d日}起进行"
        raise InvalidInput(problem, fields={"grade": problem})
    Dispatch.objects.filter(pk=dispatch.pk).update(
        grade=grade,
        appraisal=comment.strip()[:TEXT_LIMIT],
        appraised_by=by,
        appraised_at=clock.now(),
    )
    audit.record(audit.AuditEvent.WRITE, action="villages.appraise", target=dispatch, user=by)
    return Dispatch.objects.get(pk=dispatch.pk)
