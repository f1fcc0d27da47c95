"""Provinces federated (省级实例联邦).

Two kinds of tables, kept apart on purpose:

- The published tables (`PublishedOrganization`, `PublishedCompliance`) hold the organization
  tree, its rollups and the compliance figures of one province instance, without any personal
  data, keyed by the province's division code and the local id (a composite primary key, which
  is also the replica identity). A province fills them from its own tables
  (federation.publishing, `jiceng federation-publish`); PostgreSQL's logical replication
  (publication `jiceng_federation`) carries them to the national instance, whose copies of the
  same tables receive the rows of every province without two ever sharing a key.
- The exchange (`OutboxMessage` on the sender, `InboxMessage` on the receiver) carries what is
  personal (a member's record moving with a transfer) from one instance to one other, sealed
  with the key of that pair of instances (federation.keys), never through the replicated
  tables.
"""

from __future__ import annotations

import uuid

from django.db import models

from jiceng.core import clock


class PublishedOrganization(models.Model):
    """One organization of a province instance, as the national instance sees it."""

    pk = models.CompositePrimaryKey("province_code", "local_id")
    province_code = models.CharField("省级行政区划代码", max_length=12)
    local_id = models.BigIntegerField("本省编号")
    parent_local_id = models.BigIntegerField("上级本省编号", null=True, blank=True)
    # 0 for the province's own top organization, 1 for the level below, ...
    depth = models.PositiveSmallIntegerField("层级")
    path = models.CharField("本省路径", max_length=255)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20)
    sector = models.CharField("领域", max_length=20, blank=True)
    division_code = models.CharField("所在行政区划", max_length=12, blank=True)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    member_count = models.PositiveIntegerField("党员数", default=0)
    full_member_count = models.PositiveIntegerField("正式党员数", default=0)
    subtree_member_count = models.PositiveIntegerField("下辖党员数", default=0)
    subtree_branch_count = models.PositiveIntegerField("下辖支部数", default=0)
    subtree_org_count = models.PositiveIntegerField("下辖基层党组织数", default=0)

    class Meta:
        verbose_name = "联邦党组织"
        verbose_name_plural = "联邦党组织"
        indexes = [models.Index(fields=["province_code", "depth", "path"])]

    def __str__(self) -> str:
        return f"{self.province_code}:{self.local_id} {self.name}"


class PublishedCompliance(models.Model):
    """The compliance rollup (orglife.Compliance) of one organization and month, published."""

    pk = models.CompositePrimaryKey("province_code", "local_id", "month")
    province_code = models.CharField("省级行政区划代码", max_length=12)
    local_id = models.BigIntegerField("本省编号")
    month = models.PositiveIntegerField("月份")
    depth = models.PositiveSmallIntegerField("层级")
    branches = models.PositiveIntegerField("支部数", default=0)
    compliant = models.PositiveIntegerField("达标支部数", default=0)
    missing = models.PositiveIntegerField("缺项", default=0)
    pending = models.PositiveIntegerField("待完成", default=0)
    members_without_talk = models.PositiveIntegerField("未谈心谈话党员数", default=0)
    expected = models.PositiveIntegerField("应到人次", default=0)
    present = models.PositiveIntegerField("实到人次", default=0)

    class Meta:
        verbose_name = "联邦组织生活达标情况"
        verbose_name_plural = "联邦组织生活达标情况"
        indexes = [models.Index(fields=["month", "depth"])]

    def __str__(self) -> str:
        return f"{self.province_code}:{self.local_id} {self.month}"


class MessageKind(models.TextChoices):
    TRANSFER = "TRANSFER", "跨省组织关系转接"
    # the receiving organization's answer (接收或不予接收), back to the sending instance
    TRANSFER_ANSWER = "TRANSFER_ANSWER", "跨省转接答复"


