"""The top bar offers the pages a user's roles open, and only those; the display switch (大字模式)
is kept for the browser and goes back only to this site."""

from __future__ import annotations

from django.test import Client

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.testing.personas import verified_client
from jiceng.web import menu


def links(client: Client, path: str) -> str:
    html = client.get(path).content.decode()
    start = html.index('<nav class="nav"')
    return html[start : html.index("</nav>", start)]


def test_a_secretary_sees_the_party_pages_not_the_case_pages(secretary: User) -> None:
    client = Client()
    client.force_login(secretary)
    nav = links(client, "/orgs/")
    assert "工作台" in nav and "组织架构" in nav and "组织生活" in nav
    assert "组织生活达标" in nav and "党员批量导入" in nav
    assert "合规" not in nav  # the old label, a translation
    assert "工单" not in nav and "吹哨" not in nav and "系统管理" not in nav


def test_a_street_official_sees_the_case_pages_not_the_compliance(
    division_official: User,
) -> None:
    client = Client()
    client.force_login(division_official)
    nav = links(client, "/orgs/")
    assert "派单" in nav and "吹哨" in nav and "排名" in nav and "网格" in nav
    assert "导入" not in nav
    # their role names a division, no organization: the compliance page has none to open
    assert "组织生活达标" not in nav


def test_a_member_sees_the_workbench_and_their_meetings(member_user: User) -> None:
    client = Client()
    client.force_login(member_user)
    nav = links(client, "/")
    assert "工作台" in nav and "组织生活" in nav
    assert "组织架构" not in nav and "组织生活达标" not in nav and ">党员</a>" not in nav
    assert "党员突击队" in nav  # the shifts open to them


def test_an_administrator_sees_only_the_administration(audit_admin: User) -> None:
    nav = links(verified_client(audit_admin), "/orgs/")  # refused, in the site frame
    assert "系统管理" in nav
    assert "组织架构" not in nav and "工单" not in nav and ">党员</a>" not in nav


def test_the_large_text_mode_is_kept_in_a_cookie(member_user: User) -> None:
    client = Client()
    client.force_login(member_user)
    assert 'class="elder"' not in client.get("/").content.decode()

    on = client.post("/display/", {"elder": "1", "next": "/orglife/"})
    assert on.status_code == 302 and on["Location"] == "/orglife/"
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans" class="elder">' in page
    assert "标准字号" in page

    off = client.post("/display/", {"elder": "0", "next": "/"})
    assert off.status_code == 302
    assert 'class="elder"' not in client.get("/").content.decode()


def test_the_switch_works_before_sign_in_and_never_leaves_the_site(db: None) -> None:
    client = Client()
    away = client.post("/display/", {"elder": "1", "next": "https://example.com/"})
    assert away["Location"] == "/"
    login = client.get("/accounts/login/").content.decode()
    assert 'class="elder"' in login


def test_the_switch_takes_a_post_only(db: None) -> None:
    assert Client().get("/display/").status_code == 405


def test_a_department_sees_its_many_pages_in_groups(district_department: User) -> None:
    client = Client()
    client.force_login(district_department)
    nav = links(client, "/")
    assert nav.count('<div class="nav-group">') >= 2
    assert '<button type="button" class="nav-head">党的建设</button>' in nav
    assert '<button type="button" class="nav-head">考评统计</button>' in nav
    assert "驾驶舱" in nav and "党内统计" in nav


def test_a_member_sees_a_few_pages_in_one_line(member_user: User) -> None:
    client = Client()
    client.force_login(member_user)
    nav = links(client, "/")
    assert "nav-group" not in nav
    assert "我的积分" in nav and "党员积分" not in nav


def test_every_row_of_the_menu_names_a_page(db: None) -> None:
    everything = menu.Held(
        permissions=frozenset(str(p) for p in Permission),
        sees_compliance=True,
        is_administrator=True,
        runs_federation_exchange=True,
    )
    urls = {link.url for section in menu.links_for(everything) for link in section.links}
    # every row reversed; all shown but 我的积分, 我的联系户 and 我的驿站, which a manager
    # does not get
    assert len(urls) == len(menu.MENU) - 3


def test_a_keeper_sees_their_station_and_a_community_the_registry() -> None:
    keeper = menu.Held(permissions=frozenset({"keep_service_stations"}))
    community = menu.Held(
        permissions=frozenset({"keep_service_stations", "manage_service_stations"})
    )
    mine = [link.label for section in menu.links_for(keeper) for link in section.links]
    theirs = [link.label for section in menu.links_for(community) for link in section.links]
    assert "我的驿站" in mine and "红帆驿站" not in mine
    assert "红帆驿站" in theirs and "我的驿站" not in theirs


def test_the_switch_needs_no_token_and_refuses_another_sites_post(db: None) -> None:
    """The switch posts without a CSRF token (a page for anyone carries none), and a post the
    browser says came from another site changes nothing."""
    client = Client(enforce_csrf_checks=True)
    ours = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
    on = client.post("/display/", {"elder": "1", "next": "/stations/"}, headers=ours)
    assert on.status_code == 302 and on["Location"] == "/stations/"
    assert on.cookies["jiceng_elder"].value == "1"
    for forged in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
        {"Origin": "https://example.com"},
    ):
        refused = Client().post("/display/", {"elder": "1", "next": "/"}, headers=forged)
        assert refused.status_code == 403 and "jiceng_elder" not in refused.cookies
