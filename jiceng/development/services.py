"""Every write of the development of members (发展党员): registering an applicant, recording
each step (development.rules checks it first, nothing is written if it breaks a rule), the
member's record at admission and at full membership (through members.services and
members.lifecycle, the one path of a status change), the yearly plan and the time rules a
department tightens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock, crypto
from jiceng.core.dates import parse_date
from jiceng.core.errors import Conflict, InvalidInput, not_found
from jiceng.core.masking import mask_id_number, mask_phone, mask_text
from jiceng.core.paths import is_under
from jiceng.members import lifecycle
from jiceng.members import services as member_services
from jiceng.members.models import Category, Education, Member, MemberStatus, StatusMove
from jiceng.orgs.models import BRANCH_KINDS, Organization
from jiceng.orgs.services import check_can_write

from . import rules, tallies
from .models import (
    Applicant,
    CaseStatus,
    DevelopmentPlan,
    Outcome,
    RuleKind,
    Standing,
    Step,
    StepRecord,
    TimeRule,
    Unit,
)

ID_FIELD, PHONE_FIELD = member_services.ID_FIELD, member_services.PHONE_FIELD
ALREADY_APPLYING = "该身份证号已有正在培养中的发展党员记录"


# -- the rules that cover a branch ---------------------------------------------------------------


def rules_for(organization: Organization) -> list[rules.TimeRule]:
    """The national time rules and every rule a department added for a subtree holding
    `organization` (rules.binding picks the strictest of each kind)."""
    added = [
        rules.TimeRule(
            from_step=Step(r.from_step) if r.from_step else rules.BIRTH,
            to_step=Step(r.to_step),
            kind=RuleKind(r.kind),
            amount=r.amount,
            unit=Unit(r.unit),
            text=r.text,
        )
        for r in TimeRule.objects.select_related("organization")
        if is_under(organization.path, r.organization.path)
    ]
    return [*rules.NATIONAL_TIME_RULES, *added]


def facts_of(applicant: Applicant) -> rules.Facts:
    dates: dict[Step, dt.date] = {}
    for step, done_on in applicant.steps.order_by("round", "pk").values_list("step", "done_on"):
        dates[Step(step)] = done_on
    return rules.Facts(
        last=Step(applicant.last_step) if applicant.last_step else None,
        birth_date=applicant.birth_date,
        dates=dates,
        extended_months=applicant.extended_months,
        is_open=applicant.status == CaseStatus.OPEN,
    )


# -- registering an applicant --------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicantInput:
    name: str
    id_number: str
    gender: str
    birth_date: dt.date
    ethnicity: str
    phone: str
    education: str
    category: str
    work_place: str
    applied_on: dt.date
    organization: Organization


def check_applicant_input(
    raw: Mapping[str, object], *, organization: Organization, today: dt.date
) -> ApplicantInput:
    """An applicant's particulars, checked as a member's are (GB 11643 ID number, phone,
    choices by code or Chinese label), and the application's date by the age rule."""
    errors: dict[str, str] = {}
    name, parsed, _ = member_services.check_name_and_id(raw, errors, today=today)
    ethnicity, phone = member_services.check_ethnicity_and_phone(raw, errors)
    education = member_services.choice_of(
        raw, "education", Education, "学历", errors, required=False, ask="请选择"
    )
    category = member_services.choice_of(
        raw, "category", Category, "人员类别", errors, required=True, ask="请选择"
    )
    work_place = member_services.text_of(raw, "work_place")
    if len(work_place) > 200:
        errors["work_place"] = "工作单位及职务不能超过200个字"
    applied_on = None
    try:
        applied_on = parse_date(raw.get("applied_on"))
    except ValueError:
        errors["applied_on"] = "递交入党申请书日期不是有效日期，请写成2024-07-01的格式"
    if applied_on is None and "applied_on" not in errors:
        errors["applied_on"] = "请填写递交入党申请书日期"
    if organization.kind not in BRANCH_KINDS or organization.dissolved_on is not None:
        errors["organization"] = f"入党申请由党支部接收，“{organization.name}”不是在册的党支部"
    if parsed is not None and applied_on is not None and "applied_on" not in errors:
        try:
            rules.check_step(
                rules.StepInput(step=Step.APPLY, done_on=applied_on),
                facts=rules.Facts(last=None, birth_date=parsed.birth_date),
                rules=rules_for(organization),
                today=today,
            )
        except InvalidInput as exc:
            errors["applied_on"] = exc.fields.get("done_on", exc.message)
    if errors:
        raise InvalidInput("；".join(errors.values()), fields=errors)
    assert parsed is not None and applied_on is not None
    return ApplicantInput(
        name=name,
        id_number=parsed.value,
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        ethnicity=ethnicity,
        phone=phone,
        education=education,
        category=category,
        work_place=work_place,
        applied_on=applied_on,
        organization=organization,
    )


