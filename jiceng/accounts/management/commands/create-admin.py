"""`jiceng create-admin USERNAME --role system|security|audit`: open one of the three separated
administrators' accounts (三员). Production starts from these, never from a Django superuser.

`jiceng create-admin --reset USERNAME`: reset one of them at the server's console, the only
place where the security and audit administrators' accounts are reset (accounts.
account_changes): a new password, the account switched on, the authenticator removed. Audited.

The password comes from the JICENG_ADMIN_PASSWORD environment variable (for scripted
installs) or is asked for twice. The administrator enrolls an authenticator app at the first
sign-in.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from jiceng.accounts import services
from jiceng.accounts.account_changes import reset_administrator
from jiceng.accounts.models import Role
from jiceng.core.errors import DomainError

ROLES = {"system": Role.SYSTEM_ADMIN, "security": Role.SECURITY_ADMIN, "audit": Role.AUDIT_ADMIN}


class Command(BaseCommand):
    help = "开设三员账号：系统管理员（system）、安全管理员（security）、审计管理员（audit）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), help="开设账号时必填")
        parser.add_argument("--display-name", default="")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="重置已有的管理员账号：新密码、启用账号、解绑身份验证器（下次登录重新绑定）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            self.reset(options["username"])
            return
        if not options["role"]:
            raise CommandError("请用 --role 指定要开设的管理员：system、security 或 audit")
        role = ROLES[options["role"]]
        password = os.environ.get("JICENG_ADMIN_PASSWORD") or self.ask_password()
        try:
            with transaction.atomic():
                user = services.create_account(
                    username=options["username"],
                    password=password,
                    display_name=options["display_name"] or role.label,
                    by=None,
                )
                services.assign_role(user=user, role=role, by=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已开设{role.label}账号 {user.username}；首次登录时绑定身份验证器。"
            )
        )

    def reset(self, username: str) -> None:
        password = os.environ.get("JICENG_ADMIN_PASSWORD") or self.ask_password()
        try:
            user = reset_administrator(username=username, password=password)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已重置管理员账号 {user.username}：密码已更新，身份验证器已解绑，"
                "下次登录时重新绑定。"
            )
        )

    def ask_password(self) -> str:
        first = getpass.getpass("密码：")
        if first != getpass.getpass("再输入一次："):
            raise CommandError("两次输入的密码不一致")
        return first
