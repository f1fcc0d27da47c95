"""Case metrics (接诉即办考核): response, resolution and satisfaction rates per community,
street, district and department per month, a composite score, the ranking, and hot spots.

A month's cases are those received in it (China time), merged duplicates left out:

- response rate (响应率): accepted (签收) within the acceptance deadline, over the cases whose
  deadline has passed or that were accepted (a case received an hour ago is not yet late);
- resolution rate (解决率): the citizen says it is resolved, over the citizens who answered
  (the follow-up visit, 回访); the count of cases resolved by their unit (办结) is shown beside;
- satisfaction rate (满意率): satisfied and basically satisfied over the rated cases;
- composite score: the weighted mean of the rates that have a denominator, times 100, with
  the weights of JICENG_CASE_SCORE_WEIGHTS (default response 0.3, resolution 0.4,
  satisfaction 0.3); a unit with no rate at all has no score and ranks last.

Every figure is one GROUP BY over the case table, on the indexed (community|street,
received_at) columns narrowed to the user's scope: the division prefixes where the user holds
VIEW_CASE_METRICS (a community official their community, a street official the street, a
role naming a district the district). No loop over cases in Python.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr, TruncMonth

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import InvalidInput, not_found
from jiceng.core.paths import under_any
from jiceng.divisions.models import Division, short_code_of
from jiceng.grid.models import Grid

from .models import Case, Department
from .workflow import Satisfaction, Status

HANDLED = (Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED)
MAX_MAP_CASES = 3000
MAX_MAP_GRIDS = 5000


class Unit(StrEnum):
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"
    DEPARTMENT = "department"


UNIT_LABELS = {
    Unit.COMMUNITY: "社区（村）",
    Unit.STREET: "街道（乡镇）",
    Unit.DISTRICT: "区县",
    Unit.DEPARTMENT: "职能部门",
}


@dataclass(frozen=True)
class Weights:
    response: float
    resolution: float
    satisfaction: float


def weights() -> Weights:
    """JICENG_CASE_SCORE_WEIGHTS, read at each use (never at import)."""
    given: Mapping[str, float] = settings.JICENG_CASE_SCORE_WEIGHTS
    names = set(Weights.__dataclass_fields__)
    if set(given) != names:
        raise ImproperlyConfigured(
            f"JICENG_CASE_SCORE_WEIGHTS takes {sorted(names)}, not {sorted(given)}"
        )
    values = {k: float(v) for k, v in given.items()}
    if any(v < 0 for v in values.values()) or sum(values.values()) <= 0:
        raise ImproperlyConfigured("JICENG_CASE_SCORE_WEIGHTS must be non-negative, not all 0")
    return Weights(**values)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Tally:
    """The counts of one unit in one period, and the rates and score made of them."""

    key: str
    name: str
    total: int = 0  # received, merged duplicates left out
    due: int = 0  # whose acceptance deadline has passed, or accepted
    responded: int = 0  # accepted within the deadline
    handled: int = 0  # resolved by the unit (办结)
    answered: int = 0  # the citizen answered "resolved?"
    solved: int = 0  # ... and said yes
    rated: int = 0
    satisfied: int = 0  # satisfied or basically satisfied

    @property
    def response_rate(self) -> float | None:
        return _rate(self.responded, self.due)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.solved, self.answered)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.rated)

    def score(self, w: Weights) -> float | None:
        parts = [
            (w.response, self.response_rate),
            (w.resolution, self.resolution_rate),
            (w.satisfaction, self.satisfaction_rate),
        ]
        present = [(weight, rate) for weight, rate in parts if rate is not None]
        total_weight = sum(weight for weight, _ in present)
        if not present or total_weight == 0:
            return None
        return 100 * sum(weight * rate for weight, rate in present) / total_weight


@dataclass(frozen=True)
class Ranked:
    rank: int
    tally: Tally
    score: float | None

    def as_dict(self) -> dict[str, Any]:
        t = self.tally

        def pct(rate: float | None) -> float | None:
            return None if rate is None else round(100 * rate, 1)

        return {
            "rank": self.rank,
            "key": t.key,
            "name": t.name,
            "total": t.total,
            "responded": t.responded,
            "due": t.due,
            "handled": t.handled,
            "solved": t.solved,
            "answered": t.answered,
            "satisfied": t.satisfied,
            "rated": t.rated,
            "response_rate": pct(t.response_rate),
            "resolution_rate": pct(t.resolution_rate),
            "satisfaction_rate": pct(t.satisfaction_rate),
            "score": None if self.score is None else round(self.score, 1),
        }


# -- periods --------------------------------------------------------------------------------------


def parse_month(text: str | None) -> dt.date:
    """ "2026-03" → the first of that month; empty → this month (China time)."""
    if not text:
        return clock.today().replace(day=1)
    try:
        year, month = (int(p) for p in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise InvalidInput("月份格式应为 2026-03", fields={"month": "格式不正确"}) from None


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as [start, end) instants, its days in China time."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=clock.CHINA)
    days = calendar.monthrange(month.year, month.month)[1]
    return start, start + dt.timedelta(days=days)


def previous_months(month: dt.date, count: int) -> list[dt.date]:
    """`count` months ending with `month`, oldest first."""
    months = []
    year, number = month.year, month.month
    for _ in range(count):
        months.append(dt.date(year, number, 1))
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return months[::-1]


# -- scope ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """Where the figures are taken: division code prefixes (short codes)."""

    prefixes: tuple[str, ...]

    @property
    def widest(self) -> int:
        """The widest level inside: 3 a district (or above), 4 a street, 5 a community."""
        shortest = min((len(p) for p in self.prefixes), default=12)
        return 3 if shortest <= 6 else 4 if shortest <= 9 else 5

    def units(self) -> list[Unit]:
        """The units worth ranking inside the area: the communities always, the streets of a
        district or a street, the districts and departments of a district."""
        if self.widest == 5:
            return [Unit.COMMUNITY]
        if self.widest == 4:
            return [Unit.COMMUNITY, Unit.STREET]
        return [Unit.COMMUNITY, Unit.STREET, Unit.DISTRICT, Unit.DEPARTMENT]

    def case_q(self, prefix: str = "") -> Q:
        return under_any(self.prefixes, f"{prefix}street_id") | under_any(
            self.prefixes, f"{prefix}community_id"
        )

    def grid_q(self) -> Q:
        return under_any(self.prefixes, "community_id")


def area_of(user: User | AnonymousUser, code: str | None = None) -> Area:
    """The user's area for metrics, or the division `code` inside it (404 outside)."""
    reach = scope_of(user).reach(Permission.VIEW_CASE_METRICS)
    prefixes = reach.division_prefixes
    if not code:
        return Area(prefixes=tuple(prefixes))
    code = code.strip()
    if not (code.isdigit() and len(code) == 12):
        raise not_found("区域")
    short = short_code_of(code)
    if not reach.covers_division(short):
        raise not_found("区域")
    return Area(prefixes=(short,))


