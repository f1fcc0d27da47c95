"""One scale-0.05 file for issue 14's four benchmarks (points, detection, dashboard, statistics).

    nice .venv/bin/python bench/seed_issue14.py [--scale 0.05] [--db bench/out/issue14-0.05.sqlite3]
        [--stages members,orglife,development,dues,rollup] [--under ORG_ID]

Seeds once, stage by stage, and records each finished stage beside the file
(`<file>.stages`), so a rerun goes on where it stopped. The data date is 2025-12-08: the
twelve months of meetings end with November 2025 (the month the points and detection
benchmarks use) and the annual statistics ask for 2025. After the members stage a copy
`<file>.members` is made, which the dashboard and statistics benchmarks can read while the
other stages still write. Not timed as a benchmark: each stage prints its seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2025, 12, 8)
STAGES = ("members", "orglife", "development", "dues", "rollup")


def environment(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument(
        "--under",
        type=int,
        help="seed meetings, development and dues only under this organization (its id): a "
        "year of them for the whole tree of scale 0.05 takes about two hours on this machine",
    )
    args = parser.parse_args()
    database = (args.db or ROOT / "bench" / "out" / f"issue14-{args.scale:g}.sqlite3").resolve()
    database.parent.mkdir(parents=True, exist_ok=True)
    done_file = database.parent / f"{database.name}.stages"
    done = set(done_file.read_text().split()) if done_file.exists() else set()
    env = environment(database)
    if not database.exists():
        jiceng = str(Path(sys.executable).parent / "jiceng")
        subprocess.run([jiceng, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run(
            [jiceng, "load-divisions"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
        )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from jiceng.datasets import seeding
    from jiceng.datasets.development import seed_development
    from jiceng.datasets.dues import seed_dues
    from jiceng.datasets.orglife import seed_orglife
    from jiceng.orglife import compliance
    from jiceng.orgs.models import Organization

    under = [Organization.objects.get(pk=args.under).path] if args.under else None
    if under:
        print(f"meetings, development and dues under {under[0]}", flush=True)
    for stage in args.stages.split(","):
        if stage in done:
            print(f"{stage}: done before", flush=True)
            continue
        started = time.perf_counter()
        if stage == "members":
            result = seeding.seed(scale=args.scale, seed=1, workers=2, as_of=AS_OF)
            print(f"  {result.organizations:,} organizations", flush=True)
        elif stage == "orglife":
            life = seed_orglife(as_of=AS_OF, seed=1, under=under)
            print(f"  {life.meetings:,} meetings", flush=True)
        elif stage == "development":
            dev = seed_development(as_of=AS_OF, seed=1, under=under)
            print(f"  {dev.applicants:,} cases", flush=True)
        elif stage == "dues":
            dues = seed_dues(as_of=AS_OF, seed=1, under=under)
            print(f"  {dues.bills:,} bills", flush=True)
        elif stage == "rollup":
            for month in (202508, 202509, 202510, 202511):
                compliance.rollup_month(month)
        print(f"{stage}: {time.perf_counter() - started:.0f} s", flush=True)
        done.add(stage)
        done_file.write_text("\n".join(sorted(done)) + "\n")
        if stage == "members":
            from django.db import connection

            connection.close()
            shutil.copyfile(database, database.parent / f"{database.name}.members")
            print("  copied for the dashboard and statistics", flush=True)


if __name__ == "__main__":
    main()
