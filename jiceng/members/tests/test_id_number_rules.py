"""One rule for ID numbers through the API, the import page and the import service: an area
code no division ever had is refused, as is a character that only looks like a digit; the code
of a county since merged is accepted."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import idnumbers
from jiceng.core.excel import RowError
from jiceng.members import services
from jiceng.members.imports import import_members
from jiceng.members.models import Member
from jiceng.members.tests.test_imports import filled, member_row, xlsx
from jiceng.testing.personas import Tree, member_fields

NEVER_EXISTED = idnumbers.make("329999", dt.date(1980, 1, 1), 11)
MERGED = idnumbers.make("110103", dt.date(1975, 5, 5), 21)  # 北京市崇文区, merged in 2010
SUPERSCRIPT = "32011" + "²" + "199003071238"
ARABIC_INDIC = idnumbers.make("320113", dt.date(1990, 3, 7), 125).replace("1", "١")


@pytest.fixture(autouse=True)
def no_cached_divisions() -> None:
    services._area_codes.cache_clear()


def body(tree: Tree, id_number: str) -> dict[str, object]:
    return {
        "name": "黄磊",
        "id_number": id_number,
        "phone": "13951234567",
        "category": "EMPLOYED",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
        "status": "FULL",
        "organization_id": tree.branch.pk,
    }


def post_member(client: Client, user: User, payload: dict[str, object]):
    client.force_login(user)
    return client.post("/api/v1/members", payload, content_type="application/json")


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        (NEVER_EXISTED, "身份证号前6位329999不是行政区划代码"),
        (SUPERSCRIPT, "身份证号中的“²”不是数字0-9"),
        (ARABIC_INDIC, "身份证号中的“١”不是数字0-9"),
    ],
)
def test_the_api_refuses_a_malformed_id_number_beside_the_field(
    tree: Tree, secretary: User, client: Client, id_number: str, message: str
) -> None:
    response = post_member(client, secretary, body(tree, id_number))

    assert response.status_code == 400, response.content
    assert response.json()["fields"]["id_number"].startswith(message)
    assert not Member.objects.exists()


def test_the_api_accepts_the_code_of_a_county_since_merged(
    tree: Tree, secretary: User, client: Client
) -> None:
    response = post_member(client, secretary, body(tree, MERGED))

    assert response.status_code == 201, response.content
    assert response.json()["id_number_masked"].startswith("110103")


def test_a_patch_to_an_area_code_that_never_existed_is_refused(
    tree: Tree, secretary: User, client: Client
) -> None:
    created = post_member(client, secretary, body(tree, MERGED)).json()

    response = client.patch(
        f"/api/v1/members/{created['id']}",
        {"id_number": NEVER_EXISTED},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "329999" in response.json()["fields"]["id_number"]
    assert Member.objects.get().id_number_masked.startswith("110103")


def test_the_import_refuses_the_row_instead_of_warning(tree: Tree, secretary: User) -> None:
    rows = [member_row(name="甲"), member_row(name="乙", id_number=NEVER_EXISTED)]

    result = import_members(xlsx(filled(rows)), into=tree.branch, by=secretary)

    assert result.created == 0
    assert result.errors == [
        RowError(
            3,
            "身份证号",
            "身份证号前6位329999不是行政区划代码（现行和历年的国家标准中都没有），请核对",
        )
    ]
    assert not Member.objects.exists()


def test_the_import_page_names_the_row_of_a_look_alike_digit(
    tree: Tree, secretary: User, client: Client
) -> None:
    client.force_login(secretary)
    rows = [member_row(name="甲", id_number=SUPERSCRIPT)]

    response = client.post(
        reverse("members:import"), {"org": tree.branch.pk, "file": xlsx(filled(rows))}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "身份证号中的“²”不是数字0-9" in page
    assert not Member.objects.exists()


def test_the_check_warns_of_a_merged_county_once_the_divisions_are_loaded(tree: Tree) -> None:
    from jiceng.divisions.models import Division

    unloaded = services.check_member_input(
        member_fields(id_number=MERGED), organization=tree.branch
    )
    Division.objects.create(code="110101000000", name="东城区", level=3)
    services._area_codes.cache_clear()
    loaded = services.check_member_input(member_fields(id_number=MERGED), organization=tree.branch)

    assert unloaded.warnings == ()
    assert loaded.warnings == ("身份证号前6位110103不是现行行政区划代码（是已撤并或更名的旧区划）",)
