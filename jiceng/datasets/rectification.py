"""Weak organizations for the synthetic data set (`jiceng seed`, the demo): the detection of
the last complete month run by its own rules over what the other seeds wrote (the
compliance of the last months rebuilt first where it is missing), then rectifications in
every state, in plausible shares: of the organizations detected, about one in eight
confirmed by their department (some 5-10% of organizations: the rules flag more than a
department takes on) (most with a responsible leader, a plan and monthly progress, some still
waiting for a plan), and, for about one percent of the other branches, a rectification
confirmed earlier in the year and accepted (销号) since, its progress month by month.

The leaders and confirming users are the accounts of the organization departments above each
organization where there are any (the demo); the synthetic data set has no accounts, so
its rectifications name none. Idempotent: organizations that have a rectification are left
alone, and the detection replaces its month."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import transaction

from jiceng.accounts.models import Role, RoleAssignment
from jiceng.core import clock
from jiceng.core.paths import under_any
from jiceng.orglife import compliance
from jiceng.orglife.models import Compliance
from jiceng.orgs.models import BRANCH_KINDS, Organization
from jiceng.rectification import detection, rules
from jiceng.rectification.models import Detection, Progress, Rectification, RuleKind, Status

CONFIRMED_SHARE = 0.12  # of the detected, confirmed by the department
WITHOUT_PLAN_SHARE = 0.25  # of those confirmed, still waiting for a plan
ACCEPTED_SHARE = 0.01  # of the other branches, rectified and accepted this year
PROGRESS_TEXTS = (
    "召开支部委员会研究整改，逐项明确责任人",
    "包联领导到村（社区）督导，补齐组织生活台账",
    "选优配强支部书记，完成委员补选",
    "开展谈心谈话，党员参加组织生活明显改善",
    "按期召开支部党员大会，整改措施落实过半",
)
PLANS = (
    "选优配强带头人，健全支部班子，规范三会一课",
    "理顺组织关系，补齐组织生活，限期完成换届",
    "压实包联责任，每月督导，年底前整顿达标",
)


@dataclass
class RectificationSeedResult:
    detected: int = 0
    rectifications: int = 0
    accepted: int = 0
    progress: int = 0
    seconds: float = 0.0


def _departments() -> dict[str, int]:
    """The department accounts by the path of the organization they stand for."""
    return dict(
        RoleAssignment.objects.filter(
            role=Role.ORGANIZATION_DEPARTMENT, organization__isnull=False
        ).values_list("organization__path", "user_id")
    )


def _nearest(path: str, departments: dict[str, int]) -> int | None:
    for end in range(len(path) - Organization.steplen, 0, -Organization.steplen):
        user = departments.get(path[:end])
        if user is not None:
            return user
    return None


def _ensure_compliance(as_of: dt.date) -> None:
    """The months the meetings rule reads, rebuilt where no row exists (a seed that made
    meetings but no rollup)."""
    this_month = rules.month_of(as_of)
    for back in range(rules.DEFAULTS[RuleKind.MEETINGS_MISSED].months, -1, -1):
        month = rules.add_months(this_month, -back)
        if not Compliance.objects.filter(month=month).exists():
            compliance.rollup_month(month)


def seed_rectification(
    *, as_of: dt.date | None = None, seed: int = 1, under: list[str] | None = None
) -> RectificationSeedResult:
    started = time.perf_counter()
    as_of = as_of or clock.today()
    generator = random.Random(seed * 104729 + 7)  # noqa: S311  # synthetic data
    _ensure_compliance(as_of)
    month = rules.add_months(rules.month_of(as_of), -1)
    found = detection.detect_month(month)
    result = RectificationSeedResult(detected=found.organizations)
    scope = under_any(under) if under else None
    taken = set(Rectification.objects.values_list("organization_id", flat=True))
    detected_rows = Detection.objects.filter(month=month)
    if scope is not None:
        detected_rows = detected_rows.filter(scope)
    reasons: dict[int, list[str]] = {}
    paths: dict[int, str] = {}
    for pk, path, reason in detected_rows.order_by("path", "kind").values_list(
        "organization_id", "path", "reason"
    ):
        reasons.setdefault(pk, []).append(reason)
        paths[pk] = path
    departments = _departments()
    now = clock.now()
    rectifications: list[Rectification] = []
    progress: list[tuple[int, list[Progress]]] = []
    for pk in sorted(reasons):
        if pk in taken or _draw(pk, seed) >= CONFIRMED_SHARE:
            continue
        user = _nearest(paths[pk], departments)
        months_ago = generator.randint(1, 5)
        confirmed_at = now - dt.timedelta(days=30 * months_ago + generator.randint(0, 20))
        without_plan = generator.random() < WITHOUT_PLAN_SHARE
        r = Rectification(
            organization_id=pk,
            year=confirmed_at.year,
            status=Status.CONFIRMED if without_plan else Status.RECTIFYING,
            reasons="；".join(reasons[pk]),
            confirmed_by_id=user,
            confirmed_at=confirmed_at,
        )
        if not without_plan:
            r.responsible_leader_id = user
            r.plan = generator.choice(PLANS)
            r.measures = "；".join(generator.sample(PROGRESS_TEXTS, 2))
            r.due_on = as_of + dt.timedelta(days=30 * generator.randint(1, 8))
        rectifications.append(r)
        entries = [] if without_plan else _progress(generator, confirmed_at, as_of, user)
        progress.append((len(rectifications) - 1, entries))
    # accepted ones, among branches not detected now
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True)
    if scope is not None:
        branches = branches.filter(scope)
    others = [
        (pk, path)
        for pk, path in branches.order_by("path").values_list("pk", "path").iterator(10_000)
        if pk not in reasons and pk not in taken and _draw(pk, seed + 1) < ACCEPTED_SHARE
    ]
    for pk, path in others:
        user = _nearest(path, departments)
        confirmed_at = now - dt.timedelta(days=30 * generator.randint(7, 11))
        accepted_at = now - dt.timedelta(days=generator.randint(10, 90))
        rectifications.append(
            Rectification(
                organization_id=pk,
                year=confirmed_at.year,
                status=Status.ACCEPTED,
                reasons=rules.DEFAULTS[RuleKind.MEETINGS_MISSED].text(),
                confirmed_by_id=user,
                confirmed_at=confirmed_at,
                responsible_leader_id=user,
                plan=generator.choice(PLANS),
                measures="；".join(generator.sample(PROGRESS_TEXTS, 2)),
                due_on=accepted_at.date(),
                accepted_by_id=user,
                accepted_at=accepted_at,
            )
        )
        entries = _progress(generator, confirmed_at, accepted_at.date(), user)
        progress.append((len(rectifications) - 1, entries))
        result.accepted += 1
    with transaction.atomic():
        Rectification.objects.bulk_create(rectifications, batch_size=5000)
        rows = []
        for index, entries in progress:
            for entry in entries:
                entry.rectification_id = rectifications[index].pk
                rows.append(entry)
        Progress.objects.bulk_create(rows, batch_size=5000)
    result.rectifications = len(rectifications)
    result.progress = len(rows)
    result.seconds = time.perf_counter() - started
    return result


def _draw(pk: int, seed: int) -> float:
    """A fixed draw in [0, 1) for the organization: a second run picks the same ones (and
    finds them taken), whatever else changed."""
    return ((pk * 2654435761 + seed * 40503) % 2**32) / 2**32


def _progress(
    generator: random.Random, since: dt.datetime, until: dt.date, user: int | None
) -> list[Progress]:
    """One entry a month from the month after confirming, some months skipped."""
    entries = []
    month = rules.add_months(rules.month_of(since.date()), 1)
    while month <= rules.month_of(until):
        if generator.random() < 0.85:
            year, number = divmod(month, 100)
            entries.append(
                Progress(
                    month=month,
                    text=generator.choice(PROGRESS_TEXTS),
                    recorded_by_id=user,
                    recorded_at=dt.datetime(year, number, 25, 16, tzinfo=clock.CHINA),
                )
            )
        month = rules.add_months(month, 1)
    return entries
