"""Organizations from an Excel file (党组织批量导入): all rows or none.

Rows are checked first (names, kinds, divisions, dates, where each one's parent is and
whether that parent may hold it); only a file without a single problem is written, in file
order through `create_organization`, inside one transaction. A refusal from the service
that the checks did not foresee still rolls the whole file back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.db.models import Q

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock, excel
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import Column, ImportResult, RowError
from jiceng.core.paths import under_any
from jiceng.divisions.models import Division

from .models import Organization, OrgKind, Sector
from .queries import organizations_for, organizations_named
from .services import check_can_write, check_name, check_placement, create_organization

KINDS = tuple(label for code, label in OrgKind.choices if code != OrgKind.CENTRAL)
ORG_COLUMNS: tuple[Column, ...] = (
    Column("name", "名称", required=True, width=32, help="党组织全称"),
    Column("kind", "类型", required=True, choices=KINDS, width=14),
    Column("sector", "所属领域", choices=tuple(Sector.labels), width=12, help="可不填"),
    Column(
        "parent",
        "上级党组织",
        width=32,
        help="本次导入到的党组织或其下级党组织的全称，也可以是本文件中排在前面的党组织；"
        "不填即为导入到的党组织",
    ),
    Column(
        "division",
        "行政区划代码",
        text=True,
        width=16,
        help="12位统计用区划代码（也可写6位、9位）；不填则与上级党组织相同",
    ),
    Column("founded_on", "成立日期", width=12, help="如 2020-07-01；不填为导入当天"),
)
HEADERS = {c.key: c.header for c in ORG_COLUMNS}
ORDER_BY_HEADER = {c.header: i for i, c in enumerate(ORG_COLUMNS)}
CHUNK = 500
TARGETS_LIMIT = 500


def organization_template() -> bytes:
    """The downloadable template (党组织导入模板.xlsx)."""
    example = [
        "文苑社区第三党支部",
        "党支部",
        "社区",
        "中共仙林街道文苑社区委员会",
        "",
        "2024-07-01",
    ]
    notes = [
        "1. 在第一个工作表“党组织信息”中从第2行起每行填写一个党组织，不要修改表头。",
        "2. 上级党组织写全称；新建的下级党组织可以把本文件中前面行的党组织作为上级。",
        "3. 有下拉列表的列请从列表中选择；日期写成 2020-07-01 的格式或使用Excel日期。",
        "4. 导入时逐行检查，只要有一行有错，整个文件都不会导入；请按错误报告改正后重新上传。",
    ]
    return excel.write_template(
        title="党组织信息", columns=ORG_COLUMNS, example=example, notes=notes
    )


def import_targets(
    user: User,
    *,
    permission: Permission = Permission.MANAGE_ORGANIZATIONS,
    kinds: Collection[str] | None = None,
    limit: int = TARGETS_LIMIT,
) -> tuple[list[Organization], bool]:
    """What an import page offers to import into: the organizations the user's roles name
    (where `permission` holds) and, below them, active organizations of `kinds`, in tree
    order. Returns at most `limit` of them and whether there were more."""
    writable = scope_of(user).reach(permission).paths
    if not writable:
        return [], False
    inside = under_any(writable)
    below = Q(dissolved_on__isnull=True)
    if kinds is not None:
        below &= Q(kind__in=kinds)
    rows = list(
        organizations_for(user)
        .filter(inside & (Q(path__in=writable) | below))
        .order_by("path")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


@dataclass
class _Row:
    """A checked row, ready to create once its parent exists."""

    number: int
    name: str
    kind: str
    sector: str
    division: Division | None
    founded_on: dt.date | None
    parent: Organization | None  # an existing organization, or
    parent_row: int | None  # the row of this file that creates the parent


class _RolledBack(Exception):
    """Raised inside the import's transaction to undo every row already created."""


