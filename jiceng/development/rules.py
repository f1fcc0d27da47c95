"""The 2014 detailed rules on developing members (《中国共产党发展党员工作细则》) as data: five
stages, 25 steps, each with its deciding body and what it needs, and the time rules between
steps. Pure: no database, no clock (the caller passes today). development.services asks
`check_step` before it writes anything; a refused step raises InvalidInput with the rule's
Chinese text beside the field it concerns.

Time rules run from one step (or the birth date) to another: MIN (not earlier: refused), MAX
(not later: refused) and DUE (a deadline: the case shows as late, the step is still recorded,
since what happened late still happened). The national rules are NATIONAL_TIME_RULES; a
department may add stricter ones for its subtree (models.TimeRule), and of the rules that cover
a branch the strictest binds (`binding`)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from jiceng.core.errors import InvalidInput
from jiceng.members.workflow import earliest_full_membership
from jiceng.orgs.models import OrgKind, Sector

from .models import Body, Outcome, RuleKind, Stage, Standing, Step, Unit

S = Step


@dataclass(frozen=True)
class People:
    """Members a step names (introducers, contacts): how many, all full members."""

    label: str
    least: int
    most: int


@dataclass(frozen=True)
class StepSpec:
    step: Step
    stage: Stage
    body: Body
    people: People | None = None
    training: bool = False  # hours >= 24 or days >= 3
    votes: bool = False  # a general meeting's vote: more than half of those with a vote
    document: bool = False  # the application form's number (入党志愿书编号)
    decision_label: str = "情况说明"
    decision_required: bool = False
    outcomes: tuple[Outcome, ...] = ()  # the choices of a deciding step
    approval: bool = False  # the higher committee decides: the organization department records
    standing: Standing | None = None  # the person's standing once done (and approved)

    @property
    def order(self) -> int:
        return ORDER[self.step] + 1

    @property
    def label(self) -> str:
        return str(self.step.label)


YES_NO = (Outcome.APPROVED, Outcome.REJECTED)
FULL_OUTCOMES = (Outcome.FULL, Outcome.EXTEND, Outcome.DISQUALIFY)
INTRODUCERS = People("入党介绍人", 2, 2)
CONTACTS = People("培养联系人", 1, 2)
B = Body

STEPS: tuple[StepSpec, ...] = (
    StepSpec(S.APPLY, Stage.APPLICATION, B.APPLICANT, standing=Standing.APPLICANT),
    StepSpec(S.TALK, Stage.APPLICATION, B.BRANCH, decision_label="谈话人及谈话情况"),
    StepSpec(
        S.ACTIVIST,
        Stage.ACTIVIST,
        B.BRANCH_COMMITTEE,
        decision_label="推荐方式（党员推荐、群团组织推优）及支委会意见",
        standing=Standing.ACTIVIST,
    ),
    StepSpec(S.ACTIVIST_FILED, Stage.ACTIVIST, B.HIGHER_COMMITTEE, decision_label="备案说明"),
    StepSpec(S.CONTACTS, Stage.ACTIVIST, B.BRANCH_COMMITTEE, people=CONTACTS),
    StepSpec(S.EDUCATION, Stage.ACTIVIST, B.BRANCH, decision_label="考察意见"),
    StepSpec(
        S.CANDIDATE,
        Stage.CANDIDATE,
        B.BRANCH_COMMITTEE,
        decision_label="听取党小组、培养联系人、党员和群众意见情况",
        standing=Standing.CANDIDATE,
    ),
    StepSpec(S.CANDIDATE_FILED, Stage.CANDIDATE, B.HIGHER_COMMITTEE, decision_label="备案说明"),
    StepSpec(S.INTRODUCERS, Stage.CANDIDATE, B.BRANCH, people=INTRODUCERS),
    StepSpec(
        S.POLITICAL_REVIEW,
        Stage.CANDIDATE,
        B.BRANCH,
        decision_label="政治审查结论",
        decision_required=True,
    ),
    StepSpec(S.TRAINING, Stage.CANDIDATE, B.HIGHER_COMMITTEE, training=True),
    StepSpec(S.COMMITTEE_REVIEW, Stage.ADMISSION, B.BRANCH_COMMITTEE, decision_label="审查意见"),
    StepSpec(
        S.PRE_REVIEW,
        Stage.ADMISSION,
        B.HIGHER_COMMITTEE,
        outcomes=YES_NO,
        approval=True,
        decision_label="预审意见",
    ),
    StepSpec(S.APPLICATION_FORM, Stage.ADMISSION, B.BRANCH, document=True),
    StepSpec(
        S.ADMISSION_MEETING,
        Stage.ADMISSION,
        B.GENERAL_MEETING,
        votes=True,
        outcomes=YES_NO,
        decision_label="支部大会决议",
    ),
    StepSpec(S.ADMISSION_TALK, Stage.ADMISSION, B.HIGHER_COMMITTEE, decision_label="谈话人及意见"),
    StepSpec(
        S.ADMISSION_APPROVAL,
        Stage.ADMISSION,
        B.HIGHER_COMMITTEE,
        outcomes=YES_NO,
        approval=True,
        decision_label="审批意见及文号",
        standing=Standing.PROBATIONARY,
    ),
    StepSpec(S.ADMISSION_FILED, Stage.ADMISSION, B.NEXT_HIGHER, decision_label="备案说明"),
    StepSpec(S.GROUPED, Stage.PROBATION, B.BRANCH, decision_label="编入的党小组"),
    StepSpec(S.OATH, Stage.PROBATION, B.BRANCH, decision_label="宣誓仪式情况"),
    StepSpec(S.PROBATION_EDUCATION, Stage.PROBATION, B.BRANCH, decision_label="考察意见"),
    StepSpec(S.FULL_APPLICATION, Stage.PROBATION, B.APPLICANT),
    StepSpec(
        S.FULL_MEETING,
        Stage.PROBATION,
        B.GENERAL_MEETING,
        votes=True,
        outcomes=FULL_OUTCOMES,
        decision_label="支部大会决议",
    ),
    StepSpec(
        S.FULL_APPROVAL,
        Stage.PROBATION,
        B.HIGHER_COMMITTEE,
        outcomes=FULL_OUTCOMES,
        approval=True,
        decision_label="审批意见及文号",
        standing=Standing.FULL,
    ),
    StepSpec(S.ARCHIVED, Stage.PROBATION, B.BRANCH, decision_label="归档说明"),
)
ORDER: dict[Step, int] = {spec.step: i for i, spec in enumerate(STEPS)}
SPECS: dict[Step, StepSpec] = {spec.step: spec for spec in STEPS}
assert len(STEPS) == 25 and len(ORDER) == 25  # the rules' count, checked at import

# After an extended probation, the branch discusses and the committee approves again: these
# steps are recorded a second time (round 2), after the extension.
AGAIN_AFTER_EXTENSION = (S.FULL_APPLICATION, S.FULL_MEETING, S.FULL_APPROVAL)
# Probation: one year from the admission meeting, extendable once by six to twelve months.
EXTENSION_MONTHS = (6, 12)


def spec(step: Step | str) -> StepSpec:
    return SPECS[Step(step)]


def next_step(last: Step | str | None) -> Step | None:
    """The step after `last` (the first when nothing is done); None after the last."""
    if last is None or last == "":
        return STEPS[0].step
    i = ORDER[Step(last)] + 1
    return STEPS[i].step if i < len(STEPS) else None


def standing_after(last: Step | str) -> Standing:
    """The person's standing once `last` is done (an approval approved)."""
    standing = Standing.APPLICANT
    for s in STEPS[: ORDER[Step(last)] + 1]:
        standing = s.standing or standing
    return standing


