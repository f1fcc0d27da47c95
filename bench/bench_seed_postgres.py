"""Seeding speed on PostgreSQL: `jiceng seed --tree-only` against a bare COPY of the same rows.

    scripts/with-postgres.sh .venv/bin/python bench/bench_seed_postgres.py [--scale 0.05]

Target (issue 17): organizations and members into PostgreSQL at no less than half the rate of
a bare COPY of the same rows, both measured in this one run. It runs on the server
DATABASE_URL names (scripts/with-postgres.sh starts a private one and removes it after).

1. A template database (the one DATABASE_URL names): migrate, load-divisions; not timed.
2. The seed: a database made from the template (CREATE DATABASE ... TEMPLATE), then
   `jiceng seed --scale S --tree-only` in a process of its own, timed by the command itself
   (`--timings`: choosing counties, generating and encrypting in worker processes, COPY, the
   foreign-key checks, building the indexes, ANALYZE).
3. The bare baseline: another database from the template; each table's rows as the seed wrote
   them are read out of the seeded database with COPY TO into a file (not timed), then, in one
   transaction, the tables' foreign keys and secondary indexes are dropped, the files go in
   with COPY FROM in binary, the indexes are built and the keys added again (each checks its
   table in one query), the tables analyzed and the transaction committed (timed). The same
   work as the seed's writer (jiceng.datasets.writer) without the generating: the faster of
   two runs counts, which favours the baseline.
4. Prints both rates and their ratio; writes bench/out/bench_seed_postgres-S.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import scale_run  # noqa: E402
from bench_seed import AS_OF, OUT, TABLES  # noqa: E402

BLOCK = 1 << 20


def url_of(database: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{database}"))


def template_name() -> str:
    return urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")


def jiceng(database: str, *arguments: str) -> None:
    env = dict(os.environ, DATABASE_URL=url_of(database))
    env.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    env.setdefault("JICENG_LOG_LEVEL", "WARNING")
    command = [str(Path(sys.executable).parent / "jiceng"), *arguments]
    subprocess.run(command, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def fresh(database: str) -> None:
    """`database`, made again from the template."""
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(database), sql.Identifier(template_name())
            )
        )


def run_seed(*, scale: float, seed: int, workers: int) -> dict[str, Any]:
    fresh("seeded")
    with tempfile.TemporaryDirectory() as scratch:
        timings = Path(scratch) / "tree.json"
        jiceng(
            "seeded", "seed", "--tree-only", "--scale", f"{scale:g}", "--seed", str(seed),
            "--workers", str(workers), "--as-of", AS_OF, "--timings", str(timings),
        )  # fmt: skip
        tree: dict[str, Any] = json.loads(timings.read_text())["tree"]
    return tree


def secondary_indexes(connection: psycopg.Connection[Any], table: str) -> list[tuple[str, str]]:
    """As jiceng.datasets.writer.secondary_indexes: (create, name) of the indexes no
    constraint owns."""
    rows = connection.execute(
        """
        SELECT pg_get_indexdef(i.indexrelid), quote_ident(c.relname)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        """,
        [table],
    ).fetchall()
    return [(create, name) for create, name in rows]


def dump(folder: Path) -> dict[str, int]:
    """Each table's rows from the seeded database into a file, in binary; the rows a table."""
    counts = {}
    with psycopg.connect(url_of("seeded")) as source:
        for table in TABLES:
            with (folder / table).open("wb") as out:
                query = sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(sql.Identifier(table))
                with source.cursor().copy(query) as copy:
                    for block in copy:
                        out.write(block)
            found = source.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            counts[table] = int(found[0]) if found else 0
    return counts


def foreign_keys(connection: psycopg.Connection[Any], table: str) -> list[tuple[str, str]]:
    """As jiceng.datasets.writer.foreign_keys: (name, definition)."""
    rows = connection.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    ).fetchall()
    return [(name, definition) for name, definition in rows]


