"""An applicant walked through the development steps with valid data, for the tests of the
development app: each step's date is counted from the application, so that every time rule
holds (a year as activist, a year of probation, approval within three months)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiceng.accounts.models import User
from jiceng.development import rules, services
from jiceng.development.models import Applicant, Outcome, Step
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from .personas import new_id_number

# Days after the application that each step is done on.
DAYS: dict[Step, int] = {
    Step.APPLY: 0,
    Step.TALK: 20,
    Step.ACTIVIST: 60,
    Step.ACTIVIST_FILED: 70,
    Step.CONTACTS: 75,
    Step.EDUCATION: 240,
    Step.CANDIDATE: 430,
    Step.CANDIDATE_FILED: 440,
    Step.INTRODUCERS: 445,
    Step.POLITICAL_REVIEW: 460,
    Step.TRAINING: 470,
    Step.COMMITTEE_REVIEW: 480,
    Step.PRE_REVIEW: 490,
    Step.APPLICATION_FORM: 495,
    Step.ADMISSION_MEETING: 500,
    Step.ADMISSION_TALK: 510,
    Step.ADMISSION_APPROVAL: 530,
    Step.ADMISSION_FILED: 540,
    Step.GROUPED: 545,
    Step.OATH: 550,
    Step.PROBATION_EDUCATION: 700,
    Step.FULL_APPLICATION: 850,
    Step.FULL_MEETING: 870,
    Step.FULL_APPROVAL: 880,
    Step.ARCHIVED: 890,
}


def applicant_fields(**overrides: Any) -> dict[str, object]:
    raw: dict[str, object] = {
        "name": "赵青",
        "id_number": new_id_number(birth=dt.date(2000, 4, 1)),
        "ethnicity": "汉族",
        "phone": "13912345678",
        "education": "大学本科",
        "category": "在岗职工",
        "work_place": "仙林街道某科技公司 工程师",
        "applied_on": dt.date(2023, 11, 1),
    }
    raw.update(overrides)
    return raw


def register(organization: Organization, *, by: User | None, **overrides: Any) -> Applicant:
    from jiceng.core import clock

    data = services.check_applicant_input(
        applicant_fields(**overrides), organization=organization, today=clock.today()
    )
    return services.register_applicant(data=data, by=by)


def step_fields(step: Step, applied_on: dt.date, people: list[Member]) -> dict[str, object]:
    spec = rules.spec(step)
    raw: dict[str, object] = {"step": step.value, "done_on": applied_on + dt.timedelta(DAYS[step])}
    if spec.people is not None:
        raw["people"] = [m.pk for m in people[: spec.people.most]]
    if spec.training:
        raw["days"] = 3
    if spec.votes:
        raw["votes_for"], raw["voters"] = 18, 20
    if spec.document:
        raw["document_number"] = "3201132024001"
    if spec.outcomes:
        raw["outcome"] = (Outcome.FULL if Outcome.FULL in spec.outcomes else Outcome.APPROVED).value
    if spec.decision_required:
        raw["decision"] = "政治审查合格"
    return raw


def walk(
    applicant: Applicant,
    *,
    until: Step,
    secretary: User | None,
    department: User | None,
    people: list[Member],
) -> Applicant:
    """Record every step after the applicant's last one up to `until` (included), the
    higher committee's by `department`."""
    while True:
        following = rules.next_step(applicant.last_step)
        if following is None or rules.ORDER[following] > rules.ORDER[until]:
            return applicant
        by = department if rules.spec(following).approval else secretary
        raw = step_fields(following, applicant.applied_on, people)
        applicant = services.record_step(applicant=applicant, raw=raw, by=by)
