"""Every write of task forces (党员突击队): forming one, its sites and shifts, taking and
leaving a place, checking in and out, confirming hours.

A place is taken by a conditional UPDATE (taken < needed) of the shift: of two people taking
the last place at the same time exactly one moves the row, the other is told the shift is
full. The person's own row is locked first, so that one person taking two overlapping shifts
at the same time is serialized too (SQLite takes the write lock at BEGIN: it serializes both)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.timezone import localtime, make_aware

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock, crypto
from jiceng.core.errors import Conflict, Forbidden, InvalidInput, not_found
from jiceng.core.masking import mask_phone
from jiceng.divisions.models import Division
from jiceng.members.models import ACTIVE_STATUSES, Member
from jiceng.members.services import PHONE_FIELD, phone_digest
from jiceng.orgs.models import Organization

from . import checkin
from .models import (
    HOURS_FINAL_AFTER_DAYS,
    Assignment,
    Confirmation,
    How,
    Kind,
    Shift,
    Site,
    TaskForce,
    Volunteer,
)

FULL = "该班次已满员，请选择其他班次"
MAX_SHIFT_HOURS = 24
MAX_PLACES = 500


def check_can_manage(by: User | None, organization: Organization) -> None:
    """The committee's secretaries and the organization departments above it (组织生活's
    managers); to anyone else the task force does not exist. `by=None`: the system."""
    if by is None:
        return
    if not scope_of(by).allows(
        Permission.MANAGE_MEETINGS, path=organization.path, division_id=organization.division_id
    ):
        raise not_found("突击队")


# -- forming --------------------------------------------------------------------------------


@transaction.atomic
def form_task_force(
    *,
    by: User | None,
    organization: Organization,
    name: str,
    kind: str = Kind.EVENT,
    purpose: str = "",
    starts_on: dt.date,
    ends_on: dt.date,
) -> TaskForce:
    """组建突击队 (or 下沉: a department calls up the members of the units under it)."""
    check_can_manage(by, organization)
    fields: dict[str, str] = {}
    name = name.strip()
    if not name:
        fields["name"] = "请填写突击队名称"
    if kind not in Kind.values:
        fields["kind"] = "请选择类型"
    if ends_on < starts_on:
        fields["ends_on"] = "结束日期不能早于开始日期"
    if fields:
        raise InvalidInput("请检查填写的内容", fields=fields)
    task_force = TaskForce.objects.create(
        name=name[:100],
        kind=kind,
        organization=organization,
        purpose=purpose.strip()[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by,
    )
    audit.record(audit.AuditEvent.WRITE, action="taskforces.form", target=task_force, user=by)
    return task_force


@transaction.atomic
def close_sign_up(*, by: User | None, task_force: TaskForce) -> None:
    check_can_manage(by, task_force.organization)
    TaskForce.objects.filter(pk=task_force.pk).update(is_open=False)
    audit.record(audit.AuditEvent.WRITE, action="taskforces.close", target=task_force, user=by)


@transaction.atomic
def add_site(
    *,
    by: User | None,
    task_force: TaskForce,
    name: str,
    lon: float,
    lat: float,
    address: str = "",
    community_code: str = "",
    lead: Member | None = None,
) -> Site:
    """A site at a point: its grid and community found by the grid routing; a point outside
    every grid takes the community named."""
    from jiceng.grid import routing

    check_can_manage(by, task_force.organization)
    fields: dict[str, str] = {}
    name = name.strip()
    if not name:
        fields["name"] = "请填写点位名称"
    if not (73 <= lon <= 136 and 3 <= lat <= 54):
        fields["location"] = "点位位置不在境内，请在地图上选点或填写经纬度"
    if fields:
        raise InvalidInput("请检查填写的内容", fields=fields)
    placement = routing.locate(lon, lat)
    code = placement.community_code or community_code.strip()
    community = Division.objects.filter(pk=code, level=5).first() if code else None
    if community is None:
        raise InvalidInput(
            "点位不在任何网格内，请填写所在社区", fields={"community": "请填写点位所在社区的代码"}
        )
    if lead is not None and lead.status not in ACTIVE_STATUSES:
        raise InvalidInput("点位负责人须为在册党员", fields={"lead": "该党员不在册"})
    site = Site.objects.create(
        task_force=task_force,
        name=name[:100],
        address=address.strip()[:200],
        lon=lon,
        lat=lat,
        community=community,
        grid_id=placement.grid_id if placement.community_code == community.pk else None,
        lead=lead,
        checkin_secret=secrets.token_hex(16),
    )
    audit.record(audit.AuditEvent.WRITE, action="taskforces.add_site", target=site, user=by)
    return site


@dataclass(frozen=True)
class Slot:
    """A shift's hours within a day; `end` at or before `start` runs past midnight."""

    start: dt.time
    end: dt.time


