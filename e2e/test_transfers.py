"""组织关系转接 in real Chromium, on a phone: the secretary of 文苑社区第一党支部
(仙林街道) transfers a member to 尧化社区党支部 in another street; 仙林's department approves
for the sending side, 尧化's for the receiving side, and the receiving secretary confirms;
the member's record is then in the receiving branch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import Role, User
from jiceng.members.models import Member
from jiceng.testing.personas import PASSWORD, Tree, add_member, user_with
from jiceng.transfers.models import Transfer, TransferState

from .conftest import PHONE, TIMEOUT_MS

pytestmark = pytest.mark.e2e


def signed_in(browser: Browser, live_url: str, username: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


@pytest.fixture
def people(
    tree: Tree, secretary: User, street_official: User, yaohua_official: User
) -> Iterator[dict[str, object]]:
    receiver = user_with(
        "sun-li", Role.BRANCH_SECRETARY, organization=tree.yaohua_branch, display_name="孙丽"
    )
    member = add_member(tree.branch, name="赵磊")
    yield {
        "member": member,
        "secretary": secretary,
        "sending": street_official,
        "receiving": yaohua_official,
        "receiver": receiver,
    }


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_a_member_is_transferred_to_another_street_and_received(
    browser: Browser, live_url: str, tree: Tree, people: dict[str, object]
) -> None:
    member = people["member"]
    assert isinstance(member, Member)

    # 1. the sending secretary starts it from the member page
    page = signed_in(browser, live_url, "li-xiuying")
    page.goto(f"{live_url}/members/{member.pk}/")
    page.get_by_role("link", name="发起组织关系转接").click()
    page.get_by_label("接收党组织（系统内转接）（输入名称查找）").fill("尧化社区")
    page.get_by_role("button", name="查找").click()
    page.get_by_label("尧化社区党支部").check()
    page.get_by_label("转接原因").fill("居住地变更")
    fits_the_phone(page)
    page.get_by_role("button", name="提交，报转出方党委审批").click()
    expect(page.locator(".flash")).to_contain_text("待转出方党委审批")
    transfer = Transfer.objects.get(member=member)
    page.context.close()

    # 2. each side's committee approves, from its workbench
    for username, button, panel_text in (
        ("xianlin-dgw", "同意", "转出方审批"),
        ("yaohua-dgw", "同意接收", "接收方审批"),
    ):
        page = signed_in(browser, live_url, username)
        expect(page.locator("body")).to_contain_text(panel_text)
        page.get_by_role("link", name="赵磊：文苑社区第一党支部 → 尧化社区党支部").first.click()
        decide = page.get_by_role("button", name=button, exact=True)
        expect(decide).to_be_visible()  # the transfer's page has loaded: measure that one
        fits_the_phone(page)
        decide.click()
        expect(page.locator(".flash")).to_contain_text("已审批同意")
        page.context.close()
    assert Member.objects.get(pk=member.pk).organization_id == tree.branch.pk  # not yet moved

    # 3. the receiving secretary confirms; the record is now hers
    page = signed_in(browser, live_url, "sun-li")
    expect(page.locator("body")).to_contain_text("待确认转入")
    page.goto(f"{live_url}/transfers/")
    page.get_by_role("link", name="赵磊").first.click()
    page.get_by_role("button", name="确认转入本组织").click()
    expect(page.locator("h1")).to_contain_text("赵磊")
    expect(page.locator("body")).to_contain_text("尧化社区党支部")
    fits_the_phone(page)
    page.context.close()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.COMPLETED
    assert Member.objects.get(pk=member.pk).organization_id == tree.yaohua_branch.pk