def _personal(id_number: str, phone: str) -> dict[str, object]:
    """Sealed, indexed and masked exactly as members.services keeps a member's numbers (the
    same fields and keys, so the record moves to the member unchanged in meaning)."""
    return {
        "id_number_sealed": crypto.seal(id_number, field=ID_FIELD),
        "id_number_digest": member_services.id_number_digest(id_number),
        "id_number_masked": mask_id_number(id_number),
        "phone_sealed": crypto.seal(phone, field=PHONE_FIELD) if phone else None,
        "phone_digest": member_services.phone_digest(phone) if phone else None,
        "phone_masked": mask_phone(phone) if phone else "",
    }


@transaction.atomic
def register_applicant(*, data: ApplicantInput, by: User | None) -> Applicant:
    """递交入党申请书: the applicant and their first step. A number already on the member
    registry, or of a case still open, is refused (in words that do not tell where)."""
    check_can_write(by, data.organization, Permission.MANAGE_MEMBERS)
    digest = member_services.id_number_digest(data.id_number)
    if Member.objects.filter(id_number_digest=digest).exists():
        message = member_services.ID_NUMBER_TAKEN
        raise InvalidInput(message, fields={"id_number": message})
    if Applicant.objects.filter(id_number_digest=digest, status=CaseStatus.OPEN).exists():
        raise InvalidInput(ALREADY_APPLYING, fields={"id_number": ALREADY_APPLYING})
    rules_here = rules_for(data.organization)
    due = rules.next_due(last=Step.APPLY, dates={Step.APPLY: data.applied_on}, rules=rules_here)
    applicant = Applicant.objects.create(
        name=data.name,
        gender=data.gender,
        ethnicity=data.ethnicity,
        birth_date=data.birth_date,
        education=data.education,
        category=data.category,
        work_place=data.work_place,
        organization=data.organization,
        applied_on=data.applied_on,
        last_step=Step.APPLY,
        stage=rules.spec(Step.APPLY).stage,
        standing=Standing.APPLICANT,
        next_due_on=due.on if due else None,
        **_personal(data.id_number, data.phone),
    )
    StepRecord.objects.create(
        applicant=applicant,
        step=Step.APPLY,
        done_on=data.applied_on,
        body=rules.spec(Step.APPLY).body,
        recorded_by=by,
    )
    audit.record(
        audit.AuditEvent.WRITE, action="development.register_applicant", target=applicant, user=by
    )
    return applicant


# -- recording a step ----------------------------------------------------------------------------


def _int(raw: Mapping[str, object], key: str, label: str, errors: dict[str, str]) -> int | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[key] = f"{label}应填整数"
        return None
    if number < 0 or number > 10000:
        errors[key] = f"{label}应在0到10000之间"
        return None
    return number


def _ids(value: object) -> list[int]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple) else [value]
    found: list[int] = []
    for item in items:
        for part in str(item).replace("，", ",").split(","):
            if part.strip().isdigit():
                found.append(int(part.strip()))
    return found


def may_approve(user: User, organization: Organization) -> bool:
    """Whether the user records the higher committee's decisions for this branch."""
    return scope_of(user).allows(
        Permission.APPROVE_DEVELOPMENT, path=organization.path, division_id=organization.division_id
    )


def approvers_for(organization: Organization) -> list[Organization]:
    """The organizations above the branch, nearest first (those rules.approver_problem lets
    approve come first; the others are offered so the refusal can be read, but never by
    default)."""
    step = Organization.steplen
    above = [organization.path[:i] for i in range(step, len(organization.path), step)]
    return list(Organization.objects.filter(path__in=above).order_by("-depth"))


def default_approver(organization: Organization) -> Organization | None:
    for above in approvers_for(organization):
        if rules.approver_problem(above.kind, above.sector) is None:
            return above
    return None


