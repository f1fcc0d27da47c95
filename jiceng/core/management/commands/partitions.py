"""jiceng partitions: on PostgreSQL, the coming months' partitions of the tables that only grow
made now and the months past their retention dropped (core.partitions); the scheduler's daily
`partitions` job does the same. Nothing to do on SQLite."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from jiceng.core import partitions


class Command(BaseCommand):
    help = "按月分区（PostgreSQL）：建好未来几个月的分区，删除超过保留月数的分区"

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite 不分区，无需维护")
            return
        upkeep = partitions.maintain()
        for name in upkeep.created:
            self.stdout.write(f"新建分区 {name}")
        for name, rows in upkeep.dropped.items():
            self.stdout.write(f"删除分区 {name}（{rows} 行）")
        if not upkeep.created and not upkeep.dropped:
            self.stdout.write("分区已齐备，无需变动")
