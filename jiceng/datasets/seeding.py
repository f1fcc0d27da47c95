"""`jiceng seed`: the national data set written into the database.

The parent process reads the divisions, chooses the counties, lays out the tree above them
(the national root, provinces, cities) and hands out id ranges; worker processes generate and
encrypt one county at a time (national.generate_county, the costly part: about 30 µs a member);
the parent writes each county's rows as they come back, in county order, so the database is the
same whichever worker made what. Counties already in the tree are skipped, so seeding more
counties into a seeded database adds them, and the rollups of the nodes above stay right.

Ids are handed out before anything is written (from the tables' largest ids), so nothing else
may write organizations or members while a seed runs; one that did would make the load fail
and roll back, not mix rows.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, TypeVar

from django.db import connection
from django.db.models import F

from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.core.paths import under
from jiceng.divisions.models import Division
from jiceng.members.models import Member
from jiceng.orgs.models import Committee, CommitteeSeat, Organization, OrgKind, PartyGroup

from . import national
from .national import County, CountyRows, CountyTask, Totals
from .writer import BulkWriter, Table, format_rows

T = TypeVar("T")
R = TypeVar("R")

# Below this many members a load keeps its indexes: rebuilding them costs more than it saves.
DEFER_INDEXES_FROM = 100_000


@dataclass
class SeedResult:
    counties: list[str] = field(default_factory=list)  # codes seeded
    skipped: list[str] = field(default_factory=list)  # codes already in the tree
    organizations: int = 0
    members: int = 0
    committees: int = 0
    seats: int = 0
    party_groups: int = 0
    seconds: float = 0.0
    stats: Counter[str] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        return self.organizations + self.members + self.committees + self.seats + self.party_groups


@dataclass
class Upper:
    """A node above the counties (the root, a province, a city): existing or new."""

    id: int
    path: str
    name: str
    kind: str
    division: str | None
    existing: bool
    next_child: int  # ordinal of the next child to add
    added_children: int = 0
    rollup: list[int] = field(default_factory=lambda: [0, 0, 0])  # members, branches, orgs

    def child_path(self) -> str:
        path = self.path + national.path_step(self.next_child)
        self.next_child += 1
        self.added_children += 1
        return path


def tables() -> dict[str, Table]:
    return {
        "organizations": Table.of(Organization, national.ORGANIZATION_COLUMNS),
        "party_groups": Table.of(PartyGroup, national.PARTY_GROUP_COLUMNS),
        "members": Table.of(Member, national.MEMBER_COLUMNS),
        "committees": Table.of(Committee, national.COMMITTEE_COLUMNS),
        "seats": Table.of(CommitteeSeat, national.SEAT_COLUMNS),
    }


def county_weights() -> dict[str, int]:
    """Village-level divisions under each county-level unit (by the first 6 digits)."""
    table = connection.ops.quote_name(Division._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT substr(code, 1, 6), COUNT(*) FROM {table} "  # noqa: S608 - our table's name
            "WHERE level = 5 GROUP BY substr(code, 1, 6)"
        )
        return dict(cursor.fetchall())


def load_counties(prefixes: Sequence[str]) -> list[County]:
    """The counties with these 6-digit prefixes, their divisions and what lies above them."""
    rows: list[tuple[str, str, int, str | None]] = list(
        Division.objects.filter(level__lte=3).values_list("code", "name", "level", "parent_id")
    )
    for prefix in prefixes:
        rows.extend(
            Division.objects.filter(
                code__gte=prefix + "000000", code__lte=prefix + "999999"
            ).values_list("code", "name", "level", "parent_id")
        )
    found = {c.area_code: c for c in national.build_counties(rows)}
    return [found[p] for p in prefixes if p in found]


def normalize_codes(codes: Iterable[str], weights: dict[str, int]) -> list[str]:
    """The 6-digit prefixes of the counties the codes name: a county's code (6 or 12 digits) is
    that county; a province's or a city's (2 or 4 digits, or 6 or 12 ending in zeros) is every
    county under it that has villages, as a scale-1 seed would make them."""
    prefixes = []
    for raw in codes:
        code = raw.strip()
        if not code.isdigit() or len(code) not in (2, 4, 6, 12):
            raise InvalidInput(f"区划代码“{code}”不是有村级区划的县级单位")
        significant = len(code.rstrip("0")) if len(code) > 4 else len(code)
        if significant <= 4:
            area = code[:2] if significant <= 2 else code[:4]
            under = [prefix for prefix in weights if prefix.startswith(area)]
            if not under:
                raise InvalidInput(f"区划代码“{code}”之下没有有村级区划的县级单位")
            prefixes.extend(under)
            continue
        prefix = code[:6].ljust(6, "0")
        if prefix not in weights:
            raise InvalidInput(f"区划代码“{code}”不是有村级区划的县级单位")
        prefixes.append(prefix)
    return sorted(set(prefixes))


def seed(
    *,
    scale: float = 1.0,
    seed: int = 1,
    counties: Sequence[str] | None = None,
    workers: int = 2,
    as_of: dt.date | None = None,
    defer_indexes: bool | None = None,
    progress: Callable[[str], None] | None = None,
    progress_every: int = 10,
) -> SeedResult:
    """Generate and write the data set (生成全国模拟数据). `counties` (codes) instead of `scale`
    seeds exactly those; counties already in the tree are skipped."""
    started = time.perf_counter()
    say = progress or (lambda line: None)
    as_of = as_of or clock.today()
    if not 0 < scale <= 1:
        raise InvalidInput("规模应在0到1之间（1为全国）")
    weights = county_weights()
    if not weights:
        raise InvalidInput("行政区划表为空，请先运行 jiceng load-divisions")
    if counties:
        prefixes = normalize_codes(counties, weights)
    else:
        prefixes = national.choose_counties(weights, scale=scale, seed=seed)
    chosen = load_counties(prefixes)
    result = SeedResult()
    existing_counties = set(
        Organization.objects.filter(
            kind=OrgKind.LOCAL_COMMITTEE, division_id__in=[c.division.code for c in chosen]
        ).values_list("division_id", flat=True)
    )
    result.skipped = sorted(c.area_code for c in chosen if c.division.code in existing_counties)
    chosen = [c for c in chosen if c.division.code not in existing_counties]
    if not chosen:
        result.seconds = time.perf_counter() - started
        return result
    say(f"选定 {len(chosen)} 个县级单位（规模 {scale:g}，种子 {seed}，数据日期 {as_of:%Y-%m-%d}）")

    next_ids = {name: _next_id(t.model) for name, t in tables().items()}
    uppers, parents = _lay_out_upper(chosen, next_ids)
    # Worker processes format PostgreSQL's rows too (writer.format_rows, binary COPY), so the
    # writer, one process beside the two generating ones, only sends them, and the server parses
    # no text: at scale 0.05 on 2 cores the tree took 86 s with the writer formatting text COPY,
    # 81-84 s with the workers formatting text, 72-81 s with binary (bench/RESULTS.md).
    formatted = connection.vendor == "postgresql" and workers > 0
    # created_at / updated_at: as the database takes them as text (national.PackedCounty), or
    # as the moment itself for rows formatted in the worker
    moment = dt.datetime.combine(as_of, dt.time(9), tzinfo=clock.CHINA)
    stamp = moment if formatted else str(connection.ops.adapt_datetimefield_value(moment))
    tasks = [CountyTask(c, seed, as_of, stamp=stamp, native=formatted) for c in chosen]
    with _workers(workers) as pool:
        counts = list(_map(pool, national.plan_totals, tasks))
        planned = Totals(*(sum(getattr(t, f) for t in counts) for f in Totals.__dataclass_fields__))
        say(f"规划完成：党组织 {planned.organizations:,} 个，党员 {planned.members:,} 名")
        for i, (county, totals) in enumerate(zip(chosen, counts, strict=True)):
            first = Totals(
                organizations=next_ids["organizations"],
                party_groups=next_ids["party_groups"],
                members=next_ids["members"],
                committees=next_ids["committees"],
                seats=next_ids["seats"],
            )
            for name in next_ids:
                next_ids[name] += getattr(totals, name)
            tasks[i] = CountyTask(
                county,
                seed,
                as_of,
                path=parents[county.division.code].child_path(),
                first_ids=first,
                stamp=stamp,
                native=formatted,
            )
        if defer_indexes is None:
            defer_indexes = planned.members >= DEFER_INDEXES_FROM and not Member.objects.exists()
        writing = time.perf_counter()
        collecting = gc.isenabled()
        gc.disable()  # millions of short-lived row tuples, no cycles: see _init_worker
        try:
            generate = _generate_formatted if formatted else national.generate_packed
            with BulkWriter(tables(), defer_indexes=defer_indexes) as writer:
                for done, packed in enumerate(_map(pool, generate, tasks), start=1):
                    _write_packed(writer, packed)
                    _add_up(result, packed, parents[packed.code])
                    if done % progress_every == 0 or done == len(tasks):
                        elapsed = time.perf_counter() - writing
                        say(
                            f"已完成 {done}/{len(tasks)} 个县级单位："
                            f"党组织 {result.organizations:,}，党员 {result.members:,}，"
                            f"共 {writer.rows_written:,} 行，"
                            f"{writer.rows_written / elapsed:,.0f} 行/秒"
                        )
                _write_upper(writer, uppers)
                if defer_indexes:
                    say("正在重建索引……")
        finally:
            if collecting:
                gc.enable()
    result.organizations += sum(1 for u in uppers if not u.existing)
    result.counties = [c.area_code for c in chosen]
    result.seconds = time.perf_counter() - started
    return result


def _next_id(model: type[Any]) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _lay_out_upper(
    chosen: Sequence[County], next_ids: dict[str, int]
) -> tuple[list[Upper], dict[str, Upper]]:
    """The root, provinces and cities the chosen counties hang from, found in the tree or made,
    and for each county code the node it goes under."""
    existing = {
        (o.kind, o.division_id): o
        for o in Organization.objects.filter(
            depth__lte=3, kind__in=[OrgKind.CENTRAL, OrgKind.LOCAL_COMMITTEE]
        )
    }
    made: dict[tuple[str, str | None], Upper] = {}

    def get(kind: str, division: str | None, name: str, parent: Upper | None) -> Upper:
        key = (kind, division)
        if key in made:
            return made[key]
        found = existing.get(key)
        if found is not None:
            upper = Upper(
                found.pk,
                found.path,
                found.name,
                kind,
                division,
                existing=True,
                next_child=_last_child(found.path, found.depth) + 1,
            )
        else:
            path = parent.child_path() if parent else national.path_step(_last_child("", 0) + 1)
            upper = Upper(
                next_ids["organizations"], path, name, kind, division, existing=False, next_child=1
            )
            next_ids["organizations"] += 1
        made[key] = upper
        return upper

    parents: dict[str, Upper] = {}
    for county in chosen:
        root = get(OrgKind.CENTRAL, None, national.ROOT_NAME, None)
        province = get(
            OrgKind.LOCAL_COMMITTEE,
            county.province.code,
            national.province_committee_name(county.province),
            root,
        )
        parent = province
        if county.city is not None:
            parent = get(
                OrgKind.LOCAL_COMMITTEE,
                county.city.code,
                national.city_committee_name(county.city),
                province,
            )
        parents[county.division.code] = parent
    return list(made.values()), parents


def _last_child(path: str, depth: int) -> int:
    """The ordinal of the last child under `path` (0: none), from its path step."""
    last = (
        Organization.objects.filter(under(path), depth=depth + 1)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    return int(last[-Organization.steplen :], len(national.ALPHABET)) if last else 0


_tables: dict[str, Table] = {}


def _generate_formatted(task: CountyTask) -> national.PackedCounty:
    """In a worker process: the county's rows as PostgreSQL's binary COPY (writer.format_rows)."""
    if not _tables:
        _tables.update(tables())
    rows = national.generate_county(task)
    return national.PackedCounty.pack(rows, lambda name, t: format_rows(_tables[name], t))


def _write_packed(writer: BulkWriter, packed: national.PackedCounty) -> None:
    if not packed.formatted:
        _write_county(writer, packed.unpack())
        return
    for name, data, count in zip(national.TABLE_ORDER, packed.tables(), packed.counts, strict=True):
        writer.write_formatted(name, data, count)


def _write_county(writer: BulkWriter, rows: CountyRows) -> None:
    # Referenced rows first (national.TABLE_ORDER), so the order would also satisfy immediate
    # foreign-key checks.
    for name in national.TABLE_ORDER:
        writer.write(name, getattr(rows, name))


def _add_up(result: SeedResult, packed: national.PackedCounty, parent: Upper) -> None:
    organizations, party_groups, members_written, committees, seats = packed.counts
    result.organizations += organizations
    result.party_groups += party_groups
    result.members += members_written
    result.committees += committees
    result.seats += seats
    result.stats.update(packed.stats)
    members, _, branches, orgs = packed.rollup
    parent.rollup[0] += members
    parent.rollup[1] += branches
    parent.rollup[2] += orgs


def _write_upper(writer: BulkWriter, uppers: list[Upper]) -> None:
    """The nodes above the counties, with the counties' totals summed up the tree."""
    step = Organization.steplen
    totals: dict[str, list[int]] = {u.path: [0, 0, 0] for u in uppers}
    for upper in uppers:  # a node's own counties count for it and for every node above it
        for end in range(step, len(upper.path) + 1, step):
            above = totals.get(upper.path[:end])
            if above is not None:
                for k in range(3):
                    above[k] += upper.rollup[k]
    new_rows = []
    for upper in uppers:
        members, branches, orgs = totals[upper.path]
        if upper.existing:
            Organization.objects.filter(pk=upper.id).update(
                numchild=F("numchild") + upper.added_children,
                subtree_member_count=F("subtree_member_count") + members,
                subtree_branch_count=F("subtree_branch_count") + branches,
                subtree_org_count=F("subtree_org_count") + orgs,
            )
        else:
            new_rows.append(
                (
                    upper.id,
                    upper.path,
                    len(upper.path) // step,
                    upper.added_children,
                    upper.name,
                    upper.kind,
                    "",
                    None,
                    None,
                    0,
                    0,
                    members,
                    branches,
                    orgs,
                    upper.division,
                )
            )
    writer.write("organizations", new_rows)


