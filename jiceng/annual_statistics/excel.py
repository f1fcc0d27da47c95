"""The annual statistics as an .xlsx in the tables' layout: one sheet per table, the form's
title and number at the top, the reporting unit and the date counted as of, the column heads,
then one row per line (the figures, never formulas, so a total reads the same everywhere)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from jiceng.core import audit
from jiceng.core.excel import escape, sheet_titles

from .tables import Report

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_ROW, UNIT_ROW, HEAD_ROW = 1, 2, 4


def write_report(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    titles = sheet_titles([f"表{t.number} {t.title}" for t in report.tables])
    for table, title in zip(report.tables, titles, strict=True):
        sheet = book.create_sheet(title)
        width = 1 + len(table.columns)
        sheet.cell(TITLE_ROW, 1, escape(f"表{table.number}  {table.title}"))
        sheet.cell(TITLE_ROW, 1).font = Font(bold=True, size=14)
        sheet.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center")
        sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width)
        sheet.cell(UNIT_ROW, 1, escape(f"填报单位：{report.organization.name}"))
        sheet.cell(UNIT_ROW, width, f"截至{report.as_of:%Y年%m月%d日}  单位：{table.unit}")
        sheet.cell(UNIT_ROW, width).alignment = Alignment(horizontal="right")
        heads = ["项目", *table.columns]
        for column, head in enumerate(heads, start=1):
            cell = sheet.cell(HEAD_ROW, column, head)
            cell.font = Font(bold=True)
            cell.border = BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for offset, line in enumerate(table.lines, start=1):
            row = HEAD_ROW + offset
            sheet.cell(row, 1, escape(line.label)).border = BOX
            for column, figure in enumerate(line.cells, start=2):
                cell = sheet.cell(row, column, figure.value)
                cell.border = BOX
                cell.number_format = "#,##0"
        if table.note:
            sheet.cell(HEAD_ROW + len(table.lines) + 2, 1, escape(f"说明：{table.note}"))
        sheet.column_dimensions["A"].width = 44
        for column in range(2, width + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 16
        sheet.freeze_panes = sheet.cell(HEAD_ROW + 1, 2)
    out = io.BytesIO()
    book.save(out)
    audit.record(
        audit.AuditEvent.EXPORT,
        action="statistics.export",
        target=report.organization,
        detail={"year": report.year, "tables": len(report.tables)},
    )
    return out.getvalue()
