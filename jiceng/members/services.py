"""Every write to the member registry. One `check_member_input` validates what a form, the API
and an Excel import send; `create_members` writes one or many in a single transaction."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from django.db import IntegrityError, models, transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.core import audit, clock, crypto, idnumbers
from jiceng.core.dates import parse_date
from jiceng.core.errors import InvalidInput
from jiceng.core.masking import MIN_AGE, mask_id_number, mask_phone, mask_text
from jiceng.divisions.models import Division
from jiceng.orgs import rollups
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization, PartyGroup
from jiceng.orgs.queries import access_organization, party_group_in
from jiceng.orgs.services import check_can_write

from . import lifecycle, workflow
from .ethnicities import ETHNICITIES
from .models import (
    ACTIVE_STATUSES,
    Category,
    Education,
    Gender,
    Member,
    MemberEvent,
    MemberStatus,
    StatusMove,
)

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# A member joins at 18 or older; the masking policy's arithmetic rests on it (core may not
# import the apps, so the number lives there).
MIN_AGE_AT_JOINING = MIN_AGE
YES = frozenset({"是", "1", "true", "yes"})
NO = frozenset({"", "否", "0", "false", "no"})
ID_FIELD, PHONE_FIELD = "id_number", "phone"
# 存在性探查: a number registered anywhere gets this answer, never the number or where it is
# registered, so that a refusal does not tell a user what lies outside their scope.
ID_NUMBER_TAKEN = "该身份证号已在系统中登记，请联系上级党组织核实"
ID_NUMBER_REPEATED = "该身份证号在本次导入中重复出现"


# A member's particulars by the names check_member_input reads, in the order of the member
# form (members.forms adds the fields of the form alone) and of a record that arrives from
# another province instance (federation.arrivals): one list for both.
PARTICULARS = (
    "name",
    "id_number",
    "gender",
    "ethnicity",
    "phone",
    "education",
    "category",
    "joined_on",
    "full_member_on",
    "status",
)


@dataclass(frozen=True)
class MemberInput:
    """A checked member: every value valid on its own (cross-row checks happen on write)."""

    name: str
    id_number: str
    gender: str
    birth_date: dt.date
    ethnicity: str
    phone: str
    education: str
    category: str
    joined_on: dt.date
    full_member_on: dt.date | None
    status: str
    organization: Organization
    party_group: PartyGroup | None = None
    is_mobile: bool = False
    work_place: str = ""
    residential_division: Division | None = None
    warnings: tuple[str, ...] = field(default=())
    # 延长预备期 decided before the record was made here (a probationary member transferred
    # from another province instance); a member's own extension is lifecycle.extend_probation
    probation_extended_months: int = 0


def text_of(raw: Mapping[str, object], key: str) -> str:
    """A typed value with its runs of white space made one space."""
    value = raw.get(key)
    return "" if value is None else " ".join(str(value).split())


def _echo(value: object) -> str:
    """Input repeated in a message, with any ID or phone number in it masked: a number typed
    into the wrong field is refused there, and a refusal's message is kept in the audit log."""
    return mask_text(str(value))


def _date(
    raw: Mapping[str, object], key: str, label: str, errors: dict[str, str]
) -> dt.date | None:
    try:
        return parse_date(raw.get(key))
    except ValueError:
        errors[key] = f"{label}“{_echo(raw.get(key))}”不是有效日期，请写成2024-07-01的格式"
        return None


def _yes_no(raw: Mapping[str, object], key: str, label: str, errors: dict[str, str]) -> bool:
    value = raw.get(key)
    if isinstance(value, bool):
        return value
    text = text_of(raw, key).lower()
    if text in YES:
        return True
    if text not in NO:
        errors[key] = f"{label}应填“是”或“否”，不是“{_echo(text_of(raw, key))}”"
    return False


