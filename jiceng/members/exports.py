"""The member list as an .xlsx file (导出Excel).

Only what lists show leaves the system: ID and phone numbers as stored masked, the birth year
instead of the birth date, the dates tied to it as core.masking shows them; the sealed columns
are never read, so nothing here can decrypt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence

from django.db.models import QuerySet

from jiceng.core import audit, excel, masking

from .models import Category, Education, Gender, Member, MemberStatus

EXPORT_MAX_ROWS = 100_000
# A background export (jiceng.exports) hears how far it got every this many rows.
PROGRESS_EVERY = 1000
Progress = Callable[[int], None]
COLUMNS: tuple[tuple[str, str, int], ...] = (
    # (field read from the database, header, width)
    ("name", "姓名", 10),
    ("gender", "性别", 6),
    ("ethnicity", "民族", 8),
    ("birth_date", "出生年份", 10),  # the year alone (core.masking)
    ("id_number_masked", "身份证号", 21),
    ("phone_masked", "手机号", 14),
    ("education", "学历", 12),
    ("category", "人员类别", 12),
    ("joined_on", "入党日期", 12),
    ("full_member_on", "转正日期", 12),
    ("status", "党籍状态", 12),
    ("organization__name", "所在党组织", 30),
    ("party_group__name", "党小组", 12),
    ("is_mobile", "流动党员", 10),
    ("work_place", "现工作地点", 24),
)
# Dates the rules tie to the birth date, shown beside its year as core.masking says.
DATES_BESIDE_BIRTH = frozenset({"joined_on", "full_member_on"})
LABELS: dict[str, dict[str, str]] = {
    "gender": dict(Gender.choices),
    "education": dict(Education.choices),
    "category": dict(Category.choices),
    "status": dict(MemberStatus.choices),
}


def export_members(
    rows: QuerySet[Member],
    *,
    about: Mapping[str, object],
    limit: int = EXPORT_MAX_ROWS,
    progress: Progress | None = None,
) -> bytes:
    """The members of `rows` (already scoped and filtered, in the order given), at most
    `limit` of them; a note row at the end says so when there were more. Every export is an
    audit record with `about` (what was asked for, masked) and the number of rows.
    `progress`, if given, is told the rows written so far every PROGRESS_EVERY rows."""
    fields = [field for field, _, _ in COLUMNS]
    values = excel.Counted(rows.values_list(*fields)[: limit + 1].iterator(chunk_size=2000))
    sheet = excel.Sheet(
        title="党员名单",
        headers=[header for _, header, _ in COLUMNS],
        widths=[width for _, _, width in COLUMNS],
        rows=_cells(values, fields, limit, progress),
    )
    content = excel.write_workbook([sheet])
    audit.record(
        audit.AuditEvent.EXPORT,
        action="members.export",
        detail={**about, "rows": min(values.count, limit)},
    )
    return content


def _cells(
    rows: Iterator[tuple[object, ...]],
    fields: Sequence[str],
    limit: int,
    progress: Progress | None = None,
) -> Iterator[list[object] | excel.Note]:
    birth = fields.index("birth_date")
    for count, row in enumerate(rows):
        if progress is not None and count and count % PROGRESS_EVERY == 0:
            progress(count)
        if count == limit:
            yield excel.Note(
                f"注：符合条件的党员超过{limit:,}名，本文件只包含前{limit:,}名，"
                "请缩小筛选范围后分批导出"
            )
            return
        cells: list[object] = []
        born = row[birth]
        assert isinstance(born, dt.date)
        year = masking.birth_year(born)
        for field, value in zip(fields, row, strict=True):
            if field == "birth_date":
                value = year
            elif field in DATES_BESIDE_BIRTH and isinstance(value, dt.date):
                value = masking.date_beside_birth_year(value, birth_year=year)
            elif field in LABELS:
                value = LABELS[field].get(str(value), value) if value else ""
            elif field == "is_mobile":
                value = "是" if value else "否"
            cells.append("" if value is None else value)
        yield cells
