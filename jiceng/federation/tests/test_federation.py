"""The federation on one database (SQLite and PostgreSQL): publishing is keyed and writes only
what changed; a cross-province transfer's record is sealed for the pair of instances, retried
with a growing wait, delivered once and taken once. The replication itself, across three
PostgreSQL servers, is tested in test_replication."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import override_settings

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.core.models import AuditRecord
from jiceng.federation import crossing, exchange, keys, publishing, queries
from jiceng.federation.models import (
    InboxMessage,
    IncomingTransfer,
    OutboxMessage,
    PublishedOrganization,
)
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree, add_member, user_with, verified_client
from jiceng.transfers import services
from jiceng.transfers.models import StepAction, TransferState

JIANGSU, ZHEJIANG, ANHUI = "320000000000", "330000000000", "340000000000"
TODAY = dt.datetime(2025, 6, 2, 10, 0, tzinfo=clock.CHINA)
KEY_JS, KEY_ZJ, KEY_AH = keys.new_private_key(), keys.new_private_key(), keys.new_private_key()


def as_instance(code: str, private: str, **peers: str) -> override_settings:
    return override_settings(
        JICENG_FEDERATION_PROVINCE=code,
        JICENG_FEDERATION_KEY=private,
        JICENG_FEDERATION_PEER_KEYS={c: keys.public_key_text(k) for c, k in peers.items()},
    )


JS = as_instance(JIANGSU, KEY_JS, **{ZHEJIANG: KEY_ZJ})
ZJ = as_instance(ZHEJIANG, KEY_ZJ, **{JIANGSU: KEY_JS})
AH = as_instance(ANHUI, KEY_AH, **{JIANGSU: KEY_JS})


@pytest.fixture
def frozen() -> Iterator[dt.datetime]:
    with clock.frozen(TODAY):
        yield TODAY


# -- the pair key ------------------------------------------------------------------------------


def test_what_one_province_seals_only_its_pair_opens() -> None:
    with JS:
        body = keys.seal_for(ZHEJIANG, message_id="m1", kind="TRANSFER", payload={"name": "赵磊"})
    assert "赵磊".encode() not in body
    with ZJ:
        assert keys.open_from(JIANGSU, message_id="m1", kind="TRANSFER", body=body) == {
            "name": "赵磊"
        }
        with pytest.raises(keys.KeyProblem):  # the same body under another message id
            keys.open_from(JIANGSU, message_id="m2", kind="TRANSFER", body=body)
    with AH, pytest.raises(keys.KeyProblem):  # a third instance, claiming to be Zhejiang
        keys.open_from(JIANGSU, message_id="m1", kind="TRANSFER", body=body)


def test_an_instance_without_the_peers_key_cannot_seal() -> None:
    with JS, pytest.raises(keys.KeyProblem, match="公钥"):
        keys.seal_for(ANHUI, message_id="m1", kind="TRANSFER", payload={})


@override_settings(JICENG_FEDERATION_RETRY_SECONDS=30, JICENG_FEDERATION_RETRY_MAX_SECONDS=3600)
def test_the_wait_doubles_up_to_its_cap() -> None:
    waits = [exchange.backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 40)]
    assert waits == [30, 60, 120, 1920, 3600, 3600]


# -- publishing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_province_publishes_its_subtree_keyed_by_province_and_writes_nothing_twice(
    tree: Tree,
) -> None:
    add_member(tree.branch, name="钱进")
    from jiceng.orgs import rollups

    rollups.rebuild()
    with JS:
        first = publishing.publish()
        again = publishing.publish()
    rows = PublishedOrganization.objects.filter(province_code=JIANGSU)
    assert first.organizations == Organization.objects.count() - 1  # the national root is not its
    assert again.organizations == 0 and again.organizations_removed == 0
    top = rows.get(depth=0)
    assert (top.local_id, top.parent_local_id, top.name) == (tree.province.pk, None, "中共江苏省委")
    assert top.subtree_member_count == 1
    branch = rows.get(local_id=tree.branch.pk)
    assert (branch.parent_local_id, branch.depth) == (tree.community.pk, 5)

    Organization.objects.filter(pk=tree.sibling.pk).delete()
    Organization.objects.filter(pk=tree.branch.pk).update(name="文苑社区党支部")
    with JS:
        changed = publishing.publish()
    assert (changed.organizations, changed.organizations_removed) == (1, 1)
    assert rows.get(local_id=tree.branch.pk).name == "文苑社区党支部"
    assert not rows.filter(local_id=tree.sibling.pk).exists()


@pytest.mark.django_db
def test_two_provinces_with_the_same_local_ids_never_collide(tree: Tree) -> None:
    with JS:
        publishing.publish()
    copied = [
        PublishedOrganization(
            **{
                f.attname: getattr(row, f.attname)
                for f in PublishedOrganization._meta.concrete_fields
            }
            | {"province_code": ZHEJIANG, "name": row.name.replace("江苏", "浙江")}
        )
        for row in PublishedOrganization.objects.all()
    ]
    PublishedOrganization.objects.bulk_create(copied)
    lines = queries.province_figures()
    assert [line.province_code for line in lines] == [JIANGSU, ZHEJIANG]
    assert PublishedOrganization.objects.filter(local_id=tree.branch.pk).count() == 2


@pytest.mark.django_db
def test_an_instance_without_a_province_publishes_nothing(tree: Tree) -> None:
    with override_settings(JICENG_FEDERATION_PROVINCE=""), pytest.raises(InvalidInput):
        publishing.publish()
    assert not PublishedOrganization.objects.exists()


# -- the exchange ------------------------------------------------------------------------------


@pytest.fixture
def mover(tree: Tree) -> Member:
    return add_member(tree.branch, name="赵磊")


def cross(mover: Member, secretary: User, street_official: User) -> OutboxMessage:
    transfer = crossing.start_cross_province_transfer(
        member=mover,
        province=ZHEJIANG,
        local_id=77,
        name="杭州市西湖区某社区党支部",
        reason="工作调动",
        by=secretary,
    )
    assert not OutboxMessage.objects.exists()  # nothing leaves before the approval
    transfer = services.take_step(
        transfer=transfer, action=StepAction.APPROVE_OUT, by=street_official
    )
    assert transfer.state == TransferState.LETTER_ISSUED
    return OutboxMessage.objects.get(transfer=transfer)


def loopback(message: OutboxMessage) -> None:
    """The receiver's inbox, here in the same database, inserted as send_to_peer does."""
    InboxMessage.objects.get_or_create(
        message_id=message.message_id,
        defaults={"sender": JIANGSU, "kind": message.kind, "body": bytes(message.body)},
    )


