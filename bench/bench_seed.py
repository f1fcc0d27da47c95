"""Seeding speed: `jiceng seed` against a bare sqlite3 executemany of the same rows.

    .venv/bin/python bench/bench_seed.py [--scale 0.05] [--seed 1] [--workers 2] [--keep]

Target (issue 2): seeding at scale 0.05 into SQLite runs at no less than half the rate of a bare
`executemany` of the same rows, encryption included, both measured in this one run.

1. A template database is made once (migrate, load-divisions; not timed) under bench/out/.
2. The seed: a copy of the template, then `jiceng seed --scale S` in this process, timed from
   the call to its return (choosing counties, generating and encrypting the members in worker
   processes, writing, building the indexes).
3. The bare baseline: another copy of the template with the same schema, its secondary indexes
   dropped; the seeded rows are read back from the seeded file in chunks (not timed) and
   inserted with `sqlite3.executemany` under the same PRAGMAs in one transaction (timed), then
   the indexes are built (timed). It runs twice and the faster run counts, which favours the
   baseline.
4. Prints both rates, their ratio, and the extrapolation to scale 1: time and file size scaled
   by members (100.3 million at scale 1) and, as asked, simply ×(1/scale).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
NATIONAL_MEMBERS = 100_300_000
AS_OF = "2025-06-30"  # fixed, so two runs with the same seed make the same rows
TABLES = (
    "orgs_organization",
    "orgs_partygroup",
    "members_member",
    "orgs_committee",
    "orgs_committeeseat",
)
# What the seed sets for its load (jiceng.datasets.writer.SQLITE_LOAD_PRAGMAS), for the baseline.
PRAGMAS = (
    "synchronous = OFF",
    "journal_mode = DELETE",
    "foreign_keys = OFF",
    "cache_size = -1048576",
    "temp_store = MEMORY",
)
CHUNK = 100_000


def environment(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{database}"
    # The installation's own settings and keys (var/secrets.json unless the environment has
    # them), so the seeded file opens in the app and the other benchmarks.
    env.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    return env


def make_template(path: Path) -> None:
    jiceng = str(Path(sys.executable).parent / "jiceng")  # this Python's (a worktree has no .venv)
    if path.exists():
        # Made by an earlier run: brought up to the code's migrations (a template older than a
        # migration lacks its columns, and the seed's rows would not fit).
        subprocess.run([jiceng, "migrate", "-v", "0"], env=environment(path), check=True, cwd=ROOT)
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA journal_mode = DELETE")
        return
    print(f"建立模板数据库 {path}（迁移并载入行政区划，不计时）……", flush=True)
    scratch = path.with_suffix(".tmp")
    scratch.unlink(missing_ok=True)
    env = environment(scratch)
    subprocess.run([jiceng, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [jiceng, "load-divisions"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    with sqlite3.connect(scratch) as db:
        db.execute("PRAGMA journal_mode = DELETE")  # one self-contained file to copy
    scratch.rename(path)


def copy(template: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)


def run_seed(database: Path, *, scale: float, seed: int, workers: int) -> dict[str, float]:
    os.environ.update(environment(database))
    import django

    django.setup()
    from jiceng.datasets import seeding

    started = time.perf_counter()
    result = seeding.seed(
        scale=scale,
        seed=seed,
        workers=workers,
        as_of=dt.date.fromisoformat(AS_OF),
        progress=lambda line: print("  " + line, flush=True),
        progress_every=20,
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": result.rows,
        "members": result.members,
        "organizations": result.organizations,
        "counties": len(result.counties),
    }


def bare_load(
    template: Path,
    seeded: Path,
    target: Path,
    tables: tuple[str, ...],
    *,
    before: tuple[str, ...] = (),
) -> dict[str, float]:
    """The baseline of every seeding benchmark: `tables`' rows as the seed wrote them into
    `seeded`, inserted into a copy of `template` with a bare `sqlite3.executemany` under the
    seed's PRAGMAs in one transaction, secondary indexes dropped first and built after. The
    rows are read back in chunks, not timed; the inserts and the index builds are. `before`:
    statements run first, untimed."""
    copy(template, target)
    db = sqlite3.connect(target, isolation_level=None)
    source = sqlite3.connect(seeded)
    indexes = []
    for table in tables:
        for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ).fetchall():
            indexes.append(sql)
            db.execute(f'DROP INDEX "{name}"')
    for pragma in PRAGMAS:
        db.execute(f"PRAGMA {pragma}")
    for sql in before:
        db.execute(sql)
    inserting = 0.0
    rows = 0
    begun = time.perf_counter()
    db.execute("BEGIN")
    inserting += time.perf_counter() - begun
    for table in tables:
        columns = [c[1] for c in source.execute(f'PRAGMA table_info("{table}")')]
        sql = f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(columns))})'
        last = 0
        while True:
            chunk = source.execute(
                f'SELECT * FROM "{table}" WHERE id > ? ORDER BY id LIMIT ?', (last, CHUNK)
            ).fetchall()
            if not chunk:
                break
            last = chunk[-1][0]
            started = time.perf_counter()
            db.executemany(sql, chunk)
            inserting += time.perf_counter() - started
            rows += len(chunk)
    started = time.perf_counter()
    for sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    indexing = time.perf_counter() - started
    db.close()
    source.close()
    return {
        "rows": rows,
        "insert_seconds": inserting,
        "index_seconds": indexing,
        "seconds": inserting + indexing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--keep", action="store_true", help="keep the bare copy (the seeded file is always kept)"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    template = OUT / "template.sqlite3"
    seeded = OUT / f"seed-{args.scale:g}.sqlite3"
    bare = OUT / f"bare-{args.scale:g}.sqlite3"
    make_template(template)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC，提交 {commit}，{os.cpu_count()} 核，"
        f"Python {platform.python_version()}，SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"1. jiceng seed --scale {args.scale:g} --seed {args.seed} --workers {args.workers}"
        f"（数据日期 {AS_OF}）"
    )
    copy(template, seeded)
    seed = run_seed(seeded, scale=args.scale, seed=args.seed, workers=args.workers)
    seed_rate = seed["rows"] / seed["seconds"]
    print(
        f"   {seed['rows']:,} 行（党员 {seed['members']:,}，党组织 {seed['organizations']:,}，"
        f"{seed['counties']} 个县级单位），{seed['seconds']:.1f} 秒，{seed_rate:,.0f} 行/秒"
    )

    print("2. 同样的行，裸 sqlite3 executemany（同一表结构，索引在插入后建立），两次取快者")
    runs = []
    for attempt in (1, 2):
        bare_run = bare_load(template, seeded, bare, TABLES)
        runs.append(bare_run)
        print(
            f"   第{attempt}次：插入 {bare_run['insert_seconds']:.1f} 秒"
            f" + 建索引 {bare_run['index_seconds']:.1f} 秒 = {bare_run['seconds']:.1f} 秒，"
            f"{bare_run['rows'] / bare_run['seconds']:,.0f} 行/秒",
            flush=True,
        )
    best = min(runs, key=lambda r: r["seconds"])
    assert best["rows"] == seed["rows"], (best["rows"], seed["rows"])
    bare_rate = best["rows"] / best["seconds"]
    ratio = seed_rate / bare_rate

    template_size = template.stat().st_size
    seeded_size = seeded.stat().st_size
    factor = NATIONAL_MEMBERS / seed["members"]
    scale1_bytes = template_size + (seeded_size - template_size) * factor
    print(
        f"3. 比值：生成 {seed_rate:,.0f} 行/秒 ÷ 裸插入 {bare_rate:,.0f} 行/秒 = {ratio:.2f}"
        "（目标 ≥ 0.50）"
    )
    print(
        f"4. 推算规模1（按党员数放大 {factor:.1f} 倍）："
        f"约 {seed['seconds'] * factor / 60:.0f} 分钟，"
        f"文件约 {scale1_bytes / 1e9:.0f} GB；简单 ×{1 / args.scale:g}："
        f"{seed['seconds'] / args.scale / 60:.0f} 分钟，{seeded_size / args.scale / 1e9:.0f} GB"
    )
    print(
        f"   （规模 {args.scale:g} 的文件 {seeded_size / 1e9:.2f} GB，"
        f"其中行政区划等模板 {template_size / 1e6:.0f} MB）"
    )
    report = {
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "commit": commit,
        "cores": os.cpu_count(),
        "scale": args.scale,
        "seed": args.seed,
        "workers": args.workers,
        "as_of": AS_OF,
        "seed_run": seed,
        "bare_runs": runs,
        "seed_rate": seed_rate,
        "bare_rate": bare_rate,
        "ratio": ratio,
        "file_bytes": seeded_size,
        "template_bytes": template_size,
        "scale1_minutes": seed["seconds"] * factor / 60,
        "scale1_bytes": scale1_bytes,
    }
    (OUT / f"bench_seed-{args.scale:g}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False)
    )
    if not args.keep:
        bare.unlink(missing_ok=True)
    sys.exit(0 if ratio >= 0.5 else 1)


if __name__ == "__main__":
    main()
