from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.taskforces.models import Shift, TaskForce
from jiceng.testing.personas import Tree

from .conftest import DAY, Force, at


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: dict[str, object] | None = None) -> tuple[int, dict]:
    answer = client.post(url, json.dumps(body or {}), content_type="application/json")
    return answer.status_code, (answer.json() if answer.content else {})


def test_anonymous_is_sent_to_sign_in_and_the_api_answers_401(force: Force) -> None:
    assert Client().get(reverse("taskforces:home")).status_code == 302
    assert Client().get(f"/api/v1/taskforces/{force.tf.pk}").status_code == 401


def test_pages_open_for_each_role(force: Force, other_member: User) -> None:
    committee = client_of(force.committee)
    for url in [
        reverse("taskforces:home"),
        reverse("taskforces:new"),
        reverse("taskforces:detail", args=[force.tf.pk]),
        reverse("taskforces:board", args=[force.tf.pk]) + f"?day={DAY}",
        reverse("taskforces:gaps", args=[force.tf.pk]),
        reverse("taskforces:site", args=[force.levee.pk]),
        reverse("taskforces:figures"),
    ]:
        assert committee.get(url).status_code == 200, url
    member = client_of(force.chen)
    page = member.get(reverse("taskforces:home")).content.decode()
    assert "防汛抢险党员突击队" in page
    assert member.get(reverse("taskforces:detail", args=[force.tf.pk])).status_code == 200
    # a member sees no board and no committee form
    assert member.get(reverse("taskforces:board", args=[force.tf.pk])).status_code == 404
    assert member.get(reverse("taskforces:new")).status_code == 403
    # the lead opens the site; a member of another street sees nothing
    assert (
        client_of(force.lead).get(reverse("taskforces:site", args=[force.levee.pk])).status_code
        == 200
    )
    stranger = client_of(other_member)
    assert stranger.get(reverse("taskforces:detail", args=[force.tf.pk])).status_code == 404
    assert stranger.get(reverse("taskforces:site", args=[force.levee.pk])).status_code == 404


def test_committee_forms_a_task_force_on_the_page_with_errors_beside_fields(force: Force) -> None:
    committee = client_of(force.committee)
    page = committee.post(
        reverse("taskforces:new"),
        {
            "organization": force.tf.organization_id,
            "name": "",
            "starts_on": "2026-06-12",
            "ends_on": "2026-06-11",
        },
    ).content.decode()
    assert "请填写突击队名称" in page and "结束日期不能早于开始日期" in page
    answer = committee.post(
        reverse("taskforces:new"),
        {
            "organization": force.tf.organization_id,
            "name": "端午安保",
            "kind": "EVENT",
            "starts_on": "2026-06-12",
            "ends_on": "2026-06-14",
        },
    )
    made = TaskForce.objects.get(name="端午安保")
    assert answer["Location"] == reverse("taskforces:detail", args=[made.pk])
    committee.post(
        reverse("taskforces:add_site", args=[made.pk]),
        {"name": "龙舟码头", "lon": "118.901", "lat": "32.101"},
    )
    site = made.sites.get()
    committee.post(
        reverse("taskforces:add_shifts", args=[made.pk]),
        {
            "site": site.pk,
            "first_day": "2026-06-12",
            "last_day": "2026-06-14",
            "slots": "08:00-12:00,14:00-18:00",
            "needed": "3",
        },
    )
    made.refresh_from_db()
    assert Shift.objects.filter(site=site).count() == 6 and made.places_needed == 18


def test_api_sign_up_full_and_overlap(force: Force) -> None:
    chen, huang = client_of(force.chen), client_of(force.huang)
    status, body = post_json(chen, f"/api/v1/taskforces/shifts/{force.pump_morning.pk}/sign-up")
    assert status == 201 and body["site"] == "泵站"
    status, body = post_json(huang, f"/api/v1/taskforces/shifts/{force.pump_morning.pk}/sign-up")
    assert (status, body["detail"]) == (409, "该班次已满员，请选择其他班次")
    status, body = post_json(chen, f"/api/v1/taskforces/shifts/{force.morning.pk}/sign-up")
    assert status == 400 and "时间重叠" in body["detail"]
    mine = chen.get("/api/v1/taskforces/mine").json()
    assert [m["shift_id"] for m in mine] == [force.pump_morning.pk]


