import datetime as dt
import re

import pytest
from django.test import Client

from jiceng.core import crypto, idnumbers
from jiceng.members.models import Member
from jiceng.testing.personas import Tree, add_member

FULL_ID = re.compile(r"\d{17}[\dX]")
FULL_PHONE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture
def as_user(client: Client):
    def login(user) -> Client:
        client.force_login(user)
        return client

    return login


def payload(tree: Tree, **overrides) -> dict:
    body = {
        "name": "黄磊",
        "id_number": idnumbers.make("320113", dt.date(1991, 4, 2), 311),
        "phone": "13951234567",
        "category": "EMPLOYED",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
        "status": "FULL",
        "organization_id": tree.branch.pk,
    }
    body.update(overrides)
    return body


def test_list_is_scoped_and_masked(tree: Tree, secretary, as_user) -> None:
    add_member(tree.branch, name="郑洁", phone="13700001111")
    add_member(tree.sibling, name="冯刚")
    response = as_user(secretary).get("/api/v1/members")
    assert response.status_code == 200
    body = response.json()
    assert [m["name"] for m in body["items"]] == ["郑洁"]
    assert body["items"][0]["phone_masked"] == "137****1111"
    assert not FULL_ID.search(response.content.decode()) and not FULL_PHONE.search(
        response.content.decode()
    )


def test_create_then_read(tree: Tree, secretary, as_user) -> None:
    api = as_user(secretary)
    created = api.post("/api/v1/members", payload(tree), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["gender"] == "M" and body["birth_year"] == 1991 and "birth_date" not in body
    assert body["id_number_masked"].startswith("320113") and "*" in body["id_number_masked"]
    assert api.get(f"/api/v1/members/{body['id']}").json()["name"] == "黄磊"


def test_create_with_bad_id_is_400_with_field_message(tree: Tree, secretary, as_user) -> None:
    bad = payload(tree, id_number="320113199104023110")  # wrong check digit
    response = as_user(secretary).post("/api/v1/members", bad, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["fields"]["id_number"] == "身份证号校验位错误"
    assert not Member.objects.exists()


def test_create_into_sibling_branch_is_404(tree: Tree, secretary, as_user) -> None:
    response = as_user(secretary).post(
        "/api/v1/members",
        payload(tree, organization_id=tree.sibling.pk),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Member.objects.exists()


def test_patch_changes_only_what_is_sent(tree: Tree, secretary, as_user) -> None:
    member = add_member(tree.branch, name="何平", phone="13600002222")
    response = as_user(secretary).patch(
        f"/api/v1/members/{member.pk}",
        {"is_mobile": True, "work_place": "广东省深圳市"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    stored = Member.objects.get(pk=member.pk)
    assert stored.is_mobile and stored.work_place == "广东省深圳市"
    assert stored.phone_sealed is not None
    assert crypto.unseal(stored.phone_sealed, field="phone") == "13600002222"
    assert stored.id_number_digest == member.id_number_digest


def test_member_outside_scope_is_404(tree: Tree, secretary, as_user) -> None:
    other = add_member(tree.sibling, name="冯刚")
    assert as_user(secretary).get(f"/api/v1/members/{other.pk}").status_code == 404
    assert (
        as_user(secretary)
        .patch(f"/api/v1/members/{other.pk}", {"name": "x"}, content_type="application/json")
        .status_code
        == 404
    )
