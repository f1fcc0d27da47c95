"""The development pipelines of the synthetic data set: proportions, sealed numbers, and every
seeded file replays through the rules it would have been checked by."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jiceng.core import crypto, idnumbers
from jiceng.datasets.development import seed_development
from jiceng.development import rules
from jiceng.development.models import Applicant, Standing, Step, StepRecord
from jiceng.members.models import MemberStatus
from jiceng.testing.personas import Tree, add_member

AS_OF = dt.date(2026, 6, 1)


def test_pipelines_follow_the_national_proportions_and_the_rules(tree: Tree) -> None:
    for i in range(40):
        add_member(tree.branch, name=f"党员{i}")
    add_member(
        tree.branch,
        name="预备",
        status="预备党员",
        joined_on=dt.date(2025, 9, 1),
        full_member_on=None,
    )
    tree.branch.refresh_from_db()
    from jiceng.orgs.models import Organization

    Organization.objects.filter(pk=tree.branch.pk).update(member_count=1000)
    result = seed_development(as_of=AS_OF, seed=3, lively=frozenset({tree.sibling.pk}))
    assert seed_development(as_of=AS_OF, seed=3).applicants == 0  # run again: nothing added
    here = Applicant.objects.filter(organization=tree.branch)
    counts = {s: here.filter(standing=s).count() for s in Standing}
    assert 80 <= counts[Standing.APPLICANT] <= 130
    assert 70 <= counts[Standing.ACTIVIST] + counts[Standing.CANDIDATE] <= 130
    assert counts[Standing.PROBATIONARY] == 1
    admitted = here.get(standing=Standing.PROBATIONARY)
    assert admitted.member is not None and admitted.member.status == MemberStatus.PROBATIONARY
    assert admitted.steps.get(step=Step.ADMISSION_MEETING).done_on == dt.date(2025, 9, 1)
    lively = Applicant.objects.filter(organization=tree.sibling)
    assert lively.filter(next_due_on__lt=AS_OF).count() >= 3
    assert lively.filter(last_step=Step.COMMITTEE_REVIEW).exists()  # awaiting the pre-review
    assert result.late > 0 and result.steps == StepRecord.objects.count()
    one = here.exclude(standing=Standing.PROBATIONARY).first()
    assert one is not None
    number = crypto.unseal(one.id_number_sealed, field="id_number")
    idnumbers.parse(number, today=AS_OF)
    assert one.id_number_masked == number[:6] + "*" * 12
    for applicant in Applicant.objects.all():
        replay(applicant)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_key_check") if connection.vendor == "sqlite" else None
        assert connection.vendor != "sqlite" or cursor.fetchall() == []


def replay(applicant: Applicant) -> None:
    """Check each recorded step as the service would have, against the steps before it."""
    dates: dict[Step, dt.date] = {}
    last: Step | None = None
    records = list(applicant.steps.order_by("pk").prefetch_related("people"))
    for record in records:
        step = Step(record.step)
        spec = rules.spec(step)
        data = rules.StepInput(
            step=step,
            done_on=record.done_on,
            decision=record.decision,
            outcome=record.outcome,
            people=tuple(rules.Person(m.pk, m.name, True) for m in record.people.all())
            if spec.people
            else (),
            hours=record.hours,
            days=record.days,
            votes_for=record.votes_for,
            voters=record.voters,
            document_number=record.document_number,
            approver_kind="WORKING_COMMITTEE" if spec.approval else "",
            approver_is_above=spec.approval,
        )
        if spec.people and not data.people:  # a branch without two full members to name
            data = rules.StepInput(
                **{
                    **data.__dict__,
                    "people": (rules.Person(1, "甲", True), rules.Person(2, "乙", True)),
                }
            )
        facts = rules.Facts(last=last, birth_date=applicant.birth_date, dates=dict(dates))
        rules.check_step(data, facts=facts, rules=rules.NATIONAL_TIME_RULES, today=AS_OF)
        dates[step] = record.done_on
        last = step
    assert last == Step(applicant.last_step)


def test_a_large_load_is_written_in_parts(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    from jiceng.datasets import development
    from jiceng.orgs.models import Organization

    Organization.objects.filter(pk__in=[tree.branch.pk, tree.sibling.pk]).update(member_count=300)
    monkeypatch.setattr(development, "FLUSH_STEPS", 50)
    result = seed_development(as_of=AS_OF, seed=5)
    assert result.applicants == Applicant.objects.count() > 100
    assert result.steps == StepRecord.objects.count()
    assert len(set(Applicant.objects.values_list("id_number_digest", flat=True))) > 100
