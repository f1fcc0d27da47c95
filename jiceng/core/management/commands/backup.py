"""`jiceng backup FOLDER`: the database, the audit chain's checkpoints and the keys (sealed with
a passphrase) into a new folder (core/backups.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core import audit, backups


class Command(BaseCommand):
    help = "在线备份数据库、审计检查点和密钥（密钥用口令加密）到一个新目录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="备份目录（新建，或空目录）")
        parser.add_argument(
            "--passphrase-file",
            type=Path,
            help="口令文件（取第一行，至少 12 个字符）；不给则在终端输入",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            passphrase = backups.passphrase_from(options["passphrase_file"], confirm=True)
            with audit.acting(username=audit.command_line_operator()):
                made = backups.make_backup(options["folder"], passphrase=passphrase)
        except (backups.BackupError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc), returncode=1) from None
        if made.checkpoint_problem:
            self.stderr.write(self.style.WARNING(f"审计检查点未写：{made.checkpoint_problem}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {made.folder}：{made.database_file}、审计检查点、"
                f"用口令加密的密钥（{backups.SEALED_KEYS}），审计链尾 #{made.audit_last_id}"
            )
        )
        self.stdout.write("口令请与备份分开保管：没有它，备份里的密钥和个人信息都打不开")
