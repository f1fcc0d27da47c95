"""Writes of household contacts (联系户): households, the members linked to them, visits, and
a visit's finding turned into a case of 接诉即办 through the cases intake (cases.intake).

Each refusal is a Chinese message beside its field, and nothing is half-written: every write
is one transaction, and a refused one rolls back whole.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.db import transaction
from django.db.models import Q
from shapely.geometry import shape

from jiceng.accounts.models import User
from jiceng.cases import intake
from jiceng.cases.models import CaseType, Subject
from jiceng.cases.workflow import Channel
from jiceng.core import audit, clock, crypto, masking
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.divisions.models import LEVEL_DIGITS
from jiceng.grid.models import Grid
from jiceng.members.models import Member

from .models import ContactRule, Household, HouseholdContact, Visit, Way
from .queries import NAME_FIELD, PHONE_FIELD

PHONE_PATTERN = re.compile(r"^(1[3-9][0-9]{9}|0[1-9][0-9]{1,3}-?[0-9]{7,8})$")
FINDING_MAX = 1000
VISIT_BACK_DAYS = 366  # a visit is logged within a year of it


# -- rules ------------------------------------------------------------------------------------


def _ancestors(code: str) -> list[str]:
    """The 12-digit codes of the division and every division above it."""
    ends = sorted(LEVEL_DIGITS.values())  # 2, 4, 6, 9, 12
    return [code[:end].ljust(12, "0") for end in ends]


def one_contact_per_household(community_code: str) -> bool:
    """The contact rule of the community: the most specific ContactRule of it or a division
    above it; with none anywhere, one contact per household."""
    rules = dict(
        ContactRule.objects.filter(division_id__in=_ancestors(community_code)).values_list(
            "division_id", "one_contact_per_household"
        )
    )
    for code in reversed(_ancestors(community_code)):
        if code in rules:
            return rules[code]
    return True


# -- households -------------------------------------------------------------------------------


def check_household_fields(
    *, address: str, resident_name: str, phone: str, note: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not address:
        errors["address"] = "请填写住址（门牌）"
    elif len(address) > 200:
        errors["address"] = "住址不能超过 200 字"
    if not resident_name:
        errors["resident_name"] = "请填写户主姓名"
    elif len(resident_name) > 50:
        errors["resident_name"] = "姓名不能超过 50 字"
    if phone and not PHONE_PATTERN.match(phone):
        errors["phone"] = "联系电话应为 11 位手机号或带区号的固定电话"
    if len(note) > 200:
        errors["note"] = "情况说明不能超过 200 字"
    return errors


@transaction.atomic
def add_household(
    *,
    grid: Grid,
    address: str,
    resident_name: str,
    phone: str = "",
    note: str = "",
    lon: float | None = None,
    lat: float | None = None,
    by: User | None,
) -> Household:
    """登记联系户: the resident's name and phone sealed, their masked forms beside them."""
    address, resident_name = address.strip(), resident_name.strip()
    phone, note = phone.strip().replace(" ", ""), note.strip()
    errors = check_household_fields(
        address=address, resident_name=resident_name, phone=phone, note=note
    )
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    household = Household.objects.create(
        grid=grid,
        address=address,
        resident_name_sealed=crypto.seal(resident_name, field=NAME_FIELD),
        resident_name_masked=masking.mask_name(resident_name),
        phone_sealed=crypto.seal(phone, field=PHONE_FIELD) if phone else None,
        phone_masked=masking.mask_phone(phone) if phone else "",
        note=masking.mask_text(note),
        lon=lon,
        lat=lat,
        created_at=clock.now(),
    )
    audit.record(
        audit.AuditEvent.WRITE, action="households.add_household", target=household, user=by
    )
    return household


# -- contacts ---------------------------------------------------------------------------------


@transaction.atomic
def assign_contact(*, household: Household, member: Member, by: User | None) -> HouseholdContact:
    """分配联系党员: a member who lives in the household's community (the grid where they
    live); where the rule says one contact per household, a second one is refused. The
    household's row is locked first, so two assignments at once cannot both pass the rule."""
    locked = Household.objects.select_for_update().select_related("grid").get(pk=household.pk)
    if not member.is_active:
        raise InvalidInput("该党员不是在册党员，不能分配联系户", fields={"member": "不是在册党员"})
    if member.residential_division_id != locked.grid.community_id:
        raise InvalidInput(
            "联系户应在党员居住的社区内分配：该党员的居住社区不是本网格所在社区",
            fields={"member": "居住社区不是本网格所在社区"},
        )
    if not locked.is_active:
        raise InvalidInput("该户已不在册", fields={"household": "已不在册"})
    current = list(
        HouseholdContact.objects.filter(household=locked, ended_on__isnull=True).select_related(
            "member"
        )
    )
    if any(c.member_id == member.pk for c in current):
        raise InvalidInput("该党员已联系此户", fields={"member": "已联系此户"})
    if current and one_contact_per_household(locked.grid.community_id):
        raise InvalidInput(
            f"按本社区的联系户规则，每户只能有一名联系党员：此户已由{current[0].member.name}联系，"
            "请先解除原联系关系再分配",
            fields={"member": "此户已有联系党员"},
        )
    contact = HouseholdContact.objects.create(
        household=locked, member=member, started_on=clock.today(), assigned_by=by
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="households.assign_contact",
        target=locked,
        user=by,
        detail={"member": member.pk},
    )
    return contact


