"""Registering and editing members on the pages, and their status moves: one path with the
API (members.services, members.lifecycle), Chinese reasons beside the field, scoped."""

import datetime as dt
import re

import pytest
from django.test import Client

from jiceng.accounts.models import Role
from jiceng.core import crypto
from jiceng.members.models import Member, MemberEvent, MemberStatus
from jiceng.testing.personas import Tree, add_member, new_id_number, user_with

FULL_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


@pytest.fixture
def signed_in(client: Client):
    def login(user) -> Client:
        client.force_login(user)
        return client

    return login


@pytest.fixture
def committee_member(tree: Tree):
    """赵磊, 支委 of the first branch: edits members, never sees their numbers unmasked."""
    return user_with("zhao-lei", Role.COMMITTEE_MEMBER, organization=tree.branch)


def form(tree: Tree, **overrides: str) -> dict[str, str]:
    fields = {
        "name": "郑雪",
        "id_number": new_id_number(),
        "ethnicity": "汉族",
        "phone": "13900001111",
        "category": "EMPLOYED",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
        "status": "FULL",
        "organization_id": str(tree.branch.pk),
    }
    fields.update(overrides)
    return fields


def test_secretary_registers_a_member(tree: Tree, secretary, signed_in) -> None:
    client = signed_in(secretary)
    page = client.get("/members/new/", {"org": tree.branch.pk})
    assert page.status_code == 200 and "登记党员" in page.content.decode()
    sent = form(tree)
    response = client.post("/members/new/", sent)
    member = Member.objects.get(name="郑雪")
    assert response.status_code == 302 and response["Location"] == f"/members/{member.pk}/"
    assert crypto.unseal(member.id_number_sealed, field="id_number") == sent["id_number"]
    assert member.phone_masked == "139****1111"
    detail = client.get(f"/members/{member.pk}/").content.decode()
    assert "已登记党员郑雪" in detail and "组织关系转接" in detail and "编辑党员信息" in detail


