"""`jiceng audit verify` checks the audit log's hash chain; `jiceng audit purge --before DATE`
removes records older than DATE, but never one younger than the retention period."""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core import audit, clock


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def _operator() -> str:
    # No account runs a management command: the record names the operating-system user.
    try:
        return f"命令行:{getpass.getuser()}"
    except (KeyError, OSError):
        return "命令行"


class Command(BaseCommand):
    help = "审计记录：verify 校验哈希链；purge 清理早于保存期限的记录"

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="子命令")
        check = commands.add_parser("verify", help="校验哈希链，报告第一处断链")
        check.add_argument("--chunk", type=int, default=5000, help="每批读取的条数（默认 5000）")
        purge = commands.add_parser("purge", help="删除早于某日的记录（至少保留 180 天）")
        purge.add_argument(
            "--before", type=_date, required=True, help="删除此日（北京时间零点）之前的记录"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(options["chunk"])
        else:
            self.purge(options["before"])

    def verify(self, chunk: int) -> None:
        result = audit.verify(chunk=chunk)
        self.stdout.write(f"已校验 {result.checked:,} 条审计记录")
        if not result.ok:
            where = f"第一处断链：记录 #{result.broken_id}，" if result.broken_id else "断链："
            raise CommandError(where + result.reason, returncode=1)
        if result.last_id is not None:
            self.stdout.write(f"链尾：#{result.last_id} {result.last_hash}")
        self.stdout.write(self.style.SUCCESS("哈希链完整"))

    def purge(self, before: dt.date) -> None:
        start = dt.datetime.combine(before, dt.time(), tzinfo=clock.CHINA)
        with audit.acting(username=_operator()):
            deleted = audit.purge(before=start, by=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"已清理 {deleted:,} 条审计记录"
                f"（保存期限 {audit.retention_days()} 天，期限内的记录一律保留）"
            )
        )