# -- time rules ----------------------------------------------------------------------------------

BIRTH = ""  # a rule's from_step for the birth date


@dataclass(frozen=True)
class TimeRule:
    from_step: Step | str  # BIRTH for the birth date
    to_step: Step
    kind: RuleKind
    amount: int
    unit: Unit
    text: str

    def limit(self, start: dt.date, *, extended_months: int = 0) -> dt.date:
        """The date this rule names, counted from `start` (the from-step's date): an extended
        probation moves the rules that end it."""
        amount = self.amount
        extra = extended_months if self.extends_with_probation else 0
        if self.unit == Unit.MONTH:
            return add_months(start, amount + extra)
        return add_months(start + dt.timedelta(days=amount), extra)

    @property
    def extends_with_probation(self) -> bool:
        return self.from_step == S.ADMISSION_MEETING and self.to_step in AGAIN_AFTER_EXTENSION


R = RuleKind
M = Unit.MONTH
NATIONAL_TIME_RULES: tuple[TimeRule, ...] = (
    TimeRule(BIRTH, S.APPLY, R.MIN, 18 * 12, M, "年满十八岁方可申请入党（党章第一条）"),
    TimeRule(
        S.APPLY, S.TALK, R.DUE, 1, M, "党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话"
    ),
    TimeRule(S.ACTIVIST, S.EDUCATION, R.DUE, 6, M, "党支部每半年对入党积极分子进行一次考察"),
    TimeRule(
        S.ACTIVIST,
        S.CANDIDATE,
        R.MIN,
        12,
        M,
        "入党积极分子经过一年以上培养教育和考察，方可列为发展对象",
    ),
    TimeRule(
        S.ADMISSION_MEETING,
        S.ADMISSION_APPROVAL,
        R.DUE,
        3,
        M,
        "上级党委应当在支部大会讨论后三个月内审批接收预备党员",
    ),
    TimeRule(
        S.ADMISSION_MEETING,
        S.ADMISSION_APPROVAL,
        R.MAX,
        6,
        M,
        "审批接收预备党员遇有特殊情况可适当延长，但不得超过六个月",
    ),
    TimeRule(
        S.ADMISSION_MEETING,
        S.FULL_APPLICATION,
        R.DUE,
        12,
        M,
        "预备期满时，预备党员应当主动向党组织提出书面转正申请",
    ),
    TimeRule(
        S.ADMISSION_MEETING,
        S.FULL_MEETING,
        R.MIN,
        12,
        M,
        "预备期为一年，从支部大会通过其为预备党员之日算起，预备期满方可讨论转正",
    ),
    TimeRule(
        S.ADMISSION_MEETING,
        S.FULL_MEETING,
        R.DUE,
        13,
        M,
        "预备期满，党支部应当及时讨论其能否转为正式党员（期满后一个月内）",
    ),
    TimeRule(
        S.FULL_MEETING,
        S.FULL_APPROVAL,
        R.DUE,
        3,
        M,
        "上级党委应当在支部大会讨论后三个月内审批预备党员转正",
    ),
)


