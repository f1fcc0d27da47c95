import datetime as dt
import io
from collections.abc import Sequence

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core.errors import NotFound
from jiceng.core.excel import XLSX_CONTENT_TYPE, RowError
from jiceng.divisions.models import Division
from jiceng.orgs.imports import (
    ORG_COLUMNS,
    import_organizations,
    import_targets,
    organization_template,
)
from jiceng.orgs.models import Organization, OrgKind
from jiceng.orgs.services import create_organization, dissolve_organization
from jiceng.testing.personas import Tree

NEW_COMMUNITY = "中共仙林街道仙林新城社区委员会"


def filled(rows: Sequence[Sequence[object]], template: bytes | None = None) -> bytes:
    """The template with rows (名称, 类型, 所属领域, 上级党组织, 行政区划代码, 成立日期)."""
    book = openpyxl.load_workbook(io.BytesIO(template or organization_template()))
    for row in rows:
        book.worksheets[0].append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("党组织.xlsx", content, content_type=XLSX_CONTENT_TYPE)


def names_under(organization: Organization) -> list[str]:
    return list(
        Organization.objects.filter(
            path__startswith=organization.path, depth=organization.depth + 1
        ).values_list("name", flat=True)
    )


def test_a_parent_can_be_a_row_earlier_in_the_same_file(tree: Tree, street_official: User) -> None:
    rows: list[list[object]] = [
        [NEW_COMMUNITY, "党委", "社区", "", "", dt.date(2020, 7, 1)],
        ["仙林新城社区第一党支部", "党支部", "社区", NEW_COMMUNITY, "", "2021-07-01"],
        ["仙林新城社区第二党支部", "党支部", "社区", NEW_COMMUNITY, "", ""],
        ["文苑社区第三党支部", "党支部", "社区", "中共仙林街道文苑社区委员会", "", ""],
    ]
    before = {
        o.pk: (o.subtree_org_count, o.subtree_branch_count) for o in Organization.objects.all()
    }

    result = import_organizations(xlsx(filled(rows)), into=tree.xianlin, by=street_official)

    assert (result.created, result.errors) == (4, [])
    community = Organization.objects.get(name=NEW_COMMUNITY)
    assert community.path[: -Organization.steplen] == tree.xianlin.path
    assert (community.kind, community.sector, community.founded_on) == (
        OrgKind.COMMITTEE,
        "COMMUNITY",
        dt.date(2020, 7, 1),
    )
    assert sorted(names_under(community)) == ["仙林新城社区第一党支部", "仙林新城社区第二党支部"]
    assert "文苑社区第三党支部" in names_under(tree.community)
    # Rollups: 4 grassroots organizations (3 of them branches) under 仙林 and everything above.
    for node, grew in ((tree.xianlin, (4, 3)), (tree.district, (4, 3)), (tree.community, (1, 1))):
        node.refresh_from_db()
        old = before[node.pk]
        assert (node.subtree_org_count - old[0], node.subtree_branch_count - old[1]) == grew
    assert community.subtree_org_count == 3 and community.subtree_branch_count == 2


def test_one_bad_row_among_good_ones_creates_nothing(tree: Tree, street_official: User) -> None:
    count = Organization.objects.count()
    rows = [
        [NEW_COMMUNITY, "党委", "社区", "", "", ""],
        ["第一党小组", "党支部", "", "文苑社区第一党支部", "", ""],  # a branch under a branch
        ["仙林新城社区第一党支部", "党支部", "社区", NEW_COMMUNITY, "", ""],
    ]

    result = import_organizations(xlsx(filled(rows)), into=tree.xianlin, by=street_official)

    assert result.created == 0
    assert result.errors == [RowError(3, "类型", "党支部“文苑社区第一党支部”下不能设立党支部")]
    assert Organization.objects.count() == count


