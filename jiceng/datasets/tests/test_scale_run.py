"""bench/scale_run.py end to end on one small county (当雄县, 29 villages): migrate, divisions,
the tree and its pages, then a new database of its province's tree alone with the modules and
every measured page and rollup, a results block with each row, and the databases gone
afterwards. On SQLite in the SQLite pass; in the PostgreSQL pass on a private server of its own
(scripts/with-postgres.sh), as the scale-1 run does."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DAMXUNG, DIVISIONS

REPOSITORY = Path(__file__).resolve().parents[3]
SCRIPT = REPOSITORY / "bench" / "scale_run.py"
sys.path.insert(0, str(SCRIPT.parent))
from scale_run import MEASURED, markdown  # noqa: E402

BACKEND = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(REPOSITORY)
    env["JICENG_VAR_DIR"] = str(tmp_path / "var")  # its own keys, not the checkout's
    env["DJANGO_SETTINGS_MODULE"] = "jiceng.config.settings.base"
    return env


@pytest.mark.slow
def test_the_run_measures_every_row_and_removes_the_database(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, str(SCRIPT), "--counties", DAMXUNG, "--runs", "3"]
    command += ["--divisions-file", str(DIVISIONS), "--backends", BACKEND, "--out", str(out)]
    done = subprocess.run(
        command,
        cwd=REPOSITORY,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    blocks = list(out.glob("scale-run-*.md"))
    assert len(blocks) == 1 and blocks[0].with_suffix(".json").exists()
    block = blocks[0].read_text(encoding="utf-8")
    assert block in done.stdout  # printed as well as written
    assert "中共西藏自治区委员会" in block and "**extrapolated**" in block
    rows = {
        line.split(" | ")[0].lstrip("| ") for line in block.splitlines() if line.startswith("|")
    }
    for step in (
        "seed the tree (command)",
        "size after the tree",
        "measuring the nation's tree",  # --modules-in province, the default
        "size after the tree of 中共西藏自治区委员会",
        "size after the modules",
    ):
        assert step in rows
    for module in ("orglife", "dues", "points", "villages", "reporting", "consent"):
        assert f"· {module} (province / **extrapolated** national)" in rows
    table = [line for line in block.splitlines() if line.startswith("| ") and " | " in line]
    assert "Pages and rollups on the nation's tree, no module data" in block
    assert "in the database of 中共西藏自治区委员会's tree alone with its modules" in block
    for _, what, target in MEASURED:
        found = [line for line in table if line.startswith(f"| {what}")]
        assert len(found) == 2, what  # on the nation's tree, then with the modules
        for line in found:
            cells = line.strip("| ").split(" | ")
            assert float(cells[2].replace(",", "")) > 0, line  # a p95 was measured
            assert cells[-1] in (("met", "**missed**") if target else ("—",))
    assert not list(out.glob("*.sqlite3*"))  # the database is removed
    assert not [p for p in out.iterdir() if p.is_dir()]  # and the scratch folder

    # The same figures as `--modules-in nation` leaves them (no measuring of the tree apart):
    # one table, and no row of the province's own database.
    done = json.loads(blocks[0].with_suffix(".json").read_text())
    for result in done.values():
        del result["measured_tree"]
    args = argparse.Namespace(
        backends=[BACKEND], runs=3, command=["scale_run.py"], seed=1,
        as_of=dt.date(2026, 12, 5), counties=DAMXUNG, scale=1.0,
    )  # fmt: skip
    nation = markdown(args, done, 60.0)
    assert "on the nation's tree with the province's modules" in nation
    assert "measuring the nation's tree" not in nation and "--modules-in province" not in nation
    for _, what, _ in MEASURED:
        assert sum(line.startswith(f"| {what}") for line in nation.splitlines()) == 1, what


def test_a_short_disk_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--scale", "1", "--need-gb", "1e9", "--out", str(out)],
        cwd=REPOSITORY,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "磁盘空间不足" in done.stderr and "需要 1000000000.0 GB" in done.stderr
    assert list(out.iterdir()) == []