def choice_of(
    raw: Mapping[str, object],
    key: str,
    choices: type[models.TextChoices],
    label: str,
    errors: dict[str, str],
    *,
    required: bool,
    ask: str = "请填写",
) -> str:
    """The value of a choice typed as its label or its value; a wrong one is refused naming
    the choices (`ask` the verb when it is missing: 请填写, 请选择)."""
    value = text_of(raw, key)
    if not value:
        if required:
            errors[key] = f"{ask}{label}"
        return ""
    by_label = {str(c.label): str(c.value) for c in choices}
    if value in by_label:
        return by_label[value]
    if value in choices.values:
        return value
    errors[key] = f"{label}“{_echo(value)}”不正确，应为：{'、'.join(by_label)}"
    return ""


def check_name_and_id(
    raw: Mapping[str, object], errors: dict[str, str], *, today: dt.date
) -> tuple[str, idnumbers.IdNumber | None, list[str]]:
    """A person's name and ID number (GB 11643, its area code known), as typed for a member
    or an applicant: (name, the parsed number or None, warnings on the area code)."""
    name = text_of(raw, "name")
    if not name:
        errors["name"] = "请填写姓名"
    elif len(name) > 50:
        errors["name"] = "姓名不能超过50个字"
    parsed: idnumbers.IdNumber | None = None
    warnings: list[str] = []
    id_text = text_of(raw, "id_number")
    if not id_text:
        errors["id_number"] = "请填写身份证号"
    else:
        try:
            parsed = idnumbers.parse(id_text, today=today)
            warnings = check_area_code(parsed.area_code)
        except idnumbers.InvalidIdNumber as exc:
            errors["id_number"] = str(exc)
    return name, parsed, warnings


def check_ethnicity_and_phone(raw: Mapping[str, object], errors: dict[str, str]) -> tuple[str, str]:
    """A person's ethnicity (its full name, 汉族 when left out) and mobile phone (spaces,
    dashes and +86 dropped; the number refused is never repeated)."""
    ethnicity = text_of(raw, "ethnicity") or "汉族"
    if ethnicity not in ETHNICITIES:
        errors["ethnicity"] = f"民族“{_echo(ethnicity)}”不正确，应写全称，如“汉族”“回族”"
    phone = re.sub(r"[\s-]", "", text_of(raw, "phone"))
    if phone.startswith("+86"):
        phone = phone[3:]
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = "手机号不正确，应为以1开头的11位数字"
    return ethnicity, phone


