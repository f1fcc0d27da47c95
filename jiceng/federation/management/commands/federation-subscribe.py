"""jiceng federation-subscribe CODE CONNINFO: on the national instance, subscribe to a province
instance's publication (once; a PostgreSQL superuser). CODE is the province's 12-digit division
code, CONNINFO a libpq connection string to the province's database, e.g.
"host=10.0.0.32 dbname=jiceng user=jiceng_replication password=..."."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.errors import InvalidInput
from jiceng.federation import publishing


class Command(BaseCommand):
    help = "全国实例：订阅一个省级实例的发布"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("province", help="省级行政区划代码（12位）")
        parser.add_argument("conninfo", help="省级实例数据库的 libpq 连接串")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            made = publishing.ensure_subscription(
                province=options["province"], conninfo=options["conninfo"]
            )
        except InvalidInput as problem:
            raise CommandError(problem.message) from None
        name = publishing.subscription_name(options["province"])
        self.stdout.write(f"已建立订阅 {name}" if made else f"订阅 {name} 已存在")