def test_every_problem_of_every_row_is_reported(tree: Tree, street_official: User) -> None:
    Division.objects.create(code="320113007002", name="仙林新城社区", level=5)
    rows = [
        ["", "党支部", "", "", "", ""],
        ["甲支部", "支部", "社区", "", "", ""],
        ["乙支部", "党支部", "小区", "", "320113007999", ""],
        ["丙支部", "党支部", "", "没有这个组织", "3201", "2099-01-01"],
        ["丁支部", "党支部", "", "戊委员会", "abc", "去年"],
        ["戊委员会", "党委", "", "", "320113007", ""],
        ["中国共产党", "中央", "", "", "", ""],
    ]

    result = import_organizations(xlsx(filled(rows)), into=tree.xianlin, by=street_official)

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "名称", "请填写党组织名称"),
        (
            3,
            "类型",
            "类型“支部”不正确，应为：地方委员会、党委、党工委、党总支、党支部、联合党支部、临时党支部",
        ),
        (
            4,
            "所属领域",
            "所属领域“小区”不正确，应为：村、社区、机关、事业单位、国有企业、非公企业、社会组织、新就业群体、项目、楼宇",
        ),
        (4, "行政区划代码", "行政区划代码“320113007999”不存在"),
        (
            5,
            "上级党组织",
            "在“中共南京市栖霞区仙林街道工作委员会”及其下级中没有名为“没有这个组织”的党组织",
        ),
        (5, "行政区划代码", "行政区划代码“3201”不存在"),
        (5, "成立日期", "成立日期不能晚于今天"),
        (6, "上级党组织", "上级党组织“戊委员会”在第7行，请把它移到本行之前"),
        (6, "行政区划代码", "行政区划代码“abc”不正确，应为12位数字"),
        (6, "成立日期", "成立日期“去年”不是有效日期，请写成2024-07-01的格式"),
        (7, "行政区划代码", "行政区划代码“320113007”不存在"),
        (8, "类型", "不能导入“中央”"),
    ]


def test_a_division_code_may_be_written_short(tree: Tree, street_official: User) -> None:
    division = Division.objects.create(code="320113007000", name="仙林街道", level=4)
    rows = [["仙林街道机关党支部", "党支部", "机关", "", 320113007, ""]]  # typed as a number
    result = import_organizations(xlsx(filled(rows)), into=tree.xianlin, by=street_official)
    assert result.created == 1
    assert Organization.objects.get(name="仙林街道机关党支部").division == division


def test_names_must_differ_under_one_parent(tree: Tree, street_official: User) -> None:
    rows = [
        ["文苑社区第一党支部", "党支部", "", "中共仙林街道文苑社区委员会", "", ""],  # exists
        ["新支部", "党支部", "", "中共仙林街道文苑社区委员会", "", ""],
        ["新支部", "党支部", "", "中共仙林街道文苑社区委员会", "", ""],  # twice in the file
        ["文苑社区第一党支部", "党支部", "", "", "", ""],  # the same name elsewhere is fine
    ]
    result = import_organizations(xlsx(filled(rows)), into=tree.xianlin, by=street_official)
    assert result.errors == [
        RowError(2, "名称", "“中共仙林街道文苑社区委员会”下已有名为“文苑社区第一党支部”的党组织"),
        RowError(4, "名称", "“中共仙林街道文苑社区委员会”下已有名为“新支部”的党组织"),
    ]


def test_a_parent_name_found_twice_is_refused_as_ambiguous(
    tree: Tree, street_official: User
) -> None:
    rows = [
        ["文苑社区第一党支部", "党委", "", "", "", ""],  # a committee of the same name, higher up
        ["某支部", "党支部", "", "文苑社区第一党支部", "", ""],
    ]
    result = import_organizations(xlsx(filled(rows)), into=tree.xianlin, by=street_official)
    assert result.errors == [
        RowError(
            3,
            "上级党组织",
            "名为“文苑社区第一党支部”的党组织不止一个（第2行、系统中已有），无法确定是哪一个；"
            "请从该上级党组织的页面导入并将此列留空，或修改重名的党组织名称",
        )
    ]


def test_a_dissolved_parent_takes_no_new_organizations(tree: Tree, street_official: User) -> None:
    old = create_organization(
        parent=tree.xianlin, name="中共仙林街道旧社区委员会", kind=OrgKind.COMMITTEE, by=None
    )
    dissolve_organization(organization=old, by=None)
    old.refresh_from_db()
    rows = [["旧社区党支部", "党支部", "", "", "", ""]]
    result = import_organizations(xlsx(filled(rows)), into=old, by=street_official)
    assert result.errors == [
        RowError(
            2, "类型", "上级党组织“中共仙林街道旧社区委员会”已撤销，不能在其下设立或移入党组织"
        )
    ]