def probation_ends(admitted_on: dt.date, extended_months: int = 0) -> dt.date:
    """The day a probation that began on `admitted_on` (the general meeting's day: 预备期从支部
    大会通过之日算起) is over: a year, and an extension (延长预备期). The members registry's rule
    (members.workflow.earliest_full_membership), so the date the development pages show and
    print is the date the registry accepts for 转正."""
    return earliest_full_membership(admitted_on, extended_months)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, the month's last day where it has fewer days."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def binding(
    rules: Iterable[TimeRule], *, start: dt.date, extended_months: int = 0
) -> list[tuple[TimeRule, dt.date]]:
    """Of rules with the same from-step, to-step and kind, the strictest as counted from
    `start`: the latest minimum, the earliest maximum or deadline. Each with its date."""
    best: dict[tuple[str, str, str], tuple[TimeRule, dt.date]] = {}
    for rule in rules:
        limit = rule.limit(start, extended_months=extended_months)
        key = (str(rule.from_step), str(rule.to_step), str(rule.kind))
        held = best.get(key)
        stricter = held is None or (limit > held[1] if rule.kind == R.MIN else limit < held[1])
        if stricter:
            best[key] = (rule, limit)
    return list(best.values())


def rules_into(step: Step, rules: Iterable[TimeRule]) -> list[TimeRule]:
    return [r for r in rules if r.to_step == step]


@dataclass(frozen=True)
class Due:
    on: dt.date
    text: str


def next_due(
    *,
    last: Step | str,
    dates: Mapping[Step, dt.date],
    rules: Sequence[TimeRule],
    extended_months: int = 0,
) -> Due | None:
    """The earliest deadline still open: of the DUE rules whose from-step is done (up to
    `last`) and whose to-step is not, the earliest date; None when no rule sets one. (Named
    activist, the half-year assessment is due even while the filing comes first.)"""
    done = ORDER[Step(last)]
    found: Due | None = None
    for rule in rules:
        if rule.kind != R.DUE or rule.from_step == BIRTH or ORDER[rule.to_step] <= done:
            continue
        start = dates.get(Step(rule.from_step))
        if start is None or ORDER[Step(rule.from_step)] > done:
            continue
        on = rule.limit(start, extended_months=extended_months)
        if found is None or on < found.on:
            found = Due(on, rule.text)
    return found


