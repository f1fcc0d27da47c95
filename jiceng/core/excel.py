"""Excel (.xlsx) in and out: one writer for exports and templates, one reader for imports.

Writing streams (openpyxl write-only mode) and escapes every text cell that a spreadsheet
would take for a formula (CSV/formula injection, OWASP). Reading refuses what is not a real
.xlsx, is too big or too long, and parses XML through defusedxml (openpyxl does so by itself
when defusedxml is installed; `check_defusedxml` makes sure it did).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

import openpyxl
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from . import clock
from .dates import parse_date
from .errors import InvalidInput

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_XLSX = "请上传.xlsx格式的Excel文件"
UNREADABLE = "文件无法读取，可能已损坏。请用Excel打开后“另存为”.xlsx格式再上传"
# Text that spreadsheets evaluate when it opens a cell (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML 1.0 (and so .xlsx) cannot hold; openpyxl refuses them.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
MAX_CELL_TEXT = 32_767  # Excel's limit for one cell
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
MAX_SHEET_TITLE = 31
# A zip bomb: an .xlsx within the size limit that inflates far beyond it.
MAX_INFLATION = 10
# Rows to look through for the header row (some files carry a title line above it).
HEADER_SEARCH_ROWS = 10
OPTIONS_SHEET = "选项"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3F0EB")
NOTE_FONT = Font(bold=True, color="A40000")

T = TypeVar("T")


# -- writing ----------------------------------------------------------------------------------


def escape(value: object) -> object:
    """A cell value safe to open: text that starts like a formula gets a leading quote, so
    the spreadsheet shows it as text; characters XML cannot hold are dropped."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS.sub("", value)
        if value.startswith(FORMULA_TRIGGERS):
            value = "'" + value
        return value[:MAX_CELL_TEXT]
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Excel has no time zones: write the wall-clock time in China.
        return value.astimezone(clock.CHINA).replace(tzinfo=None)
    return value


def sheet_titles(titles: Sequence[str]) -> list[str]:
    """Titles Excel accepts: no \\ / * ? : [ ], at most 31 characters, unique ignoring case."""
    made: list[str] = []
    for title in titles:
        base = SHEET_TITLE_FORBIDDEN.sub("", title)[:MAX_SHEET_TITLE] or "Sheet"
        candidate, n = base, 1
        while candidate.lower() in {t.lower() for t in made}:
            n += 1
            suffix = f"_{n}"
            candidate = base[: MAX_SHEET_TITLE - len(suffix)] + suffix
        made.append(candidate)
    return made


def display_width(text: str) -> int:
    """Columns a text needs: a Chinese character is about two Latin ones wide."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


@dataclass
class Sheet:
    """One worksheet to write. `rows` may be a generator (it is consumed once, streaming).

    `widths` are in characters (None: from the header); `text_columns` are 0-based indexes
    of columns formatted as text, so long digit strings (ID numbers) typed into them stay
    intact; `choices` give a drop-down list of allowed values for a column.
    """

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object] | Note] = ()
    widths: Sequence[int | None] = ()
    text_columns: frozenset[int] = frozenset()
    choices: Mapping[int, Sequence[str]] = field(default_factory=dict)
    hidden: bool = False


class Counted(Iterator[T]):
    """An iterator that counts what passed through it (the rows an export wrote)."""

    def __init__(self, rows: Iterator[T]) -> None:
        self.rows = rows
        self.count = 0

    def __next__(self) -> T:
        row = next(self.rows)
        self.count += 1
        return row


@dataclass(frozen=True)
class Note:
    """A row of `Sheet.rows` written as one line of bold red text (e.g. "truncated here"),
    so a streaming producer can add it when it finds out, after the rows before it."""

    text: str


def write_workbook(
    sheets: Sequence[Sheet] = (),
    *,
    headers: Sequence[str] | None = None,
    rows: Iterable[Sequence[object]] = (),
    title: str = "Sheet1",
    widths: Sequence[int | None] = (),
) -> bytes:
    """The .xlsx bytes of the given sheets, or of one sheet from `headers` and `rows`.

    Write-only mode: rows go to disk as they come, so a 100,000-row export holds one row in
    memory at a time. Every cell passes through `escape`.
    """
    if headers is not None:
        sheets = [*sheets, Sheet(title=title, headers=headers, rows=rows, widths=widths)]
    if not sheets:
        raise ValueError("write_workbook needs at least one sheet")
    book = openpyxl.Workbook(write_only=True)
    option_lists: list[Sequence[str]] = []
    for sheet, sheet_title in zip(sheets, sheet_titles([s.title for s in sheets]), strict=True):
        ws = book.create_sheet(sheet_title)
        _set_columns(ws, sheet)
        for index, values in sheet.choices.items():
            option_lists.append(values)
            _add_drop_down(ws, index, option_column=len(option_lists), size=len(values))
        ws.freeze_panes = "A2"
        ws.append([_header_cell(ws, text) for text in sheet.headers])
        for row in sheet.rows:
            if isinstance(row, Note):
                note = WriteOnlyCell(ws, value=escape(row.text))
                note.font = NOTE_FONT
                ws.append([note])
            else:
                ws.append([escape(value) for value in row])
        if sheet.hidden:
            ws.sheet_state = "hidden"
    if option_lists:
        options = book.create_sheet(OPTIONS_SHEET)
        _fill_options(options, option_lists)
        options.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header_cell(ws: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=escape(text))
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(vertical="center", wrap_text=False)
    return cell


def _set_columns(ws: Any, sheet: Sheet) -> None:
    for index in range(max(len(sheet.headers), len(sheet.widths))):
        letter = get_column_letter(index + 1)
        given = sheet.widths[index] if index < len(sheet.widths) else None
        header = sheet.headers[index] if index < len(sheet.headers) else ""
        ws.column_dimensions[letter].width = max(given or 0, display_width(header) + 2, 6)
        if index in sheet.text_columns:
            ws.column_dimensions[letter].number_format = "@"


def _add_drop_down(ws: Any, index: int, *, option_column: int, size: int) -> None:
    """A list validation that reads its values from a column of the hidden options sheet
    (an inline list is limited to 255 characters: too short for the 56 ethnic groups)."""
    letter = get_column_letter(option_column)
    source = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$1:${letter}${max(size, 1)}"
    validation = DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="请从下拉列表中选择",
        error="填写的内容不在可选范围内，请从下拉列表中选择",
    )
    target = get_column_letter(index + 1)
    validation.add(f"{target}2:{target}{settings.JICENG_IMPORT_MAX_ROWS + 1}")
    ws.data_validations.append(validation)


def _fill_options(ws: Any, lists: Sequence[Sequence[str]]) -> None:
    longest = max(len(values) for values in lists)
    for i in range(longest):
        ws.append([escape(values[i]) if i < len(values) else None for values in lists])


# -- templates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of an import file: the field it fills, its header, and how to fill it.

    `header` is what the reader matches (after dropping a note in brackets and blanks), so
    "性别(可不填，由身份证号判断)" in a file matches the header "性别".
    """

    key: str
    header: str
    note: str = ""
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    text: bool = False
    width: int | None = None

    @property
    def title(self) -> str:
        return f"{self.header}({self.note})" if self.note else self.header