def run_bare(folder: Path) -> dict[str, float]:
    fresh("bare")
    with psycopg.connect(url_of("bare")) as target:
        indexes = [i for table in TABLES for i in secondary_indexes(target, table)]
        keys = [(table, *k) for table in TABLES for k in foreign_keys(target, table)]
        started = time.perf_counter()
        for table, name, _ in keys:
            target.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
            )
        for _, name in indexes:
            target.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        for table in TABLES:
            query = sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(sql.Identifier(table))
            with target.cursor().copy(query) as copy, (folder / table).open("rb") as data:
                while block := data.read(BLOCK):
                    copy.write(block)
        copied = time.perf_counter()
        target.execute("SET LOCAL maintenance_work_mem = '1GB'")  # as the writer
        for create, _ in indexes:
            target.execute(create)
        indexed = time.perf_counter()
        for table, name, definition in keys:
            target.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
                + sql.SQL(definition)  # type: ignore[arg-type]  # the server's own text
            )
        keyed = time.perf_counter()
        for table in TABLES:
            target.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        target.commit()
        done = time.perf_counter()
    return {
        "copy_seconds": copied - started,
        "index_seconds": indexed - copied,
        "key_seconds": keyed - indexed,
        "rest_seconds": done - copied,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("在 scripts/with-postgres.sh 之下运行（DATABASE_URL 须指向 PostgreSQL）")
    OUT.mkdir(parents=True, exist_ok=True)
    print("0. 模板库：迁移并载入行政区划（不计时）……", flush=True)
    jiceng(template_name(), "migrate", "-v", "0")
    jiceng(template_name(), "load-divisions")
    commit = scale_run.commit()
    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        version = connection.execute("SHOW server_version").fetchone()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC，提交 {commit}，{os.cpu_count()} 核，"
        f"Python {platform.python_version()}，PostgreSQL {version[0] if version else '?'}"
    )
    print(f"1. jiceng seed --scale {args.scale:g} --tree-only --workers {args.workers}", flush=True)
    tree = run_seed(scale=args.scale, seed=args.seed, workers=args.workers)
    seed_rate = tree["rows"] / tree["seconds"]
    print(
        f"   {tree['rows']:,} 行（党员 {tree['members']:,}，党组织 {tree['organizations']:,}），"
        f"{tree['seconds']:.1f} 秒，{seed_rate:,.0f} 行/秒",
        flush=True,
    )
    print(
        "2. 同样的行，裸 COPY（同一表结构，索引和外键在复制后重建，与生成器的写入相同），两次取快者"
    )
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        counts = dump(Path(scratch))
        rows = sum(counts.values())
        runs = []
        for attempt in (1, 2):
            bare = run_bare(Path(scratch))
            bare["seconds"] = bare["copy_seconds"] + bare["rest_seconds"]
            runs.append(bare)
            print(
                f"   第{attempt}次：COPY {bare['copy_seconds']:.1f} 秒"
                f" + 建索引、加外键、ANALYZE {bare['rest_seconds']:.1f} 秒"
                f"（其中建索引 {bare['index_seconds']:.1f} 秒，外键 {bare['key_seconds']:.1f} 秒）"
                f" = {bare['seconds']:.1f} 秒，"
                f"{rows / bare['seconds']:,.0f} 行/秒",
                flush=True,
            )
    best = min(runs, key=lambda r: r["seconds"])
    bare_rate = rows / best["seconds"]
    ratio = seed_rate / bare_rate
    print(
        f"3. 比值：生成 {seed_rate:,.0f} 行/秒 ÷ 裸 COPY {bare_rate:,.0f} 行/秒 = {ratio:.2f}"
        "（目标 ≥ 0.50）"
    )
    (OUT / f"bench_seed_postgres-{args.scale:g}.json").write_text(
        json.dumps(
            {
                "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                "commit": commit,
                "scale": args.scale,
                "seed_run": tree,
                "rows_by_table": counts,
                "bare_runs": runs,
                "seed_rate": seed_rate,
                "bare_rate": bare_rate,
                "ratio": ratio,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    sys.exit(0 if ratio >= 0.5 else 1)


if __name__ == "__main__":
    main()
