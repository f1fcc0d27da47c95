"""`jiceng migrate` refuses a node that cannot take writes (a hot standby, or a session that is
read-only by default_transaction_read_only), with a message that says where to run it, instead
of failing half-way with PostgreSQL's "cannot execute CREATE TABLE in a read-only transaction".

Run at the pre_migrate signal of the core app: after migrate has read the plan, before it
writes anything (not even django_migrations)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.db import connections

READ_ONLY_MESSAGE = (
    "数据库 {alias} 当前节点只读（{why}），不能在此执行迁移。"
    "请连接主库后重试：DATABASE_URL 指向主库，或在多主机地址后加 target_session_attrs=read-write。"
)


def read_only_reason(alias: str) -> str:
    """Why the node of `alias` refuses writes, in Chinese; "" when it takes them."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
        in_recovery, read_only = cursor.fetchone()
    if in_recovery:
        return "热备库，正在从主库恢复"
    if read_only == "on":
        return "事务只读，default_transaction_read_only 已开启"
    return ""


def refuse_read_only_node(using: str = "default", **kwargs: Any) -> None:
    why = read_only_reason(using)
    if why:
        raise CommandError(READ_ONLY_MESSAGE.format(alias=using, why=why))
