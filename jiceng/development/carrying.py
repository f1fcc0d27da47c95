"""随转发展档案: a probationary member's development file carried with a transfer to another
province instance (跨省组织关系转接), so that the receiving branch carries on the probation and
decides 转正 there.

The sending instance writes the file into the member's sealed record (`file_of`, called by
federation.exchange); it names people and organizations by name, never by the ids of the
sending instance. The receiving instance reads it back (`read_file`, which the arrival page and
the acceptance both use) and, when it accepts the member, recreates the file under the
receiving branch (`take_carried_file`): the applicant, standing 预备党员, with the steps done
in the sending province marked as carried and a CarriedFile saying from where. From then on
the file is the branch's own: services.record_step takes the remaining steps (the 转正 steps
included) under the same rules as for a member admitted here.

A file is versioned (`VERSION`); a receiver that reads an older version reads what it knows,
and a file of a newer version than it knows is not imported (the member still is).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.core import audit, clock
from jiceng.core.errors import InvalidInput
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs.services import check_can_write

from . import rules
from .models import Applicant, Body, CarriedFile, CaseStatus, Outcome, Standing, Step, StepRecord
from .services import rules_for

VERSION = 1
# The last step a probationary member's file may stand at: admitted (the approval) and not yet
# decided on (the committee's 转正 decision is the receiving side's to take).
FIRST_LAST, LAST_LAST = Step.ADMISSION_APPROVAL, Step.FULL_MEETING
NUMBERS = ("hours", "days", "votes_for", "voters", "months")


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def file_of(member: Member) -> dict[str, Any] | None:
    """The development file of a probationary member as it goes into their sealed record,
    or None (a full member, or a probationary one registered without a file here)."""
    if member.status != MemberStatus.PROBATIONARY:
        return None
    applicant = (
        Applicant.objects.filter(member=member, standing=Standing.PROBATIONARY)
        .select_related("organization")
        .first()
    )
    if applicant is None:
        return None
    steps = applicant.steps.select_related("decided_by").prefetch_related("people").order_by("pk")
    return {
        "version": VERSION,
        "organization": applicant.organization.name,
        "applied_on": _day(applicant.applied_on),
        "last_step": applicant.last_step,
        "extended_months": applicant.extended_months,
        "steps": [
            {
                "step": r.step,
                "round": r.round,
                "done_on": _day(r.done_on),
                "body": r.body,
                "decided_by": r.decider_name,
                "decision": r.decision,
                "outcome": r.outcome,
                "people": r.names,
                "document_number": r.document_number,
                **{name: getattr(r, name) for name in NUMBERS},
            }
            for r in steps
        ],
    }


@dataclass(frozen=True)
class CarriedStep:
    step: Step
    round: int
    done_on: dt.date
    body: str
    decided_by: str
    decision: str
    outcome: str
    people: str
    document_number: str
    numbers: Mapping[str, int | None]


@dataclass(frozen=True)
class Carried:
    """A file as read from a record: where it was developed and its steps."""

    organization: str
    applied_on: dt.date
    last_step: Step
    extended_months: int
    steps: tuple[CarriedStep, ...]

    def date_of(self, step: Step) -> dt.date | None:
        """The date of `step`, its latest round."""
        found = [s.done_on for s in self.steps if s.step == step]
        return found[-1] if found else None

    @property
    def dates(self) -> dict[Step, dt.date]:
        return {s.step: s.done_on for s in self.steps}

    @property
    def admitted_on(self) -> dt.date:
        """The probation's first day: the general meeting's (预备期从支部大会通过之日算起)."""
        found = self.date_of(Step.ADMISSION_MEETING)
        assert found is not None  # read_file refuses a file without it
        return found

    @property
    def probation_ends_on(self) -> dt.date:
        """The day the probation is over (a year, and an extension)."""
        return rules.probation_ends(self.admitted_on, self.extended_months)

    @property
    def introducers(self) -> str:
        return next((s.people for s in self.steps if s.step == Step.INTRODUCERS), "")


def _bad(problem: str) -> InvalidInput:
    message = f"随转的发展档案有误：{problem}"
    return InvalidInput(message, fields={"development": message})


def _date(value: object, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _bad(f"{what}不是有效日期") from None


def _text(value: object, longest: int) -> str:
    return " ".join(str(value or "").split())[:longest]


def _number(value: object) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10000:
        raise _bad("步骤中的数字有误")
    return value


def _step(raw: object) -> CarriedStep:
    if not isinstance(raw, Mapping):
        raise _bad("步骤格式不正确")
    try:
        step = Step(str(raw.get("step")))
    except ValueError:
        raise _bad(f"没有步骤“{raw.get('step')}”") from None
    round_ = raw.get("round", 1)
    if round_ not in (1, 2):
        raise _bad("步骤次序有误")
    outcome = str(raw.get("outcome") or "")
    if outcome and outcome not in Outcome.values:
        raise _bad(f"“{step.label}”的结果无法识别")
    body = str(raw.get("body") or "")
    return CarriedStep(
        step=step,
        round=int(round_),
        done_on=_date(raw.get("done_on"), f"“{step.label}”的日期"),
        body=body if body in Body.values else rules.spec(step).body,
        decided_by=_text(raw.get("decided_by"), 200),
        decision=_text(raw.get("decision"), 500),
        outcome=outcome,
        people=_text(raw.get("people"), 100),
        document_number=_text(raw.get("document_number"), 40),
        numbers={name: _number(raw.get(name)) for name in NUMBERS},
    )


def read_file(raw: object) -> Carried:
    """The file in a record, checked: in the steps' order, standing at a probationary
    member's step (admitted, 转正 not yet decided), its admission approved. InvalidInput
    names what is wrong; nothing is imported from a file that is."""
    if not isinstance(raw, Mapping):
        raise _bad("格式不正确")
    version = raw.get("version")
    if not isinstance(version, int) or version < 1:
        raise _bad("缺少版本号")
    if version > VERSION:
        raise _bad(f"为更新版本的格式（第{version}版），本系统尚不能读取，请升级后再导入")
    try:
        last = Step(str(raw.get("last_step")))
    except ValueError:
        raise _bad("已完成的步骤无法识别") from None
    if not rules.ORDER[FIRST_LAST] <= rules.ORDER[last] <= rules.ORDER[LAST_LAST]:
        raise _bad(f"已办理到“{last.label}”，不是预备党员考察期间的档案")
    extended = raw.get("extended_months") or 0
    if extended and (
        not isinstance(extended, int)
        or not rules.EXTENSION_MONTHS[0] <= extended <= rules.EXTENSION_MONTHS[1]
    ):
        raise _bad("延长预备期的月数有误")
    items = raw.get("steps")
    if not isinstance(items, list) or not items:
        raise _bad("没有步骤记录")
    steps = tuple(_step(item) for item in items)
    seen: set[tuple[Step, int]] = set()
    for before, after in pairwise(steps):
        if after.done_on < before.done_on:
            raise _bad(f"“{after.step.label}”的日期早于上一步")
    for s in steps:
        if (s.step, s.round) in seen:
            raise _bad(f"“{s.step.label}”重复")
        seen.add((s.step, s.round))
    approvals = [s for s in steps if s.step == Step.ADMISSION_APPROVAL]
    if not approvals or approvals[-1].outcome != Outcome.APPROVED:
        raise _bad("没有上级党委批准接收为预备党员的记录")
    if (Step.ADMISSION_MEETING, 1) not in seen:
        raise _bad("没有支部大会讨论接收预备党员的记录")
    return Carried(
        organization=_text(raw.get("organization"), 200),
        applied_on=_date(raw.get("applied_on"), "递交入党申请书日期"),
        last_step=last,
        extended_months=int(extended),
        steps=steps,
    )


@transaction.atomic
def take_carried_file(
    *,
    carried: Carried,
    member: Member,
    province: str,
    from_organization: str,
    letter: str = "",
    on: dt.date,
    by: User | None,
) -> Applicant:
    """The file recreated under the member's organization here, just registered as a
    probationary member transferred in: the applicant (their ID and phone numbers the
    member's, sealed as the member's are), the steps done in the sending province as carried
    records, and its next step and deadline by the rules that cover the branch here."""
    organization = member.organization
    check_can_write(by, organization, Permission.MANAGE_MEMBERS)
    if member.status != MemberStatus.PROBATIONARY:
        raise InvalidInput("只有预备党员随转发展档案")
    extended = max(carried.extended_months, member.probation_extended_months)
    due = rules.next_due(
        last=carried.last_step,
        dates=carried.dates,
        rules=rules_for(organization),
        extended_months=extended,
    )
    applicant = Applicant.objects.create(
        name=member.name,
        gender=member.gender,
        ethnicity=member.ethnicity,
        birth_date=member.birth_date,
        id_number_sealed=member.id_number_sealed,
        id_number_digest=member.id_number_digest,
        id_number_masked=member.id_number_masked,
        phone_sealed=member.phone_sealed,
        phone_digest=member.phone_digest,
        phone_masked=member.phone_masked,
        education=member.education,
        category=member.category,
        work_place=member.work_place,
        organization=organization,
        applied_on=carried.applied_on,
        last_step=carried.last_step,
        stage=rules.spec(carried.last_step).stage,
        standing=Standing.PROBATIONARY,
        status=CaseStatus.OPEN,
        next_due_on=due.on if due else None,
        extended_months=extended,
        member=member,
    )
    CarriedFile.objects.create(
        applicant=applicant,
        province_code=province,
        organization_name=carried.organization or from_organization,
        from_organization_name=from_organization,
        letter=letter,
        arrived_on=on,
        recorded_by=by,
        recorded_at=clock.now(),
    )
    # the admission was counted in the sending province's plan (AdmissionTally): not here
    StepRecord.objects.bulk_create(
        [
            StepRecord(
                applicant=applicant,
                step=s.step,
                round=s.round,
                done_on=s.done_on,
                body=s.body,
                decided_by_name=s.decided_by,
                decision=s.decision,
                outcome=s.outcome,
                people_names=s.people,
                document_number=s.document_number,
                is_carried=True,
                recorded_by=None,
                **s.numbers,
            )
            for s in carried.steps
        ]
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="development.take_carried_file",
        target=applicant,
        user=by,
        detail={
            "province": province,
            "organization": carried.organization or from_organization,
            "steps": len(carried.steps),
            "last_step": carried.last_step.value,
        },
    )
    return applicant


def file_in(raw: object, *, status: object) -> tuple[Carried | None, str]:
    """The file a record carries, read: (the file, ""); (None, why) when one came that cannot
    be imported; (None, "") when none came (a full member, or a sender of an older version
    that sends none). A file beside a member who is not probationary is not one to import."""
    if raw is None or status != MemberStatus.PROBATIONARY:
        return None, ""
    try:
        return read_file(raw), ""
    except InvalidInput as problem:
        return None, problem.message
