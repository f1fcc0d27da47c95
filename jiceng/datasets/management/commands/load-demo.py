"""`jiceng load-demo`: the demo district 江苏省南京市栖霞区 and its demo logins.

The file name is the command name: Django names a command after its module, and `make demo`
calls `jiceng load-demo`.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.errors import DomainError
from jiceng.datasets.demo import DISTRICT, load_demo
from jiceng.divisions.models import Division


class Command(BaseCommand):
    help = "载入演示数据（江苏省南京市栖霞区）并打印演示账号；已载入则只打印账号"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="生成数据的进程数（默认为CPU核数，最多2；0为在本进程内生成）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not Division.objects.filter(code__startswith=DISTRICT).exists():
            self.stdout.write("行政区划尚未载入，先运行 jiceng load-divisions ……")
            try:
                call_command("load-divisions", stdout=self.stdout, stderr=self.stderr)
            except CommandError as exc:
                raise CommandError(f"无法载入行政区划：{exc}") from None
        try:
            logins = load_demo(workers=options["workers"], progress=self.progress)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS("演示账号（仅供演示）："))
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(
                f"  {login.username:<{width}}  密码 {login.password}  {login.role}  "
                f"{login.scope}  （{login.display_name}）"
            )

    def progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
