"""Village collective incomes and led cooperatives for the synthetic data set (`jiceng seed`),
written in bulk: the same records as the demo's (jiceng/cooperatives/demo.py, through the
services), made here as rows with their ids and written by writer.BulkWriter (executemany on
SQLite, COPY on PostgreSQL). Through the services a village costs about 12.6 ms (a weak-line
query, the weak-village rebuild and a row lock per write), which is hours at scale 1.

Each village organization (the topmost in its village) gets four years of income; about two in
five lead a cooperative with 8-20 member households (names sealed in batches, masked) and three
years of accounts. The rows keep the services' rules, and the tests prove it on a seeded county:
no member above a fifth of the shares, what a year takes from its surplus never above it, years
from the registration to last year, operating income within the total, and the weak-village rows
exactly what `services.track_village` rebuilds from the incomes (the line: `services.line_for`,
the settings' unless a province or city set its own).

A county whose villages have an income already is left alone: a rerun adds nothing."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from jiceng.cooperatives import services
from jiceng.cooperatives.demo import COOPERATIVE_SHARE, GIVEN, SURNAMES, TRADES, YEARS
from jiceng.cooperatives.models import (
    Cooperative,
    CooperativeMember,
    CooperativeYear,
    VillageIncome,
    WeakLine,
    WeakVillage,
)
from jiceng.core import clock, masking
from jiceng.core.paths import under
from jiceng.orgs.models import Organization, Sector

from .sealing import BatchSealer
from .writer import BulkWriter, IdRows, Table

INCOME_COLUMNS = ("id", "village_id", "year", "total", "operating", "recorded_at")
WEAK_COLUMNS = ("id", "village_id", "path", "first_year", "cleared_year")
COOPERATIVE_COLUMNS = ("id", "village_id", "name", "registered_on", "business", "collective_shares")
MEMBER_COLUMNS = (
    "id",
    "cooperative_id",
    "head_sealed",
    "head_masked",
    "land_mu",
    "cash",
    "labour_days",
    "shares",
    "joined_on",
)
YEAR_COLUMNS = (
    "id",
    "cooperative_id",
    "year",
    "income",
    "profit",
    "reserve",
    "collective_share",
    "dividends_paid",
)
MODELS: dict[str, Any] = {
    "incomes": VillageIncome,
    "weak": WeakVillage,
    "cooperatives": Cooperative,
    "members": CooperativeMember,
    "years": CooperativeYear,
}
COLUMNS = {
    "incomes": INCOME_COLUMNS,
    "weak": WEAK_COLUMNS,
    "cooperatives": COOPERATIVE_COLUMNS,
    "members": MEMBER_COLUMNS,
    "years": YEAR_COLUMNS,
}
CHUNK = 50_000  # rows held before they are written
CENT = Decimal("0.01")


@dataclass
class CooperativeSeedResult:
    villages: int = 0
    cooperatives: int = 0
    rows: int = 0
    seconds: float = 0.0


def _yuan(value: float) -> Decimal:
    return Decimal(round(value)).quantize(CENT)


def weak_spans(
    incomes: Sequence[tuple[int, Decimal, Decimal]], line: services.Line
) -> list[tuple[int, int | None]]:
    """(first year, cleared year) of each stretch under the line, from (year, total, operating)
    in year order: what services.track_village writes (the tests hold the two together)."""
    spans: list[tuple[int, int | None]] = []
    opened: int | None = None
    for year, total, operating in incomes:
        weak = services.is_weak(total, operating, line)
        if weak and opened is None:
            opened = year
        elif not weak and opened is not None:
            spans.append((opened, year))
            opened = None
    if opened is not None:
        spans.append((opened, None))
    return spans


class _Rows(IdRows):
    """The generator's state: the next id of each table, the rows not yet written, and the
    members' names to seal in batches."""

    def __init__(self) -> None:
        super().__init__(MODELS)
        self.heads: list[tuple[int, str]] = []  # (row index in members, name): sealed at flush
        self.sealers: dict[int, BatchSealer] = {}
        self.now = connection.ops.adapt_datetimefield_value(clock.now())
        self.today = clock.today()
        self.last = self.today.year - 1
        self.default_line = services.line_for(None)
        self.has_lines = WeakLine.objects.exists()

    def village(self, rng: random.Random, pk: int, path: str, name: str, division: str) -> None:
        """Four years of income, the weak-village rows, and maybe a cooperative (the demo's
        draws, in the demo's order)."""
        weak = rng.random() < 0.3
        total = rng.uniform(30_000, 95_000) if weak else rng.uniform(120_000, 900_000)
        leads = rng.random() < COOPERATIVE_SHARE
        incomes = []
        for year in range(self.last - YEARS + 1, self.last + 1):
            total *= rng.uniform(1.05, 1.45) if leads else rng.uniform(0.95, 1.12)
            row = (year, _yuan(total), _yuan(total * rng.uniform(0.35, 0.7)))
            incomes.append(row)
            self.add("incomes", pk, *row, self.now)
        line = services.line_for(division) if self.has_lines else self.default_line
        for first, cleared in weak_spans(incomes, line):
            self.add("weak", pk, path, first, cleared)
        if leads:
            self.cooperative(rng, pk, name, self.last - 2)

    def cooperative(self, rng: random.Random, village: int, name: str, first_year: int) -> None:
        suffix, business = rng.choice(TRADES)
        place = name.removesuffix("党支部").removesuffix("党总支").removesuffix("党委")
        registered_on = dt.date(first_year - 1, rng.randint(1, 12), 1)
        collective = Decimal(rng.choice((200, 300, 400)))
        cooperative = self.add(
            "cooperatives", village, f"{place}{suffix}"[:100], registered_on, business, collective
        )
        held = collective
        for _ in range(rng.randint(8, 20)):
            land = Decimal(rng.choice((0, 1, 2, 3, 5))) + Decimal("0.5") * rng.randint(0, 1)
            cash = Decimal(rng.choice((0, 0, 5000, 10000, 20000)))
            labour = Decimal(rng.choice((0, 0, 30, 60)))
            if not (land or cash or labour):
                land = Decimal(2)
            shares = (land * 2 + cash / 5000 + labour / 30).quantize(CENT)
            head = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if shares * 5 > held + shares:  # the services' 20% rule (200+ collective shares
                continue  # keep every household far under it)
            held += shares
            self.heads.append((len(self.rows["members"]), head))
            self.add(
                "members",
                cooperative,
                b"",
                masking.mask_name(head),
                land,
                cash,
                labour,
                shares,
                self.today,
            )
        scale = rng.uniform(300_000, 2_000_000)
        for year in range(first_year, self.today.year):
            income = scale * rng.uniform(0.8, 1.3)
            profit = income * rng.uniform(0.08, 0.2)
            self.add(
                "years",
                cooperative,
                year,
                _yuan(income),
                _yuan(profit),
                _yuan(profit * 0.1),
                _yuan(profit * 0.3),
                _yuan(profit * 0.55),
            )

    def seal_heads(self) -> None:
        """The heads' names sealed a batch per length (BatchSealer seals one length)."""
        by_length: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for index, head in self.heads:
            by_length[len(head.encode())].append((index, head))
        members = self.rows["members"]
        for length, items in by_length.items():
            sealer = self.sealers.get(length)
            if sealer is None:
                sealer = self.sealers[length] = BatchSealer(
                    field=services.HEAD_FIELD, length=length
                )
            for (index, _), sealed in zip(items, sealer.seal([h for _, h in items]), strict=True):
                row = members[index]
                members[index] = (row[0], row[1], sealed, *row[3:])
        self.heads = []

    def flush(self, writer: BulkWriter) -> None:
        self.seal_heads()
        super().flush(writer)


