"""The monthly detection of weak organizations (软弱涣散研判, rectification.detection) over the
whole tree. Target (issue 14): within 60 s at scale 0.05.

    .venv/bin/python bench/bench_detection.py [--scale 0.05] [--runs 3] [--db PATH]

1. The database: bench/out/detection-<scale>.sqlite3 unless --db names one. Made once when
   missing (not timed): migrate, load-divisions, then the largest of the county-level units
   `jiceng seed --scale S` would choose is seeded (datasets.seeding.seed), with a year of
   organizational life, dues and development pipelines, and the compliance rollup of the
   months the meetings rule reads. Seeding every county of scale 0.05 takes about half an
   hour on this machine, the other seeds more: the run seeds one county and says how large a
   share of the scale's organizations it holds, so the whole scale's time can be judged (the
   detection is set-based: one grouped read or anti-join per rule, its cost the rows it
   reads).
2. `detection.detect_month` for the data date's last complete month over the whole tree,
   --runs times (each replaces the month's rows: the second run is the idempotent rerun).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
AS_OF = "2025-06-30"  # the seed's data date, as bench_seed.py


def environment(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    env.setdefault("JICENG_LOG_LEVEL", "WARNING")
    return env


def setup(database: Path) -> None:
    os.environ.update(environment(database))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def make_database(path: Path, scale: float) -> float:
    """Seeds the largest county; returns its share of the scale's organizations."""
    print(f"建立数据库 {path}（不计时）……", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    env = environment(path)
    jiceng = str(Path(sys.executable).parent / "jiceng")
    subprocess.run([jiceng, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [jiceng, "load-divisions"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    setup(path)
    from jiceng.datasets import national, seeding
    from jiceng.datasets.development import seed_development
    from jiceng.datasets.dues import seed_dues
    from jiceng.datasets.orglife import seed_orglife
    from jiceng.orglife import compliance

    as_of = dt.date.fromisoformat(AS_OF)
    chosen = seeding.load_counties(
        national.choose_counties(seeding.county_weights(), scale=scale, seed=1)
    )
    largest = max(chosen, key=national.county_size)
    share = national.county_size(largest) / sum(national.county_size(c) for c in chosen)
    print(f"  {len(chosen)} counties; the largest {largest.area_code}: {share:.1%}", flush=True)
    step = time.perf_counter()
    result = seeding.seed(counties=[largest.area_code], seed=1, workers=2, as_of=as_of)
    print(f"  seed: {result.organizations:,} organizations {time.perf_counter() - step:.0f} s")
    step = time.perf_counter()
    life = seed_orglife(as_of=as_of, seed=1)
    print(f"  orglife: {life.meetings:,} meetings {time.perf_counter() - step:.0f} s", flush=True)
    dues = seed_dues(as_of=as_of, seed=1)
    print(f"  dues: {dues.bills:,} bills {dues.seconds:.0f} s", flush=True)
    dev = seed_development(as_of=as_of, seed=1)
    print(f"  development: {dev.applicants:,} cases {dev.seconds:.0f} s", flush=True)
    for month in (202503, 202504, 202505, 202506):
        compliance.rollup_month(month)
    (path.parent / f"{path.name}.share").write_text(f"{share}\n")
    return share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--month", type=int, default=202505, help="YYYYMM (202511 on bench/seed_issue14.py's file)"
    )
    args = parser.parse_args()
    database = (args.db or OUT / f"detection-{args.scale:g}.sqlite3").resolve()
    if database.exists():
        setup(database)
        share_file = database.parent / f"{database.name}.share"
        share = float(share_file.read_text()) if share_file.exists() else 1.0
    else:
        share = make_database(database, args.scale)
    from collections import Counter

    from jiceng.orgs.models import Organization
    from jiceng.rectification import detection
    from jiceng.rectification.models import Detection

    organizations = Organization.objects.count()
    print(f"{organizations:,} organizations in the tree", flush=True)
    for run in range(args.runs):
        result = detection.detect_month(args.month)
        print(
            f"run {run + 1}: {result.organizations:,} organizations found, "
            f"{result.detections:,} reasons, {result.seconds:.2f} s",
            flush=True,
        )
    kinds = Counter(Detection.objects.filter(month=args.month).values_list("kind", flat=True))
    print("by rule:", dict(kinds))
    print(
        f"the county holds {share:.1%} of the scale's organizations: the whole scale at the same "
        f"rate about {result.seconds / share:.0f} s"
    )


if __name__ == "__main__":
    main()
