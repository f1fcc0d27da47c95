import pytest
from django.test import Client

from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree, add_member


@pytest.fixture
def as_user(client: Client):
    def login(user) -> Client:
        client.force_login(user)
        return client

    return login


def test_anonymous_gets_401(tree: Tree, client: Client) -> None:
    assert client.get("/api/v1/organizations/tree").status_code == 401
    assert client.get(f"/api/v1/organizations/{tree.branch.pk}").status_code == 401


def test_tree_starts_at_the_users_scope(tree: Tree, street_official, as_user) -> None:
    body = as_user(street_official).get("/api/v1/organizations/tree").json()
    assert [o["name"] for o in body] == [tree.xianlin.name]
    kids = as_user(street_official).get(f"/api/v1/organizations/{tree.xianlin.pk}/children").json()
    assert [o["name"] for o in kids] == [tree.community.name]


def test_detail_outside_scope_is_404(tree: Tree, street_official, as_user) -> None:
    response = as_user(street_official).get(f"/api/v1/organizations/{tree.yaohua_branch.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "党组织不存在或不在您的管理范围内"}
    missing = as_user(street_official).get("/api/v1/organizations/999999999")
    assert missing.status_code == 404 and missing.json() == response.json()


def test_detail_shows_counts_and_warnings(tree: Tree, secretary, as_user) -> None:
    add_member(tree.branch, name="甲")
    body = as_user(secretary).get(f"/api/v1/organizations/{tree.branch.pk}").json()
    assert body["member_count"] == 1 and body["subtree_branch_count"] == 1
    assert any("不足3人" in w for w in body["warnings"])
    assert body["ancestors"] == []  # the secretary sees nothing above her branch


def test_create_update_move_dissolve(tree: Tree, district_department, as_user) -> None:
    api = as_user(district_department)
    created = api.post(
        "/api/v1/organizations",
        {
            "parent_id": tree.community.pk,
            "name": "文苑社区第三党支部",
            "kind": "BRANCH",
            "sector": "COMMUNITY",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    new_id = created.json()["id"]
    renamed = api.patch(
        f"/api/v1/organizations/{new_id}",
        {"name": "文苑社区流动党员党支部"},
        content_type="application/json",
    )
    assert renamed.json()["name"] == "文苑社区流动党员党支部"
    moved = api.post(
        f"/api/v1/organizations/{new_id}/move",
        {"new_parent_id": tree.yaohua.pk},
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert Organization.objects.get(pk=new_id).path.startswith(tree.yaohua.path)
    refused = api.post(
        f"/api/v1/organizations/{tree.yaohua.pk}/dissolve", {}, content_type="application/json"
    )
    assert refused.status_code == 400 and "下级党组织" in refused.json()["detail"]
    done = api.post(f"/api/v1/organizations/{new_id}/dissolve", {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["dissolved_on"]


def test_bad_kind_under_branch_is_400_in_chinese(tree: Tree, district_department, as_user) -> None:
    response = as_user(district_department).post(
        "/api/v1/organizations",
        {"parent_id": tree.branch.pk, "name": "x", "kind": "BRANCH"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "下不能设立党支部" in response.json()["detail"]


def test_secretary_cannot_write_above_her_branch(tree: Tree, secretary, as_user) -> None:
    response = as_user(secretary).patch(
        f"/api/v1/organizations/{tree.community.pk}",
        {"name": "改名"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Organization.objects.get(pk=tree.community.pk).name == tree.community.name


def test_subtree_and_search(tree: Tree, district_department, as_user) -> None:
    api = as_user(district_department)
    sub = api.get(f"/api/v1/organizations/{tree.xianlin.pk}/subtree?max_depth=5").json()
    assert [o["name"] for o in sub] == [
        tree.xianlin.name,
        tree.community.name,
        tree.branch.name,
        tree.sibling.name,
    ]
    found = api.get("/api/v1/organizations?q=尧化").json()
    assert {o["name"] for o in found} == {tree.yaohua.name, tree.yaohua_branch.name}


def test_elect_committee_through_the_api(tree: Tree, street_official, as_user) -> None:
    members = [add_member(tree.branch, name=n) for n in ("甲", "乙", "丙")]
    body = {
        "term_start": "2024-03-01",
        "seats": [
            {"member_id": members[0].pk, "post": "SECRETARY"},
            {"member_id": members[1].pk, "post": "ORGANIZATION"},
            {"member_id": members[2].pk, "post": "PUBLICITY"},
        ],
    }
    response = as_user(street_official).post(
        f"/api/v1/organizations/{tree.branch.pk}/committee", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    committee = response.json()["committee"]
    assert committee["term_due"] == "2029-03-01"
    assert [s["post_label"] for s in committee["seats"]] == ["书记", "组织委员", "宣传委员"]
    stranger = add_member(tree.sibling, name="丁")
    body["seats"] = [{"member_id": stranger.pk, "post": "SECRETARY"}]
    refused = as_user(street_official).post(
        f"/api/v1/organizations/{tree.branch.pk}/committee", body, content_type="application/json"
    )
    assert refused.status_code == 400 and "不是本组织的在册党员" in refused.json()["detail"]
