"""The pages and the API through Django's test client: the member reports and signs up,
the community confirms, the hours reach the points, the branch reads the feedback; who opens
what (anonymous, the wrong role, the wrong community)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.points.models import PointsEntry, SourceKind
from jiceng.reporting import services, views
from jiceng.reporting.models import CommunityReport, Rating, ReportStatus, ServiceRecord, SignUp
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import Tree, add_member

from .conftest import HOME, NOW, WENYUAN, Reported

pytestmark = pytest.mark.django_db


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_member_reports_on_the_page_and_the_community_confirms_it(
    frozen: None, grids: Grids, member_user: User, wenyuan_official: User
) -> None:
    member = client_of(member_user)
    page = member.get("/reporting/").content.decode()
    assert "到居住社区报到" in page
    refused = member.post("/reporting/", {"address": "火星大道1号"}).content.decode()
    assert "无法从该地址确定所在社区，请写明街道、社区名称和门牌号" in refused
    assert not CommunityReport.objects.exists()
    done = member.post("/reporting/", {"address": HOME}, follow=True).content.decode()
    assert "已向文苑社区报到，待社区确认" in done
    community = client_of(wenyuan_official)
    listed = community.get("/reporting/community/", follow=True).content.decode()
    assert "待确认的报到（1）" in listed and "陈晓" in listed
    report = CommunityReport.objects.get()
    community.post(f"/reporting/community/{WENYUAN}/?action=confirm", {"report": report.pk})
    report.refresh_from_db()
    assert report.status == ReportStatus.CONFIRMED
    assert "需求清单" in member.get("/reporting/").content.decode()


def test_a_need_signed_up_and_confirmed_on_the_pages_reaches_the_points(
    reported: Reported, member_user: User, wenyuan_official: User
) -> None:
    member = client_of(member_user)
    member.post(f"/reporting/sign-up/need/{reported.need.pk}/")
    assert SignUp.objects.filter(need=reported.need).count() == 1
    community = client_of(wenyuan_official)
    url = f"/reporting/community/{WENYUAN}/need/{reported.need.pk}/"
    bad = community.post(
        url + "?action=hours",
        {"member": member_user.member_id, "served_on": "2026-05-19", "hours": "20"},
    ).content.decode()
    assert "应在0.5到12小时之间" in bad
    community.post(
        url + "?action=hours",
        {"member": member_user.member_id, "served_on": "2026-05-20", "hours": "2"},
    )
    entry = PointsEntry.objects.get(source_kind=SourceKind.SERVICE_HOURS)
    assert entry.points == 2 and entry.member_id == member_user.member_id
    mine = member.get("/reporting/").content.decode()
    assert "陪伴独居老人" in mine and "已确认2小时" in mine
    points = member.get("/points/").content.decode()
    assert "社区确认的服务时长" in points


def test_the_branch_reads_the_communitys_feedback(
    reported: Reported, wenyuan_official: User, secretary: User, sibling_secretary: User
) -> None:
    community = client_of(wenyuan_official)
    page = community.get(f"/reporting/community/{WENYUAN}/feedback/?half=20261").content.decode()
    assert "陈晓" in page and "本半年参加0次" in page
    community.post(
        f"/reporting/community/{WENYUAN}/feedback/?half=20261",
        {"report": reported.report.pk, "rating": Rating.EXCELLENT, "comment": "热心"},
    )
    branch = client_of(secretary).get("/reporting/branch/?half=20261").content.decode()
    assert "陈晓" in branch and "优秀" in branch and "热心" in branch
    other = client_of(sibling_secretary).get("/reporting/branch/?half=20261").content.decode()
    assert "热心" not in other


def test_who_opens_what(
    reported: Reported,
    member_user: User,
    other_member: User,
    wenyuan_official: User,
    yaohua_community_official: User,
    secretary: User,
) -> None:
    assert Client().get("/reporting/").status_code == 302
    assert Client().get("/api/v1/reporting/me").status_code == 401
    community_url = f"/reporting/community/{WENYUAN}/"
    assert client_of(member_user).get(community_url).status_code == 403
    assert client_of(yaohua_community_official).get(community_url).status_code == 404
    assert client_of(wenyuan_official).get(community_url).status_code == 200
    assert client_of(secretary).get("/reporting/").status_code == 403
    # a member reported elsewhere cannot sign up for 文苑社区's need
    assert (
        client_of(other_member)
        .post(f"/api/v1/reporting/needs/{reported.need.pk}/signups")
        .status_code
        == 404
    )
    assert (
        client_of(member_user).get(f"/api/v1/reporting/communities/{WENYUAN}/reports").status_code
        == 403
    )


def test_the_api_walks_the_same_flow(
    frozen: None, grids: Grids, member_user: User, wenyuan_official: User, secretary: User
) -> None:
    member = client_of(member_user)
    refused = post_json(member, "/api/v1/reporting/me/report", {"address": "火星大道1号"})
    assert refused.status_code == 400 and "address" in refused.json()["fields"]
    made = post_json(member, "/api/v1/reporting/me/report", {"address": HOME})
    assert made.status_code == 201 and made.json()["community_code"] == WENYUAN
    community = client_of(wenyuan_official)
    pending = community.get(f"/api/v1/reporting/communities/{WENYUAN}/reports?status=PENDING")
    assert [r["member_name"] for r in pending.json()] == ["陈晓"]
    decided = post_json(
        community, f"/api/v1/reporting/reports/{made.json()['id']}/decision", {"accept": True}
    )
    assert decided.json()["status"] == "CONFIRMED"
    bad_need = post_json(
        community, f"/api/v1/reporting/communities/{WENYUAN}/needs", {"title": "", "places": 0}
    )
    assert bad_need.status_code == 400 and set(bad_need.json()["fields"]) == {"title", "places"}
    need = post_json(
        community, f"/api/v1/reporting/communities/{WENYUAN}/needs", {"title": "助老", "places": 3}
    ).json()
    hours = {"member_id": member_user.member_id, "served_on": "2026-05-20", "hours": "2"}
    not_signed = post_json(community, f"/api/v1/reporting/needs/{need['id']}/hours", hours)
    assert not_signed.status_code == 400
    assert not_signed.json()["detail"] == "陈晓未报名此需求，不能确认服务时长"
    assert post_json(member, f"/api/v1/reporting/needs/{need['id']}/signups", {}).status_code == 201
    record = post_json(community, f"/api/v1/reporting/needs/{need['id']}/hours", hours)
    assert record.status_code == 201
    assert member.get("/api/v1/reporting/me").json()["hours"] in ("2", "2.0")
    revoked = post_json(
        community,
        f"/api/v1/reporting/service-records/{record.json()['id']}/revoke",
        {"reason": "重复录入"},
    )
    assert revoked.status_code == 200
    assert sum(PointsEntry.objects.values_list("points", flat=True)) == 0
    assert ServiceRecord.objects.count() == 1
    feedback = post_json(
        community,
        f"/api/v1/reporting/reports/{made.json()['id']}/feedback",
        {"half": 20261, "rating": "GOOD"},
    )
    assert feedback.status_code == 201
    assert [
        f["member_name"] for f in client_of(secretary).get("/api/v1/reporting/feedback").json()
    ] == ["陈晓"]


def test_the_organization_page_reports_with_the_agreement(
    frozen: None, grids: Grids, tree: Any, secretary: User
) -> None:
    client = client_of(secretary)
    url = f"/reporting/organization/{tree.branch.pk}/"
    refused = client.post(url, {"offers": "", "signed_on": ""}).content.decode()
    assert "请至少填写一项可提供的资源" in refused and "请填写共建协议签订日期" in refused
    client.post(url, {"offers": "会议室\n志愿讲解", "signed_on": "2026-05-01"})
    page = client.get(url).content.decode()
    assert "会议室、志愿讲解" in page and "待社区确认" in page
    assert client.get(f"/reporting/organization/{tree.sibling.pk}/").status_code == 404


def test_the_list_below_the_rule_is_cut_and_says_how_many(
    grids: Grids,
    tree: Tree,
    member_user: User,
    wenyuan_official: User,
    secretary: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert member_user.member is not None
    other = add_member(tree.branch, name="王芳")
    with clock.frozen(dt.datetime(2025, 12, 1, 9, tzinfo=clock.CHINA)):
        for member in (member_user.member, other):
            report = services.report_member(member=member, address=HOME, by=member_user)
            services.decide_report(report=report, accept=True, by=wenyuan_official)
    monkeypatch.setattr(views, "BELOW_SHOWN", 1)
    with clock.frozen(NOW):
        page = client_of(secretary).get("/reporting/branch/").content.decode()
    below = page[page.index('id="below"') :]
    assert "共2名，这里列出前1名" in below
    assert ("陈晓" in below) + ("王芳" in below) == 1
    assert below.count("第1季度参加活动少于1次") == 1