# -- who may approve -------------------------------------------------------------------------------

# 发展党员的审批权在基层党委（党工委）及以上：党总支、党支部不能审批，村、社区党组织不能审批。
APPROVING_KINDS = frozenset({OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.LOCAL_COMMITTEE})
NON_APPROVING_SECTORS = frozenset({Sector.VILLAGE, Sector.COMMUNITY})
APPROVER_REFUSALS: dict[str, str] = {
    OrgKind.GENERAL_BRANCH: "党总支不能审批发展党员，须由具有审批权限的基层党委审批",
    OrgKind.BRANCH: "党支部不能审批发展党员，须由具有审批权限的基层党委审批",
    OrgKind.JOINT_BRANCH: "党支部不能审批发展党员，须由具有审批权限的基层党委审批",
    OrgKind.TEMPORARY_BRANCH: "临时党支部不能发展党员，须由具有审批权限的基层党委审批",
}
VILLAGE_REFUSAL = "村、社区党组织不能审批发展党员，须由乡镇（街道）党（工）委审批"


def approver_problem(kind: str, sector: str) -> str | None:
    """None if an organization of this kind and sector may approve, else the rule's text."""
    if kind in APPROVER_REFUSALS:
        return APPROVER_REFUSALS[kind]
    if kind == OrgKind.COMMITTEE and sector in NON_APPROVING_SECTORS:
        return VILLAGE_REFUSAL
    if kind not in APPROVING_KINDS:
        return "该党组织不能审批发展党员"
    return None


# -- checking a step -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A member a step names, as the check needs them."""

    id: int
    name: str
    is_full_member: bool


@dataclass(frozen=True)
class StepInput:
    """One step as a form or the API sends it, references resolved by the service."""

    step: Step
    done_on: dt.date | None
    decision: str = ""
    outcome: str = ""
    people: tuple[Person, ...] = ()
    hours: int | None = None
    days: int | None = None
    votes_for: int | None = None
    voters: int | None = None
    document_number: str = ""
    months: int | None = None
    approver_kind: str = ""  # the deciding organization of an approval step
    approver_sector: str = ""
    approver_is_above: bool = False  # an ancestor of the applicant's branch


@dataclass(frozen=True)
class Facts:
    """What the check knows of the case: its last step, the date of every step done (the
    latest round), the birth date and any extension of the probation."""

    last: Step | None
    birth_date: dt.date
    dates: Mapping[Step, dt.date] = field(default_factory=dict)
    extended_months: int = 0
    is_open: bool = True


MIN_TRAINING_HOURS, MIN_TRAINING_DAYS = 24, 3


