"""A year of points for the synthetic data set (`jiceng seed`, `jiceng load-demo`): every
month of the twelve before the data date (and the current one) posted from the seeded
attendance and handled cases through points.posting itself, so the seed takes the path the
periodic task takes; and a few manual awards (about 3 in 100 members a year, 5 to 20 points),
all naming one synthetic evidence file. Run again, it adds nothing (posting is idempotent,
awards are made once per member and year)."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.paths import under_any
from jiceng.members.models import Member, MemberStatus
from jiceng.orglife.rules import add_months, month_of
from jiceng.points.models import Award, PointsEntry, SourceKind
from jiceng.points.posting import db_datetime, insert_entries, post_month

EVIDENCE = "points/evidence/seed/表彰决定（模拟）.pdf"
AWARD_SHARE = 0.03
AWARD_REASONS = [
    "志愿服务表现突出",
    "抗洪抢险",
    "结对帮扶困难群众",
    "社区疫情防控",
    "带头化解矛盾纠纷",
]


@dataclass
class PointsSeedResult:
    posted: int = 0
    reversed: int = 0
    awards: int = 0
    seconds: float = 0.0


def seed_points(
    *, as_of: dt.date | None = None, seed: int = 1, under: list[str] | None = None
) -> PointsSeedResult:
    started = time.perf_counter()
    as_of = as_of or clock.today()
    result = PointsSeedResult()
    current = month_of(as_of)
    for month in [add_months(current, -i) for i in range(12, -1, -1)]:
        for posted in post_month(month).values():
            result.posted += posted.posted
            result.reversed += posted.reversed
    result.awards = _seed_awards(as_of=as_of, seed=seed, under=under)
    result.seconds = time.perf_counter() - started
    return result


def _seed_awards(*, as_of: dt.date, seed: int, under: list[str] | None) -> int:
    approver = User.objects.filter(is_superuser=True).order_by("pk").first() or (
        User.objects.order_by("pk").first()
    )
    if approver is None:
        return 0
    members = Member.objects.filter(status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY])
    if under:
        members = members.filter(under_any(under, "organization__path"))
    year = as_of.year
    done = set(
        PointsEntry.objects.filter(source_kind=SourceKind.AWARD, year=year).values_list(
            "member_id", flat=True
        )
    )
    generator = random.Random(seed * 7919 + year)  # noqa: S311  # synthetic data
    chosen: list[tuple[int, int]] = []
    for member_id, organization_id in (
        members.values_list("pk", "organization_id").order_by("pk").iterator(chunk_size=20_000)
    ):
        if generator.random() < AWARD_SHARE and member_id not in done:
            chosen.append((member_id, organization_id))
    if not chosen:
        return 0
    if not default_storage.exists(EVIDENCE):
        default_storage.save(EVIDENCE, ContentFile(b"%PDF-1.4\n% synthetic evidence\n%%EOF\n"))
    first = dt.datetime(year, 1, 1, 10, tzinfo=clock.CHINA)
    days = max(1, (as_of - first.date()).days)
    awards = []
    for member_id, _ in chosen:
        at = first + dt.timedelta(days=generator.randrange(days))
        awards.append(
            Award(
                member_id=member_id,
                points=generator.choice([5, 5, 10, 10, 10, 15, 20]),
                reason=generator.choice(AWARD_REASONS),
                evidence=EVIDENCE,
                evidence_type="application/pdf",
                approver=approver,
                awarded_at=at,
            )
        )
    Award.objects.bulk_create(awards, batch_size=5000)
    made = Award.objects.filter(awarded_at__year=year).exclude(
        pk__in=PointsEntry.objects.filter(source_kind=SourceKind.AWARD).values("source_id")
    )
    organization_of = dict(chosen)
    now = db_datetime(clock.now())
    rows = []
    for award in made.iterator(chunk_size=20_000):
        local = award.awarded_at.astimezone(clock.CHINA)
        rows.append(
            (
                award.member_id,
                organization_of.get(award.member_id)
                or Member.objects.values_list("organization_id", flat=True).get(pk=award.member_id),
                local.year,
                local.year * 100 + local.month,
                db_datetime(award.awarded_at),
                SourceKind.AWARD,
                award.pk,
                False,
                award.points,
                award.reason,
                approver.pk,
                now,
            )
        )
    insert_entries(rows)
    return len(rows)
