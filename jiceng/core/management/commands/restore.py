"""`jiceng restore FOLDER`: a backup of `jiceng backup` into the configured, empty database,
with its checkpoints and keys (core/backups.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core import backups


class Command(BaseCommand):
    help = "把 jiceng backup 的备份恢复到空数据库，连同审计检查点和密钥"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="jiceng backup 写的备份目录")
        parser.add_argument(
            "--passphrase-file", type=Path, help="口令文件（取第一行）；不给则在终端输入"
        )
        parser.add_argument(
            "--keys-out",
            type=Path,
            help="密钥来自环境变量时：把备份里的密钥写到这个新文件（环境变量文件格式）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            passphrase = backups.passphrase_from(options["passphrase_file"], confirm=False)
            restored = backups.restore_backup(
                options["folder"], passphrase=passphrase, keys_out=options["keys_out"]
            )
        except backups.BackupError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(
            self.style.SUCCESS(f"已恢复 {restored.made_at} 的备份（{restored.database_file}）")
        )
        if restored.keys_written_to is not None:
            self.stdout.write(f"密钥已写入 {restored.keys_written_to}")
        for path in restored.set_aside:
            self.stdout.write(
                f"原有的 {path.name.partition('.before-restore-')[0]} 已改名为 {path}"
            )
        self.stdout.write("接下来：jiceng migrate（备份早于当前版本时），jiceng audit verify")
