"""跨省组织关系转接 in real Chromium, on a phone, both province instances' pages served from one
database (as jiceng/federation/tests do): the secretary of 文苑社区第一党支部 ("Jiangsu") sends
赵磊 to 尧化社区党支部 of "Zhejiang" from the member page, typing the receiving organization's
name and number; once the sending committee has approved, the exchange carries the record;
the receiving secretary finds it on her workbench, opens it (the ID number masked) and accepts
it; the answer comes back and closes the sender's letter."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from jiceng.accounts.models import Role, User
from jiceng.core import clock, crypto
from jiceng.core.masking import mask_id_number
from jiceng.federation import arrivals, crossing, exchange
from jiceng.federation.models import IncomingTransfer, OutboxMessage
from jiceng.federation.tests.test_arrivals import as_if_elsewhere, handed_by
from jiceng.federation.tests.test_federation import JIANGSU, JS, ZHEJIANG, ZJ
from jiceng.members.models import Member
from jiceng.members.services import ID_FIELD
from jiceng.testing.personas import Tree, add_member, user_with
from jiceng.transfers import services
from jiceng.transfers.models import StepAction, Transfer, TransferState

from .test_transfers import fits_the_phone, signed_in

pytestmark = pytest.mark.e2e


def test_a_member_is_sent_to_another_province_and_received_there(
    browser: Browser, live_url: str, tree: Tree, secretary: User, street_official: User
) -> None:
    member = add_member(tree.branch, name="赵磊")
    user_with("sun-li", Role.BRANCH_SECRETARY, organization=tree.yaohua_branch, display_name="孙丽")

    # 1. Jiangsu: the sending secretary starts it from the member page
    with JS:
        page = signed_in(browser, live_url, "li-xiuying")
        page.goto(f"{live_url}/members/{member.pk}/")
        page.get_by_role("link", name="发起跨省转接").click()
        page.get_by_label("接收党组织名称").fill("尧化社区党支部")
        page.get_by_label("接收党组织编号（对方系统中的编号）").fill(str(tree.yaohua_branch.pk))
        page.get_by_label("转接原因").fill("工作调动")
        fits_the_phone(page)
        page.get_by_role("button", name="提交，报转出方党委审批").click()
        expect(page.locator(".flash")).to_contain_text("跨省组织关系转接")
        expect(page.locator("body")).to_contain_text(f"（{ZHEJIANG}），党组织编号")
        page.context.close()
        transfer = Transfer.objects.get(member=member)
        services.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=street_official)
        assert exchange.deliver_due(send=handed_by(JIANGSU)).delivered == 1
    as_if_elsewhere(member)  # the receiver's own database does not hold 赵磊

    # 2. Zhejiang: the arrival waits on the receiving secretary's workbench; she accepts it
    id_number = crypto.unseal(member.id_number_sealed, field=ID_FIELD)
    with ZJ:
        assert exchange.receive() == 1
        page = signed_in(browser, live_url, "sun-li")
        expect(page.locator("body")).to_contain_text("跨省转入")
        page.get_by_role("link", name="赵磊：文苑社区第一党支部").first.click()
        accept = page.get_by_role("button", name="接收，登记为本组织党员")
        expect(accept).to_be_visible()
        body = page.locator("body")
        expect(body).to_contain_text(mask_id_number(id_number))
        assert id_number not in page.content()
        fits_the_phone(page)
        accept.click()
        expect(page.locator("h1")).to_contain_text("赵磊")
        expect(page.locator(".flash")).to_contain_text("已登记为本组织党员")
        page.context.close()
        exchange.deliver_due(send=handed_by(ZHEJIANG))
    arrived = Member.objects.get(organization=tree.yaohua_branch, name="赵磊")
    assert arrived.pk != member.pk

    # 3. Jiangsu: the answer closes the letter; 赵磊 has left
    with JS:
        assert exchange.receive() == 1
    transfer.refresh_from_db()
    assert transfer.state == TransferState.COMPLETED
    assert Member.objects.get(pk=member.pk).status == "TRANSFERRED_OUT"


def test_a_refused_member_is_sent_to_another_organization_from_the_member_page(
    browser: Browser, live_url: str, tree: Tree, secretary: User, street_official: User
) -> None:
    """尧化社区党支部 refuses 赵磊; his secretary chooses 第二党支部 of the same instance instead,
    on the phone, and the transfer goes back to the sending committee."""
    member = add_member(tree.branch, name="赵磊")
    with JS:
        transfer = crossing.start_cross_province_transfer(
            member=member,
            province=ZHEJIANG,
            local_id=tree.yaohua_branch.pk,
            name="尧化社区党支部",
            reason="工作调动",
            by=secretary,
        )
        services.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=street_official)
        exchange.deliver_due(send=handed_by(JIANGSU))
    with ZJ:
        exchange.receive()
        arrivals.refuse_incoming(
            incoming=IncomingTransfer.objects.get(), by=None, reason="该同志不在本社区居住"
        )
        exchange.deliver_due(send=handed_by(ZHEJIANG))
    with JS:
        exchange.receive()
        page = signed_in(browser, live_url, "li-xiuying")
        page.goto(f"{live_url}/members/{member.pk}/")
        page.get_by_role("link", name="改选接收党组织（跨省转接已退回）").click()
        expect(page.locator("body")).to_contain_text("该同志不在本社区居住")
        page.get_by_label("接收党组织名称").fill("文苑社区第二党支部")
        page.get_by_label("接收党组织编号（对方系统中的编号）").fill(str(tree.sibling.pk))
        fits_the_phone(page)
        page.get_by_role("button", name="改选并重新提交，报转出方党委审批").click()
        expect(page.locator(".flash")).to_contain_text("并重新提交")
        expect(page.locator("body")).to_contain_text("改选接收党组织：由尧化社区党支部")
        fits_the_phone(page)
        page.context.close()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    assert transfer.destination == f"文苑社区第二党支部（{ZHEJIANG}）"


def test_the_root_department_retries_a_message_the_other_instance_did_not_take(
    browser: Browser, live_url: str, tree: Tree, secretary: User, street_official: User
) -> None:
    user_with("root-zzb", Role.ORGANIZATION_DEPARTMENT, organization=tree.root)
    member = add_member(tree.branch, name="赵磊")

    def down(message: OutboxMessage) -> None:
        raise ConnectionRefusedError("connection refused")

    with JS:
        transfer = crossing.start_cross_province_transfer(
            member=member,
            province=ZHEJIANG,
            local_id=77,
            name="某支部",
            reason="调动",
            by=secretary,
        )
        services.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=street_official)
        exchange.deliver_due(send=down)
        page = signed_in(browser, live_url, "root-zzb")
        page.goto(f"{live_url}/federation/exchange/")
        body = page.locator("body")
        expect(body).to_contain_text("ConnectionRefusedError")
        expect(body).not_to_contain_text("赵磊")
        fits_the_phone(page)
        page.get_by_role("button", name="重新投递").click()
        expect(page.locator(".flash")).to_contain_text("已安排重新投递")
        page.context.close()
    assert OutboxMessage.objects.get().next_attempt_at <= clock.now()
