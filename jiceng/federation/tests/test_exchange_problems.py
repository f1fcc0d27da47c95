"""跨省交换异常: the page where those who run an instance see the messages of the exchange that
keep failing (an outbox message Zhejiang's database does not take) or that failed (an answer
Jiangsu could not open while its key for Zhejiang was wrong), without their sealed payload,
and try one again: once the cause is fixed, the next run of the exchange delivers it or acts
on it, once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from django.test import override_settings

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.core.errors import Forbidden
from jiceng.core.models import AuditRecord
from jiceng.federation import arrivals, crossing, exchange, keys, retries
from jiceng.federation.models import InboxMessage, IncomingTransfer, MessageKind, OutboxMessage
from jiceng.federation.tests.test_arrivals import handed_by, send_across
from jiceng.federation.tests.test_federation import JIANGSU, JS, KEY_AH, TODAY, ZHEJIANG, ZJ
from jiceng.members.models import Member
from jiceng.testing.personas import Tree, add_member, user_with, verified_client
from jiceng.transfers import services
from jiceng.transfers.models import StepAction, Transfer, TransferState

URL = "/federation/exchange/"
MENU_LINK = f'href="{URL}"'


@pytest.fixture
def frozen() -> Iterator[dt.datetime]:
    with clock.frozen(TODAY):
        yield TODAY


@pytest.fixture
def mover(tree: Tree) -> Member:
    return add_member(tree.branch, name="赵磊")


@pytest.fixture
def root_department(tree: Tree) -> User:
    """The organization department at the root of the instance's tree."""
    return user_with("root-zzb", Role.ORGANIZATION_DEPARTMENT, organization=tree.root)


def down(message: OutboxMessage) -> None:
    raise ConnectionRefusedError("connection to 330000000000 refused")