def test_refusals_stand_beside_their_fields_and_echo_no_number(
    tree: Tree, secretary, signed_in
) -> None:
    client = signed_in(secretary)
    response = client.post(
        "/members/new/",
        form(tree, name="", joined_on="2024-05-01", full_member_on="2024-06-01", phone="12"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="e-name">请填写姓名<', page)
    assert re.search(r'id="e-full_member_on">预备期为一年，转正日期不能早于2025-05-01', page)
    assert re.search(r'id="e-phone">手机号不正确', page)
    assert not FULL_ID.search(page)
    assert not Member.objects.exists()


def test_editing_keeps_the_numbers_left_blank(tree: Tree, secretary, signed_in) -> None:
    member = add_member(tree.branch, name="郑雪", phone="13900002222")
    id_number = crypto.unseal(member.id_number_sealed, field="id_number")
    client = signed_in(secretary)
    page = client.get(f"/members/{member.pk}/edit/").content.decode()
    assert "郑雪" in page and not FULL_ID.search(page) and "13900002222" not in page
    sent = form(tree, name="郑雪梅", id_number="", phone="", category="RETIRED")
    sent["joined_on"], sent["full_member_on"] = "2010-07-01", "2011-07-01"
    response = client.post(f"/members/{member.pk}/edit/", sent)
    assert response.status_code == 302, response.content.decode()
    member.refresh_from_db()
    assert (member.name, member.category) == ("郑雪梅", "RETIRED")
    assert crypto.unseal(member.id_number_sealed, field="id_number") == id_number
    assert member.phone_masked == "139****2222"
    # An edit of particulars is no change of standing: the registration stays the only event.
    assert list(MemberEvent.objects.values_list("move", flat=True)) == ["REGISTER"]


def test_a_status_corrected_in_the_form_needs_its_reason(tree: Tree, secretary, signed_in) -> None:
    member = add_member(tree.branch)
    client = signed_in(secretary)
    sent = form(tree, id_number="", phone="", status="PROBATIONARY", full_member_on="")
    sent["joined_on"] = "2010-07-01"
    refused = client.post(f"/members/{member.pk}/edit/", sent)
    assert refused.status_code == 400
    assert re.search(r'id="e-reason">更正党籍状态须说明原因<', refused.content.decode())
    assert Member.objects.get(pk=member.pk).status == MemberStatus.FULL
    sent["reason"] = "尚未转正，录入有误"
    assert client.post(f"/members/{member.pk}/edit/", sent).status_code == 302
    event = MemberEvent.objects.exclude(move="REGISTER").get()
    assert (event.move, event.reason) == ("CORRECT", "尚未转正，录入有误")
    timeline = client.get(f"/members/{member.pk}/").content.decode()
    assert "更正党籍状态：正式党员 → 预备党员" in timeline and "尚未转正，录入有误" in timeline


def test_lost_contact_and_death_from_the_member_page(tree: Tree, secretary, signed_in) -> None:
    member = add_member(tree.branch)
    client = signed_in(secretary)
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert "记录失去联系" in page and "记录去世" in page and "记录恢复联系" not in page
    url = f"/members/{member.pk}/status/"
    client.post(url, {"move": "LOSE_CONTACT", "on": "2025-02-01", "reason": "外出务工，电话停机"})
    assert Member.objects.get(pk=member.pk).status == MemberStatus.LOST_CONTACT
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert "记录恢复联系" in page and "2025-02-01" in page and "外出务工，电话停机" in page
    refused = client.post(url, {"move": "LOSE_CONTACT"}, follow=True).content.decode()
    assert "党籍状态已是失联党员" in refused
    client.post(url, {"move": "DIE", "on": "2025-03-01"})
    assert Member.objects.get(pk=member.pk).status == MemberStatus.DECEASED
    assert MemberEvent.objects.exclude(move="REGISTER").count() == 2


def test_the_list_shows_its_total(tree: Tree, secretary, signed_in, settings) -> None:
    settings.JICENG_PAGE_SIZE = 2
    for name in ("甲", "乙", "丙"):
        add_member(tree.branch, name=name)
    page = signed_in(secretary).get("/members/").content.decode()
    assert "共3人" in page and "登记党员" in page


def test_outside_the_subtree_the_pages_are_not_found(
    tree: Tree, sibling_secretary, signed_in
) -> None:
    member = add_member(tree.branch)
    client = signed_in(sibling_secretary)
    assert client.get(f"/members/{member.pk}/edit/").status_code == 404
    assert client.post(f"/members/{member.pk}/status/", {"move": "DIE"}).status_code == 404
    assert client.get("/members/new/", {"org": tree.branch.pk}).status_code == 404
    sent = form(tree)
    assert client.post("/members/new/", sent).status_code == 404
    assert Member.objects.filter(status=MemberStatus.FULL).count() == 1


def test_a_viewer_sees_no_edit_link_and_a_member_no_page(
    tree: Tree, division_official, member_user, signed_in
) -> None:
    member = add_member(tree.branch)
    page = signed_in(division_official).get(f"/members/{member.pk}/").content.decode()
    assert "编辑党员信息" not in page and "记录去世" not in page
    assert signed_in(division_official).get(f"/members/{member.pk}/edit/").status_code == 403
    client = signed_in(member_user)
    own = client.get(f"/members/{member_user.member_id}/").content.decode()
    assert "编辑党员信息" not in own
    assert client.get(f"/members/{member_user.member_id}/edit/").status_code == 403
    assert client.get("/members/new/").status_code == 403
    assert client.post(f"/members/{member.pk}/status/", {"move": "DIE"}).status_code == 403


def test_a_joining_date_that_pins_the_birth_date_is_not_filled_in(
    tree: Tree, committee_member, signed_in
) -> None:
    born, joined = dt.date(1990, 1, 2), dt.date(2008, 1, 10)  # January of the 18th year
    member = add_member(
        tree.branch,
        id_number=new_id_number(birth=born),
        joined_on=joined,
        full_member_on=dt.date(2009, 1, 10),
    )
    client = signed_in(committee_member)
    page = client.get(f"/members/{member.pk}/edit/").content.decode()
    assert "2008-01-10" not in page and "现为2008-01，不修改请留空" in page
    sent = form(tree, id_number="", phone="", joined_on="", full_member_on="2009-01-10")
    assert client.post(f"/members/{member.pk}/edit/", sent).status_code == 302
    assert Member.objects.get(pk=member.pk).joined_on == joined
