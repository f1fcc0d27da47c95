"""`jiceng load-divisions`: load the NBS division codes from data/ (or --file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.errors import DomainError
from jiceng.divisions.loading import default_file, load_divisions


class Command(BaseCommand):
    help = "载入统计用区划代码（默认 data/divisions-2023.csv.gz）；已载入则跳过，--force 重新载入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            type=Path,
            default=None,
            help=f"CSV 或 CSV.gz 文件，列为 code,name,level,parent_code（默认：{default_file()}）",
        )
        parser.add_argument(
            "--force", action="store_true", help="即使条数已相同也重新载入（整表替换）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(rows: int) -> None:
            self.stdout.write(f"已读取 {rows:,} 行……")
            self.stdout.flush()

        quiet = options["verbosity"] == 0
        try:
            result = load_divisions(
                path=options["file"], force=options["force"], progress=None if quiet else progress
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if quiet:
            return
        if result.skipped:
            self.stdout.write(f"行政区划已载入（{result.stored:,} 个），跳过；重新载入请加 --force")
            return
        levels = "，".join(f"{level}级 {n:,}" for level, n in result.per_level_read.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"已载入 {result.stored:,} 个行政区划（读取 {result.rows_read:,} 行：{levels}；"
                f"{result.merged} 行与上级代码相同，已并入上级），用时 {result.seconds:.1f} 秒"
            )
        )
