"""A sheet of empty rows is refused once JICENG_IMPORT_MAX_ROWS rows are read, empty ones
included, instead of being read to its end: real files made by openpyxl, the rows that the
reader takes from the worksheet counted as they pass."""

from __future__ import annotations

import io
from collections.abc import Iterator

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from jiceng.core import excel
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import Column

COLUMNS = (Column("name", "姓名", required=True), Column("id_number", "身份证号"))
LIMIT = 100
EXCEL_LAST_ROW = 1_048_576


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows the worksheet handed out (the real reader, counted as it yields)."""
    count = [0]
    original = ReadOnlyWorksheet._cells_by_row

    def counted(sheet: ReadOnlyWorksheet, *args: object, **kwargs: object) -> Iterator[object]:
        for row in original(sheet, *args, **kwargs):
            count[0] += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counted)
    return count


@pytest.fixture(autouse=True)
def small_limit(settings: object) -> None:
    settings.JICENG_IMPORT_MAX_ROWS = LIMIT  # type: ignore[attr-defined]


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("党员.xlsx", content, content_type=excel.XLSX_CONTENT_TYPE)


def saved(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_empty_rows(count: int) -> bytes:
    """A header, one member, then `count` rows that are there (<row r="n"/>) but hold nothing."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("党员")
    sheet.append(["姓名", "身份证号"])
    sheet.append(["张红梅", "320113199003071238"])
    for _ in range(count):
        sheet.append([None])
    return saved(book)


def with_a_cell_on_the_last_row() -> bytes:
    """A header, one member and one cell on Excel's last row: the reader fills the rows
    between with empty ones, a million of them, from a file of a few kilobytes."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号"])
    sheet.append(["张红梅", "320113199003071238"])
    sheet.cell(row=EXCEL_LAST_ROW, column=1, value="李建华")
    return saved(book)


def refusal(content: bytes) -> str:
    with pytest.raises(InvalidInput) as refused:
        list(excel.read_rows(upload(content), COLUMNS))
    return refused.value.message


def test_a_hundred_thousand_empty_rows_are_refused_after_the_limit(rows_read: list[int]) -> None:
    content = with_empty_rows(100_000)

    message = refusal(content)

    assert message.startswith(f"表格超过{LIMIT}行（空行也计算在内）")
    assert rows_read[0] <= LIMIT + 2  # the header, the limit, and the one row past it


def test_a_cell_on_the_last_row_is_refused_without_reading_the_million_rows_before_it(
    rows_read: list[int],
) -> None:
    content = with_a_cell_on_the_last_row()
    assert len(content) < 20_000

    assert refusal(content).startswith(f"表格超过{LIMIT}行")
    assert rows_read[0] <= LIMIT + 2


def test_empty_rows_within_the_limit_are_skipped(rows_read: list[int]) -> None:
    content = with_empty_rows(LIMIT - 1)

    read = list(excel.read_rows(upload(content), COLUMNS))

    assert read == [(2, {"name": "张红梅", "id_number": "320113199003071238"})]
    assert rows_read[0] == LIMIT + 1