def cases_in(area: Area, start: dt.datetime, end: dt.datetime) -> QuerySet[Case]:
    return Case.objects.filter(area.case_q(), received_at__gte=start, received_at__lt=end)


# -- tallies --------------------------------------------------------------------------------------


def _counts(now: dt.datetime) -> dict[str, Count]:
    return {
        "total": Count("pk"),
        "due": Count("pk", filter=Q(accepted_at__isnull=False) | Q(accept_due_at__lt=now)),
        "responded": Count(
            "pk", filter=Q(accepted_at__isnull=False, accepted_at__lte=F("accept_due_at"))
        ),
        "handled": Count("pk", filter=Q(status__in=HANDLED)),
        "answered": Count("pk", filter=Q(is_resolved_by_reporter__isnull=False)),
        "solved": Count("pk", filter=Q(is_resolved_by_reporter=True)),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count(
            "pk",
            filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]),
        ),
    }


COUNT_FIELDS = ("total", "due", "responded", "handled", "answered", "solved", "rated", "satisfied")


def tallies(area: Area, unit: Unit, start: dt.datetime, end: dt.datetime) -> list[Tally]:
    """One tally per unit of the kind `unit` with cases in [start, end): one GROUP BY, then one
    query for the units' names."""
    rows = cases_in(area, start, end).exclude(status=Status.MERGED)
    if unit == Unit.COMMUNITY:
        grouped = rows.filter(community_id__isnull=False).values(key=F("community_id"))
    elif unit == Unit.STREET:
        grouped = rows.filter(street_id__isnull=False).values(key=F("street_id"))
    elif unit == Unit.DISTRICT:
        grouped = (
            rows.filter(street_id__isnull=False)
            .annotate(key=Substr("street_id", 1, 6))
            .values("key")
        )
    else:
        grouped = rows.filter(department_id__isnull=False).values(key=F("department_id"))
    counted = cast(
        list[dict[str, Any]], list(grouped.annotate(**_counts(clock.now())).order_by("key"))
    )
    names = _names(unit, [str(r["key"]) for r in counted])
    return [
        Tally(
            key=str(r["key"]),
            name=names.get(str(r["key"]), str(r["key"])),
            **{f: r[f] for f in COUNT_FIELDS},
        )
        for r in counted
    ]


def _names(unit: Unit, keys: Sequence[str]) -> dict[str, str]:
    if not keys:
        return {}
    if unit == Unit.DEPARTMENT:
        return {
            str(pk): name
            for pk, name in Department.objects.filter(pk__in=keys).values_list("pk", "name")
        }
    codes = [k.ljust(12, "0") for k in keys]
    found = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return {k: found.get(k.ljust(12, "0"), k) for k in keys}