def import_organizations(file: IO[bytes], *, into: Organization, by: User) -> ImportResult:
    """Create every organization of the file under `into` (or under the parents the rows
    name), or none of them. A file the reader refuses raises InvalidInput; an organization
    outside the user's scope raises NotFound."""
    check_can_write(by, into)
    rows = list(excel.read_rows(file, ORG_COLUMNS))
    if not rows:
        return ImportResult(errors=[RowError(None, "", "文件中没有党组织数据：请从第2行起填写")])
    names = [_name(r, "name") for _, r in rows] + [_name(r, "parent") for _, r in rows]
    existing = organizations_named(by, into, names)
    divisions = _divisions(_division_code(_text(r, "division")) for _, r in rows)
    rows_named: dict[str, list[int]] = defaultdict(list)
    for number, raw in rows:
        rows_named[_name(raw, "name")].append(number)

    today = clock.today()
    kinds: dict[int, tuple[str, str]] = {}  # row → (name, kind) as written, for its children
    children: set[tuple[str, str]] = set()  # (parent key, child name) seen in the file
    planned: list[_Row] = []
    errors: list[RowError] = []
    for number, raw in rows:
        problems: dict[str, str] = {}
        name = _checked_name(raw, problems)
        kind = _checked_choice(raw, "kind", OrgKind, problems, required=True)
        if kind == OrgKind.CENTRAL:
            problems["kind"] = "不能导入“中央”"
        sector = _checked_choice(raw, "sector", Sector, problems, required=False)
        division = _checked_division(raw, divisions, problems)
        founded_on = _checked_date(raw, today, problems)
        kinds[number] = (_name(raw, "name"), kind)
        parent, parent_row = _parent_of(raw, number, into, existing, rows_named, kinds, problems)
        if name and kind and "parent" not in problems:
            if parent is not None:
                probe = parent
                key = f"db:{parent.pk}"
            else:
                assert parent_row is not None
                parent_name, parent_kind = kinds[parent_row]
                probe = Organization(name=parent_name, kind=parent_kind)
                key = f"row:{parent_row}"
            if probe.kind and "kind" not in problems:  # else that row has its own error
                try:
                    check_placement(probe, kind)
                except InvalidInput as exc:
                    problems["kind"] = exc.message
            if (key, name) in children or _has_child(parent, name, existing):
                problems["name"] = f"“{probe.name}”下已有名为“{name}”的党组织"
            children.add((key, name))
        if problems:
            errors += _row_errors(number, problems)
        else:
            planned.append(
                _Row(number, name, kind, sector, division, founded_on, parent, parent_row)
            )
    if errors:
        return ImportResult(errors=_sorted(errors))
    return _create(planned, by)


def _create(planned: list[_Row], by: User) -> ImportResult:
    created: dict[int, Organization] = {}
    errors: list[RowError] = []
    try:
        with transaction.atomic():
            for row in planned:
                parent = row.parent or created.get(row.parent_row or 0)
                if parent is None:
                    message = f"上级党组织（第{row.parent_row}行）未能建立"
                    errors.append(RowError(row.number, HEADERS["parent"], message))
                    continue
                try:
                    with transaction.atomic():  # a savepoint: the rows after go on being checked
                        created[row.number] = create_organization(
                            parent=parent,
                            name=row.name,
                            kind=row.kind,
                            sector=row.sector,
                            division=row.division,
                            founded_on=row.founded_on,
                            by=by,
                        )
                except InvalidInput as exc:
                    errors += _row_errors(row.number, exc.fields or {"": exc.message})
            if errors:
                raise _RolledBack
    except _RolledBack:
        return ImportResult(errors=_sorted(errors))
    return ImportResult(created=len(created))


def _sorted(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (e.row or 0, ORDER_BY_HEADER.get(e.column, -1)))


def _row_errors(number: int, problems: dict[str, str]) -> list[RowError]:
    return [RowError(number, HEADERS.get(key, ""), message) for key, message in problems.items()]


def _text(raw: dict[str, object], key: str) -> str:
    return excel.text_of(raw.get(key, ""))


def _name(raw: dict[str, object], key: str) -> str:
    return " ".join(_text(raw, key).split())


def _checked_name(raw: dict[str, object], problems: dict[str, str]) -> str:
    try:
        return check_name(_text(raw, "name"))
    except InvalidInput as exc:
        problems["name"] = exc.message
        return ""


