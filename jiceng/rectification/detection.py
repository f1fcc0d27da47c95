"""The monthly detection of weak organizations over the whole tree (软弱涣散研判).

Each rule is one or two set-based reads (a GROUP BY or an anti-join over the whole tree, or a
subtree when `under` is given), never a query per organization. A rule set to other
parameters in some subtree (DetectionRule) is read once per distinct parameter set, and an
organization keeps a finding only from the parameters in force at it. `detect_month` replaces
the month's rows in one transaction (one DELETE and one raw executemany, no model instance
per row), so running it twice writes the same rows.
`reasons_now` asks the same rules of one organization at this moment (the acceptance)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from jiceng.cases import metrics
from jiceng.core import clock
from jiceng.core.paths import under as under_q
from jiceng.development.models import Step, StepRecord
from jiceng.dues.models import Bill
from jiceng.orglife.models import Compliance
from jiceng.orgs.models import (
    BRANCH_KINDS,
    GRASSROOTS_KINDS,
    Committee,
    CommitteeSeat,
    Organization,
    Post,
    Sector,
)

from . import rules
from .models import Detection, DetectionRule, RuleKind
from .rules import Params

# organization id -> (path, detail)
Found = dict[int, tuple[str, str]]


def _active(under: str | None, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}dissolved_on__isnull": True, f"{prefix}kind__in": GRASSROOTS_KINDS})
    return q & under_q(under, f"{prefix}path") if under else q


def secretary_vacant(p: Params, as_of: dt.date, under: str | None) -> Found:
    """The current committee has had no secretary since it began more than `months` ago, or
    the last committee ended that long ago with none since."""
    cutoff = rules.months_before(as_of, p.months)
    secretary = CommitteeSeat.objects.filter(committee=OuterRef("pk"), post=Post.SECRETARY)
    vacant = (
        Committee.objects.filter(_active(under, "organization__"), ended_on__isnull=True)
        .filter(term_start__lte=cutoff)
        .exclude(Exists(secretary))
        .values_list("organization_id", "organization__path", "term_start")
    )
    found: Found = {pk: (path, f"自{start:%Y年%m月}起") for pk, path, start in vacant}
    since_cutoff = Committee.objects.filter(organization=OuterRef("pk")).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=cutoff)
    )
    ended = Committee.objects.filter(organization=OuterRef("pk"), ended_on__lte=cutoff)
    lapsed = (
        Organization.objects.filter(_active(under))
        .filter(Exists(ended))
        .exclude(Exists(since_cutoff))
        .values_list("pk", "path")
    )
    for pk, path in lapsed:
        found.setdefault(pk, (path, "上届委员会届满后未产生书记"))
    return found


def term_overdue(p: Params, as_of: dt.date, under: str | None) -> Found:
    cutoff = rules.months_before(as_of, p.months)
    rows = Committee.objects.filter(
        _active(under, "organization__"), ended_on__isnull=True, term_due__lt=cutoff
    ).values_list("organization_id", "organization__path", "term_due")
    return {pk: (path, f"应于{due:%Y-%m-%d}换届") for pk, path, due in rows}


def meetings_missed(p: Params, as_of: dt.date, under: str | None) -> Found:
    """Required meetings missing (orglife compliance) in each of the last `months` complete
    months, and the current month not yet made whole (nothing missing, nothing pending)."""
    this_month = rules.month_of(as_of)
    months = [rules.add_months(this_month, -i) for i in range(1, p.months + 1)]
    branch_q = Q(organization__kind__in=BRANCH_KINDS, organization__dissolved_on__isnull=True)
    if under:
        branch_q &= under_q(under)
    if not months:
        return {}
    # the first month's rows, each with an index probe (organization, month) per other month:
    # about half the time of a GROUP BY over every month's rows
    later = [
        Exists(
            Compliance.objects.filter(
                organization_id=OuterRef("organization_id"), month=month, missing__gt=0
            )
        )
        for month in months[1:]
    ]
    missed = Compliance.objects.filter(
        branch_q, *later, month=months[0], missing__gt=0
    ).values_list("organization_id", "path")
    whole = set(
        Compliance.objects.filter(branch_q, month=this_month, missing=0, pending=0).values_list(
            "organization_id", flat=True
        )
    )
    first = rules.add_months(this_month, -p.months)
    since = f"{first // 100}年{first % 100}月起"
    return {pk: (path, since) for pk, path in missed if pk not in whole}


def no_development(p: Params, as_of: dt.date, under: str | None) -> Found:
    """A village branch older than the period with no one determined a development target
    (确定发展对象) in it (rules.NO_DEVELOPMENT_SECTORS)."""
    cutoff = rules.months_before(as_of, p.months)
    # one pass over the recent step records (by their step and date), not a correlated
    # subquery per branch: the step table has no index that leads with the organization
    # (a step carried with a member from another province was done by a branch there)
    # (a step done before the file followed its member to another branch here was done by
    # the step's branch, development.following)
    steps = StepRecord.objects.filter(step=Step.CANDIDATE, done_on__gte=cutoff, is_carried=False)
    if under:
        steps = steps.filter(
            Q(branch__isnull=True) & under_q(under, "applicant__organization__path")
            | under_q(under, "branch__path")
        )
    recent = set(
        steps.annotate(done_at=Coalesce("branch_id", "applicant__organization_id"))
        .values_list("done_at", flat=True)
        .distinct()
    )
    rows = [
        (pk, path)
        for pk, path in Organization.objects.filter(
            _active(under), kind__in=BRANCH_KINDS, sector__in=rules.NO_DEVELOPMENT_SECTORS
        )
        .filter(Q(founded_on__isnull=True) | Q(founded_on__lte=cutoff))
        .values_list("pk", "path")
        if pk not in recent
    ]
    return {pk: (path, "") for pk, path in rows}


def dues_arrears(p: Params, as_of: dt.date, under: str | None) -> Found:
    """Branches where members `months` or more months behind exceed `threshold`% of the
    members: one GROUP BY of the unpaid bills (a few percent of the rows, their own index)."""
    last = rules.add_months(rules.month_of(as_of), -1)
    unpaid = Bill.objects.filter(payment__isnull=True, amount__gt=0, month__lte=last)
    if under:
        unpaid = unpaid.filter(under_q(under, "organization__path"))
    behind: dict[int, int] = {}
    for org_id, _member in (
        unpaid.values("organization_id", "member_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=p.months)
        .values_list("organization_id", "member_id")
    ):
        behind[org_id] = behind.get(org_id, 0) + 1
    found: Found = {}
    for pk, path, members in Organization.objects.filter(
        pk__in=list(behind), dissolved_on__isnull=True
    ).values_list("pk", "path", "member_count"):
        if members and behind[pk] * 100 > p.threshold * members:
            found[pk] = (path, f"{behind[pk]}名，共{members}名党员")
    return found


def cases_low(p: Params, as_of: dt.date, under: str | None) -> Found:
    """The village or community organizations whose community's 接诉即办 figures of the last
    complete month (cases.metrics, the ranking's own tallies) fall below `threshold`%."""
    month = rules.months_before(as_of.replace(day=1), 1)
    start, end = metrics.month_bounds(month)
    prefix = ""
    if under:
        division = (
            Organization.objects.filter(path=under).values_list("division_id", flat=True).first()
        )
        if not division:
            return {}
        prefix = division
    tallies = metrics.tallies(metrics.Area(prefixes=(prefix,)), metrics.Unit.COMMUNITY, start, end)
    low: dict[str, str] = {}
    for t in tallies:
        parts = []
        if t.rated >= rules.CASES_MINIMUM and t.satisfied * 100 < p.threshold * t.rated:
            parts.append(f"满意率{100 * t.satisfied // t.rated}%")
        if t.due >= rules.CASES_MINIMUM and t.responded * 100 < p.threshold * t.due:
            parts.append(f"响应率{100 * t.responded // t.due}%")
        if parts:
            low[t.key] = f"{month:%Y年%m月}" + "，".join(parts)
    organizations = Organization.objects.filter(
        _active(under), division_id__in=list(low), sector__in=[Sector.VILLAGE, Sector.COMMUNITY]
    ).values_list("pk", "path", "division_id")
    # the community's own organization: the highest of its sector located there
    top: dict[str, tuple[int, str]] = {}
    for pk, path, division in organizations:
        if division not in top or len(path) < len(top[division][1]):
            top[division] = (pk, path)
    return {pk: (path, low[division]) for division, (pk, path) in top.items()}


FINDERS: dict[RuleKind, Callable[[Params, dt.date, str | None], Found]] = {
    RuleKind.SECRETARY_VACANT: secretary_vacant,
    RuleKind.MEETINGS_MISSED: meetings_missed,
    RuleKind.TERM_OVERDUE: term_overdue,
    RuleKind.NO_DEVELOPMENT: no_development,
    RuleKind.DUES_ARREARS: dues_arrears,
    RuleKind.CASES_LOW: cases_low,
}


def overrides() -> list[tuple[str, Params]]:
    return [
        (path, Params(RuleKind(kind), enabled, months, threshold, reason))
        for path, kind, enabled, months, threshold, reason in DetectionRule.objects.values_list(
            "organization__path", "kind", "is_enabled", "months", "threshold", "reason"
        )
    ]


def find(as_of: dt.date, under: str | None = None) -> list[tuple[int, str, RuleKind, str]]:
    """(organization, path, rule, reason) of every finding at `as_of`, under `under` or all."""
    set_rules = overrides()
    out: list[tuple[int, str, RuleKind, str]] = []
    for kind, finder in FINDERS.items():
        variants = {rules.DEFAULTS[kind], *(p for _, p in set_rules if p.kind == kind)}
        for params in variants:
            if not params.is_enabled:
                continue
            for pk, (path, detail) in finder(params, as_of, under).items():
                if rules.params_for(kind, path, set_rules) == params:
                    out.append((pk, path, kind, params.text(detail)))
    return out


def reasons_now(organization: Organization) -> list[tuple[RuleKind, str]]:
    """The reasons that hold for the organization at this moment."""
    return [
        (kind, reason)
        for pk, _, kind, reason in find(clock.today(), under=organization.path)
        if pk == organization.pk
    ]


@dataclass(frozen=True)
class DetectionResult:
    month: int
    organizations: int
    detections: int
    seconds: float


def latest_month() -> int:
    """The last complete month: what the monthly run judges."""
    return rules.add_months(rules.month_of(clock.today()), -1)


COLUMNS = ("organization_id", "month", "kind", "reason", "path")


def write_month(month: int, found: list[tuple[int, str, RuleKind, str]]) -> None:
    """Replace the month's rows by `found`: one DELETE and one raw executemany (the ORM's
    delete and bulk_create of a model instance per row took most of a whole-tree run). The
    rows go in path order, the order of the month's (month, path) index."""
    table = connection.ops.quote_name(Detection._meta.db_table)
    marks = ", ".join(["%s"] * len(COLUMNS))
    rows = sorted((path, str(kind), pk, reason) for pk, path, kind, reason in found)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE month = %s", [month])  # noqa: S608 our names
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
            [(pk, month, kind, reason, path) for path, kind, pk, reason in rows],
        )


@transaction.atomic
def detect_month(month: int | None = None) -> DetectionResult:
    """Recompute month `month` (YYYYMM, by default the last complete one) as of the first day
    after it; the month's rows replaced whole."""
    started = time.perf_counter()
    month = month or latest_month()
    following = rules.add_months(month, 1)
    as_of = dt.date(following // 100, following % 100, 1)
    found = find(as_of)
    write_month(month, found)
    return DetectionResult(
        month=month,
        organizations=len({row[0] for row in found}),
        detections=len(found),
        seconds=time.perf_counter() - started,
    )
