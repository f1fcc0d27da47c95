"""Pages and API through Django's test client: the flow, who sees what (the grants of the scope
included), the letter and its public verification."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from jiceng.members.models import Member
from jiceng.members.queries import members_for
from jiceng.orglife.models import Meeting
from jiceng.orglife.scheduling import expected_members
from jiceng.testing.personas import Tree, add_member
from jiceng.transfers import mobility, services
from jiceng.transfers.models import (
    MobileRegistration,
    MobileState,
    StepAction,
    Transfer,
    TransferKind,
    TransferState,
)

pytestmark = pytest.mark.usefixtures("frozen")
A, S = StepAction, TransferState


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def started(tree, member, by, **extra):
    return services.start_transfer(
        member=member, to_organization=tree.yaohua_branch, reason="工作调动", by=by, **extra
    )


def test_the_secretary_starts_a_transfer_from_the_member_page(tree: Tree, mover, secretary):
    client = client_of(secretary)
    page = client.get(f"/members/{mover.pk}/").content.decode()
    assert f"/transfers/new/{mover.pk}/" in page
    found = client.get(f"/transfers/new/{mover.pk}/", {"q": "尧化社区"}).content.decode()
    assert "尧化社区党支部" in found
    done = client.post(
        f"/transfers/new/{mover.pk}/",
        {
            "kind": "WITHIN",
            "to": tree.yaohua_branch.pk,
            "reason": "居住地变更",
            "leaves_on": "2025-06-01",
        },
    )
    transfer = Transfer.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/transfers/{transfer.pk}/"
    assert transfer.to_organization_id == tree.yaohua_branch.pk


def test_a_refused_start_says_why_beside_the_field(tree: Tree, mover, secretary):
    page = client_of(secretary).post(
        f"/transfers/new/{mover.pk}/",
        {"kind": "WITHIN", "to": tree.xianlin.pk, "reason": "调动", "q": "仙林"},
    )
    assert page.status_code == 400
    assert "不直接管理党员" in page.content.decode()
    assert not Transfer.objects.exists()


def test_a_member_of_another_branch_cannot_be_sent_by_this_secretary(tree: Tree, secretary):
    stranger = add_member(tree.yaohua_branch, name="外人")
    assert client_of(secretary).get(f"/transfers/new/{stranger.pk}/").status_code == 404


def test_each_side_sees_its_step_as_a_button_and_takes_it(
    tree: Tree, mover, secretary, street_official, yaohua_official, yaohua_secretary
):
    transfer = started(tree, mover, secretary)
    url = f"/transfers/{transfer.pk}/"
    assert 'value="APPROVE_OUT"' not in client_of(secretary).get(url).content.decode()
    approver = client_of(street_official)
    assert 'value="APPROVE_OUT"' in approver.get(url).content.decode()
    approver.post(f"{url}step/", {"action": "APPROVE_OUT", "seen": "SENT"})
    client_of(yaohua_official).post(f"{url}step/", {"action": "APPROVE_IN", "seen": "OUT_APPROVED"})
    receiver = client_of(yaohua_secretary)
    assert "待确认转入" in receiver.get("/").content.decode()  # the workbench panel
    done = receiver.post(
        f"{url}step/", {"action": "CONFIRM", "seen": "IN_APPROVED", "on": "2025-06-02"}
    )
    assert done["Location"] == f"/members/{mover.pk}/"
    assert Member.objects.get(pk=mover.pk).organization_id == tree.yaohua_branch.pk


def test_a_stale_page_gets_a_conflict_message_and_changes_nothing(
    tree: Tree, mover, secretary, street_official
):
    transfer = started(tree, mover, secretary)
    client = client_of(street_official)
    client.post(f"/transfers/{transfer.pk}/step/", {"action": "APPROVE_OUT", "seen": "SENT"})
    again = client.post(
        f"/transfers/{transfer.pk}/step/", {"action": "APPROVE_OUT", "seen": "SENT"}, follow=True
    )
    assert "刚被他人办理" in again.content.decode()
    assert Transfer.objects.get().state == S.OUT_APPROVED


def test_the_receiving_branch_sees_the_member_masked_while_the_transfer_is_open(
    tree: Tree, mover, secretary, yaohua_secretary
):
    assert not members_for(yaohua_secretary).filter(pk=mover.pk).exists()
    transfer = started(tree, mover, secretary)
    yaohua_secretary = type(yaohua_secretary).objects.get(pk=yaohua_secretary.pk)  # new scope
    assert members_for(yaohua_secretary).filter(pk=mover.pk).exists()
    page = client_of(yaohua_secretary).get(f"/members/{mover.pk}/").content.decode()
    assert mover.id_number_masked in page
    assert not re.search(r"\d{17}[\dX]", page)
    assert "查看完整身份证号" not in page and "编辑党员信息" not in page
    assert f"/orgs/{tree.branch.pk}/" not in page  # the sending branch is not theirs to open
    services.take_step(transfer=transfer, action=A.CANCEL, by=secretary)
    assert client_of(yaohua_secretary).get(f"/members/{mover.pk}/").status_code == 404


def test_a_letter_prints_in_three_parts_with_a_code_to_verify_it_publicly(
    tree: Tree, mover, secretary, street_official
):
    transfer = services.start_transfer(
        member=mover,
        kind=TransferKind.LETTER,
        destination="某市委组织部",
        reason="调动",
        by=secretary,
    )
    transfer = services.take_step(transfer=transfer, action=A.APPROVE_OUT, by=street_official)
    page = client_of(secretary).get(f"/transfers/{transfer.pk}/letter/").content.decode()
    for part in ("（存根）", "（回执）", "请接洽", "（2025）第0001号", "<svg", "transfers.css"):
        assert part in page
    assert f"/transfers/verify/{transfer.letter_token}/" in page
    public = Client().get(f"/transfers/verify/{transfer.letter_token}/")
    text = public.content.decode()
    assert public.status_code == 200 and "有效" in text and "（2025）第0001号" in text
    assert "赵*" in text and "赵磊" not in text and mover.id_number_masked not in text
    assert Client().get("/transfers/verify/nonsense/").status_code == 404


def test_the_print_rules_are_in_the_stylesheet():
    from pathlib import Path

    css = (Path(__file__).parents[1] / "static/transfers/transfers.css").read_text()
    assert "@media print" in css and "@page" in css


def test_a_mobile_member_is_expected_at_the_host_and_the_host_sees_only_their_meetings(
    tree: Tree, mover, secretary, yaohua_secretary
):
    registration = mobility.register_mobile(
        member=mover,
        host=tree.yaohua_branch,
        starts_on=dt.date(2025, 3, 1),
        ends_on=None,
        place="南京市栖霞区尧化街道某物流园",
        by=secretary,
    )
    assert registration.state == MobileState.PENDING
    assert "流动党员待接收" in client_of(yaohua_secretary).get("/").content.decode()
    registration = mobility.accept_mobile(registration=registration, by=yaohua_secretary)
    assert Member.objects.get(pk=mover.pk).is_mobile
    host_meeting = Meeting(organization=tree.yaohua_branch, audience="ALL_MEMBERS")
    host_meeting.organization_id = tree.yaohua_branch.pk
    assert mover.pk in {pk for pk, _, _ in expected_members(host_meeting)}
    host = type(yaohua_secretary).objects.get(pk=yaohua_secretary.pk)
    assert not members_for(host).filter(pk=mover.pk).exists()  # the record stays at home
    page = client_of(host).get(f"/transfers/mobile/{registration.pk}/").content.decode()
    assert "组织生活" in page and "接收该流动党员" not in page


def test_mobile_registration_refuses_a_short_absence(tree: Tree, mover, secretary):
    page = client_of(secretary).post(
        f"/transfers/mobile/new/{mover.pk}/",
        {
            "host": tree.yaohua_branch.pk,
            "starts_on": "2025-06-01",
            "ends_on": "2025-08-01",
            "place": "苏州",
        },
    )
    assert page.status_code == 400 and "6个月以上" in page.content.decode()
    assert not MobileRegistration.objects.exists()


def test_top_bar_link_only_for_those_who_manage_members(tree: Tree, secretary, member_user):
    assert 'href="/transfers/"' in client_of(secretary).get("/").content.decode()
    assert 'href="/transfers/"' not in client_of(member_user).get("/").content.decode()
    assert client_of(member_user).get("/transfers/").status_code == 403


# -- API ---------------------------------------------------------------------------------------


def test_the_api_takes_every_step_with_the_same_rules(
    tree: Tree, mover, secretary, street_official, yaohua_official, yaohua_secretary
):
    api = client_of(secretary)
    refused = api.post(
        "/api/v1/transfers",
        {"member_id": mover.pk, "to_organization_id": tree.yaohua.pk, "reason": "调动"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "不直接管理党员" in refused.json()["detail"]
    made = api.post(
        "/api/v1/transfers",
        {"member_id": mover.pk, "to_organization_id": tree.yaohua_branch.pk, "reason": "调动"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    forbidden = api.post(f"/api/v1/transfers/{pk}/approve-out", {}, content_type="application/json")
    assert forbidden.status_code == 403
    out = client_of(street_official).post(
        f"/api/v1/transfers/{pk}/approve-out",
        {"seen_state": "SENT"},
        content_type="application/json",
    )
    assert out.json()["state"] == "OUT_APPROVED"
    stale = client_of(street_official).post(
        f"/api/v1/transfers/{pk}/approve-out",
        {"seen_state": "SENT"},
        content_type="application/json",
    )
    assert stale.status_code == 409
    client_of(yaohua_official).post(
        f"/api/v1/transfers/{pk}/approve-in", {}, content_type="application/json"
    )
    mine = client_of(yaohua_secretary).get("/api/v1/transfers?which=waiting").json()
    assert [t["id"] for t in mine] == [pk] and mine[0]["actions"] == ["CONFIRM", "RETURN"]
    done = client_of(yaohua_secretary).post(
        f"/api/v1/transfers/{pk}/confirm", {}, content_type="application/json"
    )
    assert done.json()["state"] == "COMPLETED"


def test_the_openapi_document_lists_each_step():
    schema = Client().get("/api/v1/openapi.json").json()
    for path in ("approve-out", "approve-in", "confirm", "return", "resubmit", "cancel", "receipt"):
        assert f"/api/v1/transfers/{{transfer_id}}/{path}" in schema["paths"]
    assert "/api/v1/transfers/mobile/registrations" in schema["paths"]
