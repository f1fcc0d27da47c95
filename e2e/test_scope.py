"""A street official sees the street, and nothing of the street next door: in real Chromium,
typing another street's member into the address bar gives the same "not found" page as a
member that does not exist."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from jiceng.accounts.models import User
from jiceng.testing.personas import Tree, add_member

from .test_walkthrough import sign_in


def test_street_official_gets_not_found_for_another_streets_member(
    page: Page, live_url: str, tree: Tree, street_official: User
) -> None:
    own = add_member(tree.branch, name="钱芳")
    other = add_member(tree.yaohua_branch, name="吴刚")

    sign_in(page, live_url, street_official.username)
    tree_panel = page.locator("main")
    expect(tree_panel.get_by_text(tree.xianlin.name).first).to_be_visible()
    expect(tree_panel.get_by_text(tree.community.name).first).to_be_visible()
    expect(page.get_by_text(tree.yaohua.name)).to_have_count(0)

    page.goto(f"{live_url}/members/{own.pk}/")
    expect(page.get_by_role("heading", name="钱芳")).to_be_visible()
    expect(page.get_by_text(own.id_number_masked)).to_be_visible()

    response = page.goto(f"{live_url}/members/{other.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    expect(page.get_by_text("吴刚")).to_have_count(0)

    missing = page.goto(f"{live_url}/members/{other.pk + 1000}/")
    assert missing is not None and missing.status == 404
    assert page.content().count("未找到") >= 1
