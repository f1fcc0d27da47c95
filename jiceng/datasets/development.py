"""Development pipelines (发展党员) for the synthetic data set (`jiceng seed`, `jiceng
load-demo`): for every branch, people at each stage in the national proportions, each with the
steps they have done, dated so that every time rule holds, and some cases late.

National figures (end of 2024, about 100 million members): 21 million applicants, 10.6 million
activists among them, 2.1 million admitted a year, about 2% of members probationary. Per 1,000
members, then: about 104 applicants not yet activists, about 94 activists and 12 development
targets, and the seeded probationary members (the member seed makes them) each with the file
of their admission. Rows go through writer.BulkWriter with ids handed out here, ID and phone
numbers sealed a batch at a time (sealing.BatchSealer), like the rest of the seed."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Max, Min, Q

from jiceng.core import clock, crypto, idnumbers, masking
from jiceng.core.paths import under_any
from jiceng.development import rules, tallies
from jiceng.development.models import (
    Applicant,
    CaseStatus,
    Outcome,
    Standing,
    Step,
    StepRecord,
)
from jiceng.members.models import Category, Member, MemberStatus
from jiceng.orgs.models import BRANCH_KINDS, Organization

from . import people
from .sealing import BatchSealer
from .writer import BulkWriter, Table

S = Step
# Per member of a branch: people not yet activists, activists, development targets.
APPLICANTS_PER_MEMBER = 0.104
ACTIVISTS_PER_MEMBER = 0.094
CANDIDATES_PER_MEMBER = 0.012
LATE_SHARE = 0.08  # cases whose branch let a deadline pass
FLUSH_STEPS = 500_000  # step records held before they are written
APPLICANT_COLUMNS = (
    "id",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number_sealed",
    "id_number_digest",
    "id_number_masked",
    "phone_sealed",
    "phone_digest",
    "phone_masked",
    "education",
    "category",
    "work_place",
    "organization_id",
    "applied_on",
    "last_step",
    "stage",
    "standing",
    "status",
    "next_due_on",
    "extended_months",
    "member_id",
    "created_at",
)
STEP_COLUMNS = (
    "id",
    "applicant_id",
    "step",
    "round",
    "done_on",
    "body",
    "decided_by_id",
    "decision",
    "outcome",
    "hours",
    "days",
    "votes_for",
    "voters",
    "document_number",
)
PEOPLE_COLUMNS = ("id", "steprecord_id", "member_id")
# Days after the step before it that each step is done on, in a branch keeping the rules.
GAP: dict[Step, int] = {
    S.TALK: 20,
    S.ACTIVIST: 90,
    S.ACTIVIST_FILED: 10,
    S.CONTACTS: 5,
    S.EDUCATION: 170,
    S.CANDIDATE: 200,  # with EDUCATION after ACTIVIST: over a year
    S.CANDIDATE_FILED: 10,
    S.INTRODUCERS: 5,
    S.POLITICAL_REVIEW: 25,
    S.TRAINING: 20,
    S.COMMITTEE_REVIEW: 15,
    S.PRE_REVIEW: 10,
    S.APPLICATION_FORM: 5,
    S.ADMISSION_MEETING: 5,
    S.ADMISSION_TALK: 10,
    S.ADMISSION_APPROVAL: 20,
    S.ADMISSION_FILED: 10,
    S.GROUPED: 5,
    S.OATH: 5,
    S.PROBATION_EDUCATION: 160,
    S.FULL_APPLICATION: 170,
    S.FULL_MEETING: 10,
    S.FULL_APPROVAL: 20,
    S.ARCHIVED: 10,
}
WORK = ("社区网格员", "教师", "医生", "工程师", "村文书", "快递员", "护士", "公司职员", "大学生")
CATEGORIES = (Category.EMPLOYED,) * 6 + (Category.STUDENT,) * 2 + (Category.FARMER,) * 2


@dataclass
class DevelopmentSeedResult:
    applicants: int = 0
    steps: int = 0
    late: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Branch:
    pk: int
    members: int
    area: str  # the 6-digit code the synthetic ID numbers carry
    approver: int | None  # the nearest organization above it that may approve
    people: tuple[int, ...]  # two full members: contacts and introducers


def _next_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


def _bytes(value: object) -> bytes | None:
    """A binary column as read (bytes on SQLite, memoryview on PostgreSQL)."""
    return bytes(value) if isinstance(value, bytes | memoryview) else None


def _count(expected: float, generator: random.Random) -> int:
    whole = int(expected)
    return whole + (generator.random() < expected - whole)


def _branches(under: list[str] | None) -> list[Branch]:
    rows = Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
    if under:
        rows = rows.filter(under_any(under))
    seeded = set(Applicant.objects.values_list("organization_id", flat=True).distinct())
    found = [
        r
        for r in rows.values_list("pk", "member_count", "division_id", "path")
        if r[0] not in seeded
    ]
    if not found:
        return []
    approvers: dict[str, int] = {}
    uppers = Organization.objects.exclude(kind__in=BRANCH_KINDS)
    if under:
        above = {p[:i] for p in under for i in range(4, len(p) + 1, 4)}
        uppers = uppers.filter(under_any(under) | Q(path__in=above))
    candidates = uppers.values_list("pk", "path", "kind", "sector")
    for pk, path, kind, sector in candidates:
        if rules.approver_problem(kind, sector) is None:
            approvers[path] = pk
    pairs: dict[int, tuple[int, ...]] = {}
    ids = [r[0] for r in found]
    full = Member.objects.filter(status=MemberStatus.FULL)
    if len(ids) <= 5000:
        full = full.filter(organization_id__in=ids)
    for org_id, low, high in (
        full.values_list("organization_id").annotate(low=Min("pk"), high=Max("pk")).order_by()
    ):
        pairs[org_id] = (low, high) if low != high else ()
    branches = []
    for pk, members, division, path in found:
        approver = None
        for end in range(len(path) - 4, 0, -4):
            approver = approvers.get(path[:end])
            if approver is not None:
                break
        branches.append(
            Branch(pk, members, (division or "320113")[:6], approver, pairs.get(pk, ()))
        )
    return branches


def seed_development(
    *,
    as_of: dt.date | None = None,
    seed: int = 1,
    under: list[str] | None = None,
    lively: frozenset[int] = frozenset(),
) -> DevelopmentSeedResult:
    """Pipelines for every branch (or those under the paths `under`) that has none yet; run
    again, it adds nothing. The branches `lively` get at least a few people at every stage,
    some of them late, one awaiting each approval (the demo secretary's branch)."""
    started = time.perf_counter()
    as_of = as_of or clock.today()
    generator = random.Random(seed * 7907 + 13)  # noqa: S311  # synthetic data
    branches = _branches(under)
    if not branches:
        return DevelopmentSeedResult(seconds=time.perf_counter() - started)
    maker = _Maker(as_of, generator)
    by_pk = {b.pk: b for b in branches}
    tables = {
        "applicants": Table.of(Applicant, APPLICANT_COLUMNS),
        "steps": Table.of(StepRecord, STEP_COLUMNS),
        "people": Table.of(StepRecord.people.through, PEOPLE_COLUMNS),
    }
    # A large load keeps memory flat: rows go out every FLUSH_STEPS step records.
    with BulkWriter(tables, defer_indexes=len(branches) > 5000) as writer:
        for branch in branches:
            n = branch.members
            counts = {
                Standing.APPLICANT: _count(n * APPLICANTS_PER_MEMBER, generator),
                Standing.ACTIVIST: _count(n * ACTIVISTS_PER_MEMBER, generator),
                Standing.CANDIDATE: _count(n * CANDIDATES_PER_MEMBER, generator),
            }
            if branch.pk in lively:
                counts = {s: max(c, 4) for s, c in counts.items()}
                maker.lively_cases(branch)
            for standing, count in counts.items():
                for _ in range(count):
                    maker.new_person(branch, standing)
            if len(maker.steps) >= FLUSH_STEPS:
                maker.flush(writer)
        probationary = Member.objects.filter(status=MemberStatus.PROBATIONARY)
        if len(branches) <= 5000:
            probationary = probationary.filter(organization_id__in=list(by_pk))
        for member in probationary.values_list(
            "pk", "name", "gender", "ethnicity", "birth_date", "id_number_sealed",
            "id_number_digest", "id_number_masked", "phone_sealed", "phone_digest",
            "phone_masked", "education", "category", "organization_id", "joined_on",
        ).iterator(chunk_size=20_000):  # fmt: skip
            home = by_pk.get(int(str(member[13])))
            if home is not None:
                maker.probationary(home, member)
        maker.flush(writer)
    tallies.rebuild()  # the admissions written above, summed up the tree
    return DevelopmentSeedResult(
        applicants=maker.written_applicants,
        steps=maker.written_steps,
        late=maker.late,
        seconds=time.perf_counter() - started,
    )


class _Maker:
    """Builds the rows: one applicant and its steps at a time."""

    def __init__(self, as_of: dt.date, generator: random.Random) -> None:
        self.as_of = as_of
        self.random = generator
        self.applicants: list[list[object]] = []
        self.plain: list[tuple[str, str]] = []  # (id number, phone) of new people, to seal
        self.steps: list[tuple[object, ...]] = []
        self.people: list[tuple[int, int, int]] = []
        self.next_applicant = _next_id(Applicant)
        self.next_step = _next_id(StepRecord)
        self.next_person = _next_id(StepRecord.people.through)
        self.sequence = 0
        self.late = 0
        self.written_applicants = self.written_steps = 0
        self.stamp = connection.ops.adapt_datetimefield_value(
            dt.datetime.combine(as_of, dt.time(9), tzinfo=clock.CHINA)
        )

    # -- timelines ------------------------------------------------------------------------

    def timeline(self, end: dt.date, last: Step) -> dict[Step, dt.date]:
        """Dates of every step up to `last`, the last on `end`, counted back with the usual
        gaps (a few days more or less)."""
        steps = [s.step for s in rules.STEPS[: rules.ORDER[last] + 1]]
        dates: dict[Step, dt.date] = {}
        day = end
        for step in reversed(steps):
            dates[step] = day
            day = day - dt.timedelta(days=GAP.get(step, 0) + self.random.randrange(0, 5))
        return dates

    def draw(self, standing: Standing) -> tuple[Step, int]:
        """The last step of a person of `standing` and how many days ago: most on time, some
        (LATE_SHARE) past a deadline."""
        r = self.random
        late = r.random() < LATE_SHARE
        if standing == Standing.APPLICANT:
            last = S.TALK if r.random() < 0.8 else S.APPLY
            back = r.randrange(0, 300)
            if last == S.APPLY:
                back = r.randrange(35, 90) if late else r.randrange(0, 25)
        elif standing == Standing.ACTIVIST:
            last = r.choice((S.ACTIVIST_FILED, S.CONTACTS, S.CONTACTS, S.EDUCATION, S.EDUCATION))
            back = r.randrange(0, 150)
            if late and last != S.EDUCATION:
                back = r.randrange(200, 260)  # the half-year assessment not yet recorded
        else:
            last = r.choice(
                (S.INTRODUCERS, S.POLITICAL_REVIEW, S.TRAINING, S.PRE_REVIEW, S.ADMISSION_TALK)
            )
            back = r.randrange(0, 40)
            if late and last == S.ADMISSION_TALK:
                back = r.randrange(100, 160)  # the approval is over three months due
        return last, back

    def new_person(
        self, branch: Branch, standing: Standing, *, last: Step | None = None, back: int = 0
    ) -> None:
        """A new person of `standing`: their last step and its age drawn, or given."""
        if last is None:
            last, back = self.draw(standing)
        r = self.random
        dates = self.timeline(self.as_of - dt.timedelta(days=back), last)
        birth_year = dates[S.APPLY].year - r.randrange(19, 42)  # 18 or over at application
        birth = dt.date(birth_year, r.randrange(1, 13), r.randrange(1, 29))
        gender = "F" if r.random() < 0.45 else "M"
        self.sequence = (self.sequence + 1) % 1000
        id_number = idnumbers.make(branch.area, birth, self.sequence)
        phone = people.phone_number(r.random)
        name = people.person_name(r.random, gender, birth_year, "汉族")
        category = r.choice(CATEGORIES)
        work = r.choice(WORK)
        row: list[object] = [
            name, gender, "汉族", birth, None, None, masking.mask_id_number(id_number), None, None,
            masking.mask_phone(phone), "", category, work,
        ]  # fmt: skip
        self.plain.append((id_number, phone))
        self.add(branch, row, dates, last, member_id=None)

    def probationary(self, branch: Branch, member: tuple[object, ...]) -> None:
        """A probationary member's file: admitted at the meeting of `joined_on`."""
        joined = member[14]
        assert isinstance(joined, dt.date)
        since = (self.as_of - joined).days
        if since >= 395:
            last = S.FULL_APPLICATION  # due for the vote: late
        elif since >= 180:
            last = S.PROBATION_EDUCATION
        elif since >= 30:
            last = S.OATH
        else:
            last = S.ADMISSION_APPROVAL
        dates = self.timeline(joined, S.ADMISSION_MEETING)
        day = joined
        for step in [
            s.step
            for s in rules.STEPS[rules.ORDER[S.ADMISSION_MEETING] + 1 : rules.ORDER[last] + 1]
        ]:
            day = min(self.as_of, day + dt.timedelta(days=GAP.get(step, 0)))
            dates[step] = day
        (pk, name, gender, ethnicity, birth, sealed_id, digest_id, masked_id, sealed_phone,
         digest_phone, masked_phone, education, category, _org, _joined) = member  # fmt: skip
        row: list[object] = [
            name, gender, ethnicity, birth, _bytes(sealed_id), _bytes(digest_id), masked_id,
            _bytes(sealed_phone), _bytes(digest_phone), masked_phone, education, category, "",
        ]  # fmt: skip
        self.add(branch, row, dates, last, member_id=int(str(pk)))

    def lively_cases(self, branch: Branch) -> None:
        """The demo branch: one case waiting for each approval, and late ones of each kind."""
        for last, back in (
            (S.COMMITTEE_REVIEW, 5),  # awaiting the pre-review
            (S.ADMISSION_TALK, 20),  # awaiting the admission's approval
            (S.ADMISSION_TALK, 110),  # the approval is overdue
            (S.APPLY, 50),  # no talk within a month
            (S.CONTACTS, 230),  # no half-year assessment
        ):
            self.new_person(branch, rules.standing_after(last), last=last, back=back)

    # -- rows ---------------------------------------------------------------------------------

    def add(
        self,
        branch: Branch,
        row: list[object],
        dates: dict[Step, dt.date],
        last: Step,
        *,
        member_id: int | None,
    ) -> None:
        pk = self.next_applicant
        self.next_applicant += 1
        due = rules.next_due(last=last, dates=dates, rules=rules.NATIONAL_TIME_RULES)
        if due is not None and due.on < self.as_of:
            self.late += 1
        spec = rules.spec(last)
        standing = rules.standing_after(last)
        self.applicants.append(
            [
                pk,
                *row,
                branch.pk,
                dates[S.APPLY],
                last.value,
                spec.stage.value,
                standing.value,
                CaseStatus.OPEN.value,
                due.on if due else None,
                0,
                member_id,
                self.stamp,
            ]
        )
        for step, day in sorted(dates.items(), key=lambda item: rules.ORDER[item[0]]):
            s = rules.spec(step)
            outcome = Outcome.APPROVED.value if s.outcomes else ""
            self.steps.append(
                (
                    self.next_step, pk, step.value, 1, day, s.body.value,
                    branch.approver if s.approval else None,
                    "政治审查合格" if s.decision_required else "",
                    outcome, None, 3 if s.training else None,
                    18 if s.votes else None, 20 if s.votes else None,
                    f"{branch.area}{day.year}{pk % 100000:05d}" if s.document else "",
                )
            )  # fmt: skip
            if s.people is not None and branch.people:
                for member in branch.people[: s.people.most]:
                    self.people.append((self.next_person, self.next_step, member))
                    self.next_person += 1
            self.next_step += 1

    def flush(self, writer: BulkWriter) -> None:
        """Seal the new people's numbers (a batch for all), write the rows made so far."""
        ids = BatchSealer(field="id_number", length=18).seal([p[0] for p in self.plain])
        phones = BatchSealer(field="phone", length=11).seal([p[1] for p in self.plain])
        blind = crypto.blind_index
        fresh = iter(zip(self.plain, ids, phones, strict=True))
        for row in self.applicants:
            if row[5] is None:  # a new person
                (id_number, phone), sealed_id, sealed_phone = next(fresh)
                row[5], row[6] = sealed_id, blind(id_number, field="id_number")
                row[8], row[9] = sealed_phone, blind(phone, field="phone")
        rows = [tuple(r) for r in self.applicants]
        for i in range(0, len(rows), 50_000):
            writer.write("applicants", rows[i : i + 50_000])
        for i in range(0, len(self.steps), 50_000):
            writer.write("steps", self.steps[i : i + 50_000])
        for i in range(0, len(self.people), 50_000):
            writer.write("people", self.people[i : i + 50_000])
        self.written_applicants += len(rows)
        self.written_steps += len(self.steps)
        self.applicants, self.plain, self.steps, self.people = [], [], [], []
