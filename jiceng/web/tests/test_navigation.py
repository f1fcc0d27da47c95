"""The top bar offers the pages a user's roles open, and only those."""

from __future__ import annotations

from django.test import Client

from jiceng.accounts.models import User
from jiceng.testing.personas import verified_client


def links(client: Client, path: str) -> str:
    html = client.get(path).content.decode()
    return html[html.index('<nav class="nav">') : html.index("</nav>")]


def test_a_secretary_sees_the_party_pages_not_the_case_pages(secretary: User) -> None:
    client = Client()
    client.force_login(secretary)
    nav = links(client, "/orgs/")
    assert "组织架构" in nav and "组织生活" in nav and "合规" in nav
    assert "工单" not in nav and "吹哨" not in nav and "系统管理" not in nav


def test_a_street_official_sees_the_case_pages(division_official: User) -> None:
    client = Client()
    client.force_login(division_official)
    nav = links(client, "/orgs/")
    assert "派单" in nav and "吹哨" in nav and "排名" in nav and "网格" in nav
    assert "导入" not in nav


def test_an_administrator_sees_only_the_administration(audit_admin: User) -> None:
    nav = links(verified_client(audit_admin), "/orgs/")  # refused, in the site frame
    assert "系统管理" in nav
    assert "组织架构" not in nav and "工单" not in nav and "党员" not in nav