def parse_slots(text: str) -> list[Slot]:
    """ "08:00-12:00, 12:00-16:00" """
    slots = []
    for part in text.replace("，", ",").replace("－", "-").replace("—", "-").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start, end = (dt.time.fromisoformat(p.strip()) for p in part.split("-"))
        except ValueError:
            raise InvalidInput(
                "班次时间格式不正确", fields={"slots": "请按 08:00-12:00, 12:00-16:00 填写"}
            ) from None
        slots.append(Slot(start, end))
    if not slots:
        raise InvalidInput("请填写班次时间", fields={"slots": "请按 08:00-12:00 填写"})
    return slots


@transaction.atomic
def add_shifts(
    *,
    by: User | None,
    site: Site,
    first_day: dt.date,
    last_day: dt.date,
    slots: Sequence[Slot],
    needed: int,
) -> list[Shift]:
    """The same shifts on each day from `first_day` to `last_day`, each needing `needed`."""
    task_force = site.task_force
    check_can_manage(by, task_force.organization)
    if not 1 <= needed <= MAX_PLACES:
        raise InvalidInput("需要人数应为1到500", fields={"needed": "需要人数应为1到500"})
    if last_day < first_day or (last_day - first_day).days > 92:
        raise InvalidInput("日期范围不正确（最长92天）", fields={"last_day": "日期范围不正确"})
    if first_day < task_force.starts_on or last_day > task_force.ends_on:
        raise InvalidInput(
            f"班次须在突击队的起止日期内（{task_force.starts_on}至{task_force.ends_on}）",
            fields={"first_day": "超出突击队的起止日期"},
        )
    rows = []
    day = first_day
    while day <= last_day:
        for slot in slots:
            starts = make_aware(dt.datetime.combine(day, slot.start))
            ends_day = day if slot.end > slot.start else day + dt.timedelta(days=1)
            ends = make_aware(dt.datetime.combine(ends_day, slot.end))
            if ends - starts > dt.timedelta(hours=MAX_SHIFT_HOURS):
                raise InvalidInput("一个班次不能超过24小时", fields={"slots": "班次过长"})
            rows.append(
                Shift(
                    task_force=task_force, site=site, starts_at=starts, ends_at=ends, needed=needed
                )
            )
        day += dt.timedelta(days=1)
    Shift.objects.bulk_create(rows, batch_size=2000)
    TaskForce.objects.filter(pk=task_force.pk).update(
        places_needed=F("places_needed") + needed * len(rows)
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="taskforces.add_shifts",
        target=site,
        user=by,
        detail={"shifts": len(rows)},
    )
    return rows


# -- taking a place -------------------------------------------------------------------------


def is_open_to(member: Member, task_force: TaskForce) -> bool:
    """A task force is open to the members of the units under the organization that formed
    it (下沉: the units under the department) and to the members who live where its sites
    are (their residential community)."""
    if member.organization.path.startswith(task_force.organization.path):
        return True
    return (
        member.residential_division_id is not None
        and Site.objects.filter(
            task_force=task_force, community_id=member.residential_division_id
        ).exists()
    )


def _check_shift_open(shift: Shift, now: dt.datetime) -> None:
    if not shift.task_force.is_open:
        raise InvalidInput("该突击队已停止报名")
    if shift.starts_at <= now:
        raise InvalidInput("该班次已开始，不能再报名")


