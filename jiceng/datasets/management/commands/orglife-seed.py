"""`jiceng orglife-seed`: a year of meetings for a database seeded before orglife existed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiceng.datasets.orglife import seed_orglife


class Command(BaseCommand):
    help = "为已生成的模拟数据补充一年的组织生活会议和最近一次主题党日的参会记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认1）")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="数据日期")

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_orglife(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"会议 {result.meetings:,} 次，参会记录 {result.attendances:,} 条，"
                f"用时 {result.seconds:.1f} 秒"
            )
        )
