"""Monthly bills (每月应缴) for a whole subtree in one statement, and the branches' monthly
totals from them.

A bill is one row per member and month: INSERT ... SELECT straight from the member table, the
amount worked out in SQL from the member's latest base up to that year, or the fixed sum of
their category from the rate table in force (dues.rates does the same arithmetic in Python,
and a test holds the two together). ON CONFLICT DO NOTHING on (member, month) makes a second
run, or a run over a subtree that overlaps another, add only the bills still missing: the
monthly task may run twice. No row passes through Python, so a province's millions cost what
the database's own insert costs (bench/bench_dues.py).

Who is billed: full and probationary members (预备党员 from the month of the meeting that
admitted them, `joined_on`), at the organization they belong to when the bill is made. A
member whose dues are a percentage and who has no base yet is not billed; the branch page
lists them to have their base set."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from jiceng.accounts.models import User
from jiceng.core import audit
from jiceng.core.paths import under_sql
from jiceng.members.models import Member, MemberStatus
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization

from . import rates
from .checks import check_can_manage_dues
from .models import SUBSISTENCE, Bill, DuesBase, MonthTotal, SubtreeTotal
from .tables import table_for

BILLED_STATUSES = (MemberStatus.FULL.value, MemberStatus.PROBATIONARY.value)
# SQLite's page cache while a whole country's bills are written (KiB): the bill indexes of a
# month take a few hundred MB, and with the connection's usual 64 MB every insert into them
# reads pages back from disk. Put back afterwards.
BULK_CACHE_KIB = 1_048_576


@dataclass(frozen=True)
class BillingResult:
    created: int
    seconds: float


def fixed_amounts(year: int) -> dict[str, int]:
    """The fixed monthly sum of each fixed category in force in `year` (the farmers' default)."""
    table = table_for(year)
    return {
        category: rates.monthly_amount(table, category=category, base=None)
        for category in {r.category for r in table}
        if not rates.uses_base(table, category) and category != SUBSISTENCE
    }


def _subtree_filter(
    organization: Organization | None, *, column: str
) -> tuple[str, str, list[Any]]:
    """(join, condition, params) that keep the rows whose organization (`column`) lies under
    `organization`; for the whole tree nothing at all, not even the join."""
    if organization is None or organization.depth == 1:
        return "", "", []
    join = f" JOIN {Organization._meta.db_table} o ON o.id = {column}"
    return join, f" AND {under_sql('o.path', '%s')}", [organization.path, organization.path]


def generate_bills(
    *, organization: Organization | None, month: int, by: User | None
) -> BillingResult:
    """生成月度党费账单 for every member under `organization` (None: everyone) for `month`.
    Idempotent per member and month. The branches' totals of the month are rebuilt after."""
    started = time.perf_counter()
    if organization is not None:
        check_can_manage_dues(by, organization)
    year = month // 100
    fixed = fixed_amounts(year)
    # CASE over the fixed categories: their sum when no base row gives one.
    cases = " ".join("WHEN %s THEN %s" for _ in fixed)
    fallback = f"CASE m.category {cases} ELSE NULL END" if fixed else "NULL"
    case_params: list[Any] = [v for pair in fixed.items() for v in pair]
    join, where, where_params = _subtree_filter(organization, column="m.organization_id")
    bill, base, member = Bill._meta.db_table, DuesBase._meta.db_table, "members_member"
    sql = f"""
        INSERT INTO {bill} (member_id, organization_id, month, amount, payment_id)
        SELECT d.id, d.organization_id, %s, d.amount, NULL FROM (
            SELECT m.id, m.organization_id,
                   COALESCE(
                       (SELECT COALESCE(b.reduced_amount, b.standard_amount) FROM {base} b
                         WHERE b.member_id = m.id AND b.year <= %s
                         ORDER BY b.year DESC LIMIT 1),
                       {fallback}) AS amount
            FROM {member} m{join}
            WHERE m.status IN (%s, %s) AND m.joined_on <= %s{where}
        ) d
        WHERE d.amount IS NOT NULL
        ON CONFLICT (member_id, month) DO NOTHING
    """  # noqa: S608  (table names are the models'; every value is a parameter)
    params: list[Any] = [
        month,
        year,
        *case_params,
        *BILLED_STATUSES,
        rates.month_end(month),
        *where_params,
    ]
    with transaction.atomic(), bulk_cache():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created = max(cursor.rowcount, 0)
        refresh_totals(organization=organization, month=month)
    if by is not None:
        audit.record(
            audit.AuditEvent.WRITE,
            action="dues.generate_bills",
            target=organization,
            detail={"month": month, "created": created},
            user=by,
        )
    return BillingResult(created=created, seconds=time.perf_counter() - started)


@contextmanager
def bulk_cache() -> Iterator[None]:
    """A large SQLite page cache for the duration (elsewhere: nothing)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        saved = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {saved}")


def refresh_totals(*, organization: Organization | None, month: int) -> int:
    """Rebuilds the month's totals of every branch under `organization` from the bills (the
    monthly generation does it; so can anyone who doubts the incremental updates)."""
    join, where, where_params = _subtree_filter(organization, column="x.organization_id")
    total, bill = MonthTotal._meta.db_table, Bill._meta.db_table
    organizations = Organization._meta.db_table
    inside = f" AND organization_id IN (SELECT o.id FROM {organizations} o WHERE 1 = 1{where})"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {total} WHERE month = %s{inside if where else ''}",  # noqa: S608
            [month, *where_params],
        )
        cursor.execute(
            f"""
            INSERT INTO {total} (organization_id, month, expected, collected, billed, paid)
            SELECT x.organization_id, x.month, SUM(x.amount),
                   SUM(CASE WHEN x.payment_id IS NOT NULL THEN x.amount ELSE 0 END),
                   COUNT(*),
                   SUM(CASE WHEN x.payment_id IS NOT NULL OR x.amount = 0 THEN 1 ELSE 0 END)
            FROM {bill} x{join}
            WHERE x.month = %s{where}
            GROUP BY x.organization_id, x.month
            """,  # noqa: S608
            [month, *where_params],
        )
        rebuilt = int(max(cursor.rowcount, 0))
    roll_up_totals(organization=organization, month=month)
    return rebuilt


TOTALS = ("expected", "collected", "billed", "paid")


@transaction.atomic
def roll_up_totals(*, organization: Organization | None, month: int) -> None:
    """Rebuilds the month's subtree totals (SubtreeTotal) of every organization under
    `organization` (None: everyone) from the branches' MonthTotal rows, and moves its
    ancestors' rows by the change of its own.

    One grouped statement per depth below the top: each branch's row is added to its ancestor
    at that depth (the prefix of its path, an equality on the path index). A national month
    costs the branches' rows times the depth, once a month in the monthly task, never a page.
    """
    top = organization if organization is not None and organization.depth > 1 else None
    before = _subtree_row(top, month) if top is not None else None
    total, subtree = MonthTotal._meta.db_table, SubtreeTotal._meta.db_table
    organizations = Organization._meta.db_table
    inside, inside_params = "", []
    if top is not None:
        inside = f" AND {under_sql('o.path', '%s')}"
        inside_params = [top.path, top.path]
    with connection.cursor() as cursor:
        within = f" AND organization_id IN (SELECT o.id FROM {organizations} o WHERE 1 = 1{inside})"  # noqa: S608
        cursor.execute(
            f"DELETE FROM {subtree} WHERE month = %s{within if top is not None else ''}",  # noqa: S608
            [month, *inside_params],
        )
        cursor.execute(f"SELECT COALESCE(MAX(depth), 0) FROM {organizations}")  # noqa: S608
        deepest = int(cursor.fetchone()[0])
        sums = ", ".join(f"SUM(t.{column})" for column in TOTALS)
        for depth in range(top.depth if top is not None else 1, deepest + 1):
            cursor.execute(
                f"""
                INSERT INTO {subtree} (organization_id, month, {", ".join(TOTALS)})
                SELECT a.id, t.month, {sums}
                FROM {total} t
                JOIN {organizations} o ON o.id = t.organization_id
                JOIN {organizations} a ON a.path = SUBSTR(o.path, 1, %s)
                WHERE t.month = %s AND o.depth >= %s{inside}
                GROUP BY a.id, t.month
                """,  # noqa: S608 - table and column names are ours; values are parameters
                [depth * Organization.steplen, month, depth, *inside_params],
            )
    if top is None:
        return
    after = _subtree_row(top, month)
    change = {c: after.get(c, 0) - (before or {}).get(c, 0) for c in TOTALS}
    add_to_ancestors(path=top.path, month=month, change=change, include_self=False)


def _subtree_row(organization: Organization, month: int) -> dict[str, int]:
    found = (
        SubtreeTotal.objects.filter(organization=organization, month=month).values(*TOTALS).first()
    )
    return found or {}


def add_to_ancestors(
    *, path: str, month: int, change: dict[str, int], include_self: bool = True
) -> None:
    """Adds `change` (expected, collected, billed, paid) to the month's subtree totals of the
    organization at `path` and of each organization above it: one statement on the path index
    whatever the depth, and a row made for those that had none."""
    if not any(change.values()):
        return
    step = Organization.steplen
    end = len(path) + (1 if include_self else 1 - step)
    paths = [path[:i] for i in range(step, end, step)]
    rows = SubtreeTotal.objects.filter(organization__path__in=paths, month=month)
    rows.update(**{c: F(c) + n for c, n in change.items() if n})
    have = set(rows.values_list("organization__path", flat=True))
    missing = Organization.objects.filter(path__in=[p for p in paths if p not in have])
    SubtreeTotal.objects.bulk_create(
        [
            SubtreeTotal(
                organization_id=pk, month=month, **{c: max(n, 0) for c, n in change.items()}
            )
            for pk in missing.values_list("pk", flat=True)
        ]
    )


def follow_move(
    *, organization: Organization, old_parent_path: str, new_parent_path: str, **_: object
) -> None:
    """The receiver of orgs.signals.organization_moved (connected in DuesConfig.ready): every
    month's totals of the moved subtree leave its old ancestors and join its new ones, in the
    move's transaction, so no department sees them twice or not at all until a rebuild."""
    rollups.move_keyed_rows(
        SubtreeTotal,
        key="month",
        columns=TOTALS,
        organization=organization,
        old_parent_path=old_parent_path,
        new_parent_path=new_parent_path,
    )


def rebill(*, member: Member, months: tuple[int, int], amount: int) -> int:
    """The member's unpaid bills of the months first..last (inclusive) at a new amount (an
    approved reduction), and their branches' totals rebuilt. How many bills changed."""
    first, last = months
    bills = Bill.objects.filter(
        member=member, month__gte=first, month__lte=last, payment__isnull=True
    )
    touched = list(bills.values_list("organization_id", "month").distinct())
    changed = bills.update(amount=amount)
    for organization_id, month in touched:
        branch = Organization.objects.get(pk=organization_id)
        refresh_totals(organization=branch, month=month)
    return changed
