"""One answer to "where may this user act", one way to say "under this path": a scan of the
source that fails when a second copy of either comes back.

- Subtrees are asked for through jiceng.core.paths (`under`, `under_any`, `under_sql`), never
  by a hand-written range or prefix lookup on a path.
- Roles are turned into places and units by accounts.scoping alone: no other module reads the
  role table for that, and the functions that used to do it stay gone.
"""

from __future__ import annotations

import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[3]
SOURCES = [REPOSITORY / "jiceng", REPOSITORY / "bench"]
HELPER = REPOSITORY / "jiceng" / "core" / "paths.py"
ACCOUNTS = REPOSITORY / "jiceng" / "accounts"
THIS = Path(__file__).resolve()

# organization__path__gte=..., "path__lt", f"{prefix}path__gt", path__startswith=...
PATH_RANGE = re.compile(r"path__(?:gt|gte|lt|lte|range|startswith)\b")
# A hand-made end of a range: prefix + "~", or || '~' in raw SQL.
RANGE_END = re.compile(r"""\+\s*["']~["']|\|\|\s*'~'""")
# Functions that used to turn roles into areas outside scoping, and the role tables.
SECOND_SCOPES = re.compile(
    r"\b(?:reach_of|division_prefixes_for|_SEEING_ROLES|ROLE_PERMISSIONS|ROLE_PLACE"
    r"|UNIT_PERMISSIONS|where_of|role_rows)\b"
)


def sources() -> list[Path]:
    return sorted(p for root in SOURCES for p in root.rglob("*.py") if ".venv" not in p.parts)


def relative(path: Path) -> str:
    return path.relative_to(REPOSITORY).as_posix()


def is_test(path: Path) -> bool:
    return "tests" in path.parts or path.parts[-2] == "testing"


def findings(pattern: re.Pattern[str], paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{relative(path)}:{number}: {line.strip()}")
    return found


def test_the_scan_sees_the_helper_and_the_scope() -> None:
    assert HELPER in sources() and THIS in sources()
    assert findings(RANGE_END, [HELPER]) == []  # END is the one "~", not a "+ '~'"
    assert findings(SECOND_SCOPES, [ACCOUNTS / "scoping.py"])


def test_no_hand_written_range_on_a_path() -> None:
    """`paths.under(org.path)` or `paths.under(org.path, "organization__path")` instead;
    tests may check a result with __startswith, never with a range of their own."""
    others = [p for p in sources() if p not in (HELPER, THIS)]
    assert findings(PATH_RANGE, [p for p in others if not is_test(p)]) == []
    in_tests = findings(PATH_RANGE, [p for p in others if is_test(p)])
    assert [line for line in in_tests if "__startswith" not in line] == []


def test_no_hand_written_end_of_a_range() -> None:
    """A range on a division code is `paths.under(code, "community_id")` too."""
    code = [p for p in sources() if p not in (HELPER, THIS) and not is_test(p)]
    assert findings(RANGE_END, code) == []


def test_only_scoping_turns_roles_into_places() -> None:
    """The role table and the role rows are read for "where" by accounts.scoping alone;
    accounts.permissions reads the rows and says what the roles may do."""
    owners = (ACCOUNTS / "scoping.py", ACCOUNTS / "permissions.py")
    others = [p for p in sources() if p not in (*owners, THIS) and not is_test(p)]
    assert findings(SECOND_SCOPES, others) == []