def test_api_board_gaps_check_in_and_confirm(force: Force) -> None:
    committee, chen = client_of(force.committee), client_of(force.chen)
    post_json(chen, f"/api/v1/taskforces/shifts/{force.morning.pk}/sign-up")
    board = committee.get(f"/api/v1/taskforces/{force.tf.pk}/board?day={DAY}").json()
    assert (board["needed"], board["taken"]) == (5, 1)
    assert board["sites"][0]["shifts"][0]["people"] == ["陈晓"]
    assert chen.get(f"/api/v1/taskforces/{force.tf.pk}/board").status_code == 404
    gaps = committee.get(f"/api/v1/taskforces/{force.tf.pk}/gaps?days=30").json()
    assert (gaps["shifts"], gaps["places"]) == (3, 4)
    with clock.frozen(at(DAY, 8, 3)):
        chen = client_of(force.chen)  # a day later: signed in again (idle timeout)
        status, body = post_json(
            chen, f"/api/v1/taskforces/sites/{force.levee.pk}/check-in", {"lon": 119.0, "lat": 32.2}
        )
        assert status == 400 and "不能签到" in body["detail"]
        status, _ = post_json(
            chen,
            f"/api/v1/taskforces/sites/{force.levee.pk}/check-in",
            {"lon": 118.902, "lat": 32.102},
        )
        assert status == 200
    with clock.frozen(at(DAY, 12, 5)):
        lead = client_of(force.lead)
        status, body = post_json(
            lead,
            f"/api/v1/taskforces/shifts/{force.morning.pk}/confirm",
            {"member_id": force.huang.member_id},
        )
        assert status == 400 and "没有报名" in body["detail"]
        status, body = post_json(
            lead,
            f"/api/v1/taskforces/shifts/{force.morning.pk}/confirm",
            {"member_id": force.chen.member_id, "hours": 3.5},
        )
        assert (status, body["minutes_confirmed"]) == (200, 210)


def test_api_figures_and_forming_are_the_committees(force: Force, tree: Tree) -> None:
    committee, chen = client_of(force.committee), client_of(force.chen)
    answer = committee.get(
        f"/api/v1/taskforces/figures?organization_id={tree.community.pk}&year=2026"
    )
    assert answer.status_code == 200 and answer.json()["places_needed"] == 5
    assert (
        chen.get(f"/api/v1/taskforces/figures?organization_id={tree.community.pk}").status_code
        == 403
    )
    status, _ = post_json(
        chen,
        "/api/v1/taskforces",
        {
            "organization_id": tree.community.pk,
            "name": "x",
            "starts_on": "2026-06-12",
            "ends_on": "2026-06-13",
        },
    )
    assert status == 403
    status, body = post_json(committee, f"/api/v1/taskforces/{force.tf.pk}/gap-notice")
    assert (status, body["recipients"]) == (201, 2)


def test_volunteer_page_signs_up_without_an_account(force: Force) -> None:
    page = (
        Client()
        .post(
            reverse("taskforces:volunteer", args=[force.tf.pk]),
            {"name": "志愿者乙", "phone": "13912345678", "shift": force.afternoon.pk},
        )
        .content.decode()
    )
    assert "报名成功" in page and "13912345678" not in page
    refused = (
        Client()
        .post(
            reverse("taskforces:volunteer", args=[force.tf.pk]),
            {"name": "志愿者丙", "phone": "139", "shift": force.afternoon.pk},
        )
        .content.decode()
    )
    assert "请填写11位手机号" in refused


@pytest.mark.parametrize("action", ["check_in"])
def test_site_page_check_in_far_away_says_why(force: Force, action: str) -> None:
    chen = client_of(force.chen)
    chen.post(reverse("taskforces:sign_up", args=[force.morning.pk]))
    with clock.frozen(at(DAY, 8, 1)):
        chen = client_of(force.chen)
        page = chen.post(
            reverse("taskforces:site", args=[force.levee.pk]) + f"?action={action}",
            {"lon": "118.95", "lat": "32.15"},
            follow=True,
        ).content.decode()
    assert "超出300米" in page


def test_workbench_shows_a_members_shifts_and_the_committees_task_forces(force: Force) -> None:
    from jiceng.web.workbench import panels_for

    chen = force.chen
    client_of(chen).post(reverse("taskforces:sign_up", args=[force.morning.pk]))
    shown = {p.panel.key: p for p in panels_for(User.objects.get(pk=chen.pk))}
    assert "taskforces.mine" in shown
    assert "taskforces.committee" in {p.panel.key for p in panels_for(force.committee)}
    assert "taskforces.mine" not in {p.panel.key for p in panels_for(force.huang)}


def test_my_shifts_offer_check_in_only_while_it_is_taken(force: Force) -> None:
    chen = client_of(force.chen)
    for shift in (force.morning, force.afternoon):  # tomorrow 08:00-12:00 and 12:00-16:00
        assert chen.post(reverse("taskforces:sign_up", args=[shift.pk])).status_code == 302
    for now, open_, later in [(at(DAY, 9, 0), 1, 1), (at(DAY, 11, 50), 2, 0)]:
        with clock.frozen(now):  # the afternoon's window opens a little early
            page = client_of(force.chen).get(reverse("taskforces:home")).content.decode()
        hint = page.count("开始前30分钟起可到现场签到")
        assert (page.count("到岗签到</a>"), hint) == (open_, later)
