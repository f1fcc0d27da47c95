import datetime as dt
import io
import itertools
from collections.abc import Sequence

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import idnumbers
from jiceng.core.errors import InvalidInput, NotFound
from jiceng.core.excel import XLSX_CONTENT_TYPE, RowError
from jiceng.members.imports import MEMBER_COLUMNS, import_members, member_template
from jiceng.members.models import Member
from jiceng.orgs.models import Organization, OrgKind, PartyGroup, Sector
from jiceng.testing.personas import Tree, add, add_member

_numbers = itertools.count(1)


def id_number(birth: dt.date = dt.date(1985, 6, 1)) -> str:
    return idnumbers.make("320113", birth, next(_numbers) % 1000)


def member_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "name": "张红梅",
        "id_number": id_number(),
        "gender": "",
        "ethnicity": "汉族",
        "phone": f"139{next(_numbers):08d}",
        "education": "大学本科",
        "category": "在岗职工",
        "joined_on": dt.date(2010, 7, 1),
        "full_member_on": dt.date(2011, 7, 1),
        "status": "正式党员",
        "organization": "",
        "party_group": "",
        "is_mobile": "否",
        "work_place": "",
    }
    row.update(overrides)
    return row


def filled(rows: Sequence[dict[str, object]], template: bytes | None = None) -> bytes:
    """The import template with these rows typed into its first sheet, as a person would."""
    book = openpyxl.load_workbook(io.BytesIO(template or member_template()))
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append([row.get(c.key, "") for c in MEMBER_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx(content: bytes, name: str = "党员信息.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def post_import(client: Client, organization: Organization, content: bytes) -> str:
    response = client.post(
        reverse("members:import"), {"org": organization.pk, "file": xlsx(content)}
    )
    assert response.status_code == 200
    return response.content.decode()


def refresh(*organizations: Organization) -> list[Organization]:
    for organization in organizations:
        organization.refresh_from_db()
    return list(organizations)


# -- the service ------------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_imports_nothing_and_names_the_row(
    tree: Tree, secretary: User
) -> None:
    good = id_number()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        member_row(name="甲"),
        member_row(name="乙", id_number="32011319850601"),
        member_row(name="丙", id_number=wrong_check),
    ]

    result = import_members(xlsx(filled(rows)), into=tree.branch, by=secretary)

    assert result.created == 0
    assert result.errors == [
        RowError(3, "身份证号", "身份证号应为18位，实际为14位"),
        RowError(4, "身份证号", "身份证号校验位错误"),
    ]
    assert not Member.objects.exists()


def test_every_problem_of_a_row_is_reported_in_column_order(tree: Tree, secretary: User) -> None:
    row = member_row(
        name="",
        phone="1381234",
        status="党员",
        full_member_on="2011-13-01",
        is_mobile="是",
    )
    result = import_members(xlsx(filled([row])), into=tree.branch, by=secretary)
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "姓名"),
        (2, "手机号"),
        (2, "转正日期"),
        (2, "党籍状态"),
        (2, "现工作地点"),
    ]
    assert result.errors[3].message.startswith("党籍状态“党员”不正确，应为：预备党员、正式党员")


def test_the_fixed_file_is_accepted_and_the_counts_move_up_the_tree(
    tree: Tree, street_official: User
) -> None:
    rows = [
        member_row(name="甲", organization="文苑社区第一党支部"),
        member_row(name="乙", organization="文苑社区第一党支部", joined_on="2010/7/1"),
        member_row(
            name="丙",
            organization="文苑社区第一党支部",
            status="预备党员",
            joined_on="2024年3月1日",
            full_member_on="",
        ),
        member_row(name="丁", organization="文苑社区第二党支部", is_mobile="是", work_place="苏州"),
    ]
    before = [o.subtree_member_count for o in (tree.root, tree.district, tree.xianlin)]

    result = import_members(xlsx(filled(rows)), into=tree.xianlin, by=street_official)

    assert (result.created, result.errors) == (4, [])
    branch, sibling, community, xianlin, district, root, yaohua = refresh(
        tree.branch,
        tree.sibling,
        tree.community,
        tree.xianlin,
        tree.district,
        tree.root,
        tree.yaohua,
    )
    assert (branch.member_count, branch.full_member_count) == (3, 2)
    assert (sibling.member_count, sibling.full_member_count) == (1, 1)
    assert community.subtree_member_count == 4
    after = [o.subtree_member_count for o in (root, district, xianlin)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [4, 4, 4]
    assert yaohua.subtree_member_count == 0
    third = Member.objects.get(name="丙")
    assert (third.joined_on, third.full_member_on, third.status) == (
        dt.date(2024, 3, 1),
        None,
        "PROBATIONARY",
    )
    assert Member.objects.get(name="丁").is_mobile


def test_an_import_looks_up_its_id_numbers_once(tree: Tree, secretary: User) -> None:
    rows = [member_row(name=name) for name in "甲乙丙"]

    with CaptureQueriesContext(connection) as queries:
        result = import_members(xlsx(filled(rows)), into=tree.branch, by=secretary)

    assert result.created == 3
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and "id_number_digest" in q["sql"]
    ]
    assert len(lookups) == 1


