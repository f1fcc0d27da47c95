"""jiceng federation-publish: on a province instance, bring the published tables (organizations,
rollups, compliance; no personal data) up to date, and on PostgreSQL make the publication
`jiceng_federation` if it is missing. Run it after the rollups change (the scheduler, or after
`rebuild-rollups` / `orglife-compliance`); a run with nothing new writes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from jiceng.core.errors import InvalidInput
from jiceng.federation import publishing


class Command(BaseCommand):
    help = "省级实例：刷新发布表（党组织、统计、组织生活达标），并建立逻辑复制发布"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-publication", action="store_true", help="只刷新发布表")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            wanted = connection.vendor == "postgresql" and not options["no_publication"]
            if wanted and publishing.ensure_publication():
                self.stdout.write(f"已建立发布 {publishing.PUBLICATION}")
            done = publishing.publish()
        except InvalidInput as problem:
            raise CommandError(problem.message) from None
        self.stdout.write(
            f"党组织：写入 {done.organizations}，删除 {done.organizations_removed}；"
            f"达标情况：写入 {done.compliance}，删除 {done.compliance_removed}"
        )
