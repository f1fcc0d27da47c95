"""Residents' consent projects for the synthetic data set (`jiceng seed`), written in bulk:
the records the services write (jiceng/consent/services.py), made here as rows with their ids
and written by writer.BulkWriter. Through the services a project costs about 50 ms (a row lock
and a count per answer, the freezing), which is hours at scale 1.

Where a project goes is read from the division codes (divisions.kinds):
- a street (街道) gets lifts added to old buildings (加装电梯), three of its residents'
  committees (社区) each one six-floor unit, the ground floor's kitchen taken by the shaft;
- a town (镇) gets, in about two of five, the renovation of one old block in its seat's
  residents' committee (老旧小区改造: roof, outer walls, stair lights), no unit occupied;
- a township (乡), a village committee (村, detached houses with no shared common parts) and a
  zone run by a farm or a company get none.

Each project: its owners (some own two flats: one owner, one head, both areas; names and phones
sealed, masked, with the blind index the services find an owner by), one round closed months
ago with its answers and the count frozen at the deadline (`rules.tally` under the rule the
round copied, `queries.rule_for`: the Civil Code's art. 278 unless the city has its own), and
in some a round open now: a second round after one that failed, or a project registered days
ago, with part of the answers in (each answered before now). The tests recount every frozen
round with `queries.count_of` and answer an open round through the services.

A county that has a consent project is left alone: a rerun adds nothing."""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from jiceng.consent import queries, rules
from jiceng.consent.demo import COMPOUNDS, GIVEN, PROJECTS_PER_STREET, SURNAMES
from jiceng.consent.models import (
    AnswerChannel,
    Choice,
    ConsentAnswer,
    ConsentHousehold,
    ConsentOwner,
    ConsentProject,
    ConsentRound,
    ConsentRule,
    ProjectKind,
)
from jiceng.core import clock, crypto, masking
from jiceng.core.paths import under
from jiceng.divisions.kinds import TownshipKind, is_residents_committee, township_kind
from jiceng.divisions.models import Division, Level, common_name, short_code_of
from jiceng.orgs.models import Organization

from .writer import BulkWriter, IdRows, Table

TOWN_SHARE = 0.4  # towns with a renovation project
RECENT_SHARE = 0.2  # projects registered days ago, their first round open now
RETRY_SHARE = 0.6  # projects whose failed round is followed by one open now
PROJECT_COLUMNS = (
    "id",
    "community_id",
    "kind",
    "name",
    "building",
    "unit",
    "description",
    "created_at",
)
OWNER_COLUMNS = (
    "id",
    "project_id",
    "name_sealed",
    "name_masked",
    "phone_sealed",
    "phone_masked",
    "identity_index",
)
HOUSEHOLD_COLUMNS = ("id", "project_id", "room", "floor", "area", "owner_id", "is_occupied")
ROUND_COLUMNS = (
    "id",
    "project_id",
    "number",
    "opened_at",
    "deadline",
    "public_key",
    "rule_name",
    "participation_area",
    "participation_owners",
    "agreement_area",
    "agreement_owners",
    "occupied_must_agree",
    "frozen_at",
    "is_met",
    "result",
)
ANSWER_COLUMNS = (
    "id",
    "round_id",
    "owner_id",
    "choice",
    "channel",
    "objects_light",
    "objects_ventilation",
    "objects_noise",
    "note",
    "answered_at",
)
MODELS: dict[str, Any] = {
    "projects": ConsentProject,
    "owners": ConsentOwner,
    "households": ConsentHousehold,
    "rounds": ConsentRound,
    "answers": ConsentAnswer,
}
COLUMNS = {
    "projects": PROJECT_COLUMNS,
    "owners": OWNER_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "rounds": ROUND_COLUMNS,
    "answers": ANSWER_COLUMNS,
}
CHUNK = 20_000


@dataclass(frozen=True)
class Building:
    kind: ProjectKind
    floors: int
    flats: tuple[tuple[str, str], ...]  # (side, area) on each floor
    occupied: str  # the room the works take ("" none)
    description: str