def test_id_numbers_repeated_in_the_file_or_already_registered_are_refused(
    tree: Tree, secretary: User
) -> None:
    registered = id_number()
    add_member(tree.sibling, name="老党员", id_number=registered)
    twice = id_number()
    rows = [
        member_row(name="甲", id_number=registered),
        member_row(name="乙", id_number=twice),
        member_row(name="丙"),
        member_row(name="丁", id_number=twice.lower()),
    ]

    result = import_members(xlsx(filled(rows)), into=tree.branch, by=secretary)

    assert result.errors == [
        RowError(2, "身份证号", "该身份证号已在系统中登记，请联系上级党组织核实"),
        RowError(3, "身份证号", "该身份证号在本次导入中重复出现（另见第5行）"),
        RowError(5, "身份证号", "该身份证号在本次导入中重复出现（另见第3行）"),
    ]
    assert Member.objects.count() == 1


def test_organizations_are_named_within_the_subtree_imported_into(
    tree: Tree, street_official: User, district_department: User
) -> None:
    add(tree.community, name="文苑社区第二党支部", kind=OrgKind.BRANCH, sector=Sector.COMMUNITY)
    rows = [
        member_row(organization="尧化社区党支部"),  # exists, but outside 仙林
        member_row(organization="文苑社区第二党支部"),  # two of that name
        member_row(organization="中共南京市栖霞区仙林街道工作委员会"),  # not grassroots
        member_row(organization="没有这个支部"),
    ]

    result = import_members(xlsx(filled(rows)), into=tree.xianlin, by=street_official)

    assert [(e.row, e.column) for e in result.errors] == [(r, "所在党组织") for r in (2, 3, 4, 5)]
    messages = [e.message for e in result.errors]
    assert (
        messages[0]
        == "在“中共南京市栖霞区仙林街道工作委员会”及其下级中没有名为“尧化社区党支部”的党组织"
    )
    assert messages[1].startswith(
        "“中共南京市栖霞区仙林街道工作委员会”下有2个名为“文苑社区第二党支部”"
    )
    assert messages[2].startswith("党员只能编入基层党组织")
    assert "没有这个支部" in messages[3]
    # The district sees 尧化 too: the same row is fine there.
    wider = import_members(xlsx(filled(rows[:1])), into=tree.district, by=district_department)
    assert (wider.created, wider.errors) == (1, [])
    assert Member.objects.get().organization == tree.yaohua_branch


def test_a_blank_organization_needs_a_grassroots_organization_imported_into(
    tree: Tree, street_official: User
) -> None:
    result = import_members(xlsx(filled([member_row()])), into=tree.xianlin, by=street_official)
    assert result.errors == [
        RowError(
            2,
            "所在党组织",
            "“中共南京市栖霞区仙林街道工作委员会”是党工委，不直接管理党员：请在此列填写党员所在的"
            "基层党组织（如党支部）的全称",
        )
    ]


def test_a_blank_organization_means_the_one_imported_into(tree: Tree, secretary: User) -> None:
    result = import_members(
        xlsx(filled([member_row(), member_row()])), into=tree.branch, by=secretary
    )
    assert result.created == 2
    assert set(Member.objects.values_list("organization", flat=True)) == {tree.branch.pk}


def test_party_groups_are_found_by_name_in_the_member_organization(
    tree: Tree, secretary: User
) -> None:
    group = PartyGroup.objects.create(organization=tree.branch, name="第一党小组")
    PartyGroup.objects.create(organization=tree.sibling, name="第二党小组")
    refused = import_members(
        xlsx(filled([member_row(party_group="第一党小组"), member_row(party_group="第二党小组")])),
        into=tree.branch,
        by=secretary,
    )
    assert refused.errors == [
        RowError(3, "党小组", "“文苑社区第一党支部”没有名为“第二党小组”的党小组")
    ]

    accepted = import_members(
        xlsx(filled([member_row(party_group="第一党小组")])), into=tree.branch, by=secretary
    )
    assert accepted.created == 1
    assert Member.objects.get().party_group == group


def test_an_id_number_that_excel_turned_into_a_number_is_refused(
    tree: Tree, secretary: User
) -> None:
    number = int(id_number()[:17] + "0")  # digits only, so Excel would have taken it for a number
    result = import_members(
        xlsx(filled([member_row(id_number=float(number))])), into=tree.branch, by=secretary
    )
    assert result.errors == [
        RowError(
            2,
            "身份证号",
            "身份证号被Excel存成了数字，后几位已经丢失；请把该列设为“文本”格式后重新填写",
        )
    ]


