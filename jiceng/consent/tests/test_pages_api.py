"""The pages and the API through Django's test client: who opens what, the community's forms,
the owner's code page, the reveal (audited), the frozen round."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.consent.models import ConsentAnswer, ConsentProject, ConsentRound
from jiceng.core import clock
from jiceng.core.models import AuditRecord

from .conftest import DEADLINE

pytestmark = pytest.mark.usefixtures("frozen")


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_who_opens_the_project_page(
    project: ConsentProject,
    wenyuan_official: User,
    division_official: User,
    yaohua_street_official: User,
    secretary: User,
) -> None:
    url = f"/consent/{project.pk}/"
    assert Client().get(url).status_code == 302  # to the sign-in
    assert client_of(secretary).get(url).status_code == 403  # no such role
    assert client_of(yaohua_street_official).get(url).status_code == 404  # another street
    assert client_of(division_official).get(url).status_code == 200  # the street
    page = client_of(wenyuan_official).get(url)
    assert page.status_code == 200 and "文苑小区3栋2单元加装电梯" in page.content.decode()
    assert "13800000101" not in page.content.decode()  # owners masked
    assert "赵*" in page.content.decode()


def test_the_community_registers_a_project_beside_its_errors(
    wenyuan_official: User, community: object
) -> None:
    client = client_of(wenyuan_official)
    refused = client.post("/consent/", {"community": "320113007001", "kind": "LIFT", "name": ""})
    assert "请填写名称" in refused.content.decode() and not ConsentProject.objects.exists()
    done = client.post(
        "/consent/",
        {"community": "320113007001", "kind": "LIFT", "name": "5栋加装电梯", "building": "5栋"},
    )
    assert done.status_code == 302 and ConsentProject.objects.get().name == "5栋加装电梯"


def test_a_second_paper_answer_is_refused_on_the_page(
    round_: ConsentRound, wenyuan_official: User
) -> None:
    client = client_of(wenyuan_official)
    owner = round_.project.owners.order_by("pk").first()
    assert owner is not None
    url = f"/consent/{round_.project_id}/?action=paper"
    client.post(url, {"owner": owner.pk, "choice": "AGREE", "light": "1"})
    page = client.post(url, {"owner": owner.pk, "choice": "DISAGREE"}, follow=True)
    assert "每位业主每轮只能表达一次" in page.content.decode()
    answer = ConsentAnswer.objects.get()
    assert answer.choice == "AGREE" and answer.objections == ["采光"]


def test_the_owner_answers_on_their_phone_with_the_code(
    round_: ConsentRound, send_code: Callable[..., str]
) -> None:
    owner = round_.project.owners.order_by("pk").first()
    assert owner is not None
    code = send_code(round_=round_, owner=owner, by=None)
    url = f"/consent/answer/{round_.public_key}/"
    client = Client()
    assert "短信验证码" in client.get(url).content.decode()
    wrong = client.post(url, {"code": "00000000" if code != "00000000" else "11111111"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    units = client.post(url, {"code": code})
    assert "101室（88.50㎡）" in units.content.decode()
    done = client.post(f"{url}?action=answer", {"code": code, "choice": "AGREE", "noise": "1"})
    assert "已记录" in done.content.decode()
    again = client.post(f"{url}?action=answer", {"code": code, "choice": "DISAGREE"})
    assert again.status_code == 400
    assert ConsentAnswer.objects.get().objections == ["噪音"]


def test_an_unknown_round_key_says_so(db: None) -> None:
    page = Client().get("/consent/answer/nope/")
    assert page.status_code == 404 and "没有这项意见征询" in page.content.decode()


def test_revealing_an_owner_is_audited(project: ConsentProject, wenyuan_official: User) -> None:
    owner = project.owners.order_by("pk").first()
    assert owner is not None
    page = client_of(wenyuan_official).post(f"/consent/owner/{owner.pk}/reveal/")
    assert "13800000101" in page.content.decode() and "赵建华" in page.content.decode()
    assert AuditRecord.objects.filter(action="consent.reveal_owner").count() == 1


def test_the_api_takes_a_paper_answer_once_and_shows_the_frozen_count(
    round_: ConsentRound, wenyuan_official: User
) -> None:
    client = client_of(wenyuan_official)
    owner = round_.project.owners.order_by("pk").first()
    assert owner is not None
    url = f"/api/v1/consent/rounds/{round_.pk}/answers"
    body = json.dumps({"owner_id": owner.pk, "choice": "AGREE"})
    first = client.post(url, body, content_type="application/json")
    assert first.status_code == 201 and first.json()["count"]["participating_owners"] == 1
    second = client.post(url, body, content_type="application/json")
    assert second.status_code == 409 and "只能表达一次" in second.json()["detail"]
    with clock.frozen(DEADLINE + dt.timedelta(minutes=5)):
        client = client_of(wenyuan_official)  # a new session: the old one is long idle
        frozen = client.get(f"/api/v1/consent/rounds/{round_.pk}").json()
        late = client.post(url, body, content_type="application/json")
    assert frozen["frozen_at"] is not None and frozen["count"]["is_met"] is False
    assert frozen["count"]["checks"][1]["have"] == "1/11"
    assert late.status_code == 409 and "截止" in late.json()["detail"]
    assert client_of(User.objects.create_user("x")).get(url.rsplit("/", 1)[0]).status_code == 403


def test_a_round_changed_on_the_page_after_its_deadline_is_refused(
    round_: ConsentRound, wenyuan_official: User
) -> None:
    with clock.frozen(DEADLINE + dt.timedelta(hours=1)):
        page = client_of(wenyuan_official).post(
            f"/consent/{round_.project_id}/?action=deadline",
            {"deadline": "2026-07-30T18:00"},
            follow=True,
        )
    assert "本轮征询已于2026-06-24 09:00截止，结果已固定" in page.content.decode()
    round_.refresh_from_db()
    assert round_.deadline == DEADLINE and round_.is_frozen
