"""跨省转入 and 发起跨省转接 on the pages, both instances' services in one database (as in
test_federation): Jiangsu's branch sends 赵磊 to an organization of "Zhejiang" (here
尧化社区党支部 of the same tree, addressed by its id as the other instance's local id). The
receiving secretary sees the arrival on the workbench, opens it masked (the full numbers only
through an audited look), accepts it (赵磊 is registered there with a 转入 event) or refuses it
with a reason; the answer goes back through the outbox and closes or returns Jiangsu's letter,
once however often it is handed over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.test import override_settings

from jiceng.accounts.models import Role, User
from jiceng.core import clock, crypto
from jiceng.core.errors import Forbidden
from jiceng.core.masking import mask_id_number
from jiceng.core.models import AuditRecord
from jiceng.federation import arrivals, crossing, exchange, keys, tasks
from jiceng.federation.models import (
    InboxMessage,
    IncomingState,
    IncomingTransfer,
    MessageKind,
    OutboxMessage,
    PublishedOrganization,
    RemoteTransfer,
)
from jiceng.federation.tests.test_federation import (
    AH,
    ANHUI,
    JIANGSU,
    JS,
    KEY_AH,
    TODAY,
    ZHEJIANG,
    ZJ,
)
from jiceng.members.models import Member, MemberEvent, MemberStatus, StatusMove
from jiceng.members.services import ID_FIELD
from jiceng.testing.personas import Tree, add_member, user_with, verified_client
from jiceng.transfers import services
from jiceng.transfers.models import StepAction, Transfer, TransferState


@pytest.fixture
def frozen() -> Iterator[dt.datetime]:
    with clock.frozen(TODAY):
        yield TODAY


@pytest.fixture
def mover(tree: Tree) -> Member:
    return add_member(tree.branch, name="赵磊")


@pytest.fixture
def receiving_secretary(tree: Tree) -> User:
    """孙丽, secretary of the receiving branch (尧化社区党支部, "Zhejiang's")."""
    return user_with(
        "sun-li", Role.BRANCH_SECRETARY, organization=tree.yaohua_branch, display_name="孙丽"
    )


def handed_by(sender: str) -> Callable[[OutboxMessage], None]:
    """The receiver's inbox, here in the same database, inserted as send_to_peer does."""

    def send(message: OutboxMessage) -> None:
        InboxMessage.objects.get_or_create(
            message_id=message.message_id,
            defaults={"sender": sender, "kind": message.kind, "body": bytes(message.body)},
        )

    return send


def send_across(mover: Member, to_local_id: int, secretary: User, official: User) -> Transfer:
    """Jiangsu starts and approves the transfer; its record reaches Zhejiang's inbox and is
    taken there."""
    with JS:
        transfer = crossing.start_cross_province_transfer(
            member=mover,
            province=ZHEJIANG,
            local_id=to_local_id,
            name="尧化社区党支部",
            reason="工作调动",
            by=secretary,
        )
        transfer = services.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=official)
        assert exchange.deliver_due(send=handed_by(JIANGSU)) == exchange.Delivery(1, 0)
    with ZJ:
        assert exchange.receive() == 1
    return transfer


def answer_back() -> int:
    """Zhejiang hands its answers to Jiangsu, which acts on them; how many it acted on."""
    with ZJ:
        exchange.deliver_due(send=handed_by(ZHEJIANG))
    with JS:
        return exchange.receive()


