import datetime as dt
import io
import re

import openpyxl
from django.test import Client
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import idnumbers
from jiceng.core.excel import XLSX_CONTENT_TYPE
from jiceng.members.exports import export_members
from jiceng.members.models import Member
from jiceng.testing.personas import Tree, add_member

# What a clear ID or mobile number looks like anywhere in a cell.
CLEAR_ID = re.compile(r"\d{17}[\dXx]")
CLEAR_MOBILE = re.compile(r"1[3-9]\d{9}")


def sheet_rows(content: bytes) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].values)


def export_page(client: Client, **query: str | int) -> bytes:
    response = client.get(reverse("members:export"), query)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_a_name_that_looks_like_a_formula_is_exported_as_text(tree: Tree) -> None:
    add_member(tree.branch, name='=HYPERLINK("http://evil.invalid","x")')
    add_member(tree.branch, name="@SUM(1+1)")

    book = openpyxl.load_workbook(
        io.BytesIO(export_members(Member.objects.order_by("pk"), about={}))
    )
    names = [row[0] for row in book.worksheets[0].iter_rows(min_row=2)]

    assert [c.data_type for c in names] == ["s", "s"]
    assert [c.value for c in names] == ['\'=HYPERLINK("http://evil.invalid","x")', "'@SUM(1+1)"]


def test_id_and_phone_numbers_leave_only_masked(tree: Tree) -> None:
    id_number = idnumbers.make("320113", dt.date(1990, 3, 7), 123)
    add_member(tree.branch, name="周丽", id_number=id_number, phone="13812345678")
    add_member(tree.sibling, name="吴刚", phone="")

    rows = sheet_rows(export_members(Member.objects.order_by("pk"), about={}))

    for row in rows:
        for value in row:
            text = "" if value is None else str(value)
            assert not CLEAR_ID.search(text), text
            assert not CLEAR_MOBILE.search(text), text
    header, first, second = rows
    assert header[4:6] == ("身份证号", "手机号")
    assert first[4:6] == ("320113************", "138****5678")
    assert second[5] is None


def test_labels_dates_and_organizations_are_shown_as_people_read_them(tree: Tree) -> None:
    add_member(
        tree.branch,
        name="周丽",
        status="预备党员",
        full_member_on="",
        joined_on=dt.date(2024, 3, 1),
        category="离退休人员",
        is_mobile="是",
        work_place="苏州工业园区",
    )
    header, row = sheet_rows(export_members(Member.objects.all(), about={}))
    record = dict(zip(header, row, strict=True))
    assert record["党籍状态"] == "预备党员"
    assert record["人员类别"] == "离退休人员"
    assert record["入党日期"] == "2024-03-01"
    assert record["出生年份"] == 1985 and "出生日期" not in record
    assert record["转正日期"] is None
    assert record["所在党组织"] == "文苑社区第一党支部"
    assert record["流动党员"] == "是"
    assert record["现工作地点"] == "苏州工业园区"


def test_a_long_list_is_cut_with_a_note_saying_so(tree: Tree) -> None:
    for name in ("甲", "乙", "丙"):
        add_member(tree.branch, name=name)
    rows = sheet_rows(export_members(Member.objects.order_by("name"), about={}, limit=2))
    assert len(rows) == 4
    assert rows[-1][0] == "注：符合条件的党员超过2名，本文件只包含前2名，请缩小筛选范围后分批导出"
    exact = sheet_rows(export_members(Member.objects.order_by("name"), about={}, limit=3))
    assert len(exact) == 4
    assert not any(str(row[0]).startswith("注：") for row in exact)


def test_the_export_keeps_the_list_filters_and_the_user_scope(
    tree: Tree, street_official: User
) -> None:
    add_member(tree.branch, name="周丽")
    add_member(tree.sibling, name="吴刚", status="预备党员", full_member_on="")
    add_member(tree.yaohua_branch, name="尧化的党员")
    client = Client()
    client.force_login(street_official)

    everyone = [str(r[0]) for r in sheet_rows(export_page(client))[1:]]
    assert sorted(everyone) == ["吴刚", "周丽"]  # 尧化 lies outside 仙林
    by_org = [r[0] for r in sheet_rows(export_page(client, org=tree.sibling.pk))[1:]]
    assert by_org == ["吴刚"]
    by_status = [r[0] for r in sheet_rows(export_page(client, status="FULL"))[1:]]
    assert by_status == ["周丽"]
    by_name = [r[0] for r in sheet_rows(export_page(client, name="周"))[1:]]
    assert by_name == ["周丽"]


def test_exporting_an_organization_outside_the_scope_is_a_404(tree: Tree, secretary: User) -> None:
    client = Client()
    client.force_login(secretary)
    assert client.get(reverse("members:export"), {"org": tree.sibling.pk}).status_code == 404


def test_only_roles_that_may_export_get_members(tree: Tree, nobody: User) -> None:
    add_member(tree.branch, name="周丽")
    client = Client()
    assert client.get(reverse("members:export")).status_code == 302  # to the sign-in page
    client.force_login(nobody)
    assert client.get(reverse("members:export")).status_code == 403
