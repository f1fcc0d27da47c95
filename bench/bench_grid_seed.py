"""The scale seed's grids, household contacts, task forces and stations, against a bare
sqlite3 executemany of the same rows.

    .venv/bin/python bench/bench_grid_seed.py [--scale 0.01] [--seed 1] [--workers 2]

1. A copy of bench_seed.py's template (migrate, load-divisions; made if missing, not timed),
   then `seeding.seed(scale)`: organizations and members (timed, for scale).
2. Timed one after the other, as `jiceng seed` runs them: `grids.seed_grids` (网格 for every
   community), `grid_households.seed_households` (住户, 联系关系, a year of 走访, the contact
   members' accounts; names and phones sealed), `community.seed_gridded` (a task force with
   this week's shifts per county with grids, red-sail stations with a year of visit days in
   each city district), each with its rows per second.
3. The bare baseline: the grid and household rows the seed wrote (grid_grid, accounts_user,
   households_*) inserted into another copy of the template as bench_seed.bare_load does (bare
   `sqlite3.executemany`, the seed's PRAGMAs, indexes built after; timed); twice, the faster
   counts.
4. A rerun of the three adds nothing (asserted).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_seed import AS_OF, OUT, bare_load, copy, environment, make_template  # noqa: E402

TABLES = (
    "grid_grid",
    "accounts_user",
    "households_household",
    "households_householdcontact",
    "households_visit",
)


def counts(database: Path) -> dict[str, int]:
    # closed here, not whenever it is collected: while another connection has the file open,
    # the rerun's writer cannot take it out of WAL mode for its load ("database is locked")
    with contextlib.closing(sqlite3.connect(database)) as db:
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    template = OUT / "template.sqlite3"
    seeded = OUT / f"grid-seed-{args.scale:g}.sqlite3"
    bare = OUT / f"grid-bare-{args.scale:g}.sqlite3"
    make_template(template)
    copy(template, seeded)
    os.environ.update(environment(seeded))
    import django

    django.setup()
    from jiceng.datasets import community, seeding
    from jiceng.datasets.grid_households import seed_households
    from jiceng.datasets.grids import seed_grids

    as_of = dt.date.fromisoformat(AS_OF)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC，提交 {commit}，{os.cpu_count()} 核，"
        f"SQLite {sqlite3.sqlite_version}，规模 {args.scale:g}，种子 {args.seed}"
    )
    started = time.perf_counter()
    result = seeding.seed(scale=args.scale, seed=args.seed, workers=args.workers, as_of=as_of)
    print(
        f"1. 党组织和党员：{len(result.counties)} 个县级单位，{result.rows:,} 行，"
        f"{time.perf_counter() - started:.1f} 秒",
        flush=True,
    )
    grids = seed_grids(as_of=as_of)
    print(
        f"2. 网格：社区 {grids.communities:,} 个，网格 {grids.grids:,} 个，"
        f"{grids.seconds:.2f} 秒，{grids.rate:,.0f} 行/秒",
        flush=True,
    )
    homes = seed_households(as_of=as_of, seed=args.seed)
    print(
        f"   联系户：住户 {homes.households:,}，联系关系 {homes.contacts:,}，"
        f"走访 {homes.visits:,}，"
        f"账号 {homes.accounts:,}，共 {homes.rows:,} 行，{homes.seconds:.1f} 秒，"
        f"{homes.rows / max(homes.seconds, 1e-9):,.0f} 行/秒",
        flush=True,
    )
    forces, shifts, stations, visit_days, bare_counties, seconds = community.seed_gridded(
        as_of=as_of, seed=args.seed
    )
    print(
        f"   突击队 {forces:,} 支，班次 {shifts:,} 个，驿站 {stations:,} 个，"
        f"到访 {visit_days:,} 条，"
        f"无网格 {bare_counties} 个县，{seconds:.1f} 秒",
        flush=True,
    )
    seeded_rows = grids.grids + homes.rows
    seeded_seconds = grids.seconds + homes.seconds
    seed_rate = seeded_rows / seeded_seconds
    # the template has no users; to be sure
    before = ("DELETE FROM accounts_user",)
    runs = [bare_load(template, seeded, bare, TABLES, before=before) for _ in (1, 2)]
    bare.unlink(missing_ok=True)
    best = min(runs, key=lambda r: r["seconds"])
    rows, inserting, indexing = int(best["rows"]), best["insert_seconds"], best["index_seconds"]
    assert rows == sum(counts(seeded).values()), (rows, counts(seeded))
    bare_rate = rows / (inserting + indexing)
    print(
        f"3. 同样的 {rows:,} 行，裸 executemany：插入 {inserting:.1f} 秒"
        f" + 建索引 {indexing:.1f} 秒，"
        f"{bare_rate:,.0f} 行/秒；网格+联系户生成 {seed_rate:,.0f} 行/秒，"
        f"比值 {seed_rate / bare_rate:.2f}"
    )
    again = (
        seed_grids(as_of=as_of).grids,
        seed_households(as_of=as_of, seed=args.seed).rows,
        community.seed_gridded(as_of=as_of, seed=args.seed)[:4],
    )
    assert again == (0, 0, (0, 0, 0, 0)), again
    print("4. 再运行一次：没有新增任何行")


if __name__ == "__main__":
    main()
