import re

import pytest
from django.test import Client

from jiceng.testing.personas import Tree, add_member

FULL_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def signed_in(client: Client):
    def login(user) -> Client:
        client.force_login(user)
        return client

    return login


def test_member_list_filters_and_masks(tree: Tree, street_official, signed_in) -> None:
    add_member(tree.branch, name="林静", phone="13912345678")
    add_member(tree.sibling, name="林涛", status="预备党员", full_member_on=None)
    add_member(tree.yaohua_branch, name="林峰")
    client = signed_in(street_official)
    page = client.get("/members/", {"name": "林"}).content.decode()
    assert "林静" in page and "林涛" in page and "林峰" not in page
    assert "139****5678" in page
    assert not FULL_ID.search(page) and not FULL_PHONE.search(page)
    only_probationary = client.get("/members/", {"status": "PROBATIONARY"}).content.decode()
    assert "林涛" in only_probationary and "林静" not in only_probationary
    in_branch = client.get("/members/", {"org": tree.branch.pk}).content.decode()
    assert "林静" in in_branch and "林涛" not in in_branch


def test_member_list_pages_without_counting(tree: Tree, secretary, signed_in, settings) -> None:
    settings.JICENG_PAGE_SIZE = 2
    for name in ("甲", "乙", "丙"):
        add_member(tree.branch, name=name)
    client = signed_in(secretary)
    first = client.get("/members/").content.decode()
    assert "下一页" in first and "上一页" not in first
    second = client.get("/members/", {"page": "2"}).content.decode()
    assert "上一页" in second and "下一页" not in second
    assert client.get("/members/", {"page": "abc"}).status_code == 200


def test_member_page_is_masked_and_scoped(
    tree: Tree, secretary, sibling_secretary, signed_in
) -> None:
    member = add_member(tree.branch, name="宋佳", phone="13812345678")
    page = signed_in(secretary).get(f"/members/{member.pk}/").content.decode()
    assert "宋佳" in page and "138****5678" in page and member.id_number_masked in page
    assert not FULL_ID.search(page) and not FULL_PHONE.search(page)
    assert signed_in(sibling_secretary).get(f"/members/{member.pk}/").status_code == 404


def test_list_filtered_by_organization_outside_scope_is_404(
    tree: Tree, secretary, signed_in
) -> None:
    assert signed_in(secretary).get("/members/", {"org": tree.yaohua_branch.pk}).status_code == 404