def check_step(data: StepInput, *, facts: Facts, rules: Sequence[TimeRule], today: dt.date) -> None:
    """Raise InvalidInput naming each rule `data` breaks; return if it breaks none."""
    errors: dict[str, str] = {}
    s = spec(data.step)
    expected = next_step(facts.last)
    if not facts.is_open:
        raise InvalidInput("该发展党员工作已终止或已完成，不能再录入步骤")
    if data.step != expected:
        wanted = spec(expected).label if expected else "（已全部完成）"
        raise InvalidInput(
            f"应按程序办理，下一步是“{wanted}”，不能录入“{s.label}”",
            fields={"step": f"下一步是“{wanted}”"},
        )
    on = data.done_on
    if on is None:
        errors["done_on"] = "请填写日期"
    elif on > today:
        errors["done_on"] = "日期不能晚于今天"
    elif facts.last is not None and on < facts.dates[facts.last]:
        previous = facts.dates[facts.last]
        errors["done_on"] = (
            f"日期不能早于上一步“{spec(facts.last).label}”的日期（{previous:%Y-%m-%d}）"
        )
    if on is not None and "done_on" not in errors:
        for rule, limit in _limits(data.step, facts, rules):
            if rule.kind == R.MIN and on < limit:
                errors["done_on"] = f"{rule.text}（最早{limit:%Y-%m-%d}）"
            elif rule.kind == R.MAX and on > limit:
                errors["done_on"] = f"{rule.text}（最晚{limit:%Y-%m-%d}）"
    decision = " ".join(data.decision.split())
    if s.decision_required and not decision:
        errors["decision"] = f"请填写{s.decision_label}"
    # an approval's text goes on the member's record as its deciding body and document
    longest = 200 if s.approval else 500
    if len(decision) > longest:
        errors["decision"] = f"{s.decision_label}不能超过{longest}个字"
    if data.outcome in (Outcome.EXTEND, Outcome.DISQUALIFY) and s.approval and not decision:
        errors["decision"] = f"{Outcome(data.outcome).label}须填写决定机关及文号"
    if s.outcomes and data.outcome not in s.outcomes:
        errors["outcome"] = "请选择结果：" + "、".join(str(o.label) for o in s.outcomes)
    if s.people is not None:
        problem = people_problem(s.people, data.people)
        if problem:
            errors["people"] = problem
    if s.training:
        hours, days = data.hours or 0, data.days or 0
        if hours < MIN_TRAINING_HOURS and days < MIN_TRAINING_DAYS:
            errors["hours"] = "发展对象集中培训时间一般不少于3天（或不少于24个学时）"
    if s.votes:
        problem = vote_problem(data.votes_for, data.voters, passed=data.outcome != Outcome.REJECTED)
        if problem:
            errors["votes_for"] = problem
    if s.document and not data.document_number.strip():
        errors["document_number"] = "请填写入党志愿书编号"
    if s.approval:
        if not data.approver_kind:
            errors["decided_by"] = "请选择审批的党组织"
        elif not data.approver_is_above:
            errors["decided_by"] = "审批的党组织应是该党支部的上级党组织"
        else:
            problem = approver_problem(data.approver_kind, data.approver_sector)
            if problem:
                errors["decided_by"] = problem
    if data.outcome == Outcome.EXTEND:
        low, high = EXTENSION_MONTHS
        if facts.extended_months:
            errors["outcome"] = "预备期只能延长一次，已延长过的不能再延长"
        elif data.months is None or not low <= data.months <= high:
            errors["months"] = f"延长预备期的时间不能少于{low}个月，最长不超过{high}个月"
    if errors:
        raise InvalidInput("；".join(dict.fromkeys(errors.values())), fields=errors)


def _limits(step: Step, facts: Facts, rules: Sequence[TimeRule]) -> list[tuple[TimeRule, dt.date]]:
    found: list[tuple[TimeRule, dt.date]] = []
    groups: dict[str, list[TimeRule]] = {}
    for rule in rules_into(step, rules):
        if rule.kind != R.DUE:
            groups.setdefault(str(rule.from_step), []).append(rule)
    for from_step, group in groups.items():
        start = facts.birth_date if from_step == BIRTH else facts.dates.get(Step(from_step))
        if start is not None:
            found += binding(group, start=start, extended_months=facts.extended_months)
    return found


def people_problem(needs: People, people: Sequence[Person]) -> str | None:
    ids = [p.id for p in people]
    if len(set(ids)) != len(ids):
        return f"{needs.label}不能重复"
    count = len(people)
    if count < needs.least or count > needs.most:
        wanted = (
            f"{needs.least}名" if needs.least == needs.most else f"{needs.least}至{needs.most}名"
        )
        return f"应确定{wanted}{needs.label}，现为{count}名"
    not_full = [p.name for p in people if not p.is_full_member]
    if not_full:
        return f"{needs.label}须是正式党员，{'、'.join(not_full)}不是"
    return None


def vote_problem(votes_for: int | None, voters: int | None, *, passed: bool) -> str | None:
    """A general meeting's vote: recorded with both numbers; a resolution passes with the yes
    of more than half of the full members with voting rights (应到会有表决权的正式党员)."""
    if votes_for is None or voters is None:
        return "请填写赞成票数和有表决权的正式党员人数"
    if voters <= 0 or votes_for > voters:
        return "赞成票数不能超过有表决权的正式党员人数"
    if passed and votes_for * 2 <= voters:
        return "赞成人数须超过应到会有表决权的正式党员的半数，支部大会决议方为通过"
    return None
