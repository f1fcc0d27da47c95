from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.cases.models import Case
from jiceng.core import clock
from jiceng.core.models import AuditRecord
from jiceng.households import services
from jiceng.households.models import HouseholdContact, Visit, Way

from .conftest import RESIDENT_NAME, RESIDENT_PHONE, Place

pytestmark = pytest.mark.django_db


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_member_sees_their_households_masked_until_they_ask(place: Place) -> None:
    client = client_of(place.contact)
    mine = client.get("/households/").content.decode()
    assert "学海路8号3栋301" in mine and "学海路8号3栋302" not in mine
    assert "尚未走访" in mine and "张**" in mine and RESIDENT_NAME not in mine
    page = client.get(f"/households/{place.first.pk}/").content.decode()
    assert "139****5678" in page and RESIDENT_PHONE not in page and "查看完整姓名和电话" in page
    assert not AuditRecord.objects.filter(action="households.reveal_resident").exists()
    shown = client.post(f"/households/{place.first.pk}/resident/")
    assert shown["Cache-Control"] == "no-store"
    assert RESIDENT_NAME in shown.content.decode() and RESIDENT_PHONE in shown.content.decode()
    record = AuditRecord.objects.get(action="households.reveal_resident")
    assert record.user_id == place.contact.pk and RESIDENT_PHONE not in json.dumps(record.detail)


@pytest.mark.parametrize("who", ["community", "neighbour"])
def test_who_need_not_see_the_resident_do_not(place: Place, who: str) -> None:
    client = client_of(getattr(place, who))
    assert client.post(f"/households/{place.first.pk}/resident/").status_code == 404
    assert RESIDENT_NAME not in client.get(f"/households/{place.first.pk}/").content.decode()
    assert not AuditRecord.objects.filter(action="households.reveal_resident").exists()


def test_the_grid_worker_sees_the_same_household_and_may_reveal(place: Place) -> None:
    client = client_of(place.worker)
    page = client.get(f"/households/{place.first.pk}/").content.decode()
    assert "陈晓" in page and "记录走访" in page
    assert RESIDENT_NAME in client.post(f"/households/{place.first.pk}/resident/").content.decode()


def test_authorization_matrix_of_the_household_page(
    place: Place, other_member: User, client: Client
) -> None:
    url = f"/households/{place.first.pk}/"
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    assert client_of(other_member).get(url).status_code == 404  # another street's member
    assert client_of(place.neighbour).get(url).status_code == 404  # not her household
    assert client_of(place.neighbour).get(f"{url}visit/").status_code == 404
    assert client_of(place.community).get(f"{url}visit/").status_code == 404  # keeps, visits not
    for user in (place.contact, place.worker, place.community):
        assert client_of(user).get(url).status_code == 200