class _InProcess:
    """Stands in for a pool when workers=0: the same functions, in this process."""

    def apply_async(self, func: Callable[[T], R], args: tuple[T]) -> Any:
        value = func(*args)
        return _Ready(value)


@dataclass
class _Ready:
    value: Any

    def get(self) -> Any:
        return self.value


class _workers:
    def __init__(self, count: int) -> None:
        self.count = count
        self.pool: Pool | None = None

    def __enter__(self) -> Pool | _InProcess:
        if self.count <= 0:
            return _InProcess()
        # fork where there is one: workers start at once with Django set up and keys loaded
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.pool = context.Pool(self.count, initializer=_init_worker)
        return self.pool

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if self.pool is not None:
            if kind is None:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()


def _init_worker() -> None:
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    # A worker makes millions of small tuples and no reference cycles: the cycle collector
    # would only rescan them (about a tenth of the generation time).
    gc.disable()


def _map(
    pool: Pool | _InProcess, func: Callable[[T], R], tasks: Sequence[T], window: int = 6
) -> Iterator[R]:
    """Results in task order with at most `window` tasks in flight, so a slow writer does not
    let finished counties pile up in memory."""
    pending: deque[AsyncResult[R] | _Ready] = deque()
    queue = iter(tasks)
    for task in queue:
        pending.append(pool.apply_async(func, (task,)))
        if len(pending) >= window:
            break
    while pending:
        value = pending.popleft().get()
        nxt = next(queue, None)
        if nxt is not None:
            pending.append(pool.apply_async(func, (nxt,)))
        yield value