def stuck(mover: Member, secretary: User, official: User) -> OutboxMessage:
    """Jiangsu's record for Zhejiang, tried twice while Zhejiang's database is down."""
    transfer = crossing.start_cross_province_transfer(
        member=mover,
        province=ZHEJIANG,
        local_id=77,
        name="某社区党支部",
        reason="调动",
        by=secretary,
    )
    services.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=official)
    assert exchange.deliver_due(send=down) == exchange.Delivery(0, 1)
    with clock.frozen(TODAY + dt.timedelta(minutes=1)):
        assert exchange.deliver_due(send=down) == exchange.Delivery(0, 1)
    return OutboxMessage.objects.get(kind=MessageKind.TRANSFER)


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_an_undelivered_message_is_listed_without_its_payload_and_sent_at_the_next_run(
    tree: Tree, mover, secretary, street_official, system_admin
) -> None:
    client = verified_client(system_admin)
    with JS:
        message = stuck(mover, secretary, street_official)
        assert message.next_attempt_at > TODAY + dt.timedelta(minutes=1)  # waiting longer
        page = client.get(URL).content.decode()
        assert MENU_LINK in page  # the menu's link for the system administrator
        assert "跨省组织关系转接 → 330000000000" in page
        assert "2次，均未成功" in page and "ConnectionRefusedError" in page
        assert str(message.message_id) in page
        assert "赵磊" not in page and "320113" not in page  # sealed: no name, no ID number

        retried = client.post(f"/federation/exchange/outbox/{message.pk}/retry/")
        assert retried.status_code == 302 and retried["Location"] == URL
        message.refresh_from_db()
        assert message.next_attempt_at == TODAY and message.attempts == 2
        record = AuditRecord.objects.get(action="federation.retry_outbox")
        assert record.user == system_admin
        assert json.loads(record.detail)["peer"] == ZHEJIANG

        assert exchange.deliver_due(send=handed_by(JIANGSU)) == exchange.Delivery(1, 0)
        assert "没有投递失败的发件" in client.get(URL).content.decode()
        # delivered meanwhile: nothing to do, said on the page
        late = client.post(f"/federation/exchange/outbox/{message.pk}/retry/", follow=True)
        assert "已送达对方实例" in late.content.decode()
    assert InboxMessage.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_an_answer_that_failed_is_acted_on_once_after_the_retry(
    tree: Tree, mover, secretary, street_official, root_department
) -> None:
    transfer = send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
    with ZJ:
        arrivals.refuse_incoming(
            incoming=IncomingTransfer.objects.get(), by=None, reason="该同志不在本社区居住"
        )
        exchange.deliver_due(send=handed_by(ZHEJIANG))
    wrong_key = override_settings(
        JICENG_FEDERATION_PEER_KEYS={ZHEJIANG: keys.public_key_text(KEY_AH)}
    )
    with JS, wrong_key:
        assert exchange.receive() == 0
    answer = InboxMessage.objects.get(kind=MessageKind.TRANSFER_ANSWER)
    assert "未通过认证" in answer.error and answer.processed_at is None
    with JS:
        assert exchange.receive() == 0  # a failed message is never tried again by itself

    client = verified_client(root_department)
    with JS:
        page = client.get(URL).content.decode()
        assert MENU_LINK in page  # the root's organization department too
        assert "跨省转接答复 ← 330000000000" in page and "未通过认证" in page
        assert "该同志不在本社区居住" not in page  # the payload stays sealed
        done = client.post(f"/federation/exchange/inbox/{answer.pk}/retry/", follow=True)
        assert "已安排重新处理" in done.content.decode()
        assert InboxMessage.objects.get(pk=answer.pk).error == ""
        # the retry posted twice: the second finds nothing to retry
        twice = client.post(f"/federation/exchange/inbox/{answer.pk}/retry/", follow=True)
        assert "已在等待重新处理" in twice.content.decode()
        assert exchange.receive() == 1
        assert exchange.receive() == 0
        again = client.post(f"/federation/exchange/inbox/{answer.pk}/retry/", follow=True)
        assert "已处理" in again.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RETURNED
    assert transfer.steps.filter(action=StepAction.RETURN).count() == 1
    record = AuditRecord.objects.get(action="federation.retry_inbox")
    assert record.user == root_department
    assert "未通过认证" in json.loads(record.detail)["error"]


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_only_those_who_run_the_instance_open_the_page_and_retry(
    tree: Tree,
    mover,
    secretary,
    street_official,
    district_department,
    system_admin,
    audit_admin,
    root_department,
) -> None:
    with JS:
        message = stuck(mover, secretary, street_official)
    due = message.next_attempt_at
    retry = f"/federation/exchange/outbox/{message.pk}/retry/"
    with JS:
        anonymous = verified_client(system_admin)
        anonymous.logout()
        assert anonymous.get(URL)["Location"].startswith("/accounts/login/")
        # VIEW_ORGANIZATIONS below the root, and no right at all: refused, no link
        for user in (secretary, district_department, audit_admin):
            client = verified_client(user)
            assert client.get(URL).status_code == 403
            assert client.post(retry).status_code == 403
            assert MENU_LINK not in client.get("/").content.decode()
        with pytest.raises(Forbidden):
            retries.retry_outbox(pk=message.pk, by=district_department)
        for user in (system_admin, root_department):
            assert verified_client(user).get(URL).status_code == 200
        assert (
            verified_client(system_admin).post("/federation/exchange/other/1/retry/").status_code
            == 404
        )
    assert OutboxMessage.objects.get().next_attempt_at == due
    assert not AuditRecord.objects.filter(action="federation.retry_outbox").exists()
    # where the instance exchanges with no other: no page, no link
    with override_settings(JICENG_FEDERATION_PROVINCE="", JICENG_FEDERATION_PEER_KEYS={}):
        client = verified_client(system_admin)
        assert client.get(URL).status_code == 404
        assert MENU_LINK not in client.get("/").content.decode()
    assert Transfer.objects.count() == 1
