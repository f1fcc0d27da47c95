"""`jiceng seed --scale S --seed N`: the synthetic national data set on the real divisions."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.errors import DomainError
from jiceng.datasets.seeding import SeedResult, seed
from jiceng.members.models import Category, MemberStatus
from jiceng.orgs.models import OrgKind


class Command(BaseCommand):
    help = (
        "在真实行政区划上生成全国模拟数据：规模1为约525万个基层党组织、1.003亿名党员；"
        "规模小于1时按种子选取整县。同一种子、同一数据日期生成的数据完全相同。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="规模，0到1（默认1，全国）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认1）")
        parser.add_argument(
            "--counties",
            default="",
            help="只生成这些县级单位（逗号分隔的区划代码，如 320113），代替 --scale",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="生成数据的进程数（默认为CPU核数，最多2；0为在本进程内生成）",
        )
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="数据日期 YYYY-MM-DD（默认今天）：年龄、党龄、任期都按这一天计算",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counties = [c for c in options["counties"].split(",") if c.strip()]
        try:
            result = seed(
                scale=options["scale"],
                seed=options["seed"],
                counties=counties or None,
                workers=options["workers"],
                as_of=options["as_of"],
                progress=self.progress,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.summary(result)
        from jiceng.datasets.orglife import seed_orglife  # a year of 组织生活 for the new branches

        life = seed_orglife(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(f"组织生活：会议 {life.meetings:,} 次，参会记录 {life.attendances:,} 条")
        from jiceng.datasets.dues import seed_dues  # a year of 党费 for the new branches

        dues = seed_dues(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            f"党费：基数 {dues.bases:,} 条，账单 {dues.bills:,} 条，缴纳 {dues.payments:,} 笔，"
            f"用时 {dues.seconds:.1f} 秒"
        )
        from jiceng.datasets.development import seed_development  # 发展党员 pipelines

        dev = seed_development(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            f"发展党员：培养对象 {dev.applicants:,} 名（超期 {dev.late:,}），"
            f"步骤记录 {dev.steps:,} 条，用时 {dev.seconds:.1f} 秒"
        )
        from jiceng.datasets.transfers import seed_transfers  # 组织关系转接, 流动党员

        moved = seed_transfers(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            f"组织关系转接 {moved.transfers:,} 件，流动党员登记 {moved.registrations:,} 人"
        )
        from jiceng.datasets.points import seed_points  # a year of 积分 from the attendance

        points = seed_points(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            f"党员积分：积分记录 {points.posted:,} 条，表彰 {points.awards:,} 次，"
            f"用时 {points.seconds:.1f} 秒"
        )
        from jiceng.datasets.appraisal import seed_appraisal  # 评星定级, 模范党组织

        graded = seed_appraisal(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            f"评星定级：评定党支部 {graded.graded:,} 个（五星级 {graded.five_star:,}），"
            f"自评 {graded.assessments:,} 项，模范党组织 {graded.named:,} 个，"
            f"用时 {graded.seconds:.1f} 秒"
        )
        from jiceng.datasets.rectification import seed_rectification  # 软弱涣散 and 整顿

        weak = seed_rectification(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            f"软弱涣散：研判出 {weak.detected:,} 个党组织，整顿 {weak.rectifications:,} 个"
            f"（已销号 {weak.accepted:,}），进展 {weak.progress:,} 条，用时 {weak.seconds:.1f} 秒"
        )
        from jiceng.datasets.villages import seed_counties  # 驻村第一书记与工作队

        teams = seed_counties(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            f"驻村工作队 {teams.teams:,} 支，驻村干部 {teams.dispatches:,} 名，"
            f"在岗记录 {teams.work_days:,} 条"
        )
        from jiceng.datasets.reporting import seed_reporting  # 双报到

        reported = seed_reporting(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            f"双报到：党员报到 {reported.members:,} 人，单位报到 {reported.organizations:,} 个，"
            f"清单 {reported.needs:,} 项，报名 {reported.signups:,} 次，"
            f"服务时长 {reported.records:,} 条，社区反馈 {reported.feedback:,} 条，"
            f"用时 {reported.seconds:.1f} 秒"
        )

        from jiceng.datasets.grids import seed_grids  # 网格 for the communities

        grids = seed_grids(as_of=options["as_of"])
        self.stdout.write(
            f"网格：社区 {grids.communities:,} 个，网格 {grids.grids:,} 个，"
            f"用时 {grids.seconds:.1f} 秒"
        )
        from jiceng.datasets.grid_households import seed_households  # 党员联系户

        homes = seed_households(as_of=options["as_of"], seed=options["seed"])
        self.stdout.write(
            f"党员联系户：住户 {homes.households:,} 户，联系党员 {homes.contacts:,} 条，"
            f"走访记录 {homes.visits:,} 条，新建党员账号 {homes.accounts:,} 个，"
            f"用时 {homes.seconds:.1f} 秒"
        )
        from jiceng.datasets import community  # 合作社, 意见征询, 突击队, 红帆驿站

        villages, cooperatives, seconds = community.seed_cooperatives(seed=options["seed"])
        self.stdout.write(
            f"村集体经济：村 {villages:,} 个，党组织领办合作社 {cooperatives:,} 个，"
            f"用时 {seconds:.1f} 秒"
        )
        projects, seconds = community.seed_consent(seed=options["seed"])
        self.stdout.write(f"居民意见征询：项目 {projects:,} 个，用时 {seconds:.1f} 秒")
        forces, shifts, stations, visit_days, bare, seconds = community.seed_gridded(
            as_of=options["as_of"], seed=options["seed"]
        )
        self.stdout.write(
            f"党员突击队 {forces:,} 支，班次 {shifts:,} 个；红帆驿站 {stations:,} 个，"
            f"到访记录 {visit_days:,} 条；没有网格而跳过 {bare:,} 个县级单位，"
            f"用时 {seconds:.1f} 秒"
        )

    def progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def summary(self, result: SeedResult) -> None:
        if result.skipped:
            listed = "、".join(result.skipped[:10])
            self.stdout.write(f"已在组织树中，跳过 {len(result.skipped)} 个县级单位：{listed}")
        if not result.counties:
            self.stdout.write("没有需要生成的县级单位")
            return
        stats, members = result.stats, max(result.members, 1)
        kinds = "，".join(
            f"{OrgKind(kind).label} {stats[f'kind:{kind}']:,}"
            for kind in (
                OrgKind.COMMITTEE,
                OrgKind.GENERAL_BRANCH,
                OrgKind.BRANCH,
                OrgKind.JOINT_BRANCH,
            )
        )
        categories = "，".join(f"{c.label} {stats[c]:,}" for c in Category)
        lines = [
            f"生成完成：{len(result.counties)} 个县级单位，用时 {result.seconds:.1f} 秒，"
            f"共 {result.rows:,} 行（{result.rows / max(result.seconds, 1e-9):,.0f} 行/秒）",
            f"党组织 {result.organizations:,} 个（{kinds}）",
            f"党员 {result.members:,} 名：女性 {stats['women'] / members:.1%}，"
            f"61岁以上 {stats['aged_61'] / members:.1%}，"
            f"少数民族 {stats['minority'] / members:.1%}，"
            f"大专及以上 {stats['college'] / members:.1%}，"
            f"预备党员 {stats[MemberStatus.PROBATIONARY] / members:.1%}",
            f"人员类别：{categories}",
            f"委员会（届）{result.committees:,} 个，委员 {result.seats:,} 名，"
            f"党小组 {result.party_groups:,} 个",
        ]
        for line in lines:
            self.stdout.write(self.style.SUCCESS(line) if line is lines[0] else line)
