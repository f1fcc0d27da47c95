"""Seeding cooperatives and consent projects (`jiceng seed`'s 村集体经济 and 居民意见征询 steps):
in bulk, through the services row by row as before, and a bare sqlite3 executemany of the same
rows, all on copies of one seeded database.

    .venv/bin/python bench/bench_community.py [--scale 0.01] [--seed 1] [--services]

1. A base database is made once under bench/out/ (migrate, load-divisions, the national set's
   organizations and members at --scale; not timed) and copied for each run.
2. Bulk: community.seed_cooperatives and community.seed_consent (datasets/cooperatives.py,
   datasets/consent.py), each timed from the call to its return, in a process of its own.
3. With --services, the earlier way: every county through jiceng/cooperatives/demo.py and
   jiceng/consent/demo.py (the services), timed the same way (about 9 minutes at 0.01 on a
   busy 2-core machine: opt-in).
4. Bare: the rows the bulk run wrote, inserted into a copy of the base as bench_seed.bare_load
   does (bare `sqlite3.executemany`, the writer's PRAGMAs, indexes built after; timed); twice,
   the faster counts.
Prints time, rows and rows/s of each, the ratio bulk/bare, and the scale-1 extrapolation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_seed import bare_load, copy  # noqa: E402
from bench_seed import environment as seed_environment  # noqa: E402

OUT = ROOT / "bench" / "out" / "community"
AS_OF = "2025-06-30"
TABLES = {
    "cooperatives": (
        "cooperatives_villageincome",
        "cooperatives_weakvillage",
        "cooperatives_cooperative",
        "cooperatives_cooperativemember",
        "cooperatives_cooperativeyear",
    ),
    "consent": (
        "consent_consentproject",
        "consent_consentowner",
        "consent_consenthousehold",
        "consent_consentround",
        "consent_consentanswer",
    ),
}


def environment(database: Path) -> dict[str, str]:
    env = seed_environment(database)
    env["PYTHONPATH"] = str(ROOT)
    return env


def make_base(path: Path, *, scale: float, seed: int) -> None:
    if path.exists():
        return
    print(f"建立基础数据库 {path}（迁移、行政区划、规模 {scale:g} 的党组织和党员；不计时）……")
    scratch = path.with_suffix(".tmp")
    scratch.unlink(missing_ok=True)
    env = environment(scratch)
    jiceng = [sys.executable, "-m", "django"]
    subprocess.run([*jiceng, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [*jiceng, "load-divisions"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    subprocess.run(
        [sys.executable, __file__, "--step", "base", "--scale", str(scale), "--seed", str(seed)],
        env=env,
        check=True,
        cwd=ROOT,
    )
    with sqlite3.connect(scratch) as db:
        db.execute("PRAGMA journal_mode = DELETE")
    scratch.rename(path)


def step(name: str, *, scale: float, seed: int) -> None:
    """Runs in a child process on the database of DATABASE_URL; prints one JSON line."""
    import django

    django.setup()
    from django.apps import apps

    from jiceng.datasets import community, seeding

    def rows(kind: str) -> int:
        return sum(apps.get_model(*t.split("_", 1)).objects.count() for t in TABLES[kind])

    if name == "base":
        seeding.seed(scale=scale, seed=seed, workers=1, as_of=dt.date.fromisoformat(AS_OF))
        return
    report: dict[str, object] = {}
    if name == "bulk":
        started = time.perf_counter()
        villages, cooperatives, _ = community.seed_cooperatives(seed=seed)
        report["cooperatives"] = {
            "seconds": time.perf_counter() - started,
            "villages": villages,
            "made": cooperatives,
        }
        started = time.perf_counter()
        projects, _ = community.seed_consent(seed=seed)
        report["consent"] = {"seconds": time.perf_counter() - started, "made": projects}
    else:
        from jiceng.consent.demo import load_demo_consent
        from jiceng.cooperatives.demo import load_demo_cooperatives
        from jiceng.divisions.models import short_code_of

        counties = community.counties()
        started = time.perf_counter()
        villages = sum(
            load_demo_cooperatives(c.path, seed=seed * 7919 + i) for i, c in enumerate(counties)
        )
        report["cooperatives"] = {"seconds": time.perf_counter() - started, "villages": villages}
        started = time.perf_counter()
        made = sum(
            load_demo_consent(short_code_of(c.division_id or ""), seed=seed * 7919 + i)
            for i, c in enumerate(counties)
        )
        report["consent"] = {"seconds": time.perf_counter() - started, "made": made}
    for kind in TABLES:
        report[kind]["rows"] = rows(kind)  # type: ignore[index]
    print(json.dumps(report))


def run(name: str, base: Path, target: Path, *, scale: float, seed: int) -> dict[str, dict]:
    copy(base, target)
    done = subprocess.run(
        [sys.executable, __file__, "--step", name, "--scale", str(scale), "--seed", str(seed)],
        env=environment(target),
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--services", action="store_true", help="also time the earlier way")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step(args.step, scale=args.scale, seed=args.seed)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    base = OUT / f"base-{args.scale:g}.sqlite3"
    make_base(base, scale=args.scale, seed=args.seed)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC，提交 {commit}，{os.cpu_count()} 核，"
        f"SQLite {sqlite3.sqlite_version}，规模 {args.scale:g}，种子 {args.seed}"
    )
    bulk_file = OUT / f"bulk-{args.scale:g}.sqlite3"
    report: dict[str, object] = {"scale": args.scale, "commit": commit}
    bulk = run("bulk", base, bulk_file, scale=args.scale, seed=args.seed)
    report["bulk"] = bulk
    services = None
    if args.services:
        services = run(
            "services",
            base,
            OUT / f"services-{args.scale:g}.sqlite3",
            scale=args.scale,
            seed=args.seed,
        )
        report["services"] = services
    labels = {"cooperatives": "村集体经济与合作社", "consent": "居民意见征询"}
    for kind, tables in TABLES.items():
        done = bulk[kind]
        bare = min(
            (bare_load(base, bulk_file, OUT / "bare.sqlite3", tables) for _ in range(2)),
            key=lambda r: r["seconds"],
        )
        assert bare["rows"] == done["rows"], (bare, done)
        rate, bare_rate = done["rows"] / done["seconds"], bare["rows"] / bare["seconds"]
        print(
            f"{labels[kind]}：批量 {done['seconds']:.2f} 秒，{done['rows']:,} 行，"
            f"{rate:,.0f} 行/秒；裸 executemany {bare['seconds']:.2f} 秒，{bare_rate:,.0f} 行/秒；"
            f"比值 {rate / bare_rate:.2f}；"
            f"推算规模1 约 {done['seconds'] / args.scale / 60:.1f} 分钟"
        )
        report[f"bare_{kind}"] = bare
        if services is not None:
            before = services[kind]
            print(
                f"   逐行经服务（此前）：{before['seconds']:.1f} 秒，{before['rows']:,} 行，"
                f"{before['rows'] / before['seconds']:,.0f} 行/秒，"
                f"推算规模1 约 {before['seconds'] / args.scale / 3600:.1f} 小时；"
                f"批量快 {before['seconds'] / done['seconds']:.0f} 倍"
            )
    (OUT / f"bench_community-{args.scale:g}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False)
    )
    (OUT / "bare.sqlite3").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