LIFT = Building(
    ProjectKind.LIFT,
    6,
    (("01", "88.50"), ("02", "72.30")),
    "101",
    "拟在楼梯间北侧加装一部电梯，费用按楼层分摊，一楼不分摊。",
)
RENOVATION = Building(
    ProjectKind.RENOVATION,
    5,
    (("01", "76.20"), ("02", "63.80")),
    "",
    "对屋面防水、外墙保温和楼道照明进行改造，费用由政府补助和业主按面积分摊。",
)


@dataclass
class ConsentSeedResult:
    projects: int = 0
    lifts: int = 0
    renovations: int = 0
    rows: int = 0
    seconds: float = 0.0


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.CHINA)


class _Rows(IdRows):
    def __init__(self) -> None:
        super().__init__(MODELS)
        self.now = clock.now()
        self.today = clock.today()
        self.has_rules = ConsentRule.objects.exists()

    def project(
        self, rng: random.Random, community: Division, number: int, building: Building
    ) -> None:
        db_time = connection.ops.adapt_datetimefield_value
        block = f"{rng.randint(1, 30)}栋"
        if building.kind == ProjectKind.LIFT:
            unit = f"{rng.randint(1, 4)}单元"
            name = f"{COMPOUNDS[number % len(COMPOUNDS)]}小区{block}{unit}加装电梯"
        else:
            unit = ""
            name = f"{common_name(community.name)}{block}屋面及外墙改造"
        recent = rng.random() < RECENT_SHARE
        days_ago = rng.randint(5, 9) if recent else rng.randint(150, 300)
        opened = _at(self.today - dt.timedelta(days=days_ago))
        project = self.add(
            "projects",
            community.code,
            building.kind.value,
            name[:100],
            block,
            unit,
            building.description,
            db_time(opened - dt.timedelta(days=3)),
        )
        # owners by (name, phone): the services' blind index finds the same person again
        owner_of: dict[tuple[str, str], int] = {}
        units: list[rules.Unit] = []
        low: set[int] = set()
        last: tuple[str, str] | None = None
        for floor in range(1, building.floors + 1):
            for side, text in building.flats:
                if last is not None and rng.random() < 0.08:
                    person = last  # the neighbour below owns this one too
                else:
                    phone = f"139{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.85 else ""
                    person = (rng.choice(SURNAMES) + rng.choice(GIVEN), phone)
                last = person
                owner = owner_of.get(person)
                if owner is None:
                    owner = owner_of[person] = self.owner(project, *person)
                room = f"{floor}{side}"
                area = Decimal(text)
                occupied = room == building.occupied
                self.add("households", project, room, floor, area, owner, occupied)
                units.append(rules.Unit(owner, area, occupied))
                if floor <= 2:
                    low.add(owner)
        rule = queries.rule_for(community.code) if self.has_rules else rules.CIVIL_CODE
        owners = sorted(owner_of.values())
        if recent:
            self.ask(rng, project, 1, opened, owners, units, low, rule, is_open=True)
            return
        met = self.ask(rng, project, 1, opened, owners, units, low, rule, is_open=False)
        if not met and rng.random() < RETRY_SHARE:
            start = _at(self.today - dt.timedelta(days=rng.randint(2, 6)))
            self.ask(rng, project, 2, start, owners, units, low, rule, is_open=True)

    def owner(self, project: int, name: str, phone: str) -> int:
        return self.add(
            "owners",
            project,
            crypto.seal(name, field=queries.NAME_FIELD),
            masking.mask_name(name),
            crypto.seal(phone, field=queries.PHONE_FIELD) if phone else None,
            masking.mask_phone(phone) if phone else "",
            crypto.blind_index(f"{name}|{phone}", field=queries.NAME_FIELD),
        )

    def ask(
        self,
        rng: random.Random,
        project: int,
        number: int,
        start: dt.datetime,
        owners: list[int],
        units: list[rules.Unit],
        low: set[int],
        rule: rules.Rule,
        *,
        is_open: bool,
    ) -> bool:
        """A round's answers and, closed, its frozen count; whether the rule was met."""
        db_time = connection.ops.adapt_datetimefield_value
        deadline = start + dt.timedelta(days=14 if is_open else 30)
        answering = 0.5 if is_open else rng.choice((0.7, 0.95))
        agree = rng.choice((0.6, 0.85, 0.95))
        answers: dict[int, str] = {}
        answer_rows = []
        # answers spread over the time the round has been open (an open round's before now)
        span = (min(self.now, deadline) - start) * 0.9
        for i, owner in enumerate(owners):
            if rng.random() > answering:
                continue
            choice = (
                Choice.AGREE
                if rng.random() < agree
                else rng.choice((Choice.DISAGREE, Choice.ABSTAIN))
            )
            is_low = owner in low
            light = is_low and choice != Choice.AGREE
            noise = is_low and rng.random() < 0.3
            at = start + dt.timedelta(hours=1) + span * (i / len(owners))
            answers[owner] = choice.value
            answer_rows.append(
                (
                    owner,
                    choice.value,
                    AnswerChannel.PAPER.value,
                    light,
                    False,
                    noise,
                    "担心影响一楼采光" if light else "",
                    db_time(at),
                )
            )
        count = None if is_open else rules.tally(units, answers, rule)
        round_ = self.add(
            "rounds",
            project,
            number,
            db_time(start),
            db_time(deadline),
            secrets.token_urlsafe(12),
            rule.name,
            rules.fraction_text(rule.participation_area),
            rules.fraction_text(rule.participation_owners),
            rules.fraction_text(rule.agreement_area),
            rules.fraction_text(rule.agreement_owners),
            rule.occupied_must_agree,
            None if count is None else db_time(deadline),
            None if count is None else count.is_met,
            json.dumps({} if count is None else rules.as_record(count)),
        )
        for row in answer_rows:
            self.add("answers", round_, *row)
        return count is not None and count.is_met