def check_member_input(
    raw: Mapping[str, object],
    *,
    organization: Organization | None,
    party_group: PartyGroup | None = None,
    residential_division: Division | None = None,
    today: dt.date | None = None,
) -> MemberInput:
    """Validate one member's particulars; raises InvalidInput with a message per bad field.

    `raw` holds strings (or dates) keyed by the field names of MemberInput; choices may be
    given by their Chinese label (正式党员) or their code (FULL). Birth date and gender come
    from the ID number; a differing gender given alongside is an error.
    """
    today = today or clock.today()
    errors: dict[str, str] = {}
    warnings: list[str] = []

    name, parsed, area_warnings = check_name_and_id(raw, errors, today=today)
    warnings += area_warnings

    gender = choice_of(raw, "gender", Gender, "性别", errors, required=False)
    if parsed and gender and gender != parsed.gender:
        errors["gender"] = f"性别与身份证号不符（身份证号显示为{Gender(parsed.gender).label}）"

    ethnicity, phone = check_ethnicity_and_phone(raw, errors)

    education = choice_of(raw, "education", Education, "学历", errors, required=False)
    category = choice_of(raw, "category", Category, "人员类别", errors, required=True)
    status = choice_of(raw, "status", MemberStatus, "党籍状态", errors, required=True)
    joined_on = _date(raw, "joined_on", "入党日期", errors)
    full_member_on = _date(raw, "full_member_on", "转正日期", errors)
    if joined_on is None and "joined_on" not in errors:
        errors["joined_on"] = "请填写入党日期"
    if joined_on and joined_on > today:
        errors["joined_on"] = "入党日期不能晚于今天"
    if joined_on and parsed:
        age = (joined_on - parsed.birth_date).days // 365.25
        if age < MIN_AGE_AT_JOINING:
            errors["joined_on"] = f"入党时未满{MIN_AGE_AT_JOINING}周岁，请核对入党日期和身份证号"
    if full_member_on and joined_on and full_member_on < joined_on:
        errors["full_member_on"] = "转正日期不能早于入党日期"
    elif full_member_on and joined_on:
        problem = workflow.probation_problem(joined_on, full_member_on)
        if problem:
            errors["full_member_on"] = problem
    if full_member_on and full_member_on > today:
        errors["full_member_on"] = "转正日期不能晚于今天"
    if status == MemberStatus.PROBATIONARY and full_member_on:
        errors["full_member_on"] = "预备党员不应有转正日期"
    if status == MemberStatus.FULL and not full_member_on and "full_member_on" not in errors:
        errors["full_member_on"] = "正式党员请填写转正日期"

    if organization is None:
        errors.setdefault("organization", "请填写所在党组织")
    elif organization.kind not in GRASSROOTS_KINDS:
        errors["organization"] = (
            f"党员只能编入基层党组织，“{organization.name}”是{organization.get_kind_display()}"
        )
    elif organization.dissolved_on is not None:
        errors["organization"] = f"“{organization.name}”已撤销"
    if (
        party_group is not None
        and organization is not None
        and party_group.organization_id != organization.pk
    ):
        errors["party_group"] = f"党小组“{party_group.name}”不属于{organization.name}"

    is_mobile = _yes_no(raw, "is_mobile", "流动党员", errors)
    work_place = text_of(raw, "work_place")
    if is_mobile and not work_place:
        errors["work_place"] = "流动党员请填写现工作地点"

    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    assert parsed is not None and joined_on is not None and organization is not None
    return MemberInput(
        name=name,
        id_number=parsed.value,
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        ethnicity=ethnicity,
        phone=phone,
        education=education,
        category=category,
        joined_on=joined_on,
        full_member_on=full_member_on,
        status=status,
        organization=organization,
        party_group=party_group,
        is_mobile=is_mobile,
        work_place=work_place,
        residential_division=residential_division,
        warnings=tuple(warnings),
    )


def check_member_fields(raw: Mapping[str, object], *, by: User) -> MemberInput:
    """Particulars whose references are ids and codes (the API's): the organization and its
    party group are looked up within `by`'s scope, the residential community by its code, and
    the whole is checked by check_member_input."""
    org_id = raw.get("organization_id")
    group_id = raw.get("party_group_id")
    code = raw.get("residential_division_code")
    organization = access_organization(by, org_id if isinstance(org_id, int) else 0)
    party_group = party_group_in(organization, group_id if isinstance(group_id, int) else None)
    division = None
    if isinstance(code, str) and code:
        division = Division.objects.filter(code=code.ljust(12, "0")).first()
        if division is None:
            raise InvalidInput(
                "居住社区的区划代码不存在", fields={"residential_division_code": "区划代码不存在"}
            )
    return check_member_input(
        raw, organization=organization, party_group=party_group, residential_division=division
    )


def particulars_of(member: Member) -> dict[str, object]:
    """A member's particulars as check_member_fields takes them, ID and phone numbers unsealed:
    what a partial change is laid over. Never shown: only patch_member reads it."""
    return {
        "name": member.name,
        "id_number": crypto.unseal(member.id_number_sealed, field=ID_FIELD),
        "ethnicity": member.ethnicity,
        "phone": crypto.unseal(member.phone_sealed, field=PHONE_FIELD)
        if member.phone_sealed
        else "",
        "education": member.education,
        "category": member.category,
        "joined_on": member.joined_on,
        "full_member_on": member.full_member_on,
        "status": member.status,
        "organization_id": member.organization_id,
        "party_group_id": member.party_group_id,
        "is_mobile": member.is_mobile,
        "work_place": member.work_place,
        "residential_division_code": member.residential_division_id,
    }


