"""jiceng purge-exports: delete the export files past their time (JICENG_EXPORT_KEEP_HOURS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiceng.exports.jobs import purge_expired_exports


class Command(BaseCommand):
    help = "删除过期的导出文件"

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired_exports()
        self.stdout.write(f"已删除 {count} 个过期的导出文件")