def down(message: OutboxMessage) -> None:
    raise ConnectionRefusedError("connection refused")


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_a_cross_province_transfer_queues_the_sealed_record_at_its_approval(
    tree: Tree, mover, secretary, street_official
) -> None:
    with JS:
        message = cross(mover, secretary, street_official)
    body = bytes(message.body)
    assert message.peer == ZHEJIANG and message.delivered_at is None
    assert "赵磊".encode() not in body and b"320113" not in body  # no name, no ID number
    with ZJ:
        payload = keys.open_from(
            JIANGSU, message_id=str(message.message_id), kind="TRANSFER", body=body
        )
    assert payload["member"]["name"] == "赵磊"
    assert payload["member"]["id_number"].startswith("320113")
    assert payload["to_local_id"] == 77
    assert AuditRecord.objects.filter(action="federation.queue").count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
@override_settings(JICENG_FEDERATION_RETRY_SECONDS=30)
def test_a_receiver_down_is_retried_later_and_the_message_is_taken_once(
    tree: Tree, mover, secretary, street_official
) -> None:
    with JS:
        message = cross(mover, secretary, street_official)
        assert exchange.deliver_due(send=down) == exchange.Delivery(0, 1)
        message.refresh_from_db()
        assert message.attempts == 1 and "refused" in message.last_error
        assert message.next_attempt_at == TODAY + dt.timedelta(seconds=30)
        assert exchange.deliver_due(send=loopback) == exchange.Delivery(0, 0)  # not due yet
        with clock.frozen(TODAY + dt.timedelta(seconds=31)):
            assert exchange.deliver_due(send=down) == exchange.Delivery(0, 1)
        message.refresh_from_db()
        assert message.next_attempt_at == TODAY + dt.timedelta(seconds=31 + 60)
        with clock.frozen(TODAY + dt.timedelta(seconds=100)):
            assert exchange.deliver_due(send=loopback) == exchange.Delivery(1, 0)
            assert exchange.deliver_due(send=loopback) == exchange.Delivery(0, 0)
            # the answer was lost and the sender hands it over again: held once
            OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=None)
            assert exchange.deliver_due(send=loopback) == exchange.Delivery(1, 0)
    assert InboxMessage.objects.count() == 1
    with ZJ:
        assert exchange.receive() == 1
        assert exchange.receive() == 0
    incoming = IncomingTransfer.objects.get()
    assert (incoming.member_name, incoming.sender) == ("赵磊", JIANGSU)
    audits = AuditRecord.objects.filter(action="federation.deliver")
    assert (
        audits.filter(result="FAILURE").count() == 2
        and audits.filter(result="SUCCESS").count() == 2
    )


@pytest.mark.django_db
def test_a_forged_message_is_refused_and_nothing_is_taken(tree: Tree) -> None:
    with AH:
        body = keys.seal_for(JIANGSU, message_id="x", kind="TRANSFER", payload={})
    InboxMessage.objects.create(
        message_id="6d1f7c1e-0000-4000-8000-000000000001", sender=ANHUI, kind="TRANSFER", body=body
    )
    with ZJ, override_settings(JICENG_FEDERATION_PEER_KEYS={ANHUI: keys.public_key_text(KEY_AH)}):
        assert exchange.receive() == 0
    assert InboxMessage.objects.get().error
    assert not IncomingTransfer.objects.exists()


@pytest.mark.django_db
def test_a_receiver_in_the_same_province_or_unknown_is_refused(
    tree: Tree, mover, secretary
) -> None:
    with JS:
        for province in (JIANGSU, ANHUI):
            with pytest.raises(InvalidInput):
                crossing.start_cross_province_transfer(
                    member=mover,
                    province=province,
                    local_id=1,
                    name="某支部",
                    reason="调动",
                    by=secretary,
                )


# -- the national page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_national_department_sees_the_provinces_and_a_branch_secretary_does_not(
    tree: Tree, secretary
) -> None:
    with JS:
        publishing.publish()
    nation = user_with("nation-zzb", Role.ORGANIZATION_DEPARTMENT, organization=tree.root)
    page = verified_client(nation).get("/federation/")
    assert page.status_code == 200
    assert "中共江苏省委" in page.content.decode()
    child = verified_client(nation).get(f"/federation/{JIANGSU}/{tree.province.pk}/")
    assert "中共南京市委" in child.content.decode()
    assert verified_client(secretary).get("/federation/").status_code == 403
    dashboard = verified_client(nation).get(f"/dashboard/org/{tree.root.pk}/")
    assert dashboard.status_code == 200 and "各省级实例" in dashboard.content.decode()
