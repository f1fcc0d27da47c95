"""改选接收党组织: Jiangsu's 赵磊 is refused by 尧化社区党支部 ("Zhejiang's"), and his branch
sends him to another organization instead, of the same instance (文苑社区第二党支部, here of the
same tree) or of another one (Anhui). The transfer goes back to the sending committee, whose
new letter sends the record again as a new message; Zhejiang takes it as a new arrival, once,
and an answer to the first sending never acts on the second."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from django.test import override_settings

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput
from jiceng.core.models import AuditRecord
from jiceng.federation import arrivals, crossing, exchange, keys
from jiceng.federation.models import (
    InboxMessage,
    IncomingState,
    IncomingTransfer,
    MessageKind,
    OutboxMessage,
    RemoteTransfer,
)
from jiceng.federation.tests.test_arrivals import (
    answer_back,
    as_if_elsewhere,
    handed_by,
    send_across,
)
from jiceng.federation.tests.test_federation import (
    ANHUI,
    JIANGSU,
    JS,
    KEY_AH,
    KEY_JS,
    KEY_ZJ,
    TODAY,
    ZHEJIANG,
    ZJ,
    as_instance,
)
from jiceng.members.models import Member, MemberStatus
from jiceng.testing.personas import Tree, add_member, verified_client
from jiceng.transfers import services
from jiceng.transfers.models import StepAction, Transfer, TransferState

# Jiangsu exchanging with Zhejiang and Anhui
JS_WIDE = as_instance(JIANGSU, KEY_JS, **{ZHEJIANG: KEY_ZJ, ANHUI: KEY_AH})


@pytest.fixture
def frozen() -> Iterator[dt.datetime]:
    with clock.frozen(TODAY):
        yield TODAY


@pytest.fixture
def mover(tree: Tree) -> Member:
    return add_member(tree.branch, name="赵磊")


def refused(tree: Tree, mover: Member, secretary: User, official: User) -> Transfer:
    """Sent to 尧化社区党支部, refused there, the refusal back in Jiangsu: 已退回."""
    transfer = send_across(mover, tree.yaohua_branch.pk, secretary, official)
    with ZJ:
        arrivals.refuse_incoming(
            incoming=IncomingTransfer.objects.get(), by=None, reason="该同志不在本社区居住"
        )
    assert answer_back() == 1
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RETURNED
    return transfer


def sendings(transfer: Transfer) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(transfer=transfer, kind=MessageKind.TRANSFER).order_by("pk")
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_a_refused_transfer_goes_to_another_organization_and_arrives_there_anew(
    tree: Tree, mover, secretary, street_official, sibling_secretary
) -> None:
    transfer = refused(tree, mover, secretary, street_official)
    client = verified_client(secretary)
    url = f"/federation/transfers/{transfer.pk}/redirect/"
    with JS:
        detail = client.get(f"/transfers/{transfer.pk}/").content.decode()
        assert f'href="{url}"' in detail and "该同志不在本社区居住" in detail
        assert f'href="{url}"' in client.get(f"/members/{mover.pk}/").content.decode()
        page = client.get(url).content.decode()
        assert "尧化社区党支部" in page and f"编号 {tree.yaohua_branch.pk}" in page

        # the same receiver again is what 重新提交 is for: said beside the field
        same = client.post(
            url,
            {
                "province": ZHEJIANG,
                "local_id": str(tree.yaohua_branch.pk),
                "name": "尧化社区党支部",
                "reason": "工作调动",
                "seen": "RETURNED",
            },
        )
        assert same.status_code == 400
        assert f'<p class="errors">{crossing.SAME_RECEIVER}</p>' in same.content.decode()
        nameless = client.post(
            url, {"province": ZHEJIANG, "local_id": "77", "reason": "工作调动", "seen": "RETURNED"}
        )
        assert '<p class="errors">请填写接收党组织名称</p>' in nameless.content.decode()
        assert Transfer.objects.get().state == TransferState.RETURNED

        done = client.post(
            url,
            {
                "province": ZHEJIANG,
                "local_id": str(tree.sibling.pk),
                "name": "文苑社区第二党支部",
                "reason": "工作调动（改至第二党支部）",
                "leaves_on": TODAY.date().isoformat(),
                "seen": "RETURNED",
            },
        )
        assert done.status_code == 302 and done["Location"] == f"/transfers/{transfer.pk}/"
        # the same form posted twice: the second finds it resubmitted, nothing changes
        again = client.post(
            url,
            {"province": ZHEJIANG, "local_id": "88", "name": "某支部", "seen": "RETURNED"},
            follow=True,
        )
        assert "只有已退回的跨省转接" in again.content.decode()
    transfer.refresh_from_db()
    remote = RemoteTransfer.objects.get(transfer=transfer)
    assert (remote.province_code, remote.local_id, remote.name) == (
        ZHEJIANG,
        tree.sibling.pk,
        "文苑社区第二党支部",
    )
    assert transfer.state == TransferState.SENT and transfer.returned_reason == ""
    assert transfer.destination == f"文苑社区第二党支部（{ZHEJIANG}）"
    assert transfer.reason == "工作调动（改至第二党支部）"
    assert transfer.letter_token is None  # the first letter's QR code checks no more
    with JS:
        resubmitted = client.get(f"/transfers/{transfer.pk}/").content.decode()
        assert "打印介绍信" not in resubmitted and "待转出方党委审批" in resubmitted
    step = transfer.steps.get(action=StepAction.RESUBMIT)
    assert step.note.startswith("原介绍信（2025）第0001号作废；")
    assert (
        step.by == secretary
        and "由尧化社区党支部" in step.note
        and "改为文苑社区第二党支部" in step.note
    )
    audit = AuditRecord.objects.get(action="federation.redirect_transfer")
    assert audit.user == secretary
    assert json.loads(audit.detail) == {
        "from": f"{ZHEJIANG}:{tree.yaohua_branch.pk}",
        "to": f"{ZHEJIANG}:{tree.sibling.pk}",
    }
    assert len(sendings(transfer)) == 1  # nothing leaves before the committee approves again

    # the committee approves: a new letter, the record sealed again for the new receiver
    with JS:
        first_letter = transfer.letter_number
        transfer = services.take_step(
            transfer=transfer, action=StepAction.APPROVE_OUT, by=street_official
        )
        assert transfer.letter_number != first_letter
        _, second = sendings(transfer)
        assert exchange.deliver_due(send=handed_by(JIANGSU)) == exchange.Delivery(1, 0)
        # handed over again (its answer lost): held once
        OutboxMessage.objects.filter(pk=second.pk).update(delivered_at=None)
        assert exchange.deliver_due(send=handed_by(JIANGSU)) == exchange.Delivery(1, 0)
    with ZJ:
        assert exchange.payload_of(InboxMessage.objects.get(message_id=second.message_id))[
            "to_local_id"
        ] == (tree.sibling.pk)
        assert exchange.receive() == 1
        assert exchange.receive() == 0
    old, new = IncomingTransfer.objects.order_by("pk")
    assert old.state == IncomingState.REFUSED and old.to_organization == tree.yaohua_branch
    assert (new.state, new.to_organization, new.remote_transfer_id) == (
        IncomingState.PENDING,
        tree.sibling,
        transfer.pk,
    )
    assert new.message.message_id == second.message_id

    # the new receiver accepts: Jiangsu's letter closes, 赵磊 has left
    as_if_elsewhere(mover)
    with ZJ:
        arrivals.accept_incoming(incoming=new, by=sibling_secretary)
    assert answer_back() == 1
    transfer.refresh_from_db()
    mover.refresh_from_db()
    assert transfer.state == TransferState.COMPLETED
    assert mover.status == MemberStatus.TRANSFERRED_OUT
    assert Member.objects.filter(organization=tree.sibling, name="赵磊").count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_a_refused_transfer_goes_to_another_province_instance(
    tree: Tree, mover, secretary, street_official
) -> None:
    transfer = refused(tree, mover, secretary, street_official)
    with JS_WIDE:
        # the start form's checks: not this province, only a peer
        for province, field in ((JIANGSU, "province"), ("350000000000", "province")):
            with pytest.raises(InvalidInput) as problem:
                crossing.redirect_cross_province_transfer(
                    transfer=transfer, province=province, local_id=5, name="某支部", by=secretary
                )
            assert field in problem.value.fields
        transfer = crossing.redirect_cross_province_transfer(
            transfer=transfer,
            province=ANHUI,
            local_id=501,
            name="合肥市蜀山区某社区党支部",
            by=secretary,
        )
        assert transfer.destination == f"合肥市蜀山区某社区党支部（{ANHUI}）"
        services.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=street_official)
    newest = sendings(transfer)[-1]
    assert newest.peer == ANHUI
    with as_instance(ANHUI, KEY_AH, **{JIANGSU: KEY_JS}):
        payload = keys.open_from(
            JIANGSU, message_id=str(newest.message_id), kind="TRANSFER", body=newest.body
        )
    assert (payload["to_local_id"], payload["member"]["name"]) == (501, "赵磊")
    transfer.refresh_from_db()
    assert transfer.state == TransferState.LETTER_ISSUED


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_an_answer_to_an_earlier_sending_never_acts_on_the_one_sent_again(
    tree: Tree, mover, secretary, street_official
) -> None:
    transfer = refused(tree, mover, secretary, street_official)
    first_arrival = IncomingTransfer.objects.get()
    with JS:
        transfer = crossing.redirect_cross_province_transfer(
            transfer=transfer,
            province=ZHEJIANG,
            local_id=tree.sibling.pk,
            name="第二党支部",
            by=secretary,
        )
        services.take_step(transfer=transfer, action=StepAction.APPROVE_OUT, by=street_official)
    # a second answer naming the first sending (an old message tried again, say): kept with
    # its reason, never closing the letter sent since
    stale = "6d1f7c1e-0000-4000-8000-0000000000a1"
    with ZJ:
        body = keys.seal_for(
            JIANGSU,
            message_id=stale,
            kind=MessageKind.TRANSFER_ANSWER,
            payload={
                "transfer": transfer.pk,
                "message": str(first_arrival.message.message_id),
                "accepted": True,
                "reason": "",
                "on": None,
            },
        )
    InboxMessage.objects.create(
        message_id=stale, sender=ZHEJIANG, kind=MessageKind.TRANSFER_ANSWER, body=body
    )
    with JS:
        assert exchange.receive() == 0
    assert "此前一次发送" in InboxMessage.objects.get(message_id=stale).error
    transfer.refresh_from_db()
    assert transfer.state == TransferState.LETTER_ISSUED
    assert not transfer.steps.filter(action=StepAction.RECORD_RECEIPT).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_only_the_sending_branch_changes_the_receiver_and_only_when_returned(
    tree: Tree, mover, secretary, street_official, sibling_secretary, member_user
) -> None:
    transfer = send_across(mover, tree.yaohua_branch.pk, secretary, street_official)
    url = f"/federation/transfers/{transfer.pk}/redirect/"
    with JS:
        # not returned: no link, the page sends back to the transfer
        client = verified_client(secretary)
        assert url not in client.get(f"/transfers/{transfer.pk}/").content.decode()
        assert client.get(url)["Location"] == f"/transfers/{transfer.pk}/"
        with pytest.raises(Conflict):
            crossing.redirect_cross_province_transfer(
                transfer=transfer, province=ZHEJIANG, local_id=5, name="某支部", by=secretary
            )
    with ZJ:
        arrivals.refuse_incoming(incoming=IncomingTransfer.objects.get(), by=None, reason="不符")
    answer_back()
    transfer.refresh_from_db()
    with JS:
        # another branch's secretary does not see it; a member may not manage members
        assert verified_client(sibling_secretary).get(url).status_code == 404
        assert verified_client(member_user).get(url).status_code == 403
        with pytest.raises(Forbidden):
            crossing.redirect_cross_province_transfer(
                transfer=transfer,
                province=ZHEJIANG,
                local_id=5,
                name="某支部",
                by=sibling_secretary,
            )
    with override_settings(JICENG_FEDERATION_PROVINCE="", JICENG_FEDERATION_PEER_KEYS={}):
        assert verified_client(secretary).get(url).status_code == 404
    assert Transfer.objects.get().state == TransferState.RETURNED
    assert RemoteTransfer.objects.get().local_id == tree.yaohua_branch.pk