def places(district: str) -> list[tuple[Division, Building]]:
    """The (community, kind of works) of a county's projects before the draws: every street's
    residents' committees for lifts, every town's for a renovation."""
    children: dict[str, list[Division]] = defaultdict(list)
    for community in Division.objects.filter(under(district, "code"), level=Level.VILLAGE).order_by(
        "code"
    ):
        if is_residents_committee(community.code):
            children[community.parent_id or ""].append(community)
    found: list[tuple[Division, Building]] = []
    for township in Division.objects.filter(under(district, "code"), level=Level.TOWNSHIP).order_by(
        "code"
    ):
        kind = township_kind(township.code)
        building = {TownshipKind.STREET: LIFT, TownshipKind.TOWN: RENOVATION}.get(kind)
        if building is not None:
            found.extend((c, building) for c in children[township.code])
    return found


def seed_consent(*, counties: Sequence[Organization], seed: int) -> ConsentSeedResult:
    """Projects in every county of `counties` that has none yet."""
    started = time.perf_counter()
    result = ConsentSeedResult()
    tables = {name: Table.of(MODELS[name], COLUMNS[name]) for name in MODELS}
    empty = not any(model.objects.exists() for model in MODELS.values())
    # asked before the load: while it runs, the tables' indexes may be dropped
    todo = [
        (i, district)
        for i, district in enumerate(short_code_of(c.division_id or "") for c in counties)
        if empty or not ConsentProject.objects.filter(under(district, "community_id")).exists()
    ]
    with BulkWriter(tables, defer_indexes=empty) as writer:
        state = _Rows()
        for i, district in todo:
            rng = random.Random(seed * 7919 + i)  # noqa: S311  # synthetic data
            by_township: dict[str, list[tuple[Division, Building]]] = defaultdict(list)
            for community, building in places(district):
                by_township[community.code[:9]].append((community, building))
            for township in sorted(by_township):
                candidates = by_township[township]
                if candidates[0][1] is LIFT:
                    chosen = rng.sample(candidates, min(PROJECTS_PER_STREET, len(candidates)))
                elif rng.random() < TOWN_SHARE:
                    chosen = [rng.choice(candidates)]
                else:
                    chosen = []
                for community, building in chosen:
                    state.project(rng, community, result.projects, building)
                    result.projects += 1
                    if building is LIFT:
                        result.lifts += 1
                    else:
                        result.renovations += 1
            if state.pending >= CHUNK:
                state.flush(writer)
        state.flush(writer)
        result.rows = writer.rows_written
    result.seconds = time.perf_counter() - started
    return result