def patch_member(
    *, member: Member, changes: Mapping[str, object], by: User, reason: str = ""
) -> Member:
    """A partial change (the API's PATCH): the fields given replace the member's, and the whole
    is checked again as a new registration would be. A change of status goes through the
    status machine (update_member), with `reason` where it is a correction."""
    data = check_member_fields({**particulars_of(member), **changes}, by=by)
    return update_member(member=member, data=data, by=by, reason=reason)


def check_area_code(area_code: str) -> list[str]:
    """Refuse (InvalidIdNumber) an ID number's area code that no division has had, today or in
    GB/T 2260 since 1980; the code of a county since merged or renamed is only a warning, which
    is returned: people keep the ID number they were given."""
    codes = _area_codes()
    idnumbers.check_area(area_code, current=codes)
    if codes and area_code not in codes:  # divisions not loaded: nothing to compare with
        return [f"身份证号前6位{area_code}不是现行行政区划代码（是已撤并或更名的旧区划）"]
    return []


@cache
def _area_codes() -> frozenset[str]:
    """The 6-digit codes of provinces, cities and counties (a few thousand, read once)."""
    rows = Division.objects.filter(level__lte=3).values_list("code", flat=True)
    return frozenset(code[:6] for code in rows)


def id_number_digest(id_number: str) -> bytes:
    return crypto.blind_index(idnumbers.normalize(id_number), field=ID_FIELD)


def phone_digest(phone: str) -> bytes:
    return crypto.blind_index(phone, field=PHONE_FIELD)


def _personal_fields(data: MemberInput) -> dict[str, object]:
    return {
        "id_number_sealed": crypto.seal(data.id_number, field=ID_FIELD),
        "id_number_digest": id_number_digest(data.id_number),
        "id_number_masked": mask_id_number(data.id_number),
        "phone_sealed": crypto.seal(data.phone, field=PHONE_FIELD) if data.phone else None,
        "phone_digest": phone_digest(data.phone) if data.phone else None,
        "phone_masked": mask_phone(data.phone) if data.phone else "",
    }


def _row(data: MemberInput) -> Member:
    return Member(
        name=data.name,
        gender=data.gender,
        ethnicity=data.ethnicity,
        birth_date=data.birth_date,
        education=data.education,
        category=data.category,
        joined_on=data.joined_on,
        full_member_on=data.full_member_on,
        status=data.status,
        organization=data.organization,
        party_group=data.party_group,
        is_mobile=data.is_mobile,
        work_place=data.work_place,
        residential_division=data.residential_division,
        probation_extended_months=data.probation_extended_months,
        **_personal_fields(data),
    )


@dataclass(frozen=True)
class Duplicates:
    """The ID numbers of rows that repeat among them or are registered already: a message per
    row index, and the members who hold the registered ones (for the audit record alone)."""

    messages: dict[int, str]
    holders: tuple[int, ...] = ()


def duplicate_id_numbers(rows: Sequence[MemberInput]) -> Duplicates:
    """A number repeated among `rows` is the user's own: its message says so (whoever shows
    it names the rows). A number registered already gets ID_NUMBER_TAKEN, whoever holds it."""
    rows_of: dict[bytes, list[int]] = {}
    for i, r in enumerate(rows):
        rows_of.setdefault(id_number_digest(r.id_number), []).append(i)
    messages = {i: ID_NUMBER_REPEATED for same in rows_of.values() if len(same) > 1 for i in same}
    holders: list[int] = []
    digests = list(rows_of)
    for chunk_start in range(0, len(digests), 500):
        chunk = digests[chunk_start : chunk_start + 500]
        taken = Member.objects.filter(id_number_digest__in=chunk).values_list(
            "pk", "id_number_digest"
        )
        for pk, digest in taken:
            holders.append(pk)
            for i in rows_of[bytes(digest)]:
                messages[i] = ID_NUMBER_TAKEN
    return Duplicates(messages=messages, holders=tuple(sorted(holders)))