def _format_window(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    return f"{localtime(starts_at):%m-%d %H:%M}–{localtime(ends_at):%H:%M}"


def _check_no_overlap(shift: Shift, person: dict[str, object]) -> None:
    overlapping = (
        Assignment.objects.filter(
            is_active=True, starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at, **person
        )
        .select_related("shift__site")
        .first()
    )
    if overlapping is not None:
        if overlapping.shift_id == shift.pk:
            raise InvalidInput("已报名该班次")
        raise InvalidInput(
            f"与已报名的班次时间重叠（{overlapping.shift.site.name} "
            f"{_format_window(overlapping.starts_at, overlapping.ends_at)}），不能同时报名"
        )


def _refuse_early(shift: Shift, person: dict[str, object]) -> None:
    """The refusals a read can tell (the shift as read is full; the person already holds an
    overlapping shift), before any write lock is taken: most attempts at a shift everyone
    wants are refused, and a refusal then costs readers nothing. A read that lets the attempt
    through decides nothing: `_take_place` checks again under the locks."""
    if shift.taken >= shift.needed:
        raise Conflict(FULL)
    _check_no_overlap(shift, person)


def _take_place(
    shift: Shift, *, person: dict[str, object], how: str, by: User | None
) -> Assignment:
    """The overlap check and the conditional UPDATE, inside the caller's transaction, after
    the caller has locked the person's row."""
    _check_no_overlap(shift, person)
    taken = Shift.objects.filter(pk=shift.pk, taken__lt=F("needed")).update(taken=F("taken") + 1)
    if taken != 1:
        raise Conflict(FULL)  # someone else took the last place first
    TaskForce.objects.filter(pk=shift.task_force_id).update(places_taken=F("places_taken") + 1)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                shift=shift,
                task_force_id=shift.task_force_id,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                how=how,
                **person,
            )
    except IntegrityError:
        raise InvalidInput("已报名该班次") from None
    audit.record(audit.AuditEvent.WRITE, action="taskforces.sign_up", target=assignment, user=by)
    return assignment


def sign_up(*, by: User, shift: Shift) -> Assignment:
    """A member takes a place on a shift (报名). The checks a read can answer come first,
    outside the transaction (SQLite's IMMEDIATE transactions take the write lock at BEGIN);
    the place itself is taken in one transaction that locks the member's row and moves the
    shift's count by a conditional UPDATE."""
    if by.member_id is None:
        raise Forbidden("只有党员本人可以报名")
    member = Member.objects.select_related("organization").get(pk=by.member_id)
    shift = Shift.objects.select_related("task_force__organization").get(pk=shift.pk)
    if member.status not in ACTIVE_STATUSES:
        raise Forbidden("只有在册党员可以报名")
    if not is_open_to(member, shift.task_force):
        raise not_found("突击队")
    _check_shift_open(shift, clock.now())
    _refuse_early(shift, {"member": member})
    with transaction.atomic():
        # the member's row locked: one person's two attempts at overlapping shifts queue here
        Member.objects.select_for_update().filter(pk=member.pk).values_list("pk").get()
        return _take_place(shift, person={"member": member}, how=How.VOLUNTEERED, by=by)


@transaction.atomic
def assign_member(*, by: User | None, shift: Shift, member: Member) -> Assignment:
    """The committee puts a member on a shift (组织安排), with the same rules."""
    shift = Shift.objects.select_related("task_force__organization").get(pk=shift.pk)
    check_can_manage(by, shift.task_force.organization)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    if member.status not in ACTIVE_STATUSES or not is_open_to(member, shift.task_force):
        raise InvalidInput(
            "该党员不在本突击队的组建范围内，也不居住在点位所在社区", fields={"member": "不能安排"}
        )
    _check_shift_open(shift, clock.now())
    return _take_place(shift, person={"member": member}, how=How.ASSIGNED, by=by)


def _volunteer_named(name: str, phone: str) -> Volunteer:
    name, phone = name.strip(), "".join(ch for ch in phone if ch.isdigit())
    fields = {}
    if not name:
        fields["name"] = "请填写姓名"
    if len(phone) != 11 or not phone.startswith("1"):
        fields["phone"] = "请填写11位手机号"
    if fields:
        raise InvalidInput("请检查填写的内容", fields=fields)
    digest = phone_digest(phone)
    Volunteer.objects.bulk_create(
        [
            Volunteer(
                name=name[:50],
                phone_sealed=crypto.seal(phone, field=PHONE_FIELD),
                phone_digest=digest,
                phone_masked=mask_phone(phone),
            )
        ],
        ignore_conflicts=True,
    )
    return Volunteer.objects.select_for_update().get(phone_digest=digest)


