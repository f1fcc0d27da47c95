"""Pages and API through Django's test client: who sees what, the distribution only for
groups of ten or more, awards through the page, and no ranking of named members anywhere."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.members.models import Member
from jiceng.orglife.attendance import check_in
from jiceng.orglife.checkin_codes import checkin_token
from jiceng.orglife.models import Meeting
from jiceng.points.models import PointsEntry, PointsRule, SourceKind
from jiceng.points.posting import db_datetime, insert_entries
from jiceng.testing.orglife_personas import DURING, Branch
from jiceng.testing.personas import Tree, add_member

NOW = dt.datetime(2025, 11, 20, 10, 0, tzinfo=clock.CHINA)
# Names in one order, points in another: a page listing by points would betray itself.
GROUP = [(f"党员{i:02d}", (i * 7) % 13 * 3) for i in range(1, 13)]


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def give(member: Member, points: int, source_id: int) -> None:
    at = db_datetime(NOW)
    insert_entries(
        [  # one row of the ledger, in posting.COLUMNS order
            (member.pk, member.organization_id, 2025, 202511, at, SourceKind.AWARD, *row)
            for row in [(source_id, False, points, "测试", None, at)]
        ]
    )


@pytest.fixture
def group(tree: Tree, orglife_branch: Branch) -> list[Member]:
    members = [add_member(tree.branch, name=name) for name, _ in GROUP]
    for i, (member, (_, points)) in enumerate(zip(members, GROUP, strict=True)):
        give(member, points, 10_000 + i)
    return members


def names_in(text: str) -> list[str]:
    return re.findall(r"党员\d\d", text)


def test_member_sees_own_points_and_the_group_distribution(
    tree: Tree, theme_day: Meeting, orglife_branch: Branch, group: list[Member]
):
    with clock.frozen(DURING):
        check_in(token=checkin_token(theme_day), by=orglife_branch.chen)
    with clock.frozen(NOW):
        page = client_of(orglife_branch.chen).get("/points/?year=2025")
    text = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'class="points-total">2<', text)
    assert "参加组织生活" in text and "本支部积分分布" in text
    data = json.loads(re.search(r'id="points-data"[^>]*>(.*?)</script>', text, re.S)[1])  # type: ignore[index]
    assert sum(data["counts"]) == 14  # the 12, 陈晓 and 赵磊 (no points: in the lowest band)
    assert data["mine"] == 0
    assert not names_in(text)  # nobody else's name on a member's own page


def test_the_workbench_says_why_an_entry_counted_nothing(orglife_branch: Branch) -> None:
    chen, at = orglife_branch.chen, db_datetime(NOW)
    member = Member.objects.get(pk=chen.member_id or 0)
    insert_entries(
        [
            (member.pk, member.organization_id, 2025, 202511, at, SourceKind.ATTENDANCE, *row)
            for row in [(1, False, 2, "", None, at), (2, False, 0, "已达本周期计分上限", None, at)]
        ]
    )
    with clock.frozen(NOW):
        home = client_of(chen).get("/").content.decode()
    assert home.count('参加组织生活 +2</a><span class="todo-note">11-20</span>') == 1
    assert '参加组织生活 +0</a><span class="todo-note">11-20 · 已达本周期计分上限</span>' in home


def test_small_branch_shows_no_distribution(tree: Tree, theme_day: Meeting, orglife_branch: Branch):
    with clock.frozen(DURING):
        check_in(token=checkin_token(theme_day), by=orglife_branch.chen)
    with clock.frozen(NOW):
        text = client_of(orglife_branch.chen).get("/points/?year=2025").content.decode()
    assert "党员不足10名，不显示分布" in text and "points-data" not in text


def test_secretary_sees_branch_totals_and_roster_by_name(
    tree: Tree, orglife_branch: Branch, group: list[Member]
):
    with clock.frozen(NOW):
        page = client_of(orglife_branch.secretary).get(f"/points/org/{tree.branch.pk}/?year=2025")
        member = client_of(orglife_branch.secretary).get(f"/points/member/{group[0].pk}/?year=2025")
    text = page.content.decode()
    assert page.status_code == 200
    assert f"<strong>{sum(p for _, p in GROUP)}</strong>" in text
    assert names_in(text) == sorted(name for name, _ in GROUP)
    assert member.status_code == 200 and "表彰奖励积分" in member.content.decode()


@pytest.mark.parametrize("who", ["chen", "secretary", "street", "district"])
def test_no_page_lists_named_members_ordered_by_points(
    tree: Tree,
    orglife_branch: Branch,
    group: list[Member],
    street_official: User,
    district_department: User,
    who: str,
):
    user = {
        "chen": orglife_branch.chen,
        "secretary": orglife_branch.secretary,
        "street": street_official,
        "district": district_department,
    }[who]
    client = client_of(user)
    by_points = [name for name, _ in sorted(GROUP, key=lambda g: -g[1])]
    urls = ["/points/?year=2025", "/api/v1/points/me?year=2025"]
    for org in (tree.branch, tree.community, tree.xianlin, tree.district):
        urls += [
            f"/points/org/{org.pk}/?year=2025",
            f"/api/v1/points/organizations/{org.pk}/distribution?year=2025",
        ]
    seen = 0
    with clock.frozen(NOW):
        for url in urls:
            response = client.get(url, follow=True)
            if response.status_code != 200:
                continue
            seen += 1
            names = names_in(response.content.decode())
            assert len(names) < 2 or names == sorted(names), url  # by name, if at all
            assert names != by_points[: len(names)] or len(names) < 2, url
    assert seen >= 2


def test_authorization_of_a_members_points(
    tree: Tree,
    orglife_branch: Branch,
    sibling_secretary: User,
    other_member: User,
    street_official: User,
    yaohua_official: User,
):
    chen = orglife_branch.chen.member_id
    expected = {
        orglife_branch.chen: 200,
        orglife_branch.secretary: 200,
        street_official: 200,
        sibling_secretary: 404,
        other_member: 404,
        yaohua_official: 404,
    }
    for user, status in expected.items():
        client = client_of(user)
        assert client.get(f"/points/member/{chen}/").status_code == status, user
        assert client.get(f"/api/v1/points/members/{chen}").status_code == status, user
    assert Client().get(f"/api/v1/points/members/{chen}").status_code == 401
    assert client_of(other_member).get(f"/points/org/{tree.branch.pk}/").status_code == 403
    assert client_of(yaohua_official).get(f"/points/org/{tree.branch.pk}/").status_code == 404


def test_award_through_the_page_and_refused_without_evidence(
    tree: Tree, orglife_branch: Branch, media_root: Path
):
    chen = orglife_branch.chen.member_id
    client = client_of(orglife_branch.secretary)
    url = f"/points/member/{chen}/award/"
    refused = client.post(url, {"points": "5", "reason": "表彰"}, follow=True)
    assert "请上传证明材料" in refused.content.decode()
    exe = SimpleUploadedFile("表彰.pdf", b"MZ" + b"\x00" * 40)
    refused = client.post(url, {"points": "5", "reason": "表彰", "evidence": exe}, follow=True)
    assert "只能是PDF" in refused.content.decode()
    assert not PointsEntry.objects.exists()
    proof = SimpleUploadedFile("表彰.pdf", b"%PDF-1.4\n" + b"0" * 40)
    done = client.post(url, {"points": "5", "reason": "社区抗疫", "evidence": proof}, follow=True)
    assert "已记入表彰积分" in done.content.decode()
    entry = PointsEntry.objects.get()
    assert entry.points == 5 and entry.created_by == orglife_branch.secretary
    member_page = client_of(orglife_branch.chen).get("/points/").content.decode()
    assert "社区抗疫" in member_page and "表彰奖励积分" not in member_page  # no self-award
    api = client.post(
        f"/api/v1/points/entries/{entry.pk}/reverse",
        {"reason": "重复"},
        content_type="application/json",
    )
    assert api.status_code == 201 and api.json()["points"] == -5
    again = client.post(
        f"/api/v1/points/entries/{entry.pk}/reverse",
        {"reason": "重复"},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_api_ledger_distribution_and_rules(
    tree: Tree, orglife_branch: Branch, group: list[Member], street_official: User
):
    client = client_of(street_official)
    with clock.frozen(NOW):
        data = client.get(
            f"/api/v1/points/organizations/{tree.xianlin.pk}/distribution?year=2025"
        ).json()
        assert data["total"] == sum(p for _, p in GROUP) and sum(data["counts"]) == 14
        assert (data["members"], data["scored"]) == (14, 12)
        assert data["by_kind"][SourceKind.AWARD.label] == data["total"]
        assert "name" not in json.dumps(data)
        mine = client_of(orglife_branch.chen).get("/api/v1/points/me").json()
        assert mine["balance"] == 0 and mine["entries"] == []
        negative = client.post(
            "/api/v1/points/rules",
            {
                "organization_id": tree.xianlin.pk,
                "kind": "ATTENDANCE",
                "valid_from": "2025-12-01",
                "points": 3,
                "cap": -1,
            },
            content_type="application/json",
        )
        assert negative.status_code == 400 and "不能为负数" in negative.json()["detail"]
        made = client.post(
            "/api/v1/points/rules",
            {
                "organization_id": tree.xianlin.pk,
                "kind": "ATTENDANCE",
                "valid_from": "2025-12-01",
                "points": 3,
                "cap": 12,
            },
            content_type="application/json",
        )
        assert made.status_code == 201
    with clock.frozen(dt.datetime(2025, 12, 2, tzinfo=clock.CHINA)):
        fresh = client_of(street_official)  # a new session: the frozen clock moved on
        rules = fresh.get(f"/api/v1/points/organizations/{tree.branch.pk}/rules").json()
    attendance = next(r for r in rules if r["kind"] == "ATTENDANCE")
    assert attendance["points"] == 3 and attendance["cap"] == 12
    denied = client_of(orglife_branch.secretary).post(
        "/api/v1/points/rules",
        {
            "organization_id": tree.branch.pk,
            "kind": "ATTENDANCE",
            "valid_from": "2030-01-01",
            "points": 1,
        },
        content_type="application/json",
    )
    assert denied.status_code == 403


def test_department_sets_a_rule_through_the_page(tree: Tree, district_department: User):
    client = client_of(district_department)
    with clock.frozen(NOW):
        overview = client.get(f"/points/org/{tree.district.pk}/").content.decode()
        assert f"/points/org/{tree.district.pk}/rules/" in overview
        page = client.get(f"/points/org/{tree.district.pk}/rules/").content.decode()
        assert "全国默认" in page and "积分规则" in page
        done = client.post(
            f"/points/org/{tree.district.pk}/rules/",
            {
                "kind": SourceKind.ATTENDANCE,
                "points": "3",
                "cap": "12",
                "cap_period": "YEAR",
                "exempt_retired": "on",
                "valid_from": "2025-11-20",
            },
        )
        assert done.status_code == 302
        rule = PointsRule.objects.get(organization=tree.district)
        assert (rule.points, rule.cap, rule.exempt_retired, rule.exempt_lost_contact) == (
            3,
            12,
            True,
            False,
        )
        assert rule.created_by == district_department
        # the branch below has the district's rule in force from its first day
        below = client.get(f"/points/org/{tree.branch.pk}/rules/").content.decode()
    assert tree.district.name in below and "每年12次" in below


@pytest.mark.parametrize(
    ("cap", "valid_from", "field", "message"),
    [
        ("-1", "2025-12-01", "cap", "计分次数上限不能为负数"),
        ("两次", "2025-12-01", "cap", "计分次数上限应为整数"),
        ("5", "2025-11-01", "valid_from", "起用日期不能早于今天"),
        ("5", "十二月", "valid_from", "起用日期格式应为"),
    ],
)
def test_rule_form_refuses_bad_input_in_chinese_and_writes_nothing(
    tree: Tree, district_department: User, cap: str, valid_from: str, field: str, message: str
):
    with clock.frozen(NOW):
        page = client_of(district_department).post(
            f"/points/org/{tree.district.pk}/rules/",
            {
                "kind": SourceKind.ATTENDANCE,
                "points": "2",
                "cap": cap,
                "cap_period": "YEAR",
                "valid_from": valid_from,
            },
        )
    text = page.content.decode()
    assert page.status_code == 200
    # the message beside its field: the invalid field is the one named
    invalid = re.search(
        r'<(?:div|fieldset) class="field invalid">(.*?)</(?:div|fieldset)>', text, re.S
    )
    assert invalid is not None and f'name="{field}"' in invalid[1] and message in invalid[1]
    assert not PointsRule.objects.exists()


def test_rules_link_and_page_only_for_those_who_may_set_rules(
    tree: Tree, orglife_branch: Branch, district_department: User
):
    secretary = client_of(orglife_branch.secretary)
    with clock.frozen(NOW):
        branch_page = secretary.get(f"/points/org/{tree.branch.pk}/").content.decode()
        assert "/rules/" not in branch_page
        assert secretary.get(f"/points/org/{tree.branch.pk}/rules/").status_code in (403, 404)
        # a department only for its own subtree
        other = client_of(district_department).get(f"/points/org/{tree.province.pk}/rules/")
    assert other.status_code == 404