def seed_cooperatives(*, counties: Sequence[Organization], seed: int) -> CooperativeSeedResult:
    """Incomes and cooperatives in every county of `counties` whose villages have none yet."""
    started = time.perf_counter()
    result = CooperativeSeedResult()
    tables = {name: Table.of(MODELS[name], COLUMNS[name]) for name in MODELS}
    empty = not any(model.objects.exists() for model in MODELS.values())
    # asked before the load: while it runs, the tables' indexes may be dropped
    todo = [
        (i, county)
        for i, county in enumerate(counties)
        if empty or not VillageIncome.objects.filter(under(county.path, "village__path")).exists()
    ]
    with BulkWriter(tables, defer_indexes=empty) as writer:
        state = _Rows()
        for i, county in todo:
            rng = random.Random(seed * 7919 + i)  # noqa: S311  # synthetic data
            seen: set[str | None] = set()
            for pk, path, name, division in (
                Organization.objects.filter(
                    under(county.path), sector=Sector.VILLAGE, dissolved_on__isnull=True
                )
                .order_by("path")
                .values_list("pk", "path", "name", "division_id")
            ):
                if division in seen:  # the topmost organization of each village
                    continue
                seen.add(division)
                state.village(rng, pk, path, name, division or "")
                result.villages += 1
            if state.pending >= CHUNK:
                state.flush(writer)
        state.flush(writer)
        result.rows = writer.rows_written
    result.cooperatives = state.next["cooperatives"] - state.first["cooperatives"]
    result.seconds = time.perf_counter() - started
    return result
