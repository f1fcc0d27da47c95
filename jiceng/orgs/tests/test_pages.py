import pytest
from django.test import Client

from jiceng.testing.personas import Tree, add_member


@pytest.fixture
def signed_in(client: Client):
    def login(user) -> Client:
        client.force_login(user)
        return client

    return login


def test_tree_requires_sign_in(tree: Tree, client: Client) -> None:
    response = client.get("/orgs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_tree_first_screen_shows_scope_root_and_children_with_counts(
    tree: Tree, street_official, signed_in
) -> None:
    add_member(tree.branch, name="甲")
    page = signed_in(street_official).get("/orgs/").content.decode()
    assert tree.xianlin.name in page and tree.community.name in page
    assert "党员 1 · 支部 2" in page  # the community: one member, two branches
    assert tree.branch.name not in page  # grandchildren load lazily
    assert tree.yaohua.name not in page


def test_children_load_lazily(tree: Tree, street_official, signed_in) -> None:
    fragment = (
        signed_in(street_official).get(f"/orgs/{tree.community.pk}/children/").content.decode()
    )
    assert tree.branch.name in fragment and tree.sibling.name in fragment
    assert "<html" not in fragment


def test_children_of_a_node_outside_scope_are_404(tree: Tree, street_official, signed_in) -> None:
    assert signed_in(street_official).get(f"/orgs/{tree.yaohua.pk}/children/").status_code == 404


def test_search_finds_branch_in_scope_only(tree: Tree, street_official, signed_in) -> None:
    page = signed_in(street_official).get("/orgs/", {"q": "党支部"}).content.decode()
    assert tree.branch.name in page and tree.sibling.name in page
    assert tree.yaohua_branch.name not in page


def test_organization_page_shows_warnings_committee_and_members(
    tree: Tree, secretary, signed_in
) -> None:
    add_member(tree.branch, name="欧阳娜")
    response = signed_in(secretary).get(f"/orgs/{tree.branch.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "欧阳娜" in page
    assert "不足3人" in page
    assert "尚未录入本届委员会" in page


def test_organization_page_outside_scope_is_404(tree: Tree, secretary, signed_in) -> None:
    response = signed_in(secretary).get(f"/orgs/{tree.sibling.pk}/")
    assert response.status_code == 404
    assert "不存在，或不在您的管理范围内" in response.content.decode()


def test_pages_declare_a_phone_viewport(tree: Tree, secretary, signed_in) -> None:
    page = signed_in(secretary).get("/orgs/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
