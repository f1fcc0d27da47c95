"""`jiceng dues-seed`: a year of dues for a database seeded before dues existed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiceng.datasets.dues import seed_dues


class Command(BaseCommand):
    help = "为已生成的模拟数据补充一年的党费：基数、每月账单和缴纳记录（含少量欠缴）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认1）")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="数据日期")

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_dues(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"党费基数 {result.bases:,} 条，账单 {result.bills:,} 条，"
                f"缴纳 {result.payments:,} 笔，用时 {result.seconds:.1f} 秒"
            )
        )