def test_a_member_logs_a_visit_and_turns_its_finding_into_a_case(place: Place) -> None:
    client = client_of(place.contact)
    response = client.post(
        f"/households/{place.first.pk}/visit/",
        {
            "visited_on": clock.today().isoformat(),
            "way": Way.IN_PERSON,
            "finding": "楼下垃圾堆放三天没有清运",
            "to_case": "1",
            "type": "complaint",
            "subject": "city-garbage",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.case is not None and visit.case.grid_id == place.first.grid_id
    page = client.get(f"/households/{place.first.pk}/").content.decode()
    assert visit.case.number in page


def test_ticking_to_case_without_a_subject_is_refused_beside_the_field(place: Place) -> None:
    response = client_of(place.contact).post(
        f"/households/{place.first.pk}/visit/",
        {
            "visited_on": clock.today().isoformat(),
            "way": "PHONE",
            "finding": "漏水",
            "to_case": "1",
        },
    )
    assert response.status_code == 400
    assert "请选择诉求事项" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_logged_finding_becomes_a_case_on_its_own_page(place: Place) -> None:
    visit = services.log_visit(
        household=place.first,
        by=place.contact,
        visited_on=clock.today(),
        way=Way.PHONE,
        finding="楼道灯坏了",
    )
    client = client_of(place.contact)
    url = f"/households/visits/{visit.pk}/case/"
    assert "转为工单并派单" in client.get(url).content.decode()
    assert client_of(place.neighbour).get(url).status_code == 404
    response = client.post(url, {"type": "complaint", "subject": "city-garbage"})
    assert response.status_code == 302
    assert Case.objects.count() == 1
    client.post(url, {"type": "complaint", "subject": "city-garbage"})
    assert Case.objects.count() == 1


def test_the_grid_page_shows_overdue_households(place: Place, settings: object) -> None:
    settings.JICENG_HOUSEHOLD_VISIT_DAYS = 30  # type: ignore[attr-defined]
    services.log_visit(
        household=place.second, by=place.worker, visited_on=clock.today(), way=Way.PHONE
    )
    client = client_of(place.worker)
    grid_url = f"/households/grids/{place.first.grid_id}/"
    assert client.get("/households/grids/").status_code == 302  # one grid: straight to it
    overdue = client.get(grid_url + "?overdue=1").content.decode()
    assert "学海路8号3栋301" in overdue and "学海路8号3栋302" not in overdue
    assert "超过30天未走访（1）" in overdue
    assert "登记住户" not in overdue  # the worker does not keep the community's list


def test_the_workbench_shows_the_overdue_households(place: Place) -> None:
    for user in (place.contact, place.worker):
        page = client_of(user).get("/").content.decode()
        assert "学海路8号3栋301" in page, user
    services.log_visit(
        household=place.first, by=place.contact, visited_on=clock.today(), way=Way.PHONE
    )
    assert "学海路8号3栋301" not in client_of(place.worker).get("/").content.decode()


def test_the_community_adds_a_household_and_assigns_a_contact(place: Place) -> None:
    client = client_of(place.community)
    response = client.post(
        f"/households/grids/{place.first.grid_id}/add/",
        {"address": "学海路8号3栋303", "resident_name": "王芳", "phone": "13800001111"},
    )
    assert response.status_code == 302
    household_id = int(response["Location"].rstrip("/").split("/")[-2])
    assign_url = f"/households/{household_id}/assign/"
    assert "赵敏（0 户）" in client.get(assign_url).content.decode()
    assert place.neighbour.member is not None
    client.post(assign_url, {"member": place.neighbour.member_id})
    assert HouseholdContact.objects.filter(household_id=household_id).count() == 1
    refused = client.post(
        f"/households/{place.first.pk}/assign/", {"member": place.neighbour.member_id}
    )
    assert refused.status_code == 400
    assert "每户只能有一名联系党员" in refused.content.decode()


def test_bad_household_input_is_not_echoed(place: Place) -> None:
    response = client_of(place.community).post(
        f"/households/grids/{place.first.grid_id}/add/",
        {"address": "", "resident_name": "王芳", "phone": "1380000111"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "请填写住址" in text and "1380000111" not in text


def test_the_api_has_the_same_rules(place: Place) -> None:
    member = client_of(place.contact)
    mine = member.get("/api/v1/households/mine").json()
    assert [h["address"] for h in mine] == ["学海路8号3栋301"]
    assert mine[0]["resident_name"] == "张**" and mine[0]["overdue"] is True
    created = member.post(
        f"/api/v1/households/{place.first.pk}/visits",
        {
            "visited_on": clock.today().isoformat(),
            "way": "IN_PERSON",
            "finding": "楼下垃圾堆放",
            "case_type": "complaint",
            "subject": "city-garbage",
        },
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["case_number"]
    future = member.post(
        f"/api/v1/households/{place.first.pk}/visits",
        {"visited_on": (clock.today() + dt.timedelta(days=1)).isoformat(), "way": "PHONE"},
        content_type="application/json",
    )
    assert future.status_code == 400 and "visited_on" in future.json()["fields"]
    assert member.get(f"/api/v1/households/{place.second.pk}").status_code == 404
    resident = member.post(f"/api/v1/households/{place.first.pk}/resident").json()
    assert resident["phone"] == RESIDENT_PHONE
    community = client_of(place.community)
    assert community.post(f"/api/v1/households/{place.first.pk}/resident").status_code == 404
    second = community.post(
        f"/api/v1/households/{place.first.pk}/contacts",
        {"member_id": place.neighbour.member_id},
        content_type="application/json",
    )
    assert second.status_code == 400 and "每户只能有一名联系党员" in second.json()["detail"]
    assert (
        member.post(
            f"/api/v1/households/{place.first.pk}/contacts",
            {"member_id": place.neighbour.member_id},
            content_type="application/json",
        ).status_code
        == 403
    )
    page = client_of(place.worker).get(f"/api/v1/households/grids/{place.first.grid_id}").json()
    assert page["count"] == 2 and all("*" in h["resident_name"] for h in page["items"])


def test_no_page_or_answer_but_the_reveal_shows_the_resident(place: Place) -> None:
    g, h = place.first.grid_id, place.first.pk
    routes = [
        "/",
        "/households/",
        f"/households/{h}/",
        f"/households/{h}/visit/",
        f"/households/{h}/assign/",
        f"/households/grids/{g}/",
        f"/households/grids/{g}/?overdue=1",
        "/api/v1/households/mine",
        f"/api/v1/households/{h}",
        f"/api/v1/households/grids/{g}",
    ]
    seen = 0
    for user in (place.contact, place.worker, place.community):
        client = client_of(user)
        for route in routes:
            response = client.get(route)
            text = response.content.decode()
            assert RESIDENT_NAME not in text and RESIDENT_PHONE not in text, (user, route)
            seen += "学海路8号3栋301" in text
    assert seen >= 12  # the household was on the pages read