class OutboxMessage(models.Model):
    """A message waiting for, or already handed to, another instance (发件箱).

    Written in the transaction of the change it announces (the transfer's approval), so the
    change and its message commit together; `jiceng federation-exchange` hands it over, again
    and again with a growing wait (federation.exchange.backoff) until the receiver holds it.
    `body` is ciphertext: the payload sealed for the receiver (federation.keys)."""

    message_id = models.UUIDField("消息编号", default=uuid.uuid4, unique=True, editable=False)
    peer = models.CharField("接收实例", max_length=12)
    kind = models.CharField("类别", max_length=20, choices=MessageKind.choices)
    body = models.BinaryField("密文")
    transfer = models.ForeignKey(
        "transfers.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="组织关系转接",
    )
    created_at = models.DateTimeField("生成时间", default=clock.now)
    attempts = models.PositiveIntegerField("投递次数", default=0)
    next_attempt_at = models.DateTimeField("下次投递时间", default=clock.now)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    last_error = models.CharField("最近一次失败原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "发件箱消息"
        verbose_name_plural = "发件箱消息"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="federation_outbox_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.peer}"


class InboxMessage(models.Model):
    """A message another instance handed over (收件箱). The sender inserts it itself, with
    ON CONFLICT (message_id) DO NOTHING, so a message handed over twice is held once; it is
    opened and acted on once (`processed_at`), by `jiceng federation-exchange`."""

    message_id = models.UUIDField("消息编号", unique=True)
    sender = models.CharField("发送实例", max_length=12)
    kind = models.CharField("类别", max_length=20, choices=MessageKind.choices)
    body = models.BinaryField("密文")
    received_at = models.DateTimeField("收到时间", default=clock.now)
    processed_at = models.DateTimeField("处理时间", null=True, blank=True)
    error = models.CharField("处理失败原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "收件箱消息"
        verbose_name_plural = "收件箱消息"

    def __str__(self) -> str:
        return f"{self.message_id} ← {self.sender}"


class RemoteTransfer(models.Model):
    """The receiving end of a transfer to an organization of another province instance: the
    transfer itself is a LETTER transfer (介绍信) of transfers, whose approval also queues the
    member's record for the receiving instance (federation.exchange.send_transfer)."""

    transfer = models.OneToOneField(
        "transfers.Transfer",
        on_delete=models.PROTECT,
        related_name="remote",
        verbose_name="组织关系转接",
    )
    province_code = models.CharField("接收方省级行政区划代码", max_length=12)
    local_id = models.BigIntegerField("接收党组织本省编号")
    name = models.CharField("接收党组织", max_length=200)

    class Meta:
        verbose_name = "跨省转接"
        verbose_name_plural = "跨省转接"

    def __str__(self) -> str:
        return f"{self.transfer_id} → {self.province_code}:{self.local_id}"


class IncomingState(models.TextChoices):
    PENDING = "PENDING", "待接收"
    ACCEPTED = "ACCEPTED", "已接收"
    REFUSED = "REFUSED", "不予接收"


class IncomingTransfer(models.Model):
    """A member's record arrived from another province instance, waiting for the receiving
    organization (待接收). The record itself stays sealed in its inbox message; it is opened
    for the page that shows it (masked) and for the acceptance, which registers the member
    here (federation.arrivals). Either answer goes back to the sender in the outbox."""

    message = models.OneToOneField(
        InboxMessage, on_delete=models.PROTECT, related_name="+", verbose_name="消息"
    )
    sender = models.CharField("转出实例", max_length=12)
    # the transfer's id at the sending instance, which the answer names
    remote_transfer_id = models.BigIntegerField("转出方转接编号", null=True, blank=True)
    to_organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="接收党组织",
    )
    member_name = models.CharField("姓名", max_length=50)
    from_organization_name = models.CharField("转出党组织", max_length=200)
    letter = models.CharField("介绍信编号", max_length=40, blank=True)
    arrived_at = models.DateTimeField("到达时间", default=clock.now)
    state = models.CharField(
        "状态", max_length=10, choices=IncomingState.choices, default=IncomingState.PENDING
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="答复人",
    )
    refused_reason = models.CharField("不予接收的原因", max_length=200, blank=True)
    arrived_on = models.DateField("转入日期", null=True, blank=True)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="转入后的党员",
    )

    class Meta:
        verbose_name = "跨省转入"
        verbose_name_plural = "跨省转入"
        indexes = [models.Index(fields=["to_organization", "state"])]

    def __str__(self) -> str:
        return f"{self.member_name} ← {self.sender}"

    @property
    def is_pending(self) -> bool:
        return self.state == IncomingState.PENDING
