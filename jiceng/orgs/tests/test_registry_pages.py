"""Organizations on the pages: set up, edit, move, dissolve, record elections (换届, the
village or residents' committee), the complete terms-due list; the roles that follow an
election; scope (outside the subtree: 404) and roles (a member: 403)."""

import datetime as dt
import re

import pytest
from django.test import Client

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.core import audit, clock
from jiceng.core.errors import Forbidden, InvalidInput
from jiceng.core.models import AuditRecord
from jiceng.orgs import queries, rules, self_government, services, views
from jiceng.orgs.models import (
    Committee,
    Organization,
    OrgKind,
    Post,
    Sector,
    SelfGovernmentCommittee,
)
from jiceng.testing.personas import PASSWORD, Tree, add_member


@pytest.fixture
def signed_in(client: Client):
    def login(user) -> Client:
        client.force_login(user)
        return client

    return login


def account_for(member, username: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, member=member)


def roles_at(organization: Organization) -> set[tuple[str, str]]:
    return set(
        RoleAssignment.objects.filter(organization=organization).values_list(
            "user__username", "role"
        )
    )


# -- setting up, editing, moving, dissolving --------------------------------------------------


def test_department_sets_up_and_edits_a_branch(tree: Tree, street_official, signed_in) -> None:
    client = signed_in(street_official)
    page = client.get(f"/orgs/{tree.community.pk}/").content.decode()
    assert "新建下级党组织" in page and "修改信息" in page
    assert "委员会与换届" in page  # a grassroots 党委 records its committee here
    street = client.get(f"/orgs/{tree.xianlin.pk}/").content.decode()
    assert "委员会与换届" not in street and "尚未录入委员会" not in street  # a 党工委: not here
    form = client.get(f"/orgs/{tree.community.pk}/new/").content.decode()
    assert "党支部" in form and "党委" in form  # the kinds a 党委 may contain
    response = client.post(
        f"/orgs/{tree.community.pk}/new/",
        {"name": "文苑社区第三党支部", "kind": "BRANCH", "sector": "COMMUNITY"},
    )
    child = Organization.objects.get(name="文苑社区第三党支部")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{child.pk}/"
    assert child.division_id == tree.community.division_id
    refused = client.post(f"/orgs/{child.pk}/edit/", {"name": "文苑社区第一党支部"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "已有名为“文苑社区第一党支部”的党组织" in text
    edited = client.post(f"/orgs/{child.pk}/edit/", {"name": "文苑社区老年党支部", "sector": ""})
    assert edited.status_code == 302
    assert Organization.objects.get(pk=child.pk).name == "文苑社区老年党支部"


def test_a_future_founding_date_stands_beside_its_field(
    tree: Tree, street_official, signed_in
) -> None:
    response = signed_in(street_official).post(
        f"/orgs/{tree.branch.pk}/edit/", {"name": tree.branch.name, "founded_on": "2099-01-01"}
    )
    assert response.status_code == 400
    assert re.search(r'id="e-founded_on">成立日期不能晚于今天<', response.content.decode())


def test_moving_offers_only_parents_that_may_hold_it(
    tree: Tree, district_department, signed_in
) -> None:
    client = signed_in(district_department)
    page = client.get(f"/orgs/{tree.branch.pk}/move/").content.decode()
    assert tree.yaohua.name in page  # a 党工委 may hold a branch
    assert f'value="{tree.community.pk}"' not in page  # its present parent
    assert f'value="{tree.sibling.pk}"' not in page  # a branch holds no branch
    response = client.post(f"/orgs/{tree.branch.pk}/move/", {"new_parent": tree.yaohua.pk})
    assert response.status_code == 302
    moved = Organization.objects.get(pk=tree.branch.pk)
    assert moved.path.startswith(tree.yaohua.path)
    refused = client.post(f"/orgs/{tree.branch.pk}/move/", {"new_parent": ""})
    assert refused.status_code == 400 and "请选择新的上级党组织" in refused.content.decode()


def test_moving_outside_the_scope_is_not_found(tree: Tree, street_official, signed_in) -> None:
    client = signed_in(street_official)
    response = client.post(f"/orgs/{tree.branch.pk}/move/", {"new_parent": tree.yaohua.pk})
    assert response.status_code == 404
    assert Organization.objects.get(pk=tree.branch.pk).path == tree.branch.path


def test_dissolving_is_refused_in_chinese_while_members_remain(
    tree: Tree, street_official, signed_in
) -> None:
    add_member(tree.sibling, name="赵敏")
    client = signed_in(street_official)
    refused = client.post(f"/orgs/{tree.sibling.pk}/dissolve/", {"on": ""})
    assert refused.status_code == 400
    assert "还有1名党员，请先办理组织关系转接后再撤销" in refused.content.decode()
    refused = client.post(f"/orgs/{tree.community.pk}/dissolve/", {})
    assert "还有2个下级党组织" in refused.content.decode()
    empty = services.create_organization(
        parent=tree.community, name="文苑社区临时党支部", kind=OrgKind.TEMPORARY_BRANCH, by=None
    )
    assert client.post(f"/orgs/{empty.pk}/dissolve/", {}).status_code == 302
    assert Organization.objects.get(pk=empty.pk).dissolved_on == clock.today()


def test_a_secretary_edits_the_branch_but_neither_moves_nor_dissolves_it(
    tree: Tree, secretary, signed_in
) -> None:
    client = signed_in(secretary)
    page = client.get(f"/orgs/{tree.branch.pk}/").content.decode()
    assert "修改信息" in page and "登记党员" in page
    assert "调整隶属关系" not in page and "撤销</a>" not in page and "记录换届选举" not in page
    assert "新建下级党组织" not in page and "导入下级党组织" not in page
    with pytest.raises(Exception, match="不存在或不在您的管理范围内"):
        services.dissolve_organization(organization=tree.branch, by=secretary)
    assert client.get(f"/orgs/{tree.branch.pk}/election/").status_code == 403


def test_outsiders_get_404_and_members_403(
    tree: Tree, yaohua_official, member_user, signed_in
) -> None:
    client = signed_in(yaohua_official)
    for page in ("edit", "new", "move", "dissolve", "election", "self-government", "terms-due"):
        assert client.get(f"/orgs/{tree.branch.pk}/{page}/").status_code == 404, page
    client = signed_in(member_user)
    for page in ("edit", "new", "move", "dissolve", "election", "self-government", "terms-due"):
        assert client.get(f"/orgs/{tree.branch.pk}/{page}/").status_code == 403, page


def test_a_viewer_sees_no_write_link(tree: Tree, division_official, signed_in) -> None:
    page = signed_in(division_official).get(f"/orgs/{tree.branch.pk}/").content.decode()
    for link in ("修改信息", "新建下级党组织", "调整隶属关系", "记录换届选举", "登记党员"):
        assert link not in page, link
    assert signed_in(division_official).get(f"/orgs/{tree.branch.pk}/edit/").status_code == 403


# -- elections and the roles that follow -------------------------------------------------------


def test_an_election_hands_the_roles_over(tree: Tree, street_official, signed_in) -> None:
    old_secretary, stays, new_secretary, newcomer = (
        add_member(tree.branch, name=n) for n in ("老书记", "连任委员", "新书记", "新委员")
    )
    for member, username in (
        (old_secretary, "old"),
        (stays, "stays"),
        (new_secretary, "new"),
        (newcomer, "newcomer"),
    ):
        account_for(member, username)
    services.elect_committee(
        organization=tree.branch,
        term_start=dt.date(2020, 3, 1),
        seats=[(old_secretary, Post.SECRETARY), (stays, Post.ORGANIZATION)],
        by=street_official,
    )
    assert roles_at(tree.branch) == {
        ("old", Role.BRANCH_SECRETARY),
        ("stays", Role.COMMITTEE_MEMBER),
    }
    client = signed_in(street_official)
    form = client.get(f"/orgs/{tree.branch.pk}/election/").content.decode()
    assert "老书记" in form and "2020-03-01" in form
    response = client.post(
        f"/orgs/{tree.branch.pk}/election/",
        {
            "term_start": "2025-03-01",
            "seat-0-member": new_secretary.pk,
            "seat-0-post": "SECRETARY",
            "seat-1-member": stays.pk,
            "seat-1-post": "ORGANIZATION",
            "seat-2-member": newcomer.pk,
            "seat-2-post": "PUBLICITY",
        },
    )
    assert response.status_code == 302
    assert roles_at(tree.branch) == {
        ("new", Role.BRANCH_SECRETARY),
        ("stays", Role.COMMITTEE_MEMBER),
        ("newcomer", Role.COMMITTEE_MEMBER),
    }
    current = Committee.objects.get(organization=tree.branch, ended_on__isnull=True)
    assert current.term_due == rules.term_due(
        dt.date(2025, 3, 1), kind=OrgKind.BRANCH, sector=Sector.COMMUNITY
    )
    actions = list(
        AuditRecord.objects.filter(action__in=["accounts.assign_role", "accounts.remove_role"])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions.count("accounts.remove_role") == 1  # the old secretary's
    page = client.get(f"/orgs/{tree.branch.pk}/").content.decode()
    assert "支部书记" in page and "支委" in page


def test_a_seat_without_an_account_is_shown_as_such(tree: Tree, street_official) -> None:
    secretary = add_member(tree.branch, name="无账号书记")
    services.elect_committee(
        organization=tree.branch,
        term_start=dt.date(2024, 1, 1),
        seats=[(secretary, Post.SECRETARY)],
        by=street_official,
    )
    committee = queries.current_committee(tree.branch)
    assert committee is not None
    assert queries.seat_accounts(committee) == {secretary.pk: "未开通账号"}
    assert not RoleAssignment.objects.filter(organization=tree.branch).exists()


def test_a_branch_secretary_may_not_record_an_election(tree: Tree, secretary) -> None:
    member = add_member(tree.branch)
    with pytest.raises(Forbidden, match="换届选举结果由上级党组织的组织部门录入"):
        services.elect_committee(
            organization=tree.branch,
            term_start=dt.date(2024, 1, 1),
            seats=[(member, Post.SECRETARY)],
            by=secretary,
        )
    assert not Committee.objects.exists()


def test_election_refusals_stand_beside_the_seats(tree: Tree, street_official, signed_in) -> None:
    a, b = add_member(tree.branch, name="甲"), add_member(tree.branch, name="乙")
    response = signed_in(street_official).post(
        f"/orgs/{tree.branch.pk}/election/",
        {
            "term_start": "2024-01-01",
            "seat-0-member": a.pk,
            "seat-0-post": "SECRETARY",
            "seat-1-member": b.pk,
            "seat-1-post": "SECRETARY",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<p class="errors">委员会应有且只有一名书记</p>' in page
    assert not Committee.objects.exists()
    response = signed_in(street_official).post(
        f"/orgs/{tree.branch.pk}/election/", {"term_start": "", "seat-0-member": a.pk}
    )
    assert re.search(r'id="e-term_start">请填写本届开始日期<', response.content.decode())


def test_a_residents_committee_is_recorded_at_the_community(
    tree: Tree, street_official, signed_in
) -> None:
    secretary = add_member(tree.community, name="周书记")
    client = signed_in(street_official)
    page = client.get(f"/orgs/{tree.community.pk}/").content.decode()
    assert "居民委员会" in page and "尚未录入居民委员会" in page
    response = client.post(
        f"/orgs/{tree.community.pk}/self-government/",
        {
            "term_start": "2021-05-01",
            "seat-0-member": secretary.pk,
            "seat-0-post": "CHAIR",
            "seat-1-name": "吴芳",
            "seat-1-post": "VICE_CHAIR",
            "seat-2-name": "孙磊",
            "seat-2-post": "MEMBER",
        },
    )
    assert response.status_code == 302, response.content.decode()
    committee = SelfGovernmentCommittee.objects.get()
    assert (committee.kind, committee.term_due) == ("RESIDENTS", dt.date(2026, 5, 1))
    assert list(committee.seats.order_by("pk").values_list("name", "post")) == [
        ("周书记", "CHAIR"),
        ("吴芳", "VICE_CHAIR"),
        ("孙磊", "MEMBER"),
    ]
    page = client.get(f"/orgs/{tree.community.pk}/").content.decode()
    assert "吴芳" in page and "2026-05-01" in page


def test_self_government_rules(tree: Tree, street_official) -> None:
    with pytest.raises(InvalidInput, match="应有且只有一名主任"):
        self_government.elect_self_government(
            organization=tree.community,
            term_start=dt.date(2021, 1, 1),
            seats=[self_government.SeatInput(name="甲", post="MEMBER")],
            by=street_official,
        )
    for not_a_community in (tree.xianlin, tree.branch):  # a branch below the community too
        with pytest.raises(InvalidInput, match="只有村、社区的党组织"):
            self_government.elect_self_government(
                organization=not_a_community,
                term_start=dt.date(2021, 1, 1),
                seats=[self_government.SeatInput(name="甲", post="CHAIR")],
                by=street_official,
            )
    with pytest.raises(InvalidInput, match="只有村、社区的党组织"):
        self_government.elect_self_government(
            organization=tree.xianlin,
            term_start=dt.date(2021, 1, 1),
            seats=[self_government.SeatInput(name="甲", post="CHAIR")],
            by=street_official,
        )
    assert not SelfGovernmentCommittee.objects.exists()


# -- the terms-due list ------------------------------------------------------------------------


def test_the_terms_due_list_is_complete_paged_and_marks_overdue(
    tree: Tree, street_official, signed_in, settings, monkeypatch
) -> None:
    settings.JICENG_PAGE_SIZE = 2
    branches = [
        services.create_organization(
            parent=tree.community,
            name=f"文苑社区第{n}党支部",
            kind=OrgKind.BRANCH,
            sector=Sector.COMMUNITY,
            by=None,
        )
        for n in range(3, 8)
    ]
    today = clock.today()
    for i, branch in enumerate(branches):  # 5 committees: 3 overdue, 2 due soon
        start = today - dt.timedelta(days=5 * 365 + (30 if i < 3 else -30))
        secretary = add_member(branch, name=f"书记{i}")
        services.elect_committee(
            organization=branch, term_start=start, seats=[(secretary, Post.SECRETARY)], by=None
        )
    client = signed_in(street_official)
    first = client.get(f"/orgs/{tree.xianlin.pk}/terms-due/").content.decode()
    assert "共 <strong>5</strong> 个" in first and "已超期未换届 <strong>3</strong> 个" in first
    assert "第 1 / 3 页" in first and first.count("已超期") >= 3
    names = set()
    for page in (1, 2, 3):
        text = client.get(f"/orgs/{tree.xianlin.pk}/terms-due/", {"page": page}).content.decode()
        names |= {b.name for b in branches if b.name in text}
    assert names == {b.name for b in branches}
    detail = client.get(f"/orgs/{tree.xianlin.pk}/").content.decode()
    assert "查看全部5个" in detail and "共5个）" in detail
    # the organization page counts so far and no further (a nation's committees would take
    # seconds), and the paged list too (core.paging.CountedTo)
    monkeypatch.setattr(views, "TERMS_COUNTED", 3)
    capped = client.get(f"/orgs/{tree.xianlin.pk}/").content.decode()
    assert "超过3个）" in capped and "查看全部</a>" in capped and "查看全部5个" not in capped
    # so does the list: the 4 earliest on 2 pages, no third
    listed = client.get(f"/orgs/{tree.xianlin.pk}/terms-due/").content.decode()
    assert "超过 <strong>3</strong> 个（这里按应换届日期列出最早的4个）" in listed
    assert "已超期未换届 <strong>3</strong> 个" in listed and "第 1 / 2 页" in listed
    last = client.get(f"/orgs/{tree.xianlin.pk}/terms-due/", {"page": 9}).content.decode()
    assert "第 2 / 2 页" in last


def test_audit_records_name_the_election(tree: Tree, street_official) -> None:
    member = add_member(tree.branch)
    services.elect_committee(
        organization=tree.branch,
        term_start=dt.date(2024, 1, 1),
        seats=[(member, Post.SECRETARY)],
        by=street_official,
    )
    record = AuditRecord.objects.get(action="orgs.elect_committee")
    assert record.event == audit.AuditEvent.WRITE and record.user_id == street_official.pk


def test_a_committee_above_branches_is_elected_from_their_members(
    tree: Tree, street_official, signed_in
) -> None:
    in_branch, in_sibling = add_member(tree.branch, name="甲"), add_member(tree.sibling, name="乙")
    outsider = add_member(tree.yaohua_branch, name="丙")
    client = signed_in(street_official)
    form = client.get(f"/orgs/{tree.community.pk}/election/").content.decode()
    assert "甲（文苑社区第一党支部）" in form and "丙" not in form
    services.elect_committee(
        organization=tree.community,
        term_start=dt.date(2023, 5, 1),
        seats=[(in_branch, Post.SECRETARY), (in_sibling, Post.DEPUTY_SECRETARY)],
        by=street_official,
    )
    with pytest.raises(InvalidInput, match="丙不是本组织的在册党员"):
        services.elect_committee(
            organization=tree.community,
            term_start=dt.date(2024, 5, 1),
            seats=[(outsider, Post.SECRETARY)],
            by=street_official,
        )
