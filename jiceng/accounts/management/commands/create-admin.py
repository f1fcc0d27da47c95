"""`jiceng create-admin USERNAME --role system|security|audit`: open one of the three separated
administrators' accounts (三员). Production starts from these, never from a Django superuser.

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
from jiceng.accounts.models import Role
from jiceng.core.errors import DomainError

ROLES = {"system": Role.SYSTEM_ADMIN, "security": Role.SECURITY_ADMIN, "audit": Role.AUDIT_ADMIN}


class Command(BaseCommand):
    help = "开设三员账号：系统管理员（system）、安全管理员（security）、审计管理员（audit）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--display-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
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

    def ask_password(self) -> str:
        first = getpass.getpass("密码：")
        if first != getpass.getpass("再输入一次："):
            raise CommandError("两次输入的密码不一致")
        return first