@transaction.atomic
def sign_up_volunteer(*, shift: Shift, name: str, phone: str) -> Assignment:
    """志愿者报名: someone who is not a party member, by name and phone (the same phone is the
    same volunteer: the record is found again by its blind index, never by the clear number)."""
    shift = Shift.objects.select_related("task_force").get(pk=shift.pk)
    volunteer = _volunteer_named(name, phone)
    _check_shift_open(shift, clock.now())
    return _take_place(shift, person={"volunteer": volunteer}, how=How.VOLUNTEERED, by=None)


@transaction.atomic
def cancel(*, by: User, assignment: Assignment) -> None:
    """A member leaves a shift before it starts (the committee may take anyone off)."""
    assignment = Assignment.objects.select_related("task_force__organization").get(pk=assignment.pk)
    if assignment.member_id is None or assignment.member_id != by.member_id:
        check_can_manage(by, assignment.task_force.organization)
    if assignment.starts_at <= clock.now():
        raise InvalidInput("班次已开始，不能取消")
    moved = Assignment.objects.filter(pk=assignment.pk, is_active=True).update(is_active=False)
    if moved != 1:
        raise Conflict("已取消")
    Shift.objects.filter(pk=assignment.shift_id).update(taken=F("taken") - 1)
    TaskForce.objects.filter(pk=assignment.task_force_id).update(places_taken=F("places_taken") - 1)
    audit.record(audit.AuditEvent.WRITE, action="taskforces.cancel", target=assignment, user=by)


# -- check-in and hours ---------------------------------------------------------------------


def _current_assignment(by: User, site: Site, now: dt.datetime) -> Assignment:
    """The member's active assignment at this site whose check-in window holds `now`;
    otherwise the refusal that says why (no shift here; not the time)."""
    if by.member_id is None:
        raise Forbidden("只有党员本人可以签到")
    mine = list(
        Assignment.objects.filter(member_id=by.member_id, shift__site=site, is_active=True)
        .filter(starts_at__lte=now + checkin.early() + dt.timedelta(hours=MAX_SHIFT_HOURS))
        .filter(ends_at__gte=now - dt.timedelta(hours=MAX_SHIFT_HOURS))
        .order_by("starts_at")
    )
    if not mine:
        raise InvalidInput("您今天在该点位没有报名的班次，不能签到")
    for assignment in mine:
        if checkin.within_shift(
            now=now, starts_at=assignment.starts_at, ends_at=assignment.ends_at
        ):
            return assignment
    nearest = min(mine, key=lambda a: abs((a.starts_at - now).total_seconds()))
    checkin.check_within_shift(now=now, starts_at=nearest.starts_at, ends_at=nearest.ends_at)
    raise AssertionError("unreachable")


def _check_at_site(site: Site, *, code: str, lon: float | None, lat: float | None) -> None:
    if code:
        site_id, tag = checkin.site_of_token(code)
        if site_id != site.pk or site.checkin_secret[:8] != tag:
            raise InvalidInput("签到码不是这个点位的，或已失效，请扫描点位的二维码")
        return
    if lon is None or lat is None:
        raise InvalidInput(
            "请扫描点位的二维码，或允许获取位置后签到", fields={"location": "未获取到位置"}
        )
    checkin.check_near(site_lon=site.lon, site_lat=site.lat, lon=lon, lat=lat)


@transaction.atomic
def check_in(
    *, by: User, site: Site, code: str = "", lon: float | None = None, lat: float | None = None
) -> Assignment:
    """现场签到: at the site (its QR code, or a location near it), within the shift."""
    now = clock.now()
    _check_at_site(site, code=code, lon=lon, lat=lat)
    assignment = _current_assignment(by, site, now)
    moved = Assignment.objects.filter(
        pk=assignment.pk, is_active=True, checked_in_at__isnull=True
    ).update(checked_in_at=now)
    if moved != 1:
        raise Conflict("已签到")
    audit.record(audit.AuditEvent.WRITE, action="taskforces.check_in", target=assignment, user=by)
    return Assignment.objects.get(pk=assignment.pk)


