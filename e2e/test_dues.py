"""党费 in real Chromium: a member's dues go three months unpaid and show as arrears, to the
member on a phone and to the branch secretary; the secretary records the payment of every
month owed, prints the receipt, and the arrears are gone for both."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.dues import billing, queries, rates
from jiceng.dues.models import Rate
from jiceng.testing.personas import PASSWORD, Tree, add_member

from .conftest import PHONE, TIMEOUT_MS

pytestmark = pytest.mark.e2e


def signed_in_page(browser: Browser, live_url: str, username: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def ensure_rate_table() -> None:
    """The 2008 table again: a transactional test's flush removes what the data migration
    added (as cases_personas.ensure_categories does for the request categories)."""
    if not Rate.objects.exists():
        importlib.import_module("jiceng.dues.migrations.0002_seed_rate_table_2008").seed(apps, None)


def test_three_months_unpaid_show_as_arrears_and_a_payment_clears_them(
    browser: Browser, live_url: str, tree: Tree, secretary: User
) -> None:
    ensure_rate_table()
    member = add_member(tree.branch, name="吴刚", category="学生")
    user = User.objects.create_user(username="wu-gang", password=PASSWORD, member=member)
    RoleAssignment.objects.create(user=user, role=Role.MEMBER)
    current = queries.this_month()
    owed = [rates.add_months(current, -back) for back in (3, 2, 1, 0)]
    for month in owed:  # the monthly task's bills: three months past, and this one
        billing.generate_bills(organization=tree.branch, month=month, by=None)

    # 1. 吴刚 opens 党费 from the menu on his phone: three months overdue
    wu = signed_in_page(browser, live_url, "wu-gang")
    wu.get_by_text("菜单").click()
    wu.get_by_role("link", name="党费", exact=True).click()
    expect(wu.get_by_role("heading", name="我的党费")).to_be_visible()
    expect(wu.get_by_role("alert")).to_contain_text("已有3个月逾期未交纳党费")

    # 2. the secretary's workbench and branch page show him in arrears
    li = signed_in_page(browser, live_url, secretary.username)
    panel = li.locator('[data-panel="dues.branch"]')
    expect(panel).to_contain_text("吴刚")
    expect(panel).to_contain_text("逾期3个月")
    panel.get_by_role("link", name="收缴党费").click()
    row = li.locator("#dues-members tr", has_text="吴刚")
    expect(row).to_contain_text("欠缴")
    row.get_by_role("link", name="吴刚").click()

    # 3. she records the four months (every unpaid month is ticked) in cash, and prints
    form = li.locator("#pay-form")
    for month in owed:
        expect(form.get_by_label(f"{rates.month_label(month)} 0.20元")).to_be_checked()
    form.get_by_role("button", name="登记缴纳并开收据").click()
    expect(li.get_by_text("已登记缴纳4个月共0.80元")).to_be_visible()
    li.get_by_role("link", name=f"{current // 100}-0001").click()
    expect(li.get_by_role("heading", name="党费收据")).to_be_visible()
    expect(li.locator(".receipt")).to_contain_text("人民币 0.80 元")
    expect(li.locator(".receipt")).to_contain_text("吴刚")

    # 4. the arrears are gone: on the branch page and on his phone
    li.goto(f"{live_url}/dues/orgs/{tree.branch.pk}/")
    expect(li.locator("#dues-members tr", has_text="吴刚")).not_to_contain_text("欠缴")
    expect(li.locator("#dues-members tr", has_text="吴刚")).to_contain_text("已缴")
    wu.reload()
    expect(wu.get_by_role("alert")).to_have_count(0)
    expect(wu.locator(".dues-figures li").first).to_contain_text("0")
    wu.context.close()
    li.context.close()
