"""Member registration from an Excel file (党员信息批量导入): all rows or none.

Every row is checked first by the same `check_member_input` the form and the API use; every
problem is reported with its Excel row and column; only a file without a single problem is
written, by one `create_members` call in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import IO

from django.db import IntegrityError

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.core import clock, excel, idnumbers
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import Column, ImportResult, RowError
from jiceng.core.paths import under
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization, PartyGroup
from jiceng.orgs.queries import organizations_named
from jiceng.orgs.services import check_can_write

from . import services
from .ethnicities import ETHNICITIES
from .models import Category, Education, Gender, MemberStatus

YES_NO = ("是", "否")

MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", required=True, width=10, help="与身份证一致"),
    Column(
        "id_number",
        "身份证号",
        required=True,
        text=True,
        width=21,
        help="18位，末位可为X；请保持文本格式，不要写成数字",
    ),
    Column(
        "gender",
        "性别",
        note="可不填，由身份证号判断",
        choices=tuple(Gender.labels),
        help="可不填；填写的须与身份证号一致",
    ),
    Column("ethnicity", "民族", choices=ETHNICITIES, width=10, help="写全称，不填默认为汉族"),
    Column("phone", "手机号", text=True, width=14, help="11位手机号，可不填"),
    Column("education", "学历", choices=tuple(Education.labels), width=12, help="可不填"),
    Column("category", "人员类别", required=True, choices=tuple(Category.labels), width=12),
    Column("joined_on", "入党日期", required=True, width=12, help="如 2010-07-01"),
    Column("full_member_on", "转正日期", width=12, help="正式党员必填，预备党员不填"),
    Column("status", "党籍状态", required=True, choices=tuple(MemberStatus.labels), width=12),
    Column(
        "organization",
        "所在党组织",
        width=28,
        help="本次导入到的党组织或其下级基层党组织的全称；不填即为导入到的党组织",
    ),
    Column("party_group", "党小组", width=12, help="所在党组织中已设立的党小组名称，可不填"),
    Column("is_mobile", "流动党员", note="是/否", choices=YES_NO, width=10, help="不填视为“否”"),
    Column("work_place", "现工作地点", width=24, help="流动党员必填"),
)
HEADERS = {c.key: c.header for c in MEMBER_COLUMNS}
ORDER = {c.key: i for i, c in enumerate(MEMBER_COLUMNS)}
ORDER_BY_HEADER = {c.header: i for i, c in enumerate(MEMBER_COLUMNS)}
DATE_FIELDS = ("joined_on", "full_member_on")
CHUNK = 500


def member_template() -> bytes:
    """The downloadable template (党员信息导入模板.xlsx)."""
    example_id = idnumbers.make("320113", dt.date(1985, 6, 1), 123)
    example = [
        "张红梅",
        example_id,
        "",
        "汉族",
        "13912345678",
        "大学本科",
        "在岗职工",
        "2010-07-01",
        "2011-07-01",
        "正式党员",
        "文苑社区第一党支部",
        "第一党小组",
        "否",
        "",
    ]
    notes = [
        "1. 在第一个工作表“党员信息”中从第2行起每行填写一名党员，不要修改表头。",
        "2. 身份证号、手机号请保持文本格式；日期写成 2010-07-01 的格式或使用Excel日期。",
        "3. 有下拉列表的列请从列表中选择。",
        "4. 导入时逐行检查，只要有一行有错，整个文件都不会导入；请按错误报告改正后重新上传。",
    ]
    return excel.write_template(
        title="党员信息", columns=MEMBER_COLUMNS, example=example, notes=notes
    )


def import_members(file: IO[bytes], *, into: Organization, by: User) -> ImportResult:
    """Register every member of the file under `into` (or the organizations the rows name in
    its subtree), or none of them. A file the reader refuses raises InvalidInput; an
    organization outside the user's scope raises NotFound."""
    check_can_write(by, into, Permission.MANAGE_MEMBERS)
    rows = list(excel.read_rows(file, MEMBER_COLUMNS))
    if not rows:
        return ImportResult(errors=[RowError(None, "", "文件中没有党员数据：请从第2行起填写")])

    organizations = organizations_named(by, into, (_name(r, "organization") for _, r in rows))
    groups = _party_groups_named(into, (_name(r, "party_group") for _, r in rows))
    today = clock.today()
    errors: list[RowError] = []
    warnings: list[RowError] = []
    checked: list[services.MemberInput] = []
    checked_rows: list[int] = []

    for number, raw in rows:
        problems: dict[str, str] = {}
        organization = _organization_of(raw, into, organizations, problems)
        party_group = _party_group_of(raw, organization, groups, problems)
        values = _prepared(raw, problems)
        try:
            data = services.check_member_input(
                values, organization=organization, party_group=party_group, today=today
            )
        except InvalidInput as exc:
            for key, message in (exc.fields or {"": exc.message}).items():
                problems.setdefault(key, message)  # our organization message comes first
        else:
            if not problems:
                checked.append(data)
                checked_rows.append(number)
                warnings += [RowError(number, HEADERS["id_number"], w) for w in data.warnings]
        errors += _row_errors(number, problems)

    errors += _duplicates(checked, checked_rows, by=by)
    if errors:
        errors.sort(key=lambda e: (e.row or 0, ORDER_BY_HEADER.get(e.column, -1)))
        return ImportResult(errors=errors, warnings=warnings)
    try:
        # Not inside a transaction of ours: create_members has its own, and records a number
        # found registered once it has rolled back.
        services.create_members(rows=checked, by=by)
    except (InvalidInput, IntegrityError):
        # Someone registered one of these ID numbers between our check and the write.
        message = "导入时其他人刚刚登记了文件中的身份证号，本次未导入任何数据，请重新上传"
        return ImportResult(errors=[RowError(None, "", message)], warnings=warnings)
    return ImportResult(created=len(checked), warnings=warnings)