def check_step_input(
    raw: Mapping[str, object], *, applicant: Applicant, by: User | None, today: dt.date
) -> tuple[rules.StepInput, list[Member], Organization | None]:
    """Parse a form's or the API's step, resolve its members and deciding organization, and
    check it against the rules. Raises InvalidInput with every broken rule."""
    errors: dict[str, str] = {}
    step_text = member_services.text_of(raw, "step")
    try:
        step = Step(step_text) if step_text else rules.next_step(applicant.last_step)
    except ValueError:
        raise InvalidInput("没有这个步骤", fields={"step": "没有这个步骤"}) from None
    if step is None:
        raise InvalidInput("该发展党员工作的各步骤已全部完成")
    spec = rules.spec(step)
    done_on = None
    try:
        done_on = parse_date(raw.get("done_on"))
    except ValueError:
        errors["done_on"] = "日期不是有效日期，请写成2024-07-01的格式"
    people: list[Member] = []
    if spec.people is not None:
        ids = _ids(raw.get("people"))
        found = {
            m.pk: m
            for m in Member.objects.filter(pk__in=ids).select_related("organization")
            if by is None or _sees(by, m)
        }
        missing = [i for i in ids if i not in found]
        if missing:
            errors["people"] = f"{spec.people.label}不存在或不在您的管理范围内"
        people = [found[i] for i in ids if i in found]
    approver: Organization | None = None
    if spec.approval:
        if by is not None and not may_approve(by, applicant.organization):
            message = "该步骤由上级党委组织部门办理，您没有审批权限"
            raise InvalidInput(message, fields={"step": message})
        chosen = _ids(raw.get("decided_by"))
        if chosen:
            approver = Organization.objects.filter(pk=chosen[0]).first()
        else:
            approver = default_approver(applicant.organization)
        if approver is not None and by is not None and not may_approve(by, approver):
            # a department records the decisions of the committees it stands for, no higher
            errors["decided_by"] = "审批的党组织不在您的管理范围内"
            approver = None
    data = rules.StepInput(
        step=step,
        done_on=done_on,
        decision=member_services.text_of(raw, "decision"),
        outcome=member_services.text_of(raw, "outcome"),
        people=tuple(rules.Person(m.pk, m.name, m.status == MemberStatus.FULL) for m in people),
        hours=_int(raw, "hours", "培训学时", errors),
        days=_int(raw, "days", "培训天数", errors),
        votes_for=_int(raw, "votes_for", "赞成票数", errors),
        voters=_int(raw, "voters", "有表决权的正式党员人数", errors),
        document_number=member_services.text_of(raw, "document_number")[:40],
        months=_int(raw, "months", "延长月数", errors),
        approver_kind=approver.kind if approver else "",
        approver_sector=approver.sector if approver else "",
        approver_is_above=approver is not None
        and approver.pk != applicant.organization.pk
        and is_under(applicant.organization.path, approver.path),
    )
    try:
        rules.check_step(
            data, facts=facts_of(applicant), rules=rules_for(applicant.organization), today=today
        )
    except InvalidInput as exc:
        errors = {**exc.fields, **errors} if exc.fields else {**errors, "step": exc.message}
    if errors:
        raise InvalidInput("；".join(dict.fromkeys(errors.values())), fields=errors)
    return data, people, approver


def _sees(user: User, member: Member) -> bool:
    organization = member.organization
    return scope_of(user).allows(
        Permission.VIEW_MEMBERS, path=organization.path, division_id=organization.division_id
    )