def write_template(
    *,
    title: str,
    columns: Sequence[Column],
    example: Sequence[object],
    notes: Sequence[str] = (),
) -> bytes:
    """An import template: an empty data sheet with drop-downs, and a sheet 填写说明 with
    general notes, an example row and each column's rules and allowed values."""
    headers = [c.title for c in columns]
    data = Sheet(
        title=title,
        headers=headers,
        widths=[c.width for c in columns],
        text_columns=frozenset(i for i, c in enumerate(columns) if c.text),
        choices={i: c.choices for i, c in enumerate(columns) if c.choices},
    )
    guide: list[Sequence[object]] = [[n] for n in notes]
    guide += [[], ["示例（请在第一个工作表中填写，不要在本表填写）"], headers, list(example), []]
    guide.append(["列名", "是否必填", "填写要求", "可选值"])
    for c in columns:
        guide.append([c.header, "必填" if c.required else "", c.help, "、".join(c.choices)])
    instructions = Sheet(
        title="填写说明",
        headers=["填写说明"],
        rows=guide,
        widths=[max(c.width or 0, display_width(c.title) + 2, 16) for c in columns],
    )
    return write_workbook([data, instructions])


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of an import: the Excel row (None: the file as a whole), the column as
    its header reads, and the reason in Chinese. Warnings have the same shape."""

    row: int | None
    column: str
    message: str


@dataclass
class ImportResult:
    """What an all-or-nothing import did: created rows, or nothing and every error."""

    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors if e.row is not None})


def check_defusedxml() -> None:
    """openpyxl parses with defusedxml only when it is installed and not switched off
    (OPENPYXL_DEFUSEDXML=False): refuse to read uploads without it."""
    if not openpyxl.DEFUSEDXML:
        raise ImproperlyConfigured("openpyxl 未启用 defusedxml，拒绝读取上传的Excel文件")


def refuse(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"file": message})


def normalize_header(text: object) -> str:
    """ "* 性别（可不填）" → "性别": blanks, a required-marker star and a bracketed note go."""
    value = "".join(str(text or "").split()).lstrip("*＊")
    return re.split(r"[(（]", value, maxsplit=1)[0]


def _size_of(upload: IO[bytes]) -> int:
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    position = upload.tell()
    upload.seek(0, io.SEEK_END)
    end = upload.tell()
    upload.seek(position)
    return end


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def _check_upload(upload: IO[bytes]) -> None:
    name = str(getattr(upload, "name", "") or "")
    if name and not name.lower().endswith(".xlsx"):
        raise refuse(NOT_XLSX)
    limit = settings.JICENG_IMPORT_MAX_BYTES
    size = _size_of(upload)
    if size > limit:
        raise refuse(f"文件过大（{_megabytes(size)} MB），不能超过{_megabytes(limit)} MB")
    if size == 0:
        raise refuse("上传的文件是空的")
    upload.seek(0)
    if not zipfile.is_zipfile(upload):  # an .xls, a CSV or anything else renamed
        raise refuse(NOT_XLSX)
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise refuse(NOT_XLSX) from None
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise refuse(NOT_XLSX)
    if sum(m.file_size for m in members) > limit * MAX_INFLATION:
        raise refuse("文件解压后过大，请删除无关的工作表、图片后重新上传")
    upload.seek(0)


def read_rows(
    upload: IO[bytes], columns: Sequence[Column]
) -> Iterator[tuple[int, dict[str, object]]]:
    """(Excel row number, {column key: value}) for every non-empty row of the first sheet.

    The header row is the first of the top rows that names a known column; columns the
    template does not know are ignored, a required column missing is refused. Values are
    text (stripped; "" for an empty cell), numbers, dates (`datetime` cells at midnight
    become `date`), or booleans, as the cells hold them. Refusals are InvalidInput with a
    message in Chinese: the file, not a row, is at fault. Checks of the file happen at the
    call; the row limit (JICENG_IMPORT_MAX_ROWS rows below the header, empty ones included) is
    checked while reading, which stops there.
    """
    check_defusedxml()
    _check_upload(upload)
    try:
        book = openpyxl.load_workbook(upload, read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError):
        raise refuse(NOT_XLSX) from None
    except Exception as exc:  # defusedxml's refusals, broken XML, openpyxl's own errors
        raise refuse(UNREADABLE) from exc
    try:
        sheet = book.worksheets[0]
        # Some programs write a wrong <dimension>; read-only mode would then stop early.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header_row, positions = _find_header(rows, columns)
    except InvalidInput:
        book.close()
        raise
    except Exception as exc:
        book.close()
        raise refuse(UNREADABLE) from exc
    return _data_rows(book, rows, header_row, positions)


def _find_header(
    rows: Iterator[tuple[object, ...]], columns: Sequence[Column]
) -> tuple[int, dict[str, int]]:
    by_header = {c.header: c for c in columns}
    for number, values in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        positions: dict[str, int] = {}
        for index, value in enumerate(values):
            column = by_header.get(normalize_header(value))
            if column is None:
                continue
            if column.key in positions:
                raise refuse(f"表头中“{column.header}”出现了两次，请删除多余的一列")
            positions[column.key] = index
        if positions:
            missing = [c.header for c in columns if c.required and c.key not in positions]
            if missing:
                raise refuse(f"第{number}行表头缺少必填列：{'、'.join(missing)}。请使用导入模板")
            return number, positions
    raise refuse("没有找到表头行（应在第一行写“姓名”等列名）。请下载导入模板，按模板填写")


def _data_rows(
    book: Any, rows: Iterator[tuple[object, ...]], header_row: int, positions: dict[str, int]
) -> Iterator[tuple[int, dict[str, object]]]:
    limit = settings.JICENG_IMPORT_MAX_ROWS
    try:
        for number, values in enumerate(rows, start=header_row + 1):
            # Empty rows count too: a sheet can hold a million of them (or one cell far down,
            # which openpyxl fills up to with empty rows) and reading them holds a worker.
            if number - header_row > limit:
                raise refuse(
                    f"表格超过{limit:,}行（空行也计算在内），请删除末尾多余的空行，"
                    "或拆分成多个文件分批导入"
                )
            record = {
                key: _cell_value(values[i] if i < len(values) else None)
                for key, i in positions.items()
            }
            if all(v == "" for v in record.values()):
                continue
            yield number, record
    except InvalidInput:
        raise
    except Exception as exc:  # a broken worksheet part or forbidden XML found while streaming
        raise refuse(UNREADABLE) from exc
    finally:
        book.close()


def _cell_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value


# -- turning cell values into what services take ----------------------------------------------


def text_of(value: object) -> str:
    """A cell as text: whole numbers without ".0" (a phone number typed as a number)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def choice_of(value: object, choices: type[models.TextChoices]) -> str | None:
    """The code of a choice written as its Chinese label (正式党员) or its code (FULL);
    "" for a blank cell, None for anything else."""
    text = " ".join(text_of(value).split())
    if not text:
        return ""
    for code, label in choices.choices:
        if text in (label, code):
            return str(code)
    return None


def date_of(value: object) -> object:
    """A date from a date cell or from text as people write it (core.dates); anything else
    is returned as it came, for the service to refuse with its own message."""
    try:
        parsed = parse_date(value if isinstance(value, dt.date) else text_of(value))
    except ValueError:
        return text_of(value)
    return "" if parsed is None else parsed
