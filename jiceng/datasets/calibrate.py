"""National totals of the data set from the plan alone: `python -m jiceng.datasets.calibrate`.

Plans every county of the division file (no members, no database) and prints what a scale-1
seed would make, beside the figures it is meant to reproduce; with --sample N it also generates
the members of N counties and prints their shares (women, aged 61 or over, ...). This is how the
parameters in `national.UNITS` and `people` were set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections import Counter


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.test")
    import django

    django.setup()
    from jiceng.divisions.loading import Tally, default_file, read_rows
    from jiceng.orgs.models import GRASSROOTS_KINDS

    from . import national, people

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=0, help="counties whose members to generate")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    counties = national.build_counties(read_rows(default_file(), Tally()))
    as_of = dt.date(2024, 12, 31)
    kinds: Counter[str] = Counter()
    sectors: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    members = 0
    minorities = 0.0
    units: dict[str, Counter[str]] = {}
    for county in counties:
        orgs = national.plan_county(national.CountyTask(county, args.seed, as_of))
        below = [o.members for o in orgs]
        for i in range(len(orgs) - 1, 0, -1):
            below[orgs[i].parent] += below[i]
        for i, org in enumerate(orgs):
            if not org.dissolved_on:
                kinds[org.kind] += 1
            sectors[org.sector] += org.members
            members += org.members
            if org.unit:
                tally = units.setdefault(org.unit, Counter())
                tally["units"] += 1
                tally["members"] += below[i]
                tally[org.kind] += 1
        picker = people.ethnicity_picker(
            county.province.code, [county.division.name, county.city.name if county.city else ""]
        )
        share = sum(1 for e in picker.table if e != "汉族") / picker.size
        minorities += share * below[0]
    grassroots = sum(kinds[k] for k in GRASSROOTS_KINDS)
    say(f"{len(counties)} 个县级单位，规划用时 {time.perf_counter() - started:.0f} 秒")
    say(f"基层党组织 {grassroots:,}（目标约 5,250,000）")
    for kind, n in kinds.most_common():
        say(f"  {kind:20} {n:>10,}")
    say(f"党员 {members:,}（目标约 100,300,000）")
    for sector, n in sectors.most_common():
        say(f"  {sector or '-':20} {n:>12,}")
    say(f"少数民族党员约 {minorities / members:.1%}（目标 7.7%）")
    say(f"  {'单位类型':16} {'单位数':>9} {'党员':>12} {'人均':>6} {'党委':>8} {'党总支':>8}")
    for key, tally in sorted(units.items(), key=lambda kv: -kv[1]["members"]):
        say(
            f"  {key:20} {tally['units']:>9,} {tally['members']:>12,} "
            f"{tally['members'] / tally['units']:>6.0f} {tally['COMMITTEE']:>8,} "
            f"{tally['GENERAL_BRANCH']:>8,}"
        )
    if args.sample:
        stats: Counter[str] = Counter()
        total = 0
        for county in counties[:: max(1, len(counties) // args.sample)][: args.sample]:
            task = national.CountyTask(
                county, args.seed, as_of, path="0001", first_ids=national.Totals(1, 1, 1, 1, 1)
            )
            rows = national.generate_county(task)
            stats.update(rows.stats)
            total += len(rows.members)
        say(f"抽样 {args.sample} 个县，党员 {total:,}")
        for key, target in [
            ("women", 30.4),
            ("aged_61", 28.9),
            ("minority", 7.7),
            ("college", 56.0),
        ]:
            say(f"  {key:10} {stats[key] / total:6.1%}（目标 {target}%）")
        for key in ("FARMER", "RETIRED", "STUDENT", "EMPLOYED", "UNEMPLOYED", "PROBATIONARY"):
            categories[key] = stats[key]
            share = stats[key] / total
            say(f"  {key:12} {share:6.1%} → 全国约 {share * 100.3:.1f} 百万")


if __name__ == "__main__":
    main()
