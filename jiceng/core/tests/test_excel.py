import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from xml.etree import ElementTree

import openpyxl
import openpyxl.xml.functions
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiceng.core import excel
from jiceng.core.errors import InvalidInput
from jiceng.core.excel import Column, Note, Sheet
from jiceng.members.models import MemberStatus

COLUMNS = (
    Column("name", "姓名", required=True),
    Column("gender", "性别", note="可不填"),
    Column("joined_on", "入党日期"),
)


def workbook_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "党员.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=excel.XLSX_CONTENT_TYPE)


def rewrite(content: bytes, part: str, change: Callable[[str], str]) -> bytes:
    """The same .xlsx with one of its XML parts edited."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                data = change(data.decode()).encode()
            target.writestr(item.filename, data)
    return buffer.getvalue()


def read(content: bytes, name: str = "党员.xlsx") -> list[tuple[int, dict[str, object]]]:
    return list(excel.read_rows(upload(content, name), COLUMNS))


def refusal(content: bytes, name: str = "党员.xlsx") -> str:
    with pytest.raises(InvalidInput) as refused:
        read(content, name)
    return refused.value.message


# -- writing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://example.invalid","点我")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"],
)
def test_text_that_a_spreadsheet_would_evaluate_is_written_as_text(text: str) -> None:
    content = excel.write_workbook(headers=["姓名"], rows=[[text]])
    cell = openpyxl.load_workbook(io.BytesIO(content)).active["A2"]
    assert cell.data_type == "s"
    assert cell.value == "'" + text.replace("\r", "\n")  # XML reads a CR as a line feed


def test_ordinary_values_are_written_unchanged() -> None:
    rows = [["张红梅", 42, -1.5, dt.date(2021, 7, 1), None, "a=b"]]
    content = excel.write_workbook(headers=list("ABCDEF"), rows=rows)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[2]] == [
        "张红梅",
        42,
        -1.5,
        dt.datetime(2021, 7, 1),
        None,
        "a=b",
    ]


def test_control_characters_are_dropped_rather_than_breaking_the_file() -> None:
    content = excel.write_workbook(headers=["姓名"], rows=[["张\x00三\x1f"]])
    assert openpyxl.load_workbook(io.BytesIO(content)).active["A2"].value == "张三"


def test_header_is_bold_frozen_and_columns_fit_it() -> None:
    content = excel.write_workbook(
        headers=["姓名", "所在党组织名称全称"], rows=[["张三", "某支部"]], widths=[None, 40]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].font.b and sheet["B1"].font.b
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= excel.display_width("姓名") + 2
    assert sheet.column_dimensions["B"].width == 40


def test_a_note_row_follows_the_rows_in_bold() -> None:
    rows: list[Sequence[object] | Note] = [["张三"], Note("注：只导出了前1条")]
    content = excel.write_workbook([Sheet(title="名单", headers=["姓名"], rows=rows)])
    sheet = openpyxl.load_workbook(io.BytesIO(content))["名单"]
    assert sheet["A3"].value == "注：只导出了前1条"
    assert sheet["A3"].font.b


def test_drop_downs_list_their_values_on_a_hidden_sheet() -> None:
    statuses = tuple(MemberStatus.labels)
    content = excel.write_workbook(
        [
            Sheet(
                title="党员信息",
                headers=["姓名", "身份证号", "党籍状态"],
                text_columns=frozenset({1}),
                choices={2: statuses},
            )
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["党员信息", excel.OPTIONS_SHEET]
    assert book[excel.OPTIONS_SHEET].sheet_state == "hidden"
    options = [row[0] for row in book[excel.OPTIONS_SHEET].iter_rows(values_only=True)]
    assert tuple(options) == statuses
    (validation,) = book["党员信息"].data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == f"'选项'!$A$1:$A${len(statuses)}"
    assert str(validation.sqref).startswith("C2:C")
    assert book["党员信息"].column_dimensions["B"].number_format == "@"


def test_template_explains_every_column_with_an_example() -> None:
    columns = (
        Column("name", "姓名", required=True, help="与身份证一致"),
        Column("status", "党籍状态", choices=("预备党员", "正式党员")),
    )
    content = excel.write_template(
        title="党员信息", columns=columns, example=["张三", "正式党员"], notes=["1. 说明"]
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames[:2] == ["党员信息", "填写说明"]
    assert [c.value for c in book["党员信息"][1]] == ["姓名", "党籍状态"]
    assert book["党员信息"].max_row == 1  # no example among the data
    guide = [tuple(v for v in row if v is not None) for row in book["填写说明"].values]
    assert ("张三", "正式党员") in guide
    assert ("姓名", "必填", "与身份证一致") in guide
    assert ("党籍状态", "预备党员、正式党员") in guide


# -- reading ----------------------------------------------------------------------------------


def test_openpyxl_parses_uploads_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")
    excel.check_defusedxml()


def test_rows_come_with_their_excel_row_numbers_and_empty_rows_are_skipped() -> None:
    content = workbook_bytes(
        [
            ["党员信息表"],  # a title line above the header
            [" 姓名 ", "备注", "性别（可不填）", "入党日期"],
            ["张三", "不认识的列", "男", dt.datetime(2010, 7, 1)],
            [None, None, None, None],
            ["  ", "", None, None],
            ["李四", None, None, "2011/7/1"],
        ]
    )
    assert read(content) == [
        (3, {"name": "张三", "gender": "男", "joined_on": dt.date(2010, 7, 1)}),
        (6, {"name": "李四", "gender": "", "joined_on": "2011/7/1"}),
    ]


def test_a_wrong_dimension_record_does_not_hide_rows() -> None:
    content = workbook_bytes([["姓名"], ["张三"], ["李四"], ["王五"]])
    lying = rewrite(
        content,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:A2"', xml),
    )
    assert [r["name"] for _, r in read(lying)] == ["张三", "李四", "王五"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 7, 1), dt.date(2024, 7, 1)),
        (dt.date(2024, 7, 1), dt.date(2024, 7, 1)),
        ("2024-07-01", dt.date(2024, 7, 1)),
        ("2024/7/1", dt.date(2024, 7, 1)),
        ("2024.7.1", dt.date(2024, 7, 1)),
        ("2024年7月1日", dt.date(2024, 7, 1)),
        (20240701, dt.date(2024, 7, 1)),
        ("2024-02-30", "2024-02-30"),
        ("七月一日", "七月一日"),
        ("", ""),
    ],
)
def test_dates_come_from_date_cells_or_from_text(value: object, expected: object) -> None:
    assert excel.date_of(value) == expected


def test_numbers_read_as_text_lose_no_trailing_zero() -> None:
    assert excel.text_of(13912345678.0) == "13912345678"
    assert excel.text_of(320113198506011234) == "320113198506011234"
    assert excel.text_of(1.5) == "1.5"


def test_choices_are_taken_by_label_or_code() -> None:
    assert excel.choice_of("正式党员", MemberStatus) == "FULL"
    assert excel.choice_of("FULL", MemberStatus) == "FULL"
    assert excel.choice_of(" ", MemberStatus) == ""
    assert excel.choice_of("党员", MemberStatus) is None


def test_a_missing_required_column_is_refused() -> None:
    message = refusal(workbook_bytes([["性别", "入党日期"], ["男", "2010-07-01"]]))
    assert message == "第1行表头缺少必填列：姓名。请使用导入模板"


def test_a_file_without_a_header_is_refused() -> None:
    assert "没有找到表头行" in refusal(workbook_bytes([["张三", "男"]]))


def test_a_column_given_twice_is_refused() -> None:
    message = refusal(workbook_bytes([["姓名", "性别", "性别(可不填)"]]))
    assert message == "表头中“性别”出现了两次，请删除多余的一列"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        ("姓名,性别\n张三,男\n".encode(), "党员.csv"),
        ("姓名,性别\n张三,男\n".encode(), "党员.xlsx"),  # renamed
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "党员.xlsx"),  # an .xls inside
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "党员.xls"),
    ],
)
def test_anything_but_xlsx_is_refused(content: bytes, name: str) -> None:
    assert refusal(content, name) == "请上传.xlsx格式的Excel文件"


def test_a_zip_that_is_no_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "不是Excel")
    assert refusal(buffer.getvalue()) == "请上传.xlsx格式的Excel文件"


def test_a_file_over_the_size_limit_is_refused(settings: object) -> None:
    settings.JICENG_IMPORT_MAX_BYTES = 100_000  # type: ignore[attr-defined]
    content = workbook_bytes([["姓名"], *([f"党员{i}" * 20] for i in range(10_000))])
    assert len(content) > 100_000
    assert refusal(content).startswith("文件过大（0.")
    assert refusal(content).endswith("不能超过0.1 MB")


def test_a_file_that_inflates_far_beyond_the_limit_is_refused(settings: object) -> None:
    settings.JICENG_IMPORT_MAX_BYTES = 100_000  # type: ignore[attr-defined]
    content = workbook_bytes([["姓名"], ["张三"]])
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 2_000_000)
    assert len(buffer.getvalue()) < 100_000
    assert refusal(buffer.getvalue()).startswith("文件解压后过大")


def test_more_rows_than_allowed_are_refused(settings: object) -> None:
    settings.JICENG_IMPORT_MAX_ROWS = 3  # type: ignore[attr-defined]
    three: list[list[object]] = [["姓名"], ["甲"], [None], ["乙"]]  # the empty row counts
    assert len(read(workbook_bytes(three))) == 2
    assert refusal(workbook_bytes([*three, ["丙"]])) == (
        "表格超过3行（空行也计算在内），请删除末尾多余的空行，或拆分成多个文件分批导入"
    )


def test_xml_entities_are_refused_not_expanded() -> None:
    content = workbook_bytes([["姓名"], ["张三"]])
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def bomb(xml: str) -> str:
        body = re.sub(r"^<\?xml[^>]*\?>", "", xml)
        return laughs + body.replace("<v>", "<v>&lol2;", 1)

    hostile = rewrite(content, "xl/worksheets/sheet1.xml", bomb)
    assert refusal(hostile).startswith("文件无法读取")


def test_a_broken_workbook_is_refused_with_a_message() -> None:
    content = workbook_bytes([["姓名"], ["张三"]])
    broken = rewrite(content, "xl/workbook.xml", lambda xml: xml[: len(xml) // 2])
    assert refusal(broken).startswith("文件无法读取")


def test_every_part_written_is_well_formed_xml() -> None:
    content = excel.write_workbook(
        [
            Sheet(
                title="名单",
                headers=["姓名", "状态"],
                rows=[["<张&三>", "正式"]],
                choices={1: ["正式", "预备"]},
            ),
            Sheet(title="说明", headers=["说明"], rows=[["a"]]),
        ]
    )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))


def test_values_keep_their_types_when_read_back() -> None:
    aware = dt.datetime(2024, 7, 1, 0, 30, tzinfo=dt.UTC)  # 08:30 in China
    rows = [[True, False, 7, 2.5, aware, "  两边有空格  ", "x" * 40_000, "<&>"]]
    content = excel.write_workbook(headers=list("ABCDEFGH"), rows=rows)
    values = [c.value for c in openpyxl.load_workbook(io.BytesIO(content)).active[2]]
    assert values[:6] == [True, False, 7, 2.5, dt.datetime(2024, 7, 1, 8, 30), "  两边有空格  "]
    assert len(values[6]) == excel.MAX_CELL_TEXT
    assert values[7] == "<&>"


def test_sheet_names_are_made_acceptable_to_excel() -> None:
    content = excel.write_workbook(
        [Sheet(title="a/b:c*d?[e]", headers=["x"]), Sheet(title="A/B:C*D?[E]", headers=["x"])]
    )
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames == ["abcde", "ABCDE_2"]


def test_what_is_written_reads_back_through_the_import_reader() -> None:
    content = excel.write_workbook(
        headers=["姓名", "性别", "入党日期"],
        rows=[["张三", "男", dt.date(2010, 7, 1)], ["=1+1", "", ""]],
    )
    assert read(content) == [
        (2, {"name": "张三", "gender": "男", "joined_on": dt.date(2010, 7, 1)}),
        (3, {"name": "'=1+1", "gender": "", "joined_on": ""}),
    ]
