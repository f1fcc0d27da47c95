"""jiceng tick: escalate overdue cases, send notices, mark late reports (run every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiceng.cases import deadlines
from jiceng.core import audit


class Command(BaseCommand):
    help = "处理超时诉求：逐级上报、发送提醒、标记迟到报到、自动结案"

    def handle(self, *args: Any, **options: Any) -> None:
        with audit.acting(username="tick"):
            result = deadlines.tick()
        self.stdout.write(
            f"自动上报 {result.escalated} 件，超时提醒 {result.noticed} 件，"
            f"迟到报到 {result.late_reports} 个，自动结案 {result.closed} 件"
        )
