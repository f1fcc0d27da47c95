"""Routes addresses as callers give them against a gazetteer of a million door plates.

    .venv/bin/python bench/bench_addresses.py [--doors 1000000] [--addresses 100000]

The divisions are the real ones (data/divisions-2023.csv.gz): every province, city and
district, and the streets and communities of 南京市, whose 1,300-odd communities get one to
three synthetic grids each. The gazetteer: door plates on made-up roads of each street
("<road>路<n>号", a fifth of them with a building, "<road>路<n>号<b>栋"), --doors in all.

The addresses are the tests' mix of forms (jiceng/grid/tests/test_addresses.py), built from
door plates drawn at random: with province and city or without, with the street or the
community or neither, 社区 with or without 居委会, full-width digits, Chinese numerals, blanks,
号楼/幢 for 栋, unit and room, brackets, "附近"; a tenth are door plates nobody imported.

Prints, from one run: building the book from arrays (no database; build_book reads the same
arrays from one SELECT); `AddressBook.resolve` addresses per second, single-threaded, one
call an address as intake makes it; and, as the baseline, a bare `dict.get` of the same
address strings in a dict of a million strings (the exact text, as imported) — the floor
of any lookup; and the ratio. Every resolved address is checked against the grid its door
plate was generated for.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import random
import re
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROAD_CHARS = (
    "安宁和平新华建设文昌学府仙林紫金栖霞燕子矶马群尧化迈皋桥龙潭江宁秦淮玄武鼓楼"
    "雨花台浦口六合溧水高淳东西南北中兴隆盛泰康乐福寿"
)
CN = "〇一二三四五六七八九"


def read_divisions() -> list[tuple[str, str, int]]:
    rows = []
    with gzip.open(ROOT / "data" / "divisions-2023.csv.gz", "rt", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for code, name, level, _parent in reader:
            lv = int(level)
            if lv <= 3 or code.startswith("3201"):
                rows.append((code.ljust(12, "0"), name, lv))
    return rows


def chinese(n: int) -> str:
    """12 → 十二, 108 → 一百零八 (as people say door numbers)."""
    if n < 10:
        return CN[n]
    if n < 20:
        return "十" + (CN[n % 10] if n % 10 else "")
    if n < 100:
        return CN[n // 10] + "十" + (CN[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if not rest else ("零" + CN[rest] if rest < 10 else chinese(rest))
    if 10 <= rest < 20:
        tail = "一" + tail
    return CN[n // 100] + "百" + tail


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doors", type=int, default=1_000_000)
    parser.add_argument("--addresses", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from jiceng.grid.addresses import DivisionNames
    from jiceng.grid.gazetteer import AddressBook

    rng = random.Random(args.seed)
    divisions = read_divisions()
    names = {code: name for code, name, _ in divisions}
    communities = [c for c, _, lv in divisions if lv == 5]
    streets = sorted({c[:9] + "000" for c in communities})
    grids: list[tuple[int, str, str, str]] = []
    for community in communities:
        for k in range(rng.randint(1, 3)):
            grids.append((len(grids) + 1, f"{names[community]}第{k + 1}网格", community,
                          community[:9] + "000"))  # fmt: skip
    grids_of_street: dict[str, list[tuple[int, str]]] = {}
    for pk, _, community, street in grids:
        grids_of_street.setdefault(street, []).append((pk, community))

    # Door plates: roads of each street, numbers along them, some buildings.
    keys: list[str] = []
    key_grids: list[int] = []
    truth: list[tuple[str, str, int]] = []  # (street, door part, grid) for the address mix
    per_street = args.doors // len(streets) + 1
    for street in streets:
        used: set[str] = set()
        here = grids_of_street.get(street, [])
        if not here:
            continue
        while len(used) < per_street and len(keys) < args.doors:
            road = "".join(rng.sample(ROAD_CHARS, rng.randint(2, 3))) + rng.choice("路路路街道")
            for n in range(1, rng.randint(80, 400)):
                key = f"{road}{n}号"
                if rng.random() < 0.2:
                    key += f"{rng.randint(1, 30)}栋"
                if key in used or len(used) >= per_street or len(keys) >= args.doors:
                    continue
                used.add(key)
                grid, community = here[(n // 40) % len(here)]
                keys.append(key)
                key_grids.append(grid)
                truth.append((street, key, grid))

    started = time.perf_counter()
    tracemalloc.start()
    book = AddressBook(
        version=(1, 1), divisions=divisions, grids=grids, keys=keys, grid_ids=key_grids
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    build_s = time.perf_counter() - started
    community_of = {pk: community for pk, _, community, _ in grids}

    def form(street: str, key: str, grid: int, k: int) -> str:
        community = community_of[grid]
        district, city = street[:6] + "000000", street[:4] + "00000000"
        s, c = names[street], names[community]
        short = c.replace("社区居委会", "社区").replace("村村委会", "村").replace("村委会", "村")
        number = key
        forms = [
            f"江苏省{names[city]}{names[district]}{s}{c}{number}",
            f"{names[city]}{names[district]}{s}{short}{number}",
            f"{short}{number}",
            f"{s} {number}",
            f"{names[district]}{s}{full_width(number)}",
            f"{short}{number}2单元502室",
            number,
            f"{s}{short}{number.replace('栋', '号楼')}",
            f"{names[district]}{number}（东门）",
            f"{short}{number}附近",
        ]
        text = forms[k % len(forms)]
        door = re.search(r"(\d+)号$", number)
        if k % 7 == 0 and door and number in text:
            said = number[: door.start()] + chinese(int(door.group(1))) + "号"
            text = text.replace(number, said)
        return text

    sample = rng.sample(truth, args.addresses)
    mix: list[str] = []
    expected: list[int | None] = []
    for k, (street, key, grid) in enumerate(sample):
        if k % 10 == 9:  # a door plate nobody imported, in a community named
            mix.append(f"{names[street]}{names[community_of[grid]]}无名路{9000 + k}号")
            expected.append(None)
        else:
            mix.append(form(street, key, grid, k))
            expected.append(grid)

    def run_resolve() -> float:
        t0 = time.perf_counter()
        for text in mix:
            book.resolve(text)
        return time.perf_counter() - t0

    exact = {form(s, k, g, 0): g for s, k, g in truth}

    def run_dict() -> float:
        get = exact.get
        t0 = time.perf_counter()
        for text in mix:
            get(text)
        return time.perf_counter() - t0

    results = [book.resolve(text) for text in mix]
    hows: dict[str, int] = {}
    right = wrong = 0
    for found, want in zip(results, expected, strict=True):
        hows[found.how] = hows.get(found.how, 0) + 1
        if want is not None and found.how == "gazetteer":
            got = [c.grid_id for c in found.candidates]
            right, wrong = (right + 1, wrong) if want in got else (right, wrong + 1)
    t_resolve = min(run_resolve() for _ in range(args.runs))
    t_dict = min(run_dict() for _ in range(args.runs))
    n = len(mix)
    print(f"divisions {len(divisions):,}, names {len(DivisionNames(divisions).by_alias):,}")
    print(f"grids {len(grids):,}, door plates {book.size:,}, addresses {n:,}")
    print(f"build book from arrays: {build_s:.2f} s, peak Python memory {peak / 2**20:.0f} MiB")
    held = (book.hashes.nbytes + book.key_grids.nbytes) / 2**20
    print(f"door plate hashes and grids: {held:.0f} MiB")
    print(f"resolved how: {hows}; gazetteer hits right {right:,}, wrong {wrong:,}")
    print(f"resolve: {n / t_resolve:,.0f} addresses/s ({t_resolve / n * 1e6:.1f} µs each)")
    print(f"bare dict.get of the same strings: {n / t_dict:,.0f} addresses/s")
    print(f"ratio resolve / bare dict: {t_dict / t_resolve:.4f} (1 in {t_resolve / t_dict:,.0f})")


if __name__ == "__main__":
    main()