def test_mobile_member_takes_yes_or_no_only(tree: Tree, secretary: User) -> None:
    rows = [member_row(is_mobile="不是"), member_row(is_mobile=True, work_place="苏州")]
    result = import_members(xlsx(filled(rows)), into=tree.branch, by=secretary)
    assert result.errors == [RowError(2, "流动党员", "流动党员应填“是”或“否”，不是“不是”")]


def test_a_file_without_rows_is_reported(tree: Tree, secretary: User) -> None:
    result = import_members(xlsx(filled([])), into=tree.branch, by=secretary)
    assert result.errors == [RowError(None, "", "文件中没有党员数据：请从第2行起填写")]


def test_a_file_that_is_not_xlsx_is_refused_as_a_whole(tree: Tree, secretary: User) -> None:
    with pytest.raises(InvalidInput, match=r"请上传\.xlsx格式的Excel文件"):
        import_members(xlsx(b"name,id\n", name="a.csv"), into=tree.branch, by=secretary)


def test_importing_outside_the_write_scope_is_not_found(tree: Tree, secretary: User) -> None:
    with pytest.raises(NotFound):
        import_members(xlsx(filled([member_row()])), into=tree.sibling, by=secretary)
    assert not Member.objects.exists()


# -- the pages --------------------------------------------------------------------------------


def test_template_download_fill_and_import_round_trip(tree: Tree, street_official: User) -> None:
    client = Client()
    client.force_login(street_official)
    response = client.get(reverse("members:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    template = response.content
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(template)).worksheets[0][1]]
    assert headers == [
        "姓名",
        "身份证号",
        "性别(可不填，由身份证号判断)",
        "民族",
        "手机号",
        "学历",
        "人员类别",
        "入党日期",
        "转正日期",
        "党籍状态",
        "所在党组织",
        "党小组",
        "流动党员(是/否)",
        "现工作地点",
    ]
    rows = [
        member_row(name="周丽", organization="文苑社区第一党支部", gender="女"),
        member_row(name="吴刚", organization="文苑社区第二党支部"),
    ]
    rows[0]["id_number"] = idnumbers.make("320113", dt.date(1990, 3, 7), 124)  # even: a woman

    page = post_import(client, tree.community, filled(rows, template))

    assert "导入成功：2名党员" in page
    assert f"{reverse('members:list')}?org={tree.community.pk}" in page
    assert set(Member.objects.values_list("name", flat=True)) == {"周丽", "吴刚"}


def test_the_page_shows_every_error_with_row_column_and_reason(tree: Tree, secretary: User) -> None:
    client = Client()
    client.force_login(secretary)
    rows = [member_row(name="甲"), member_row(name="乙", category="干部"), member_row(name="丙")]

    page = post_import(client, tree.branch, filled(rows))

    assert "导入失败" in page and "没有导入任何数据" in page
    assert "<td>3</td><td>人员类别</td><td>人员类别“干部”不正确" in page
    assert not Member.objects.exists()

    rows[1]["category"] = "在岗职工"
    page = post_import(client, tree.branch, filled(rows))
    assert "导入成功：3名党员" in page
    assert tree.branch.members.count() == 3


def test_the_page_says_why_a_file_was_refused(tree: Tree, secretary: User) -> None:
    client = Client()
    client.force_login(secretary)
    response = client.post(
        reverse("members:import"),
        {"org": tree.branch.pk, "file": SimpleUploadedFile("名单.xls", b"\xd0\xcf\x11\xe0")},
    )
    assert "请上传.xlsx格式的Excel文件" in response.content.decode()


def test_the_page_offers_the_organizations_the_user_may_import_into(
    tree: Tree, street_official: User
) -> None:
    client = Client()
    client.force_login(street_official)
    page = client.get(reverse("members:import")).content.decode()
    for organization in (tree.xianlin, tree.community, tree.branch, tree.sibling):
        assert f'<option value="{organization.pk}"' in page
    assert f'<option value="{tree.yaohua_branch.pk}"' not in page
    chosen = client.get(reverse("members:import"), {"org": tree.branch.pk}).content.decode()
    assert f'<option value="{tree.branch.pk}" selected' in chosen


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_organization_outside_the_scope_is_a_404(
    tree: Tree, yaohua_official: User, secretary: User, method: str
) -> None:
    client = Client()
    for user, organization in ((yaohua_official, tree.branch), (secretary, tree.sibling)):
        client.force_login(user)
        data: dict[str, object] = {"org": organization.pk}
        if method == "post":
            data["file"] = xlsx(filled([member_row()]))
        response = getattr(client, method)(reverse("members:import"), data)
        assert response.status_code == 404
    assert not Member.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(tree: Tree) -> None:
    for name in ("members:import", "members:import_template"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
