"""`jiceng audit verify` checks the audit log's hash chain against its checkpoints;
`jiceng audit checkpoint` writes the chain's head down outside the database (the scheduler runs
it every few minutes); `jiceng audit purge --before DATE` removes records older than DATE, but
never one younger than the retention period, and writes a checkpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core import audit, audit_checkpoints, clock


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text}") from None


class Command(BaseCommand):
    help = "审计记录：verify 校验哈希链；checkpoint 记下链头；purge 清理早于保存期限的记录"

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="子命令")
        check = commands.add_parser("verify", help="校验哈希链，报告第一处断链")
        check.add_argument("--chunk", type=int, default=5000, help="每批读取的条数（默认 5000）")
        commands.add_parser(
            "checkpoint", help="把链头记到数据库之外的检查点文件（由定时任务每几分钟运行）"
        )
        purge = commands.add_parser("purge", help="删除早于某日的记录（至少保留 180 天）")
        purge.add_argument(
            "--before", type=_date, required=True, help="删除此日（北京时间零点）之前的记录"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(options["chunk"])
        elif options["subcommand"] == "checkpoint":
            self.checkpoint()
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
        if result.checkpoints:
            self.stdout.write(f"已对照 {result.checkpoints:,} 个检查点")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"没有检查点（{audit_checkpoints.path()}）：链尾未被固定，"
                    "请让定时任务每几分钟运行 jiceng audit checkpoint"
                )
            )
        self.stdout.write(self.style.SUCCESS("哈希链完整"))

    def checkpoint(self) -> None:
        try:
            entry = audit_checkpoints.take(reason="scheduled")
        except audit_checkpoints.CheckpointError as exc:
            raise CommandError(f"未写检查点：{exc}", returncode=1) from None
        if entry is None:
            self.stdout.write("链头自上一个检查点以来没有变化，未写新检查点")
        else:
            where = audit_checkpoints.path()
            self.stdout.write(
                self.style.SUCCESS(f"已写检查点第 {entry.n} 行：链尾 #{entry.last_id}（{where}）")
            )

    def purge(self, before: dt.date) -> None:
        start = dt.datetime.combine(before, dt.time(), tzinfo=clock.CHINA)
        with audit.acting(username=audit.command_line_operator()):
            try:
                deleted = audit.purge(before=start, by=None)
            except audit_checkpoints.CheckpointError as exc:
                raise CommandError(f"已清理，但未写检查点：{exc}", returncode=1) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已清理 {deleted:,} 条审计记录"
                f"（保存期限 {audit.retention_days()} 天，期限内的记录一律保留）"
            )
        )
