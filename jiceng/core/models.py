"""The audit log (安全审计, 等保 2.0): one append-only table and the head of its hash chain.

Records are written only by `jiceng.core.audit.record`; read `audit.py` for the chain. On
PostgreSQL the table is partitioned by month of `at` (core.partitions, migration 0006), with the
primary key (id, at): rows are only ever inserted and nothing has a foreign key to it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q

from jiceng.core import clock
from jiceng.core.errors import AppendOnly

GENESIS_HASH = "0" * 64

_REFUSED = "审计记录只能追加，不能修改或删除"


class AuditEvent(models.TextChoices):
    SIGN_IN = "SIGN_IN", "登录"
    SIGN_IN_FAILED = "SIGN_IN_FAILED", "登录失败"
    SIGN_OUT = "SIGN_OUT", "退出"
    LOCKED_OUT = "LOCKED_OUT", "账号锁定"
    WRITE = "WRITE", "写入"
    EXPORT = "EXPORT", "导出"
    SENSITIVE_VIEW = "SENSITIVE_VIEW", "查看敏感信息"
    ACCOUNT_CHANGE = "ACCOUNT_CHANGE", "账号变更"
    ROLE_CHANGE = "ROLE_CHANGE", "角色变更"
    # A change to one of the three administrators' accounts (三员): the audit administrator
    # watches these apart from every other account's.
    ADMIN_ACCOUNT_CHANGE = "ADMIN_ACCOUNT_CHANGE", "管理员账号变更"
    POLICY_CHANGE = "POLICY_CHANGE", "策略变更"
    PURGE = "PURGE", "清理审计记录"


class AuditResult(models.TextChoices):
    SUCCESS = "SUCCESS", "成功"
    FAILURE = "FAILURE", "失败"
    REFUSED = "REFUSED", "拒绝"


class AuditRecordQuerySet(models.QuerySet["AuditRecord"]):
    """Refuses every ORM path that would change or remove rows. The database triggers
    (migration 0002) refuse the same at the SQL level; this layer gives a clear error early."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly(_REFUSED)

    def delete(self) -> NoReturn:
        raise AppendOnly(_REFUSED)

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise AppendOnly(_REFUSED)

    # Model.save() of an existing row and update_or_create() reach the database through
    # _update; refuse it too rather than rely on every caller going through update().
    def _update(self, values: Any) -> NoReturn:
        raise AppendOnly(_REFUSED)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> NoReturn:
        # A record's hash covers its predecessor's, so records are chained one at a time under
        # the head's lock (audit.record); rows added in bulk would sit outside the chain.
        raise AppendOnly("审计记录只能通过审计服务逐条追加")


class AuditRecord(models.Model):
    """One audited event. `detail` is canonical JSON text (sorted keys, no whitespace): stored
    as text so that the bytes hashed are the bytes stored, whatever a JSON column would do."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField("时间", default=clock.now, db_index=True)
    # No database constraint and DO_NOTHING: the record outlives the account it names.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="用户",
        db_index=False,  # audit_user, partial: a citizen's or a machine's write names no one
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    event = models.CharField("事件类型", max_length=20, choices=AuditEvent.choices)
    action = models.CharField("操作", max_length=200)
    target_type = models.CharField("对象类型", max_length=100, blank=True)
    target_id = models.CharField("对象标识", max_length=64, blank=True)
    result = models.CharField(
        "结果", max_length=10, choices=AuditResult.choices, default=AuditResult.SUCCESS
    )
    detail = models.TextField("详情", default="{}")
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        # Related lookups and Model.save() use the base manager: make it the refusing one.
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["user", "at"], name="audit_user", condition=Q(user__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_event_display()} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly(_REFUSED)
        # Always an INSERT: a new object with a chosen pk would otherwise try an UPDATE first.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly(_REFUSED)


class AuditHead(models.Model):
    """The one row (pk=1) that says where the chain ends and, after a purge, where it starts.

    Appending locks this row (select_for_update), so two writers cannot both link to the same
    predecessor and fork the chain. `last_id` lets `verify` notice records that are missing
    at the end or were inserted past the service."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # The last purged record: the first remaining record links to anchor_hash.
    anchor_id = models.BigIntegerField(null=True)
    anchor_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # The last record written before the chain was keyed, and the keyed seal over its id and
    # hash (migration 0004); none in a database created keyed (audit_chain).
    plain_last_id = models.BigIntegerField(null=True)
    plain_seal = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"审计链头 #{self.last_id}"


class KeyFingerprint(models.Model):
    """A fingerprint of each key the data was written with (core.keys): made by `migrate`, so
    that a database never runs with keys other than its own (a copy restored without its keys
    file, where new keys would open nothing and find no duplicate)."""

    name = models.CharField(primary_key=True, max_length=20)  # "field:1", "index", "audit"
    fingerprint = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "密钥指纹"
        verbose_name_plural = "密钥指纹"

    def __str__(self) -> str:
        return f"{self.name} {self.fingerprint}"
