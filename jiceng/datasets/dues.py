"""A year of dues for the synthetic data set (`jiceng seed`, `jiceng dues-seed` for a database
seeded before, and the demo): each employed and retired member's base, the bills of the twelve
months up to the data date's month, and the payments, most members paying by the quarter,
a few percent three or more months behind and fewer six or more (the 自行脱党 flag).

Rows are generated here with their ids and go through writer.BulkWriter (executemany on
SQLite, COPY on PostgreSQL), member by member in chunks, so a province's millions are never in
memory at once; the branches' monthly totals are then built from the bills by
dues.billing.refresh_totals (one grouped statement a month)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max

from jiceng.core import clock
from jiceng.core.paths import under_any
from jiceng.dues import billing, rates
from jiceng.dues.models import Bill, DuesBase, MonthTotal, Payment, PaymentMethod
from jiceng.dues.tables import table_for
from jiceng.members.models import Category, Member, MemberStatus
from jiceng.orgs.models import Organization

from .writer import BulkWriter, Table

BASE_COLUMNS = ("id", "member_id", "year", "category", "base", "standard_amount", "set_at")
BILL_COLUMNS = ("id", "member_id", "organization_id", "month", "amount", "payment_id")
PAYMENT_COLUMNS = (
    "id",
    "organization_id",
    "member_id",
    "amount",
    "method",
    "reference",
    "paid_on",
    "first_month",
    "last_month",
    "months",
    "receipt_year",
    "receipt_number",
    "recorded_at",
)
BEHIND_3 = 0.04  # members three to five months behind
BEHIND_6 = 0.012  # six to eleven months behind
PAID_THIS_MONTH = 0.3  # of the others, already paid the running month
CHUNK = 50_000


@dataclass
class DuesSeedResult:
    bases: int = 0
    bills: int = 0
    payments: int = 0
    seconds: float = 0.0


def _next_id(model: type[DuesBase] | type[Bill] | type[Payment]) -> int:
    return (model.objects.aggregate(n=Max("pk"))["n"] or 0) + 1


def _base_of(category: str, generator: random.Random) -> int:
    """A monthly after-tax base in fen: employed around 4,000–9,000 yuan, retired lower."""
    if category == Category.EMPLOYED:
        return round(generator.lognormvariate(8.7, 0.45)) * 100
    return round(generator.lognormvariate(8.2, 0.35)) * 100


class _Year:
    """The generator's state: the next ids, each organization's last receipt number."""

    def __init__(self, *, as_of: dt.date, seed: int, behind: frozenset[int]) -> None:
        self.as_of = as_of
        self.current = rates.month_of(as_of)
        self.months = [rates.add_months(self.current, -i) for i in range(11, -1, -1)]
        self.years = sorted({m // 100 for m in self.months})
        self.tables = {y: table_for(y) for y in self.years}
        self.fixed = {
            y: {
                c: rates.monthly_amount(t, category=c, base=None)
                for c in Category.values
                if not rates.uses_base(t, c)
            }
            for y, t in self.tables.items()
        }
        self.generator = random.Random(seed * 6151 + 13)  # noqa: S311  # synthetic data
        self.next_base = _next_id(DuesBase)
        self.next_bill = _next_id(Bill)
        self.next_payment = _next_id(Payment)
        self.receipts: dict[tuple[int, int], int] = {
            (org, year): n or 0
            for org, year, n in Payment.objects.values_list("organization_id", "receipt_year")
            .annotate(n=Max("receipt_number"))
            .order_by()
        }
        self.behind = behind
        self.forced: dict[int, int] = {}
        # as the database takes them, made once (SQLite's adapters per row took 6% of this seed)
        self.now = connection.ops.adapt_datetimefield_value(clock.now())
        self.days: dict[dt.date, object] = {}
        self.bases: list[tuple[object, ...]] = []
        self.bills: list[tuple[object, ...]] = []
        self.payments: list[tuple[object, ...]] = []

    def day(self, value: dt.date) -> object:
        found = self.days.get(value)
        if found is None:
            found = self.days[value] = connection.ops.adapt_datefield_value(value)
        return found

    def owed_months(self, organization_id: int) -> int:
        """How many months up to last month the member leaves unpaid (0: none)."""
        if organization_id in self.behind:
            done = self.forced.get(organization_id, 0)
            if done < 2:
                self.forced[organization_id] = done + 1
                return (4, 7)[done]
        draw = self.generator.random()
        if draw < BEHIND_6:
            return self.generator.randint(6, 11)
        if draw < BEHIND_6 + BEHIND_3:
            return self.generator.randint(3, 5)
        return 0

    def member(self, pk: int, organization_id: int, category: str, joined_on: dt.date) -> None:
        generator = self.generator
        amounts: dict[int, int] = {}
        if category in rates.PERCENT_CATEGORIES:
            base = _base_of(category, generator)
            for year in self.years:
                amount = rates.monthly_amount(self.tables[year], category=category, base=base)
                self.bases.append((self.next_base, pk, year, category, base, amount, self.now))
                self.next_base += 1
                amounts[year] = amount
        else:
            amounts = {y: self.fixed[y].get(category, 0) for y in self.years}
        first = rates.month_of(joined_on)
        billed = [m for m in self.months if m >= first]
        if not billed:
            return
        owed = self.owed_months(organization_id)
        paid_this_month = owed == 0 and generator.random() < PAID_THIS_MONTH
        # unpaid: the last `owed` months before this one, and this one unless paid already
        earlier = [m for m in billed if m < self.current]
        unpaid = set(earlier[len(earlier) - owed :] if owed else [])
        if not paid_this_month:
            unpaid.add(self.current)
        paid = [m for m in billed if m not in unpaid]
        # paid by the quarter (a lump of up to three months), on the 10th after its last month
        lumps: list[list[int]] = []
        for m in paid:
            if (
                lumps
                and (m % 100 - 1) // 3 == (lumps[-1][-1] % 100 - 1) // 3
                and (m // 100 == lumps[-1][-1] // 100)
            ):
                lumps[-1].append(m)
            else:
                lumps.append([m])
        payment_of: dict[int, int] = {}
        for lump in lumps:
            paid_on = min(
                rates.month_start(rates.add_months(lump[-1], 1)).replace(day=10), self.as_of
            )
            if lump[-1] == self.current:
                paid_on = self.as_of
            year = paid_on.year
            number = self.receipts.get((organization_id, year), 0) + 1
            self.receipts[organization_id, year] = number
            amount = sum(amounts[m // 100] for m in lump)
            self.payments.append(
                (
                    self.next_payment,
                    organization_id,
                    pk,
                    amount,
                    PaymentMethod.CASH.value,
                    "",
                    self.day(paid_on),
                    lump[0],
                    lump[-1],
                    len(lump),
                    year,
                    number,
                    self.now,
                )
            )
            for m in lump:
                payment_of[m] = self.next_payment
            self.next_payment += 1
        for m in billed:
            amount = amounts[m // 100]
            self.bills.append((self.next_bill, pk, organization_id, m, amount, payment_of.get(m)))
            self.next_bill += 1

    def flush(self, writer: BulkWriter, result: DuesSeedResult) -> None:
        writer.write("bases", self.bases)
        writer.write("payments", self.payments)
        writer.write("bills", self.bills)
        result.bases += len(self.bases)
        result.payments += len(self.payments)
        result.bills += len(self.bills)
        self.bases, self.bills, self.payments = [], [], []


def seed_dues(
    *,
    as_of: dt.date | None = None,
    seed: int = 1,
    under: list[str] | None = None,
    behind: frozenset[int] = frozenset(),
) -> DuesSeedResult:
    """A year of dues for the members under the paths `under` (everyone when None) of the
    branches that have none yet; run again, it adds nothing. In the branches `behind` (the
    demo's) the first two members by name are sure to owe: one four months, one seven."""
    started = time.perf_counter()
    state = _Year(as_of=as_of or clock.today(), seed=seed, behind=behind)
    members = Member.objects.filter(status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY])
    if under:
        members = members.filter(under_any(under, "organization__path"))
    done = set(
        MonthTotal.objects.filter(month__in=state.months).values_list("organization_id", flat=True)
    )
    rows = members.values_list("pk", "organization_id", "category", "joined_on").order_by(
        "organization_id", "name", "pk"
    )
    result = DuesSeedResult()
    tables = {
        "bases": Table.of(DuesBase, BASE_COLUMNS),
        "bills": Table.of(Bill, BILL_COLUMNS),
        "payments": Table.of(Payment, PAYMENT_COLUMNS),
    }
    # Into empty tables the indexes are built once at the end, whatever `under` covers: for a
    # province of 105,004 members 24.3 s against 35.8 s with them kept (SQLite).
    empty = not Bill.objects.exists()
    with BulkWriter(tables, defer_indexes=empty) as writer:
        count = 0
        for pk, organization_id, category, joined_on in rows.iterator(chunk_size=20_000):
            if organization_id in done:
                continue
            state.member(pk, organization_id, category, joined_on)
            count += 1
            if count % CHUNK == 0:
                state.flush(writer, result)
        state.flush(writer, result)
    roots = _roots(under)
    for month in state.months:
        for root in roots:
            billing.refresh_totals(organization=root, month=month)
    result.seconds = time.perf_counter() - started
    return result


def _roots(under: Iterable[str] | None) -> list[Organization | None]:
    if not under:
        return [None]
    return list(Organization.objects.filter(path__in=list(under)))
