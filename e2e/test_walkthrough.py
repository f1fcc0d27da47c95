"""What a street's organization department does on its first day, in real Chromium: sign in,
open the tree, find a branch, import members from the downloaded template with one bad row
(refused, the row reported), fix it, import again (accepted), see the new members."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from jiceng.core import idnumbers
from jiceng.members.models import Member
from jiceng.testing.personas import Tree

PASSWORD = "Pa55word!x"  # the personas' password


def sign_in(page: Page, live_url: str, username: str) -> None:
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_url}/")  # the workbench
    page.goto(f"{live_url}/orgs/")


def filled_template(template: bytes, rows: list[list[object]], path: Path) -> Path:
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_import_members_with_a_bad_row_then_fixed(
    page: Page, live_url: str, tree: Tree, street_official, tmp_path: Path
) -> None:
    sign_in(page, live_url, street_official.username)

    # The tree opens at the street with its community; the branches load on demand.
    expect(page.get_by_role("link", name=tree.xianlin.name)).to_be_visible()
    expect(page.get_by_role("link", name=tree.branch.name)).to_have_count(0)
    page.get_by_role("button", name=f"展开或收起{tree.community.name}").click()
    expect(page.get_by_role("link", name=tree.branch.name)).to_be_visible()

    # Find the branch by name and open its page.
    page.get_by_label("查找党组织").fill("第一党支部")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name=tree.branch.name).first.click()
    expect(page.get_by_role("heading", name=tree.branch.name)).to_be_visible()

    page.get_by_role("link", name="导入党员").click()
    expect(page.get_by_label("导入到")).to_have_value(str(tree.branch.pk))
    with page.expect_download() as download:
        page.get_by_role("link", name="下载党员信息导入模板").click()
    template = Path(download.value.path()).read_bytes()

    good = idnumbers.make("320113", dt.date(1990, 5, 20), 101)
    fixed = idnumbers.make("320113", dt.date(1986, 11, 2), 202)
    broken = fixed[:-1] + ("0" if fixed[-1] != "0" else "1")  # wrong check digit
    row = [
        "汉族",
        "13912345678",
        "大学本科",
        "在岗职工",
        "2015-07-01",
        "2016-07-01",
        "正式党员",
        "",
        "",
        "否",
        "",
    ]
    first_try = filled_template(
        template,
        [["马晓燕", good, "", *row], ["邓志强", broken, "", *row]],
        tmp_path / "first.xlsx",
    )

    page.get_by_label("Excel文件（.xlsx）").set_input_files(first_try)
    page.get_by_role("button", name="开始导入").click()
    report = page.get_by_role("alert")
    expect(report).to_contain_text("没有导入任何数据")
    error_row = page.locator("table.import-errors tbody tr")
    expect(error_row).to_have_count(1)
    expect(error_row).to_contain_text("3")
    expect(error_row).to_contain_text("身份证号校验位错误")
    assert Member.objects.count() == 0

    second_try = filled_template(
        template,
        [["马晓燕", good, "", *row], ["邓志强", fixed, "", *row]],
        tmp_path / "second.xlsx",
    )
    page.get_by_label("Excel文件（.xlsx）").set_input_files(second_try)
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_role("status")).to_contain_text("导入成功：2名党员")

    page.get_by_role("link", name=f"查看{tree.branch.name}的党员").click()
    expect(page.get_by_role("link", name="邓志强")).to_be_visible()
    expect(page.get_by_role("link", name="马晓燕")).to_be_visible()
    expect(page.get_by_text(fixed)).to_have_count(0)  # the list shows masked numbers only