def as_if_elsewhere(member: Member) -> None:
    """The two instances share this database: the sender's row gives up its ID number's
    blind index, which the receiver's own database would never hold."""
    Member.objects.filter(pk=member.pk).update(id_number_digest=b"sent-to-zhejiang")


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_the_receiving_secretary_accepts_and_the_senders_letter_closes_once(
    tree: Tree, mover, secretary, street_official, receiving_secretary
) -> None:
    transfer = send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
    incoming = IncomingTransfer.objects.get()
    assert (incoming.state, incoming.to_organization, incoming.remote_transfer_id) == (
        IncomingState.PENDING,
        tree.yaohua_branch,
        transfer.pk,
    )
    id_number = crypto.unseal(mover.id_number_sealed, field=ID_FIELD)
    client = verified_client(receiving_secretary)
    with ZJ:
        workbench = client.get("/").content.decode()
        assert "跨省转入" in workbench and "赵磊" in workbench
        page = client.get(f"/federation/incoming/{incoming.pk}/").content.decode()
        assert mask_id_number(id_number) in page and id_number not in page
        assert "工作调动" in page and "查看完整身份证号和手机号" in page
        looked = client.post(f"/federation/incoming/{incoming.pk}/personal-data/")
        assert id_number in looked.content.decode()
        assert looked["Cache-Control"] == "no-store"
        assert AuditRecord.objects.filter(
            action="federation.reveal_incoming", user=receiving_secretary
        ).exists()

        # the ID number is registered here already (the sender's row, in this shared
        # database): refused beside the answer, nothing written, nothing sent back
        taken = client.post(f"/federation/incoming/{incoming.pk}/answer/", {"action": "accept"})
        assert taken.status_code == 400
        assert "该身份证号已在系统中登记" in taken.content.decode()
        assert IncomingTransfer.objects.get().state == IncomingState.PENDING
        assert not OutboxMessage.objects.filter(kind=MessageKind.TRANSFER_ANSWER).exists()

        as_if_elsewhere(mover)
        answer = client.post(
            f"/federation/incoming/{incoming.pk}/answer/",
            {"action": "accept", "on": TODAY.date().isoformat()},
        )
    arrived = Member.objects.get(organization=tree.yaohua_branch, name="赵磊")
    assert answer.status_code == 302 and answer["Location"] == f"/members/{arrived.pk}/"
    assert arrived.status == MemberStatus.FULL
    assert crypto.unseal(arrived.id_number_sealed, field=ID_FIELD) == id_number
    event = MemberEvent.objects.get(member=arrived)
    assert event.move == StatusMove.TRANSFER_IN and "跨省" in event.decision
    incoming.refresh_from_db()
    assert (incoming.state, incoming.member, incoming.answered_by) == (
        IncomingState.ACCEPTED,
        arrived,
        receiving_secretary,
    )
    reply = OutboxMessage.objects.get(kind=MessageKind.TRANSFER_ANSWER)
    assert reply.peer == JIANGSU and "赵磊".encode() not in bytes(reply.body)

    assert answer_back() == 1
    transfer.refresh_from_db()
    mover.refresh_from_db()
    assert transfer.state == TransferState.COMPLETED and transfer.receipt_on == TODAY.date()
    assert mover.status == MemberStatus.TRANSFERRED_OUT
    assert transfer.steps.filter(action=StepAction.RECORD_RECEIPT, by=None).count() == 1

    # the answer handed over again, and the same accept posted again: nothing twice
    OutboxMessage.objects.filter(pk=reply.pk).update(delivered_at=None)
    assert answer_back() == 0
    assert InboxMessage.objects.filter(kind=MessageKind.TRANSFER_ANSWER).count() == 1
    with ZJ:
        again = client.post(
            f"/federation/incoming/{incoming.pk}/answer/", {"action": "accept"}, follow=True
        )
    assert "已有答复" in again.content.decode()
    assert Member.objects.filter(name="赵磊").count() == 2  # the sender's and the receiver's
    assert OutboxMessage.objects.filter(kind=MessageKind.TRANSFER_ANSWER).count() == 1
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"federation.accept_incoming", "federation.receive", "transfers.record_receipt"} <= (
        actions
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_a_refusal_needs_its_reason_and_returns_the_senders_transfer(
    tree: Tree, mover, secretary, street_official, receiving_secretary
) -> None:
    transfer = send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
    incoming = IncomingTransfer.objects.get()
    client = verified_client(receiving_secretary)
    url = f"/federation/incoming/{incoming.pk}/answer/"
    with ZJ:
        blank = client.post(url, {"action": "refuse", "reason": "  "})
    assert blank.status_code == 400
    assert '<p class="errors">不予接收须说明原因</p>' in blank.content.decode()
    assert IncomingTransfer.objects.get().state == IncomingState.PENDING
    assert not OutboxMessage.objects.filter(kind=MessageKind.TRANSFER_ANSWER).exists()

    with ZJ:
        refused = client.post(url, {"action": "refuse", "reason": "该同志工作单位不在本社区"})
    assert refused.status_code == 302
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.REFUSED
    assert not Member.objects.filter(organization=tree.yaohua_branch).exists()

    assert answer_back() == 1
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RETURNED
    assert "该同志工作单位不在本社区" in transfer.returned_reason
    sender_page = verified_client(secretary).get("/").content.decode()
    assert "已退回" in sender_page
    # the sending branch sends it again, as after a return within the province
    transfer = services.take_step(transfer=transfer, action=StepAction.RESUBMIT, by=secretary)
    assert transfer.state == TransferState.SENT


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_an_arrival_for_no_organization_here_is_refused_at_once(
    tree: Tree, mover, secretary, street_official
) -> None:
    transfer = send_across(mover, 987654, secretary, street_official)
    incoming = IncomingTransfer.objects.get()
    assert incoming.state == IncomingState.REFUSED and incoming.to_organization is None
    assert "987654" in incoming.refused_reason
    assert answer_back() == 1
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RETURNED


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_only_the_receiving_side_sees_and_answers_an_arrival(
    tree: Tree, mover, secretary, street_official, receiving_secretary, yaohua_official
) -> None:
    send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
    incoming = IncomingTransfer.objects.get()
    url = f"/federation/incoming/{incoming.pk}/"
    other = user_with("wang-jianguo", Role.BRANCH_SECRETARY, organization=tree.sibling)
    with ZJ:
        assert verified_client(other).get(url).status_code == 404
        refused = verified_client(other).post(url + "answer/", {"action": "accept"})
        assert refused.status_code == 404
        assert f'href="{url}"' not in verified_client(other).get("/").content.decode()
        # the street's committee above the receiving branch answers for it
        assert (
            "接收，登记为本组织党员" in verified_client(yaohua_official).get(url).content.decode()
        )
        with pytest.raises(Forbidden, match="党员管理权限"):
            arrivals.accept_incoming(incoming=incoming, by=other)
    assert IncomingTransfer.objects.get().state == IncomingState.PENDING


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_an_answer_from_another_instance_than_the_receiver_changes_nothing(
    tree: Tree, mover, secretary, street_official
) -> None:
    transfer = send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
    with AH:
        body = keys.seal_for(
            JIANGSU,
            message_id="6d1f7c1e-0000-4000-8000-000000000002",
            kind=MessageKind.TRANSFER_ANSWER,
            payload={"transfer": transfer.pk, "accepted": True, "reason": "", "on": None},
        )
    InboxMessage.objects.create(
        message_id="6d1f7c1e-0000-4000-8000-000000000002",
        sender=ANHUI,
        kind=MessageKind.TRANSFER_ANSWER,
        body=body,
    )
    with (
        JS,
        override_settings(
            JICENG_FEDERATION_PEER_KEYS={
                ANHUI: keys.public_key_text(KEY_AH),
            }
        ),
    ):
        assert exchange.receive() == 0
    assert "不存在" in InboxMessage.objects.get(sender=ANHUI).error
    transfer.refresh_from_db()
    assert transfer.state == TransferState.LETTER_ISSUED


# -- the start form ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_start_form_is_offered_only_where_federation_is_configured(
    tree: Tree, mover, secretary
) -> None:
    client = verified_client(secretary)
    with override_settings(JICENG_FEDERATION_PROVINCE="", JICENG_FEDERATION_PEER_KEYS={}):
        assert "发起跨省转接" not in client.get(f"/members/{mover.pk}/").content.decode()
        assert client.get(f"/federation/transfers/new/{mover.pk}/").status_code == 404
    with JS:
        assert "发起跨省转接" in client.get(f"/members/{mover.pk}/").content.decode()
        assert "发起跨省转接" in client.get(f"/transfers/new/{mover.pk}/").content.decode()
        assert client.get(f"/federation/transfers/new/{mover.pk}/").status_code == 200
        # a secretary of another branch does not manage 赵磊
        other = user_with("wang-jianguo", Role.BRANCH_SECRETARY, organization=tree.sibling)
        assert (
            verified_client(other).get(f"/federation/transfers/new/{mover.pk}/").status_code == 404
        )


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_the_start_form_says_what_is_wrong_beside_the_field_and_starts_the_transfer(
    tree: Tree, mover, secretary
) -> None:
    client = verified_client(secretary)
    url = f"/federation/transfers/new/{mover.pk}/"
    with JS:
        typed = client.get(url).content.decode()
        assert f'<option value="{ZHEJIANG}"' in typed and 'name="local_id"' in typed
        missing = client.post(url, {"province": ZHEJIANG, "name": "", "reason": "工作调动"})
        assert missing.status_code == 400
        assert "请填写接收党组织在对方系统中的编号" in missing.content.decode()
        nameless = client.post(url, {"province": ZHEJIANG, "local_id": "77", "reason": "调动"})
        assert '<p class="errors">请填写接收党组织名称</p>' in nameless.content.decode()
        own = client.post(url, {"province": JIANGSU, "local_id": "7", "name": "某支部"})
        assert own.status_code == 400
        assert not Transfer.objects.exists()
        done = client.post(
            url,
            {
                "province": ZHEJIANG,
                "local_id": "77",
                "name": "杭州市西湖区某社区党支部",
                "reason": "工作调动",
                "leaves_on": "2025-06-01",
            },
        )
    assert done.status_code == 302, done.content.decode()
    transfer = Transfer.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/transfers/{transfer.pk}/"
    remote = RemoteTransfer.objects.get(transfer=transfer)
    assert (remote.province_code, remote.local_id) == (ZHEJIANG, 77)
    assert transfer.state == TransferState.SENT and transfer.started_by == secretary