def record_taken_id_numbers(*, holders: Sequence[int], by: User | None) -> None:
    """A registration refused because its ID number is registered already (which a user may
    try to find out what lies outside their scope): a record of who tried and of the members
    who hold the numbers, never a number. Written once the refused write has rolled back, or
    it would roll back with it."""
    audit.record(
        audit.AuditEvent.WRITE,
        action="members.id_number_taken",
        result=audit.AuditResult.REFUSED,
        target_type="members.member",
        target_id=",".join(str(pk) for pk in holders[:100]),
        user=by,
        detail={"count": len(holders)},
    )


class _IdNumbersTaken(Exception):
    """Raised inside a write's transaction, so that it rolls back before the refusal is
    recorded (`_refused`)."""

    def __init__(self, duplicates: Duplicates) -> None:
        super().__init__("ID numbers taken")
        self.duplicates = duplicates


def _refused(duplicates: Duplicates, *, by: User | None) -> InvalidInput:
    if duplicates.holders:
        record_taken_id_numbers(holders=duplicates.holders, by=by)
    messages = list(dict.fromkeys(duplicates.messages.values()))
    return InvalidInput("；".join(messages), fields={"id_number": messages[0]})


def create_members(
    *,
    rows: Sequence[MemberInput],
    by: User | None,
    move: StatusMove = StatusMove.REGISTER,
    on: dt.date | None = None,
    decision: str = "",
) -> list[Member]:
    """Register checked members, all or none; rollups move by one statement per organization.
    Each member's first event says how the record began (`move`: 登记入册 by default, 接收为
    预备党员 from the development of new members, 转入 from outside the system) on `on`
    (today by default).

    A repeated ID number is refused by the unique index of its blind index, so the rows are
    looked up only when it refuses (an import has looked them up already, to name the rows);
    one registered already is refused with ID_NUMBER_TAKEN and recorded."""
    if move not in workflow.FIRST_MOVES:
        raise ValueError(f"{move} does not begin a record")
    try:
        return _insert_members(
            rows=rows, by=by, move=move, on=on or clock.today(), decision=decision
        )
    except _IdNumbersTaken as taken:
        raise _refused(taken.duplicates, by=by) from None


@transaction.atomic
def _insert_members(
    *,
    rows: Sequence[MemberInput],
    by: User | None,
    move: StatusMove,
    on: dt.date,
    decision: str,
) -> list[Member]:
    for org in {r.organization.pk: r.organization for r in rows}.values():
        check_can_write(by, org, Permission.MANAGE_MEMBERS)
    try:
        with transaction.atomic():
            created = Member.objects.bulk_create([_row(r) for r in rows], batch_size=1000)
    except IntegrityError:
        duplicates = duplicate_id_numbers(rows)
        if not duplicates.messages:
            raise
        raise _IdNumbersTaken(duplicates) from None
    MemberEvent.objects.bulk_create(
        [
            MemberEvent(
                member=member,
                move=move,
                from_status=member.status,
                to_status=member.status,
                on=on,
                decision=decision,
                by=by,
            )
            for member in created
        ],
        batch_size=1000,
    )
    deltas: dict[int, list[int]] = {}
    for r in rows:
        counts = deltas.setdefault(r.organization.pk, [0, 0])
        counts[0] += r.status in ACTIVE_STATUSES
        counts[1] += r.status == MemberStatus.FULL
    orgs = {r.organization.pk: r.organization for r in rows}
    for pk, (members, full_members) in deltas.items():
        rollups.add_members(organization=orgs[pk], members=members, full_members=full_members)
    # One record for the whole batch (an import of thousands is one act), naming every
    # organization it touched; a single registration names the member.
    audit.record(
        audit.AuditEvent.WRITE,
        action="members.create_members",
        target=created[0] if len(created) == 1 else None,
        target_type="" if len(created) == 1 else "orgs.organization",
        target_id="" if len(created) == 1 else ",".join(str(pk) for pk in sorted(orgs)[:100]),
        user=by,
        detail={"count": len(created)},
    )
    return created