def _name(raw: dict[str, object], key: str) -> str:
    return " ".join(excel.text_of(raw.get(key, "")).split())


def _row_errors(number: int, problems: dict[str, str]) -> list[RowError]:
    ordered = sorted(problems.items(), key=lambda item: ORDER.get(item[0], -1))
    return [RowError(number, HEADERS.get(key, ""), message) for key, message in ordered]


def _prepared(raw: dict[str, object], problems: dict[str, str]) -> dict[str, object]:
    """Cell values as check_member_input takes them: text, and dates where recognisable."""
    values: dict[str, object] = {key: excel.text_of(value) for key, value in raw.items()}
    for key in DATE_FIELDS:
        if key in raw:
            values[key] = excel.date_of(raw[key])
    id_cell = raw.get("id_number")
    if isinstance(id_cell, float):
        # Excel keeps 15 significant digits: the last digits of the number are already lost.
        problems["id_number"] = (
            "身份证号被Excel存成了数字，后几位已经丢失；请把该列设为“文本”格式后重新填写"
        )
    return values


def _organization_of(
    raw: dict[str, object],
    into: Organization,
    organizations: dict[str, list[Organization]],
    problems: dict[str, str],
) -> Organization | None:
    name = _name(raw, "organization")
    if not name and into.kind not in GRASSROOTS_KINDS:
        problems["organization"] = (
            f"“{into.name}”是{into.get_kind_display()}，不直接管理党员：请在此列填写党员所在的"
            "基层党组织（如党支部）的全称"
        )
        return None
    if not name:
        return into
    matches = organizations.get(name, [])
    active = [o for o in matches if o.dissolved_on is None]
    if len(matches) == 1:
        return matches[0]
    if len(active) == 1:
        return active[0]
    if not matches:
        problems["organization"] = f"在“{into.name}”及其下级中没有名为“{name}”的党组织"
    else:
        problems["organization"] = (
            f"“{into.name}”下有{len(matches)}个名为“{name}”的党组织，无法确定是哪一个；"
            "请到该党组织页面导入，并将此列留空"
        )
    return None


def _party_groups_named(
    into: Organization, names: Iterable[str]
) -> dict[tuple[int, str], PartyGroup]:
    """The party groups with these names in the subtree of `into`, by (organization, name)."""
    wanted = sorted(set(names) - {""})
    found: dict[tuple[int, str], PartyGroup] = {}
    inside = PartyGroup.objects.filter(under(into.path, "organization__path"))
    for start in range(0, len(wanted), CHUNK):
        for group in inside.filter(name__in=wanted[start : start + CHUNK]):
            found[group.organization_id, group.name] = group
    return found


def _party_group_of(
    raw: dict[str, object],
    organization: Organization | None,
    groups: dict[tuple[int, str], PartyGroup],
    problems: dict[str, str],
) -> PartyGroup | None:
    name = _name(raw, "party_group")
    if not name or organization is None:
        return None
    group = groups.get((organization.pk, name))
    if group is None:
        problems["party_group"] = f"“{organization.name}”没有名为“{name}”的党小组"
    return group


def _duplicates(
    checked: Sequence[services.MemberInput], rows: Sequence[int], *, by: User
) -> list[RowError]:
    """ID numbers repeated in the file, with the rows that share one (the user's own file),
    and ID numbers registered already, which are only said to be (and recorded as tried)."""
    by_number: dict[str, list[int]] = defaultdict(list)
    for data, number in zip(checked, rows, strict=True):
        by_number[data.id_number].append(number)
    duplicates = services.duplicate_id_numbers(checked)
    if duplicates.holders:
        services.record_taken_id_numbers(holders=duplicates.holders, by=by)
    errors = []
    for index, message in sorted(duplicates.messages.items()):
        number = rows[index]
        others = [str(n) for n in by_number[checked[index].id_number] if n != number]
        if others:
            message += f"（另见第{'、'.join(others)}行）"
        errors.append(RowError(number, HEADERS["id_number"], message))
    return errors
