"""`jiceng orglife-compliance --month YYYY-MM`: rebuild one month's compliance rollup."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core import clock
from jiceng.orglife import compliance, rules


class Command(BaseCommand):
    help = "重算某月的组织生活达标情况（全部党组织，逐级汇总）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", default="", help="月份 YYYY-MM（默认本月）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = (
                rules.parse_month(options["month"])
                if options["month"]
                else rules.month_of(clock.today())
            )
        except ValueError:
            raise CommandError(f"月份“{options['month']}”格式不正确，应为2025-05") from None
        result = compliance.rollup_month(month)
        self.stdout.write(
            self.style.SUCCESS(
                f"{rules.format_month(month)}：支部 {result.branches:,} 个，达标 "
                f"{result.compliant:,} 个，写入 {result.rows:,} 行，用时 {result.seconds:.1f} 秒"
            )
        )
