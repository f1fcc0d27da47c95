"""The pages and the API through Django's test client: the detected list with its reasons,
the rectification page's forms, the organization page's block, who opens what."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.rectification import detection
from jiceng.rectification.models import DetectionRule, Rectification, Status
from jiceng.testing.personas import Tree

from .conftest import committee, seat_secretary

pytestmark = pytest.mark.usefixtures("frozen")


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def vacant(young_tree: Tree) -> Tree:
    committee(young_tree.branch, start=dt.date(2025, 12, 1))
    detection.detect_month(202605)
    return young_tree


def test_the_department_confirms_plans_records_and_is_refused_acceptance(
    vacant: Tree, street_official: User
) -> None:
    client = client_of(street_official)
    page = client.get("/rectification/").content.decode()
    assert "2026年5月研判出 <strong>1</strong> 个党组织" in page
    assert "文苑社区第一党支部" in page and "书记职位空缺超过3个月（自2025年12月起）" in page
    done = client.post(f"/rectification/org/{vacant.branch.pk}/confirm/")
    r = Rectification.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/rectification/{r.pk}/"
    refused = client.post(f"/rectification/{r.pk}/?action=plan", {"plan": "选配书记"})
    text = refused.content.decode()
    assert refused.status_code == 200
    assert '<p class="errors">请选择包联领导</p>' in text
    assert '<p class="errors">请填写整改措施</p>' in text
    planned = client.post(
        f"/rectification/{r.pk}/?action=plan",
        {"leader": street_official.pk, "plan": "选配书记", "measures": "每月督导"},
    )
    assert planned.status_code == 302
    client.post(f"/rectification/{r.pk}/?action=progress", {"text": "已谈话三名人选"})
    accept = client.post(f"/rectification/{r.pk}/?action=accept", follow=True).content.decode()
    assert "不能销号：以下问题仍然存在——书记职位空缺超过3个月" in accept
    assert "已谈话三名人选" in accept
    seat_secretary(vacant.branch.committees.get())
    client.post(f"/rectification/{r.pk}/?action=accept")
    r.refresh_from_db()
    assert r.status == Status.ACCEPTED


def test_the_organization_page_shows_the_reasons(vacant: Tree, street_official: User) -> None:
    page = client_of(street_official).get(f"/orgs/{vacant.branch.pk}/").content.decode()
    assert "软弱涣散整顿" in page and "书记职位空缺超过3个月" in page
    assert "确定为整顿对象" in page
    quiet = client_of(street_official).get(f"/orgs/{vacant.sibling.pk}/").content.decode()
    assert "软弱涣散整顿" not in quiet


def test_the_secretary_sees_the_rectification_but_not_the_list(
    vacant: Tree, street_official: User, secretary: User, sibling_secretary: User
) -> None:
    client_of(street_official).post(f"/rectification/org/{vacant.branch.pk}/confirm/")
    r = Rectification.objects.get()
    assert client_of(secretary).get("/rectification/").status_code == 403
    page = client_of(secretary).get(f"/rectification/{r.pk}/").content.decode()
    assert "书记职位空缺" in page and "保存整顿方案" not in page and "申请销号" not in page
    assert client_of(sibling_secretary).get(f"/rectification/{r.pk}/").status_code == 404
    assert "本组织整顿" in client_of(secretary).get("/").content.decode()
    board = client_of(street_official).get("/").content.decode()
    assert "软弱涣散党组织整顿" in board and f"/rectification/{r.pk}/" in board
    # the organization page's confirm button is gone once confirmed
    shown = client_of(street_official).get(f"/orgs/{vacant.branch.pk}/").content.decode()
    assert "确定为整顿对象" not in shown and "已确定，待制定方案" in shown


def test_another_street_neither_lists_nor_confirms(vacant: Tree, yaohua_official: User) -> None:
    client = client_of(yaohua_official)
    assert "文苑社区第一党支部" not in client.get("/rectification/").content.decode()
    assert client.post(f"/rectification/org/{vacant.branch.pk}/confirm/").status_code == 404
    assert not Rectification.objects.exists()


def post_json(client: Client, url: str, body: object) -> tuple[int, Any]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_the_api_walks_a_rectification(vacant: Tree, street_official: User) -> None:
    assert Client().get("/api/v1/rectification/detections").status_code == 401
    client = client_of(street_official)
    listed = client.get("/api/v1/rectification/detections").json()
    assert listed["month"] == 202605 and listed["count"] == 1
    assert listed["items"][0]["reasons"] == ["书记职位空缺超过3个月（自2025年12月起）"]
    status, r = post_json(
        client, "/api/v1/rectification/rectifications", {"organization_id": vacant.branch.pk}
    )
    assert status == 201 and r["status"] == "CONFIRMED"
    base = f"/api/v1/rectification/rectifications/{r['id']}"
    status, refused = post_json(
        client,
        f"{base}/plan",
        {"responsible_leader_id": street_official.pk, "plan": "方案", "measures": ""},
    )
    assert status == 400 and refused["fields"] == {"measures": "请填写整改措施"}
    status, _ = post_json(
        client,
        f"{base}/plan",
        {"responsible_leader_id": street_official.pk, "plan": "方案", "measures": "措施"},
    )
    assert status == 200
    status, progressed = post_json(client, f"{base}/progress", {"text": "六月进展"})
    assert status == 201 and progressed["progress"][0]["text"] == "六月进展"
    status, refused = post_json(client, f"{base}/accept", {})
    assert status == 400 and "书记职位空缺超过3个月" in str(refused["detail"])
    assert Rectification.objects.get().status == Status.RECTIFYING


def test_the_api_hides_rectifications_outside_the_scope(
    vacant: Tree, street_official: User, yaohua_official: User, secretary: User
) -> None:
    client_of(street_official).post(f"/rectification/org/{vacant.branch.pk}/confirm/")
    r = Rectification.objects.get()
    url = f"/api/v1/rectification/rectifications/{r.pk}"
    assert client_of(yaohua_official).get(url).status_code == 404
    assert client_of(secretary).get(url).status_code == 200
    assert client_of(secretary).get("/api/v1/rectification/detections").status_code == 403


def test_the_department_sets_a_detection_rule_through_the_page(
    vacant: Tree, street_official: User
) -> None:
    client = client_of(street_official)
    assert "/rectification/rules/" in client.get("/rectification/").content.decode()
    page = client.get("/rectification/rules/").content.decode()
    assert vacant.xianlin.name in page and "书记职位空缺超过3个月" in page and "全国默认" in page
    done = client.post(
        f"/rectification/rules/?org={vacant.community.pk}",
        {"kind": "SECRETARY_VACANT", "is_enabled": "on", "months": "9", "threshold": "0"},
    )
    assert done.status_code == 302
    rule = DetectionRule.objects.get()
    assert (rule.organization, rule.months, rule.reason) == (
        vacant.community,
        9,
        "书记职位空缺超过{months}个月",
    )
    below = client.get(f"/rectification/rules/?org={vacant.branch.pk}").content.decode()
    assert "书记职位空缺超过9个月" in below and vacant.community.name in below
    # vacant since December: about six months at May's detection, under the community's nine
    assert detection.detect_month(202605).organizations == 0
    assert vacant.branch.name not in client.get("/rectification/").content.decode()


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"months": "-1", "threshold": "0"}, "months", "月数应为不小于0的整数"),
        ({"months": "300", "threshold": "0"}, "months", "月数应在0到120之间"),
        ({"months": "3", "threshold": "150"}, "threshold", "比例应在0到100之间"),
        ({"months": "3", "threshold": "0", "reason": "空缺{天数}天"}, "reason", "占位符"),
    ],
)
def test_a_bad_detection_rule_is_refused_beside_its_field(
    vacant: Tree, street_official: User, form: dict[str, str], field: str, message: str
) -> None:
    page = client_of(street_official).post(
        "/rectification/rules/", {"kind": "SECRETARY_VACANT", "is_enabled": "on", **form}
    )
    text = page.content.decode()
    assert page.status_code == 200
    invalid = re.search(r'<div class="field invalid">(.*?)</div>', text, re.S)
    assert invalid is not None and f'name="{field}"' in invalid[1] and message in invalid[1]
    assert not DetectionRule.objects.exists()


def test_detection_rules_only_for_the_department_of_the_subtree(
    vacant: Tree, secretary: User, yaohua_official: User
) -> None:
    assert client_of(secretary).get("/rectification/rules/").status_code == 403
    other = client_of(yaohua_official)
    assert other.get(f"/rectification/rules/?org={vacant.branch.pk}").status_code == 404
    refused = other.post(
        f"/rectification/rules/?org={vacant.branch.pk}",
        {"kind": "SECRETARY_VACANT", "months": "9", "threshold": "0"},
    )
    assert refused.status_code == 404 and not DetectionRule.objects.exists()
