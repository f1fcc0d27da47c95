"""`jiceng appraisal-compute --year 2025 [--org PK]`: score and grade every branch of a
subtree (default: the whole tree) for a year. Idempotent: a second run rewrites the same rows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.appraisal import scoring
from jiceng.core import clock
from jiceng.orgs.models import Organization


class Command(BaseCommand):
    help = "计算某年度党支部标准化规范化建设得分和星级（整个子树）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=0, help="年度（默认上一年）")
        parser.add_argument("--org", type=int, default=0, help="党组织id（默认全部）")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or clock.today().year - 1
        if not 2000 <= year <= clock.today().year:
            raise CommandError(f"年度“{year}”不正确")
        if options["org"]:
            roots = list(Organization.objects.filter(pk=options["org"]))
            if not roots:
                raise CommandError(f"没有id为{options['org']}的党组织")
        else:
            roots = list(Organization.objects.filter(depth=1).order_by("path"))
        for root in roots:
            result = scoring.compute_year(root=root, year=year)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{year}年度 {root.name}：评定党支部 {result.organizations:,} 个，五星级 "
                    f"{result.five_star:,} 个，用时 {result.seconds:.1f} 秒"
                )
            )