@transaction.atomic
def record_step(*, applicant: Applicant, raw: Mapping[str, object], by: User | None) -> Applicant:
    """Record the applicant's next step, checked by development.rules. The case moves by a
    conditional UPDATE on the step it was checked from: of two secretaries recording at
    once, one wins and the other gets Conflict. Admission approved makes the member's
    record (members.services.create_member, ADMIT); the full-membership decision changes
    the member's status through members.lifecycle."""
    check_can_write(by, applicant.organization, Permission.MANAGE_MEMBERS)
    current = Applicant.objects.select_related("organization", "member").get(pk=applicant.pk)
    today = clock.today()
    data, people, approver = check_step_input(raw, applicant=current, by=by, today=today)
    assert data.done_on is not None  # check_step refuses a step without a date
    spec = rules.spec(data.step)
    extended = current.extended_months
    last: Step = data.step
    status = CaseStatus.OPEN
    standing = Standing(current.standing)
    if data.outcome == Outcome.REJECTED or data.outcome == Outcome.DISQUALIFY:
        status = CaseStatus.CLOSED if spec.approval or spec.votes else status
    if data.step == Step.ARCHIVED:
        status = CaseStatus.DONE
    if spec.standing is not None and data.outcome not in (
        Outcome.REJECTED,
        Outcome.EXTEND,
        Outcome.DISQUALIFY,
    ):
        standing = spec.standing
    if data.step == Step.FULL_MEETING and data.outcome == Outcome.DISQUALIFY:
        status = CaseStatus.OPEN  # the meeting resolves; the higher committee decides
    if data.step == Step.FULL_APPROVAL and data.outcome == Outcome.EXTEND:
        extended = data.months or 0
        last = Step.PROBATION_EDUCATION  # 继续教育考察, then the application and votes again
    round_ = 2 if data.step in rules.AGAIN_AFTER_EXTENSION and current.extended_months else 1
    dates = dict(facts_of(current).dates)
    dates[data.step] = data.done_on
    due = (
        rules.next_due(
            last=last, dates=dates, rules=rules_for(current.organization), extended_months=extended
        )
        if status == CaseStatus.OPEN
        else None
    )
    moved = Applicant.objects.filter(
        pk=current.pk, last_step=current.last_step, status=CaseStatus.OPEN
    ).update(
        last_step=last,
        stage=spec.stage,
        standing=standing,
        status=status,
        next_due_on=due.on if due else None,
        extended_months=extended,
    )
    if moved != 1:
        raise Conflict("这一步刚被他人录入，请刷新页面后查看")
    record = StepRecord.objects.create(
        applicant=current,
        step=data.step,
        round=round_,
        done_on=data.done_on,
        body=spec.body,
        decided_by=approver,
        decision=" ".join(data.decision.split()),
        outcome=data.outcome,
        hours=data.hours if spec.training else None,
        days=data.days if spec.training else None,
        votes_for=data.votes_for if spec.votes else None,
        voters=data.voters if spec.votes else None,
        document_number=data.document_number if spec.document else "",
        months=data.months if data.outcome == Outcome.EXTEND else None,
        recorded_by=by,
    )
    if people:
        record.people.set(people)
    _decide(current, record, dates=dates, by=by)
    audit.record(
        audit.AuditEvent.WRITE,
        action="development.record_step",
        target=current,
        user=by,
        detail={"step": data.step.value, "outcome": data.outcome},
    )
    return Applicant.objects.select_related("organization", "member").get(pk=current.pk)


def _decide(
    applicant: Applicant, record: StepRecord, *, dates: Mapping[Step, dt.date], by: User | None
) -> None:
    """What an approval changes on the member registry."""
    decision = record.decision
    if record.step == Step.ADMISSION_APPROVAL and record.outcome == Outcome.APPROVED:
        meeting = dates[Step.ADMISSION_MEETING]
        data = member_services.check_member_input(
            {
                "name": applicant.name,
                "id_number": crypto.unseal(applicant.id_number_sealed, field=ID_FIELD),
                "ethnicity": applicant.ethnicity,
                "phone": crypto.unseal(applicant.phone_sealed, field=PHONE_FIELD)
                if applicant.phone_sealed
                else "",
                "education": applicant.education,
                "category": applicant.category,
                "joined_on": meeting,  # 预备期从支部大会通过之日算起
                "status": MemberStatus.PROBATIONARY,
                "work_place": "",
            },
            organization=applicant.organization,
        )
        member = member_services.create_member(
            data=data, by=by, move=StatusMove.ADMIT, on=meeting, decision=decision
        )
        Applicant.objects.filter(pk=applicant.pk).update(member=member)
        tallies.add_admission(organization=applicant.organization, year=record.done_on.year)
        return
    if record.step != Step.FULL_APPROVAL or applicant.member is None:
        return
    member = applicant.member
    if record.outcome == Outcome.FULL:
        # 党龄从预备期满转为正式党员之日算起
        ends = rules.probation_ends(
            member.joined_on, max(applicant.extended_months, member.probation_extended_months)
        )
        lifecycle.change_status(
            member=member, move=StatusMove.BECOME_FULL, on=ends, decision=decision, by=by
        )
    elif record.outcome == Outcome.EXTEND:
        lifecycle.extend_probation(
            member=member, months=record.months or 0, on=record.done_on, decision=decision, by=by
        )
    elif record.outcome == Outcome.DISQUALIFY:
        lifecycle.change_status(
            member=member,
            move=StatusMove.DISQUALIFY,
            on=record.done_on,
            decision=decision,
            reason="取消预备党员资格",
            by=by,
        )


