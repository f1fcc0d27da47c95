"""Loading the NBS division codes (统计用区划代码) into the Division table.

The file is a CSV (optionally gzipped) with the columns code,name,level,parent_code, codes in their
short form (2/4/6/9/12 digits), padded here to the 12-digit key. The ORM is far too slow for
665,276 rows, so rows go in raw (core.bulk: executemany on SQLite, COPY on PostgreSQL), all in one
transaction that first empties the table, so a reload replaces the contents or changes nothing.

Four places in the 2023 file repeat a division one level down under the same code: 东莞市, 中山市
and 儋州市 (prefecture-level cities without counties, listed again as their own county) and
金门县 (listed again as its own township and village). Padded to 12 digits, such a row has the
same key as its parent, so it is the parent: it is merged into it (its children hang on the
parent) rather than stored twice. A merged row must carry its parent's name; anything else that
repeats a key is an error in the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper

from jiceng.core.bulk import write_rows
from jiceng.core.errors import InvalidInput
from jiceng.divisions.models import LEVEL_DIGITS, Division

HEADER = ["code", "name", "level", "parent_code"]
CODE_DIGITS = 12
NAME_MAX = 100  # Division.name max_length
PROGRESS_EVERY = 100_000

# A division's 12-digit key and its parent's, as they go into the table.
Row = tuple[str, str, int, str | None]


def default_file() -> Path:
    return Path(settings.BASE_DIR) / "data" / "divisions-2023.csv.gz"


@dataclass
class Tally:
    """What a pass over the file saw."""

    rows_read: int = 0
    per_level: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVEL_DIGITS, 0))
    # (line, 12-digit key, name) of each row merged into its parent
    merged: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.rows_read - len(self.merged)


@dataclass(frozen=True)
class LoadResult:
    path: Path
    rows_read: int
    per_level_read: dict[int, int]
    merged: int
    stored: int
    skipped: bool
    seconds: float


def open_text(path: Path) -> TextIO:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def read_rows(
    path: Path, tally: Tally, progress: Callable[[int], None] | None = None
) -> Iterator[Row]:
    """The rows to store, checked; merged rows are counted in `tally` instead of yielded.

    This loop is most of a load's time, so the checks are cheap ones on the whole row first
    and the precise reason is worked out only for a row that fails them.
    """
    shapes = {digits: (level, str(level)) for level, digits in LEVEL_DIGITS.items()}
    counts = [0] * 6
    rows_read = 0
    with open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != HEADER:
            raise InvalidInput(f"文件表头应为 {','.join(HEADER)}，实际为 {','.join(header or [])}")
        try:
            for line, fields in enumerate(reader, start=2):
                if len(fields) != 4:
                    if not fields:
                        continue  # a blank line
                    raise InvalidInput(f"第{line}行：应有4列，实际为{len(fields)}列")
                code, name, level_text, parent = fields
                level, expected_text = shapes.get(len(code), (0, ""))
                if (
                    level_text != expected_text
                    or not (code.isdigit() and code.isascii())
                    or not 0 < len(name) <= NAME_MAX
                    or name != name.strip()
                    or "\x00" in name
                    or (level == 1 and parent)
                    or (
                        level > 1
                        and not (
                            len(parent) in shapes
                            and len(parent) < len(code)
                            and code.startswith(parent)
                        )
                    )
                ):
                    raise InvalidInput(f"第{line}行：{_what_is_wrong(fields)}")
                rows_read += 1
                counts[level] += 1
                if progress is not None and rows_read % PROGRESS_EVERY == 0:
                    progress(rows_read)
                key = code.ljust(CODE_DIGITS, "0")
                parent_key = parent.ljust(CODE_DIGITS, "0") if parent else None
                if parent_key == key:
                    tally.merged.append((line, key, name))
                    continue
                yield key, name, level, parent_key
        finally:
            tally.rows_read = rows_read
            tally.per_level = {level: counts[level] for level in LEVEL_DIGITS}


def _what_is_wrong(fields: list[str]) -> str:
    code, name, level_text, parent = fields
    level = {digits: level for level, digits in LEVEL_DIGITS.items()}.get(len(code))
    if level is None or not (code.isdigit() and code.isascii()):
        return f"区划代码“{code}”应为2、4、6、9或12位数字"
    if level_text != str(level):
        return f"{len(code)}位的区划代码{code}应为{level}级，文件中为“{level_text}”"
    if not 0 < len(name) <= NAME_MAX or name != name.strip():
        return f"名称“{name}”应为1到{NAME_MAX}个字，且首尾无空格"
    if "\x00" in name:
        return f"名称“{name.replace(chr(0), '')}”中有NUL字符"
    if level == 1:
        return f"省级区划{code}不应有上级代码“{parent}”"
    return f"上级代码“{parent}”应为区划代码{code}的前段（2、4、6或9位）"


def survey(path: Path) -> Tally:
    """What the file holds, checked, without loading it (about a second for the full file)."""
    tally = Tally()
    for _ in read_rows(path, tally):
        pass
    return tally


def load_divisions(
    *,
    path: Path | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Replace the divisions with the file's (载入行政区划), in one transaction.

    Skipped when the table already holds as many divisions as the file makes, unless `force`.
    Raises InvalidInput, naming the line, for a bad file; the table is then left as it was.
    """
    path = path or default_file()
    if not path.is_file():
        raise InvalidInput(f"区划文件不存在：{path}")
    started = time.perf_counter()
    if not force:
        existing = Division.objects.count()
        if existing:
            tally = survey(path)
            if tally.stored == existing:
                return _result(path, tally, started, skipped=True)

    tally = Tally()
    table = connection.ops.quote_name(Division._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            indexes = _secondary_indexes(cursor)
            for _, drop in indexes:
                cursor.execute(drop)
            rows = read_rows(path, tally, progress)
            if connection.vendor == "postgresql":
                # Nothing references the table with a database constraint (every foreign key
                # to Division is db_constraint=False), so TRUNCATE is allowed.
                cursor.execute(f"TRUNCATE {table}")
            else:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (our own table's name)
            write_rows(Division._meta.db_table, ("code", "name", "level", "parent_id"), rows)
            for create, _ in indexes:
                cursor.execute(create)
            _check_parents(cursor, table)
            _check_merged(tally)
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {table}")  # the planner's statistics are of the old rows
    except IntegrityError:
        # Only the primary key can fail: a repeated code. Find it for the message (rare path).
        raise InvalidInput(_first_duplicate(path)) from None
    return _result(path, tally, started, skipped=False)


def _result(path: Path, tally: Tally, started: float, *, skipped: bool) -> LoadResult:
    return LoadResult(
        path=path,
        rows_read=tally.rows_read,
        per_level_read=dict(tally.per_level),
        merged=len(tally.merged),
        stored=tally.stored,
        skipped=skipped,
        seconds=time.perf_counter() - started,
    )


def _secondary_indexes(cursor: CursorWrapper) -> list[tuple[str, str]]:
    """(create, drop) statements of the table's indexes other than its primary key.

    Building an index once over the loaded rows is about twice as fast as keeping it up to date
    row by row. The statements come from the database itself, so the schema comes back as it was.
    """
    table = Division._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute(
            """
            SELECT pg_get_indexdef(i.indexrelid), quote_ident(c.relname)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """,
            [connection.ops.quote_name(table)],
        )
    elif connection.vendor == "sqlite":
        cursor.execute(
            "SELECT sql, name FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
            [table],
        )
    else:
        return []
    return [(create, f"DROP INDEX {connection.ops.quote_name(name)}") for create, name in cursor]


def _check_parents(cursor: CursorWrapper, table: str) -> None:
    cursor.execute(
        f"SELECT c.code, c.parent_id FROM {table} c "  # noqa: S608 (our own table's name)
        f"LEFT JOIN {table} p ON p.code = c.parent_id "
        "WHERE c.parent_id IS NOT NULL AND p.code IS NULL ORDER BY c.code LIMIT 5"
    )
    orphans = cursor.fetchall()
    if orphans:
        listed = "，".join(f"{code}的上级{parent}" for code, parent in orphans)
        raise InvalidInput(f"上级区划不在文件中：{listed}")


def _check_merged(tally: Tally) -> None:
    names = dict(
        Division.objects.filter(code__in=[key for _, key, _ in tally.merged]).values_list(
            "code", "name"
        )
    )
    for line, key, name in tally.merged:
        if names.get(key) != name:
            raise InvalidInput(
                f"第{line}行：区划代码补足12位后为{key}，与上级相同，但名称“{name}”"
                f"与上级“{names.get(key, '')}”不同"
            )


def _first_duplicate(path: Path) -> str:
    seen: dict[str, int] = {}
    with open_text(path) as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for line, fields in enumerate(reader, start=2):
            if (
                len(fields) == 4
                and fields[3]
                and fields[3].ljust(CODE_DIGITS, "0") == fields[0].ljust(CODE_DIGITS, "0")
            ):
                continue  # merged into its parent, not stored
            if fields:
                key = fields[0].ljust(CODE_DIGITS, "0")
                if key in seen:
                    return f"第{line}行：区划代码{fields[0]}（{key}）与第{seen[key]}行重复"
                seen[key] = line
    return "文件中有重复的区划代码"