@pytest.mark.django_db
def test_the_start_form_finds_the_receiver_in_the_published_tree_when_held(
    tree: Tree, mover, secretary
) -> None:
    PublishedOrganization.objects.bulk_create(
        [
            PublishedOrganization(
                province_code=ZHEJIANG,
                local_id=2,
                depth=0,
                path="00010001",
                name="中共浙江省委",
                kind="LOCAL_COMMITTEE",
            ),
            PublishedOrganization(
                province_code=ZHEJIANG,
                local_id=31,
                parent_local_id=2,
                depth=4,
                path="000100010001",
                name="西湖区文新社区党支部",
                kind="BRANCH",
            ),
        ]
    )
    client = verified_client(secretary)
    url = f"/federation/transfers/new/{mover.pk}/"
    with JS:
        found = client.get(url, {"province": ZHEJIANG, "q": "文新"}).content.decode()
        assert f'<option value="{ZHEJIANG}" selected>' in found
        assert 'value="31"' in found and "西湖区文新社区党支部" in found
        assert 'name="local_id"' not in found  # nothing to type: the tree is held
        client.post(url, {"province": ZHEJIANG, "to": "31", "reason": "工作调动"})
    remote = RemoteTransfer.objects.get()
    assert (remote.local_id, remote.name) == (31, "西湖区文新社区党支部")