def test_a_refusal_met_only_while_writing_still_undoes_the_whole_file(
    tree: Tree, street_official: User
) -> None:
    """The organization is dissolved after the page read it (here: a stale copy), so the
    checks pass and the service refuses under its lock."""
    old = create_organization(
        parent=tree.xianlin, name="中共仙林街道旧社区委员会", kind=OrgKind.COMMITTEE, by=None
    )
    dissolve_organization(organization=Organization.objects.get(pk=old.pk), by=None)
    count = Organization.objects.count()
    rows = [
        ["旧社区第一党总支", "党总支", "", "", "", ""],
        ["旧社区第一党支部", "党支部", "", "旧社区第一党总支", "", ""],
    ]

    result = import_organizations(xlsx(filled(rows)), into=old, by=street_official)

    assert result.errors == [
        RowError(2, "", "上级党组织“中共仙林街道旧社区委员会”已撤销，不能在其下设立或移入党组织"),
        RowError(3, "上级党组织", "上级党组织（第2行）未能建立"),
    ]
    assert Organization.objects.count() == count


def test_importing_outside_the_write_scope_is_not_found(tree: Tree, secretary: User) -> None:
    with pytest.raises(NotFound):
        import_organizations(
            xlsx(filled([["新支部", "党支部", "", "", "", ""]])), into=tree.community, by=secretary
        )


def test_import_targets_are_the_write_scope_and_what_can_hold_organizations(
    tree: Tree, street_official: User, secretary: User, nobody: User
) -> None:
    kinds = {OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH}
    targets, more = import_targets(street_official, kinds=kinds)
    assert [t.name for t in targets] == [tree.xianlin.name, tree.community.name]
    assert not more
    assert import_targets(street_official, kinds=kinds, limit=1) == ([tree.xianlin], True)
    assert import_targets(secretary, kinds=kinds) == ([tree.branch], False)  # its own root
    assert import_targets(nobody) == ([], False)


# -- the pages --------------------------------------------------------------------------------


def test_template_download_fill_and_import_round_trip(tree: Tree, street_official: User) -> None:
    client = Client()
    client.force_login(street_official)
    response = client.get(reverse("orgs:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    template = response.content
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(template)).worksheets[0][1]]
    assert header == [c.title for c in ORG_COLUMNS]
    assert header == ["名称", "类型", "所属领域", "上级党组织", "行政区划代码", "成立日期"]
    rows = [
        [NEW_COMMUNITY, "党委", "社区", "", "", ""],
        ["仙林新城社区第一党支部", "党支部", "社区", NEW_COMMUNITY, "", ""],
    ]

    response = client.post(
        reverse("orgs:import"), {"org": tree.xianlin.pk, "file": xlsx(filled(rows, template))}
    )

    page = response.content.decode()
    assert "导入成功：2个党组织" in page
    assert reverse("orgs:detail", args=[tree.xianlin.pk]) in page
    assert Organization.objects.filter(name="仙林新城社区第一党支部").exists()


def test_the_page_lists_every_error_and_imports_nothing(tree: Tree, street_official: User) -> None:
    client = Client()
    client.force_login(street_official)
    rows = [[NEW_COMMUNITY, "党委", "", "", "", ""], ["坏支部", "党支部", "", "没有的上级", "", ""]]
    page = client.post(
        reverse("orgs:import"), {"org": tree.xianlin.pk, "file": xlsx(filled(rows))}
    ).content.decode()
    assert "导入失败" in page
    assert "<td>3</td><td>上级党组织</td>" in page
    assert not Organization.objects.filter(name=NEW_COMMUNITY).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_organization_outside_the_scope_is_a_404(
    tree: Tree, yaohua_official: User, method: str
) -> None:
    client = Client()
    client.force_login(yaohua_official)
    data: dict[str, object] = {"org": tree.xianlin.pk}
    if method == "post":
        data["file"] = xlsx(filled([["新支部", "党支部", "", "", "", ""]]))
    response = getattr(client, method)(reverse("orgs:import"), data)
    assert response.status_code == 404
    assert not Organization.objects.filter(name="新支部").exists()


def test_a_subtree_exports_with_parent_names_and_counts(
    tree: Tree, street_official: User, secretary: User
) -> None:
    client = Client()
    client.force_login(street_official)
    response = client.get(reverse("orgs:export", args=[tree.community.pk]))
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert rows[0][:6] == ("名称", "类型", "所属领域", "上级党组织", "行政区划代码", "成立日期")
    body = [row[:5] for row in rows[1:]]
    assert body == [
        ("中共仙林街道文苑社区委员会", "党委", "社区", None, "320113007001"),
        ("文苑社区第一党支部", "党支部", "社区", "中共仙林街道文苑社区委员会", "320113007001"),
        ("文苑社区第二党支部", "党支部", "社区", "中共仙林街道文苑社区委员会", "320113007001"),
    ]
    assert rows[1][-1] == 3  # grassroots organizations in the community's subtree

    client.force_login(secretary)
    assert client.get(reverse("orgs:export", args=[tree.community.pk])).status_code == 404