def create_member(
    *,
    data: MemberInput,
    by: User | None,
    move: StatusMove = StatusMove.REGISTER,
    on: dt.date | None = None,
    decision: str = "",
) -> Member:
    return create_members(rows=[data], by=by, move=move, on=on, decision=decision)[0]


# What an update may change, by the name the audit record uses; ID and phone numbers are
# compared through their blind indexes, so no plaintext is needed to know they changed.
AUDITED_COLUMNS = [
    *((name, name) for name in ("name", "ethnicity", "education", "category", "joined_on")),
    *((name, name) for name in ("full_member_on", "status", "is_mobile", "work_place")),
    ("organization", "organization_id"),
    ("party_group", "party_group_id"),
    ("residential_division", "residential_division_id"),
    ("id_number", "id_number_digest"),
    ("phone", "phone_digest"),
]


def _plain(value: object) -> object:
    return bytes(value) if isinstance(value, memoryview) else value  # PostgreSQL's bytea


def update_member(
    *, member: Member, data: MemberInput, by: User | None, reason: str = ""
) -> Member:
    """Replace a member's particulars with checked ones; moves the rollups if the status or
    the organization changed. A changed status is a move of the status machine
    (workflow.move_between: a correction needs its `reason`) and writes its event row. An ID
    number registered to another member is refused with ID_NUMBER_TAKEN and recorded."""
    try:
        return _replace_member(member=member, data=data, by=by, reason=reason)
    except _IdNumbersTaken as taken:
        raise _refused(taken.duplicates, by=by) from None


@transaction.atomic
def _replace_member(*, member: Member, data: MemberInput, by: User | None, reason: str) -> Member:
    check_can_write(by, member.organization, Permission.MANAGE_MEMBERS)
    check_can_write(by, data.organization, Permission.MANAGE_MEMBERS)
    current = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    move = None
    if data.status != current.status:
        move = workflow.move_between(current.status, data.status)
        workflow.check_move(move, current.status, data.status)
        reason = workflow.check_reason(move, reason)
    digest = id_number_digest(data.id_number)
    holders = Member.objects.filter(id_number_digest=digest).exclude(pk=member.pk)
    holder = holders.values_list("pk", flat=True).first()
    if holder is not None:
        raise _IdNumbersTaken(Duplicates(messages={0: ID_NUMBER_TAKEN}, holders=(holder,)))
    fresh = _row(replace(data))
    fresh.pk, fresh.created_at = current.pk, current.created_at
    # the extension is decided by lifecycle.extend_probation, never by an edit of the form
    fresh.probation_extended_months = current.probation_extended_months
    fresh.save()
    changed = [
        name
        for name, column in AUDITED_COLUMNS
        if _plain(getattr(current, column)) != _plain(getattr(fresh, column))
    ]
    audit.record(
        audit.AuditEvent.WRITE,
        action="members.update_member",
        target=fresh,
        user=by,
        detail={"fields": changed},  # names only: the values may be personal data
    )
    if move is not None:
        lifecycle.record_event(
            member=fresh,
            move=move,
            from_status=current.status,
            to_status=data.status,
            on=clock.today(),
            reason=reason,
            by=by,
        )
    if fresh.organization_id != current.organization_id:
        # A move between organizations in the user's own scope (both checked above): the
        # timeline names it as the transfer it is.
        lifecycle.record_event(
            member=fresh,
            move=StatusMove.TRANSFER,
            from_status=data.status,
            to_status=data.status,
            on=clock.today(),
            reason=reason,
            from_organization=current.organization,
            to_organization=data.organization,
            by=by,
        )
    lifecycle.move_rollups(
        member_id=current.pk,
        before=current.organization,
        before_status=current.status,
        after=data.organization,
        after_status=data.status,
    )
    return Member.objects.select_related("organization").get(pk=member.pk)