# -- the scheduler -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_the_scheduled_exchange_does_nothing_where_federation_is_not_configured(
    tree: Tree, mover, secretary, street_official
) -> None:
    with JS:
        transfer = crossing.start_cross_province_transfer(
            member=mover, province=ZHEJIANG, local_id=77, name="某支部", reason="调动", by=secretary
        )
        services.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=street_official)
        exchange.deliver_due(send=handed_by(JIANGSU))
    with override_settings(JICENG_FEDERATION_PROVINCE="", JICENG_FEDERATION_PEER_KEYS={}):
        assert tasks.receive_inbox.call() == 0
        assert tasks.deliver_outbox.call() == 0
    assert not IncomingTransfer.objects.exists()
    with ZJ:
        assert tasks.receive_inbox.call() == 1
    assert IncomingTransfer.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_the_workbench_panel_reads_three_queries_however_many_arrivals(
    tree: Tree, secretary, street_official, receiving_secretary, django_assert_num_queries
) -> None:
    from jiceng.accounts.scoping import scope_of
    from jiceng.federation import panels
    from jiceng.web.workbench import Content

    for name in ("赵磊", "钱进", "孙浩"):
        mover = add_member(tree.branch, name=name)
        send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
        Transfer.objects.filter(member=mover).update(state=TransferState.CANCELLED)
    scope_of(receiving_secretary)  # the scope is read once a request, before the panels
    with ZJ, django_assert_num_queries(3):  # the count, the list, the provinces' names
        content = panels.incoming(receiving_secretary)
    assert isinstance(content, Content)
    assert len(content.items) == 3 and content.figures[0].value == 3
