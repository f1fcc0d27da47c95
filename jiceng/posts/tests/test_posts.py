from __future__ import annotations

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core.errors import InvalidInput
from jiceng.posts import services
from jiceng.posts.models import PostKind, ResponsibilityPost
from jiceng.testing.personas import Tree, add_member

pytestmark = pytest.mark.django_db


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def post(tree: Tree, secretary: User) -> ResponsibilityPost:
    holder = add_member(tree.branch, name="张红梅")
    return services.set_up_post(
        organization=tree.branch,
        kind=PostKind.RESPONSIBILITY,
        name="垃圾分类督导岗",
        place="文苑小区3栋楼下",
        duty="每天早晚督导垃圾分类投放",
        sign="我是党员，向我看齐",
        holder=holder,
        by=secretary,
    )


def test_a_post_is_held_by_a_member_of_its_organization(tree: Tree, secretary: User) -> None:
    outsider = add_member(tree.yaohua_branch, name="刘洋")
    with pytest.raises(InvalidInput) as refused:
        services.set_up_post(
            organization=tree.branch,
            kind=PostKind.MODEL,
            name="便民服务岗",
            duty="帮助老人办理业务",
            sign="服务群众，我在岗",
            holder=outsider,
            by=secretary,
        )
    assert refused.value.fields == {"holder": "岗位党员须是本组织（或下级组织）的在册党员"}
    assert not ResponsibilityPost.objects.exists()


def test_missing_fields_are_named_in_chinese(tree: Tree) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.set_up_post(
            organization=tree.branch, kind="X", name="", duty="", sign="", holder=None, by=None
        )
    assert set(refused.value.fields) == {"kind", "name", "duty", "sign", "holder"}


def test_the_public_page_opens_without_sign_in_and_masks_the_name(
    post: ResponsibilityPost, client: Client
) -> None:
    page = client.get(f"/posts/p/{post.key}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "垃圾分类督导岗" in text and "我是党员，向我看齐" in text and "张**" in text
    assert "张红梅" not in text
    assert client.get(f"/posts/p/{post.key}x/").status_code == 404
    services.close_post(post=post, by=None)
    assert client.get(f"/posts/p/{post.key}/").status_code == 404


def test_the_organization_page_shows_its_posts_and_the_post_its_qr(
    post: ResponsibilityPost, tree: Tree, secretary: User, sibling_secretary: User
) -> None:
    client = client_of(secretary)
    org_page = client.get(f"/orgs/{tree.branch.pk}/").content.decode()
    assert "垃圾分类督导岗" in org_page and "设岗管理" in org_page
    detail = client.get(f"/posts/{post.pk}/").content.decode()
    assert "<svg" in detail and f"/posts/p/{post.key}/" in detail and "撤销岗位" in detail
    assert client_of(sibling_secretary).get(f"/posts/{post.pk}/").status_code == 404
    assert (
        "垃圾分类督导岗"
        not in client_of(sibling_secretary).get(f"/orgs/{tree.sibling.pk}/").content.decode()
    )


def test_a_member_sees_but_does_not_set_up(post: ResponsibilityPost, member_user: User) -> None:
    client = client_of(member_user)
    assert client.get(f"/posts/{post.pk}/").status_code == 403


def test_the_secretary_sets_up_a_post_on_the_page(tree: Tree, secretary: User) -> None:
    holder = add_member(tree.branch, name="王强")
    client = client_of(secretary)
    url = f"/posts/org/{tree.branch.pk}/"
    refused = client.post(url, {"kind": "MODEL", "name": "便民岗", "duty": "", "sign": "在岗"})
    assert refused.status_code == 400 and "请填写岗位职责" in refused.content.decode()
    done = client.post(
        url,
        {
            "kind": "MODEL",
            "name": "便民岗",
            "duty": "帮办代办",
            "sign": "在岗",
            "holder": holder.pk,
        },
    )
    assert done.status_code == 302
    assert ResponsibilityPost.objects.get().holder == holder


def test_the_api_sets_up_lists_and_closes(
    tree: Tree, secretary: User, sibling_secretary: User
) -> None:
    holder = add_member(tree.branch, name="王强")
    body = {
        "organization_id": tree.branch.pk,
        "kind": "RESPONSIBILITY",
        "name": "楼栋长岗",
        "duty": "联系本楼住户",
        "sign": "有事找我",
        "holder_id": holder.pk,
    }
    other = client_of(sibling_secretary).post(
        "/api/v1/posts", body, content_type="application/json"
    )
    assert other.status_code == 404
    created = client_of(secretary).post("/api/v1/posts", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["public_path"].startswith("/posts/p/")
    listed = client_of(secretary).get(f"/api/v1/posts/organizations/{tree.branch.pk}").json()
    assert [p["name"] for p in listed] == ["楼栋长岗"]
    closed = client_of(secretary).post(f"/api/v1/posts/{created.json()['id']}/close")
    assert closed.status_code == 200 and closed.json()["is_active"] is False
    again = client_of(secretary).post(f"/api/v1/posts/{created.json()['id']}/close")
    assert again.status_code == 409