@transaction.atomic
def check_out(
    *, by: User, site: Site, code: str = "", lon: float | None = None, lat: float | None = None
) -> Assignment:
    """现场签退: the minutes between check-in and check-out within the shift are the hours
    served, confirmed by the member's own presence at the site."""
    now = clock.now()
    _check_at_site(site, code=code, lon=lon, lat=lat)
    if by.member_id is None:
        raise Forbidden("只有党员本人可以签退")
    assignment = (
        Assignment.objects.filter(
            member_id=by.member_id,
            shift__site=site,
            is_active=True,
            checked_in_at__isnull=False,
            checked_out_at__isnull=True,
        )
        .order_by("-starts_at")
        .first()
    )
    if assignment is None:
        raise InvalidInput("您在该点位没有未签退的签到，请先签到")
    assert assignment.checked_in_at is not None
    minutes = checkin.served_minutes(
        checked_in_at=assignment.checked_in_at,
        checked_out_at=now,
        starts_at=assignment.starts_at,
        ends_at=assignment.ends_at,
    )
    confirmed = assignment.minutes_confirmed is None
    moved = Assignment.objects.filter(pk=assignment.pk, checked_out_at__isnull=True).update(
        checked_out_at=now,
        **(
            {
                "minutes_confirmed": minutes,
                "confirmed_how": Confirmation.CHECKIN,
                "confirmed_at": now,
            }
            if confirmed
            else {}
        ),
    )
    if moved != 1:
        raise Conflict("已签退")
    if confirmed:
        TaskForce.objects.filter(pk=assignment.task_force_id).update(
            minutes_confirmed=F("minutes_confirmed") + minutes
        )
    audit.record(audit.AuditEvent.WRITE, action="taskforces.check_out", target=assignment, user=by)
    return Assignment.objects.get(pk=assignment.pk)


def may_confirm(user: User, site: Site) -> bool:
    """The site's lead, or the committee that formed the task force."""
    if user.member_id is not None and user.member_id == site.lead_id:
        return True
    organization = site.task_force.organization
    return scope_of(user).allows(
        Permission.MANAGE_MEETINGS, path=organization.path, division_id=organization.division_id
    )


@transaction.atomic
def confirm_hours(*, by: User, assignment: Assignment, minutes: int | None = None) -> Assignment:
    """The site lead confirms the hours served (default: the whole shift). Hours already
    confirmed (by check-out or earlier) are corrected to the new figure, until
    HOURS_FINAL_AFTER_DAYS after the shift, when they become final and earn points."""
    assignment = Assignment.objects.select_related("shift__site__task_force__organization").get(
        pk=assignment.pk
    )
    site = assignment.shift.site
    if not may_confirm(by, site):
        raise not_found("班次人员")
    if not assignment.is_active:
        raise InvalidInput("此人已取消该班次，不能确认时长")
    now = clock.now()
    if assignment.starts_at > now:
        raise InvalidInput("班次尚未开始，不能确认时长")
    if now > assignment.ends_at + dt.timedelta(days=HOURS_FINAL_AFTER_DAYS):
        raise InvalidInput(
            f"班次结束已超过{HOURS_FINAL_AFTER_DAYS}天，时长已计入积分，不能再确认或修改"
        )
    shift_minutes = int((assignment.ends_at - assignment.starts_at).total_seconds() // 60)
    if minutes is None:
        minutes = shift_minutes
    if not 0 <= minutes <= shift_minutes + 12 * 60:
        raise InvalidInput(
            "时长不正确", fields={"minutes": f"应为0到{shift_minutes // 60 + 12}小时"}
        )
    before = assignment.minutes_confirmed or 0
    moved = Assignment.objects.filter(
        pk=assignment.pk, minutes_confirmed=assignment.minutes_confirmed
    ).update(
        minutes_confirmed=minutes,
        confirmed_how=Confirmation.LEAD,
        confirmed_by=by,
        confirmed_at=now,
    )
    if moved != 1:
        raise Conflict("时长已被他人修改，请刷新后再确认")
    TaskForce.objects.filter(pk=assignment.task_force_id).update(
        minutes_confirmed=F("minutes_confirmed") + (minutes - before)
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="taskforces.confirm_hours",
        target=assignment,
        user=by,
        detail={"minutes": minutes},
    )
    return Assignment.objects.get(pk=assignment.pk)


def assignment_of(*, shift: Shift, member_id: int) -> Assignment:
    """The member's place on this shift, for confirming hours by member: a member who did not
    sign up is refused."""
    found = Assignment.objects.filter(shift=shift, member_id=member_id, is_active=True).first()
    if found is None:
        raise InvalidInput("该党员没有报名这个班次，不能确认时长", fields={"member": "未报名"})
    return found