def _checked_choice(
    raw: dict[str, object],
    key: str,
    choices: type[OrgKind] | type[Sector],
    problems: dict[str, str],
    *,
    required: bool,
) -> str:
    value = excel.choice_of(raw.get(key, ""), choices)
    label = HEADERS[key]
    allowed = KINDS if choices is OrgKind else tuple(str(label) for label in choices.labels)
    if value is None:
        problems[key] = f"{label}“{_text(raw, key)}”不正确，应为：{'、'.join(allowed)}"
        return ""
    if required and not value:
        problems[key] = f"请填写{label}"
    return value


def _division_code(text: str) -> str:
    """NBS codes are 12 digits; 2-, 4-, 6- and 9-digit ones are the same code unpadded."""
    code = "".join(text.split())
    if code.isdigit() and len(code) in (2, 4, 6, 9):
        return code.ljust(12, "0")
    return code


def _divisions(codes: Iterable[str]) -> dict[str, Division]:
    wanted = sorted({c for c in codes if len(c) == 12 and c.isdigit()})
    found: dict[str, Division] = {}
    for start in range(0, len(wanted), CHUNK):
        for division in Division.objects.filter(code__in=wanted[start : start + CHUNK]):
            found[division.code] = division
    return found


def _checked_division(
    raw: dict[str, object], divisions: dict[str, Division], problems: dict[str, str]
) -> Division | None:
    text = _text(raw, "division")
    if not text:
        return None
    code = _division_code(text)
    if not (code.isdigit() and len(code) == 12):
        problems["division"] = f"行政区划代码“{text}”不正确，应为12位数字"
        return None
    division = divisions.get(code)
    if division is None:
        problems["division"] = f"行政区划代码“{text}”不存在"
    return division


def _checked_date(
    raw: dict[str, object], today: dt.date, problems: dict[str, str]
) -> dt.date | None:
    value = excel.date_of(raw.get("founded_on", ""))
    if value == "":
        return None
    if not isinstance(value, dt.date):
        problems["founded_on"] = f"成立日期“{value}”不是有效日期，请写成2024-07-01的格式"
        return None
    if value > today:
        problems["founded_on"] = "成立日期不能晚于今天"
    return value


def _parent_of(
    raw: dict[str, object],
    number: int,
    into: Organization,
    existing: dict[str, list[Organization]],
    rows_named: dict[str, list[int]],
    kinds: dict[int, tuple[str, str]],
    problems: dict[str, str],
) -> tuple[Organization | None, int | None]:
    """The parent a row names: `into` when blank, else one existing organization of that
    name in the subtree or one earlier row of the file (never both, never two)."""
    name = _name(raw, "parent")
    if not name:
        return into, None
    found = existing.get(name, [])
    active = [o for o in found if o.dissolved_on is None]
    in_database = active if active else found
    earlier = [n for n in rows_named.get(name, []) if n < number]
    if len(in_database) + len(earlier) == 1:
        return (in_database[0], None) if in_database else (None, earlier[0])
    if not in_database and not earlier:
        later = [n for n in rows_named.get(name, []) if n >= number]
        if later and later[0] == number:
            problems["parent"] = "上级党组织不能是本行的党组织自己"
        elif later:
            problems["parent"] = f"上级党组织“{name}”在第{later[0]}行，请把它移到本行之前"
        else:
            problems["parent"] = f"在“{into.name}”及其下级中没有名为“{name}”的党组织"
    else:
        where = [f"第{n}行" for n in earlier] + (["系统中已有"] if in_database else [])
        problems["parent"] = (
            f"名为“{name}”的党组织不止一个（{'、'.join(where)}），无法确定是哪一个；"
            "请从该上级党组织的页面导入并将此列留空，或修改重名的党组织名称"
        )
    return None, None


def _has_child(
    parent: Organization | None, name: str, existing: dict[str, list[Organization]]
) -> bool:
    """Whether an existing, active organization of this name sits directly under `parent`."""
    if parent is None:
        return False
    step = Organization.steplen
    return any(
        o.path[:-step] == parent.path and o.dissolved_on is None for o in existing.get(name, [])
    )