@transaction.atomic
def end_contact(*, contact: HouseholdContact, by: User | None) -> None:
    """解除联系关系 (the history stays)."""
    ended = HouseholdContact.objects.filter(pk=contact.pk, ended_on__isnull=True).update(
        ended_on=clock.today()
    )
    if ended != 1:
        raise Conflict("该联系关系已经解除")
    audit.record(
        audit.AuditEvent.WRITE,
        action="households.end_contact",
        target=contact.household,
        user=by,
        detail={"member": contact.member_id},
    )


# -- visits -----------------------------------------------------------------------------------


def check_visit(*, visited_on: dt.date | None, way: str, finding: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = clock.today()
    if visited_on is None:
        errors["visited_on"] = "请填写走访日期"
    elif visited_on > today:
        errors["visited_on"] = "走访日期不能晚于今天"
    elif visited_on < today - dt.timedelta(days=VISIT_BACK_DAYS):
        errors["visited_on"] = "只能补记一年以内的走访"
    if way not in Way.values:
        errors["way"] = "请选择走访方式（入户、电话、微信或其他）"
    if len(finding) > FINDING_MAX:
        errors["finding"] = f"发现的情况不能超过 {FINDING_MAX} 字"
    return errors


@transaction.atomic
def log_visit(
    *,
    household: Household,
    by: User,
    visited_on: dt.date | None,
    way: str,
    finding: str = "",
    case_type: CaseType | None = None,
    subject: Subject | None = None,
) -> Visit:
    """记录走访; with a case type and subject, its finding becomes a case in the same step
    (open_case): both are written or neither."""
    finding = finding.strip()
    errors = check_visit(visited_on=visited_on, way=way, finding=finding)
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    assert visited_on is not None
    visit = Visit.objects.create(
        household=household,
        visited_by=by,
        member=by.member
        if by.member_id is not None
        and HouseholdContact.objects.filter(
            household=household, member_id=by.member_id, ended_on__isnull=True
        ).exists()
        else None,
        visited_on=visited_on,
        way=way,
        finding=finding,
        recorded_at=clock.now(),
    )
    # Only a later date moves it: a visit logged late never makes the household look older.
    Household.objects.filter(
        Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=visited_on), pk=household.pk
    ).update(last_visited_on=visited_on)
    audit.record(audit.AuditEvent.WRITE, action="households.log_visit", target=visit, user=by)
    if case_type is not None or subject is not None:
        open_case(visit=visit, case_type=case_type, subject=subject, by=by)
    return visit


def _point_of(household: Household) -> tuple[float, float]:
    """Where the case lies: the household's own point, else a point inside its grid (so the
    case is routed to the household's grid)."""
    if household.lon is not None and household.lat is not None:
        return household.lon, household.lat
    inside = shape(json.loads(household.grid.boundary)).representative_point()
    return float(inside.x), float(inside.y)


@transaction.atomic
def open_case(
    *, visit: Visit, case_type: CaseType | None, subject: Subject | None, by: User
) -> Visit:
    """走访发现转工单: the finding enters 接诉即办 through its one intake (routed and dispatched
    as any case), once per visit."""
    errors: dict[str, str] = {}
    if not visit.finding:
        errors["finding"] = "这次走访没有记录发现的情况，不能转为工单"
    if case_type is None:
        errors["type"] = "请选择诉求类型"
    if subject is None:
        errors["subject"] = "请选择诉求事项"
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    assert case_type is not None and subject is not None
    if visit.case_id is not None:
        raise Conflict("这次走访的发现已经转为工单")
    household = visit.household
    lon, lat = _point_of(household)
    submitted = intake.submit_case(
        channel=Channel.WEB,
        type=case_type,
        subject=subject,
        description=f"【联系户走访】{visit.finding}",
        lon=lon,
        lat=lat,
        address=household.address,
        reporter_name="",
        reporter_phone="",
        by=by,
    )
    # The conditional update is the guard against a double tap: the second rolls back whole.
    if Visit.objects.filter(pk=visit.pk, case__isnull=True).update(case=submitted.case) != 1:
        raise Conflict("这次走访的发现已经转为工单")
    visit.case = submitted.case
    audit.record(
        audit.AuditEvent.WRITE,
        action="households.open_case",
        target=visit,
        user=by,
        detail={"case": submitted.case.pk},
    )
    return visit
