"""The annual statistics computed from the records: table 1 reconciles (last year + in − out =
this year) with each way in and out counted where the member then was, the other tables count
the same members, the organizations table, the Excel layout, pages, API and scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.accounts.models import User
from jiceng.annual_statistics import excel, tables
from jiceng.core import clock
from jiceng.members import lifecycle
from jiceng.members import services as member_services
from jiceng.members.models import Member, StatusMove
from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree, member_fields, verified_client

NOW = dt.datetime(2026, 3, 10, 10, 0)
YEAR = 2025


@pytest.fixture
def frozen() -> object:
    with clock.frozen(NOW):
        yield


def register(organization: Organization, name: str, on: dt.date, **fields: object) -> Member:
    data = member_services.check_member_input(
        member_fields(name=name, **fields), organization=organization
    )
    return member_services.create_member(data=data, by=None, on=on)


@pytest.fixture
def year_of_moves(tree: Tree, frozen: object) -> dict[str, Member]:
    """Four members of 仙林 and one of 尧化 before the year; in 2025 one admitted, one dead,
    one moved between 仙林's branches, one transferred to 尧化 and one from it; in 2026 (after
    the year) one more dead and one registered."""
    a = register(tree.branch, "甲", dt.date(2024, 6, 1))
    b = register(tree.branch, "乙", dt.date(2024, 6, 1))
    c = register(tree.branch, "丙", dt.date(2024, 6, 1))
    d = register(tree.branch, "丁", dt.date(2024, 6, 1), ethnicity="回族")
    e = register(tree.yaohua_branch, "戊", dt.date(2024, 6, 1))
    f = register(
        tree.branch,
        "己",
        dt.date(2025, 5, 1),
        status="预备党员",
        joined_on=dt.date(2025, 5, 1),
        full_member_on="",
    )
    # create_member records REGISTER; an admission is its own move (development's path).
    f.events.update(move=StatusMove.ADMIT)
    lifecycle.change_status(member=a, move=StatusMove.DIE, on=dt.date(2025, 8, 1), by=None)
    lifecycle.move_organization(member=b, to=tree.sibling, on=dt.date(2025, 9, 1), by=None)
    lifecycle.move_organization(member=c, to=tree.yaohua_branch, on=dt.date(2025, 9, 1), by=None)
    lifecycle.move_organization(member=e, to=tree.branch, on=dt.date(2025, 10, 1), by=None)
    lifecycle.change_status(member=d, move=StatusMove.DIE, on=dt.date(2026, 1, 15), by=None)
    g = register(tree.branch, "庚", dt.date(2026, 2, 1))
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}


def ids(report: tables.Report, key: str) -> set[int]:
    """The members behind a figure, as a list page asks for them."""
    if key in report.members:
        return report.members[key]
    return tables.compute(report.organization, report.year, keep=key).members.get(key, set())


def test_table_one_reconciles_and_counts_each_way_where_the_member_was(
    tree: Tree, year_of_moves: dict[str, Member]
) -> None:
    m = {k: v.pk for k, v in year_of_moves.items()}
    report = tables.compute(tree.xianlin, YEAR)
    last, ins, outs, this = report.reconciliation()
    # 甲乙丙丁 at the end of 2024; 己 admitted and 戊 transferred in; 甲 died, 丙 transferred out;
    # 乙 moved inside 仙林 (no change); 丁's death and 庚's registration are 2026's.
    assert (last, ins, outs, this) == (4, 2, 2, 4)
    assert last + ins - outs == this
    assert ids(report, "this_year") == {m["b"], m["d"], m["e"], m["f"]}
    assert ids(report, "in_developed") == {m["f"]}
    assert ids(report, "in_transferred") == {m["e"]}
    assert ids(report, "out_died") == {m["a"]}
    assert ids(report, "out_transferred") == {m["c"]}
    assert ids(report, "probationary") == {m["f"]}
    assert ids(report, "developed") == {m["f"]}
    assert ids(report, "ethnic_minority") == {m["d"]}


def test_the_district_sees_only_the_moves_across_its_border(
    tree: Tree, year_of_moves: dict[str, Member]
) -> None:
    report = tables.compute(tree.district, YEAR)
    assert report.reconciliation() == (5, 1, 1, 5)
    assert not ids(report, "in_transferred") and not ids(report, "out_transferred")


def test_the_year_before_ends_where_this_one_begins(
    tree: Tree, year_of_moves: dict[str, Member]
) -> None:
    earlier = tables.compute(tree.xianlin, YEAR - 1)
    later = tables.compute(tree.xianlin, YEAR)
    assert earlier.reconciliation()[3] == later.reconciliation()[0]
    # 2024: the four registered in June were "other increases" over an empty roll.
    assert earlier.reconciliation() == (0, 4, 0, 4)


def test_other_tables_count_the_members_of_table_one(
    tree: Tree, year_of_moves: dict[str, Member]
) -> None:
    report = tables.compute(tree.xianlin, YEAR)
    this = report.reconciliation()[3]
    for number in ("3", "4"):
        assert sum(line.cells[0].value for line in report.table(number).lines) == this
    ages = [line for line in report.table("2").lines if line.label.startswith("年龄")]
    assert sum(line.cells[0].value for line in ages) == this
    ways = report.table("1-1").lines
    assert sum(line.cells[0].value for line in ways if line.label.startswith("增加")) == 2
    assert sum(line.cells[0].value for line in ways if line.label.startswith("减少")) == 2


def test_each_figure_of_the_roll_lists_as_many_members_as_it_counts(
    tree: Tree, year_of_moves: dict[str, Member]
) -> None:
    """The roll's figures are counted in SQL and their members read only when a list asks:
    both ways must agree, 2026's moves undone included."""
    report = tables.compute(tree.xianlin, YEAR)
    assert not set(report.members) & set(tables.ROLL_KEYS)  # no list kept unasked
    everyone = ids(report, "this_year")
    for table in ("2", "3", "4"):
        for line in report.table(table).lines:
            cell = line.cells[0]
            listed = ids(report, cell.key)
            assert len(listed) == cell.value, line.label
            assert listed <= everyone