def rank(rows: Iterable[Tally], w: Weights | None = None) -> list[Ranked]:
    """Highest score first; no score last; ties by more cases, then by name. Equal scores
    share a rank (1, 2, 2, 4)."""
    w = w or weights()
    scored = [(t, t.score(w)) for t in rows]
    scored.sort(key=lambda pair: (pair[1] is None, -(pair[1] or 0), -pair[0].total, pair[0].name))
    ranked: list[Ranked] = []
    for position, (tally, score) in enumerate(scored, start=1):
        same = ranked and ranked[-1].score is not None and ranked[-1].score == score
        ranked.append(Ranked(rank=ranked[-1].rank if same else position, tally=tally, score=score))
    return ranked


def ranking(area: Area, unit: Unit, month: dt.date) -> list[Ranked]:
    """The monthly ranking table (月度排名)."""
    if unit not in area.units():
        raise InvalidInput("您的管辖范围内没有这一级单位可排名", fields={"unit": "不可选"})
    start, end = month_bounds(month)
    return rank(tallies(area, unit, start, end))


def overall(area: Area, start: dt.datetime, end: dt.datetime) -> Tally:
    """The whole area as one tally."""
    row = cases_in(area, start, end).exclude(status=Status.MERGED).aggregate(**_counts(clock.now()))
    return Tally(key="", name="合计", **{f: row[f] or 0 for f in COUNT_FIELDS})


def trend(area: Area, month: dt.date, months: int = 6) -> list[tuple[dt.date, Tally]]:
    """The area's tally for each of the last `months` months: one GROUP BY on the month."""
    chosen = previous_months(month, months)
    start, _ = month_bounds(chosen[0])
    _, end = month_bounds(chosen[-1])
    rows = cast(
        Iterable[dict[str, Any]],
        cases_in(area, start, end)
        .exclude(status=Status.MERGED)
        .annotate(month=TruncMonth("received_at", tzinfo=clock.CHINA))
        .values("month")
        .annotate(**_counts(clock.now()))
        .order_by("month"),
    )
    by_month = {}
    for r in rows:
        value = r["month"]
        day = value.astimezone(clock.CHINA).date() if isinstance(value, dt.datetime) else value
        by_month[day.replace(day=1)] = Tally(
            key=f"{day:%Y-%m}", name=f"{day:%Y-%m}", **{f: r[f] for f in COUNT_FIELDS}
        )
    return [(m, by_month.get(m, Tally(key=f"{m:%Y-%m}", name=f"{m:%Y-%m}"))) for m in chosen]


# -- hot spots (未诉先办) -------------------------------------------------------------------


@dataclass(frozen=True)
class HotSpot:
    subject: str
    group: str
    grid_code: str
    grid_name: str
    count: int
    open_count: int


def hot_spots(
    area: Area, start: dt.datetime, end: dt.datetime, *, limit: int = 10
) -> list[HotSpot]:
    """The (subject, grid) pairs with the most cases in [start, end): where the same trouble
    keeps coming back, for proactive work before the next call. Merged duplicates count: a
    repeated call is the signal."""
    rows = (
        cases_in(area, start, end)
        .filter(grid_id__isnull=False)
        .values("subject__name", "subject__group", "grid__code", "grid__name")
        .annotate(
            count=Count("pk"),
            open_count=Count("pk", filter=~Q(status__in=[*HANDLED, Status.MERGED])),
        )
        .order_by("-count", "grid__code", "subject__name")[:limit]
    )
    return [
        HotSpot(
            subject=r["subject__name"],
            group=r["subject__group"],
            grid_code=r["grid__code"],
            grid_name=r["grid__name"],
            count=r["count"],
            open_count=r["open_count"],
        )
        for r in rows
    ]


# -- the map --------------------------------------------------------------------------------------


def map_data(area: Area, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The area's grids (GeoJSON text, parsed by the page) with their case counts in the
    period, and the period's located cases as points (the newest MAX_MAP_CASES)."""
    counts = dict(
        cases_in(area, start, end)
        .filter(grid_id__isnull=False)
        .values("grid_id")
        .annotate(n=Count("pk"))
        .values_list("grid_id", "n")
    )
    grids = [
        {"code": code, "name": name, "boundary": boundary, "count": counts.get(pk, 0)}
        for pk, code, name, boundary in Grid.objects.filter(area.grid_q(), is_active=True)
        .order_by("code")
        .values_list("pk", "code", "name", "boundary")[:MAX_MAP_GRIDS]
    ]
    open_statuses = {s.value for s in Status} - {s.value for s in HANDLED} - {Status.MERGED}
    points = [
        [lon, lat, status in open_statuses, subject]
        for lon, lat, status, subject in cases_in(area, start, end)
        .filter(lon__isnull=False, lat__isnull=False)
        .order_by("-received_at")
        .values_list("lon", "lat", "status", "subject__name")[:MAX_MAP_CASES]
    ]
    return {"grids": grids, "cases": points}
