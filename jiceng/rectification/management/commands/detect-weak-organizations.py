"""jiceng detect-weak-organizations [--month YYYY-MM]: the detection of weak organizations
(软弱涣散研判) over the whole tree for one month, by default the last complete one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.rectification import detection


class Command(BaseCommand):
    help = "研判软弱涣散党组织（全部党组织，某月；默认上一个完整月份）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="月份，如 2026-03")

    def handle(self, *args: Any, **options: Any) -> None:
        month = None
        if options["month"]:
            try:
                year, number = (int(p) for p in options["month"].split("-"))
            except ValueError:
                raise CommandError("月份格式应为 2026-03") from None
            if not 1 <= number <= 12:
                raise CommandError("月份格式应为 2026-03")
            month = year * 100 + number
        result = detection.detect_month(month)
        self.stdout.write(
            f"{result.month // 100}年{result.month % 100}月：研判出 {result.organizations:,} 个"
            f"党组织，{result.detections:,} 条原因，用时 {result.seconds:.1f} 秒"
        )