def test_organizations_table_counts_grassroots_organizations_standing_at_year_end(
    tree: Tree, frozen: object
) -> None:
    report = tables.compute(tree.xianlin, YEAR)
    first = report.table("19").lines[0]
    assert first.label == "基层党组织总数"
    # 社区党委 and its two branches; the 党工委 itself is not a grassroots organization.
    assert first.cells[0].value == 3
    assert report.organizations["orgs"] == {tree.community.pk, tree.branch.pk, tree.sibling.pk}


def test_excel_has_one_sheet_per_table_in_the_forms_layout(
    tree: Tree, year_of_moves: dict[str, Member]
) -> None:
    report = tables.compute(tree.xianlin, YEAR)
    book = load_workbook(io.BytesIO(excel.write_report(report)))
    assert len(book.sheetnames) == len(report.tables)
    first = book[book.sheetnames[0]]
    assert first["A1"].value == "表1  党员数量变化情况"
    assert first["A2"].value == f"填报单位：{tree.xianlin.name}"
    assert "2025年12月31日" in first["E2"].value
    heads = ["项目", "上年底党员数", "本年增加", "本年减少", "本年底党员数"]
    assert [c.value for c in first[4]] == heads
    assert [c.value for c in first[5]] == ["合计", 4, 2, 2, 4]
    assert "A1:E1" in {str(r) for r in first.merged_cells.ranges}


def client_of(user: User) -> Client:
    return verified_client(user)


def test_page_links_every_figure_to_its_list(
    tree: Tree, year_of_moves: dict[str, Member], street_official: User
) -> None:
    client = client_of(street_official)
    page = client.get(reverse("statistics:organization", args=[tree.xianlin.pk]), {"year": YEAR})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2025年党内统计年报" in text
    listed = client.get(
        reverse("statistics:list", args=[tree.xianlin.pk, "out_died"]), {"year": YEAR}
    )
    assert listed.status_code == 200
    assert "甲" in listed.content.decode()
    # 丙 went to 尧化, outside the street's scope: counted, but not listed by name.
    moved = client.get(
        reverse("statistics:list", args=[tree.xianlin.pk, "out_transferred"]), {"year": YEAR}
    )
    assert "丙" not in moved.content.decode() and "不在您的管理范围内" in moved.content.decode()
    assert (
        client.get(
            reverse("statistics:list", args=[tree.xianlin.pk, "nonsense"]), {"year": YEAR}
        ).status_code
        == 404
    )
    download = client.get(reverse("statistics:export", args=[tree.xianlin.pk]), {"year": YEAR})
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")


def test_no_figure_from_outside_the_users_scope(
    tree: Tree, year_of_moves: dict[str, Member], yaohua_official: User, member_user: User
) -> None:
    outsider = client_of(yaohua_official)
    assert (
        outsider.get(reverse("statistics:organization", args=[tree.xianlin.pk])).status_code == 404
    )
    assert outsider.get(f"/api/v1/statistics/{tree.xianlin.pk}").status_code == 404
    own = outsider.get(reverse("statistics:home"), follow=True)
    assert own.status_code == 200 and tree.yaohua.name in own.content.decode()
    assert client_of(member_user).get(reverse("statistics:home")).status_code == 403


def test_a_bad_year_is_refused_with_a_message(tree: Tree, street_official: User) -> None:
    client = client_of(street_official)
    with clock.frozen(NOW):
        page = client.get(
            reverse("statistics:organization", args=[tree.xianlin.pk]), {"year": "二〇二五"}
        )
        assert page.status_code == 400 and "年份应为四位数字" in page.content.decode()
        answer = client.get(f"/api/v1/statistics/{tree.xianlin.pk}", {"year": 1990})
        assert answer.status_code == 400
        assert answer.json()["fields"]["year"] == "年份应在2000年至2026年之间"


def test_api_answers_the_tables_with_their_list_keys(
    tree: Tree, year_of_moves: dict[str, Member], street_official: User
) -> None:
    answer = client_of(street_official).get(f"/api/v1/statistics/{tree.xianlin.pk}", {"year": YEAR})
    assert answer.status_code == 200
    body = answer.json()
    assert body["as_of"] == "2025-12-31"
    first = body["tables"][0]["lines"][0]["cells"]
    assert [c["value"] for c in first] == [4, 2, 2, 4]
    assert first[3]["key"] == "this_year"
