"""`jiceng import-division-shapes FILE`: import street and community outlines from GeoJSON,
as the page /divisions/shapes/import/ does, from a script or a server's shell (as the system:
any division, audited without a user)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.errors import DomainError
from jiceng.divisions import shapes


class Command(BaseCommand):
    help = "导入街道、社区等行政区划的边界（GeoJSON，属性 code 为区划代码）；有错则全部不导入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="GeoJSON 文件（FeatureCollection）")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from None
        try:
            result = shapes.import_shapes(data, by=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if not result.succeeded:
            for e in result.errors:
                where = f"第{e.row}个要素" if e.row else "整个文件"
                self.stderr.write(f"{where} {e.column}：{e.message}")
            raise CommandError(f"文件有{len(result.errors)}处错误，没有导入任何边界")
        notes = "".join(f"，{w.message}" for w in result.warnings)
        self.stdout.write(f"导入成功：新增{result.created}个区划边界{notes}")