@transaction.atomic
def close_case(*, applicant: Applicant, reason: str, by: User | None) -> Applicant:
    """终止培养: an applicant who withdraws, moves away or is not taken on; the file stays."""
    check_can_write(by, applicant.organization, Permission.MANAGE_MEMBERS)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("请说明终止的原因", fields={"reason": "请说明终止的原因"})
    if len(reason) > 200:
        raise InvalidInput("原因不能超过200个字", fields={"reason": "原因不能超过200个字"})
    moved = Applicant.objects.filter(pk=applicant.pk, status=CaseStatus.OPEN).update(
        status=CaseStatus.CLOSED, next_due_on=None
    )
    if moved != 1:
        raise Conflict("该记录已终止或已完成")
    audit.record(
        audit.AuditEvent.WRITE,
        action="development.close_case",
        target=applicant,
        user=by,
        detail={"reason": mask_text(reason)},
    )
    return Applicant.objects.get(pk=applicant.pk)


# -- plans and rules -----------------------------------------------------------------------------


def _check_department(by: User | None, organization: Organization) -> None:
    if by is not None and not may_approve(by, organization):
        raise not_found("党组织")


@transaction.atomic
def set_plan(
    *, organization: Organization, year: int, planned: int, by: User | None
) -> DevelopmentPlan:
    """发展计划: the number of new members the subtree plans to admit in `year`."""
    _check_department(by, organization)
    if not 0 <= planned <= 10_000_000:
        message = "计划发展人数应在0到10000000之间"
        raise InvalidInput(message, fields={"planned": message})
    if not 2000 <= year <= 2100:
        raise InvalidInput("年度不正确", fields={"year": "年度不正确"})
    plan, _ = DevelopmentPlan.objects.update_or_create(
        organization=organization,
        year=year,
        defaults={"planned": planned, "set_by": by, "set_at": clock.now()},
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="development.set_plan",
        target=organization,
        user=by,
        detail={"year": year, "planned": planned},
    )
    return plan


@transaction.atomic
def add_time_rule(
    *,
    organization: Organization,
    from_step: Step | str,
    to_step: Step,
    kind: RuleKind,
    amount: int,
    unit: Unit,
    text: str,
    by: User | None,
) -> TimeRule:
    """A stricter rule for the subtree (省委组织部从严规定). It binds only where it is
    stricter than the rules above it (rules.binding); one that loosens a rule is refused."""
    _check_department(by, organization)
    if not text.strip():
        raise InvalidInput("请填写规定原文", fields={"text": "请填写规定原文"})
    if from_step and rules.ORDER[Step(to_step)] <= rules.ORDER[Step(from_step)]:
        message = "目标步骤应在起始步骤之后"
        raise InvalidInput(message, fields={"to_step": message})
    candidate = rules.TimeRule(from_step or rules.BIRTH, Step(to_step), kind, amount, unit, text)
    start = dt.date(2000, 1, 1)
    for national in rules.NATIONAL_TIME_RULES:
        key = (national.from_step, national.to_step, national.kind)
        if key != (candidate.from_step, candidate.to_step, candidate.kind):
            continue
        ours, theirs = candidate.limit(start), national.limit(start)
        if ours < theirs if kind == RuleKind.MIN else ours > theirs:
            message = f"只能从严规定，不能放宽全国的规定：{national.text}"
            raise InvalidInput(message, fields={"amount": message})
    rule = TimeRule.objects.create(
        organization=organization,
        from_step=from_step,
        to_step=to_step,
        kind=kind,
        amount=amount,
        unit=unit,
        text=text.strip(),
    )
    audit.record(audit.AuditEvent.WRITE, action="development.add_time_rule", target=rule, user=by)
    return rule
