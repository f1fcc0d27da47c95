"""`jiceng seed --scale S --seed N`: the synthetic national data set on the real divisions."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.errors import DomainError
from jiceng.datasets.seeding import SeedResult, seed
from jiceng.divisions.models import LEVEL_DIGITS
from jiceng.members.models import Category, MemberStatus
from jiceng.orgs.models import Organization, OrgKind


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
            help="只生成这些县级单位（逗号分隔的区划代码，如 320113；省、市的代码如 37、3701"
            "为其下全部县级单位），代替 --scale",
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
        parser.add_argument(
            "--tree-only",
            action="store_true",
            help="只生成组织树（党组织、党员、委员会、党小组），不生成各业务模块的数据",
        )
        parser.add_argument(
            "--modules-only",
            action="store_true",
            help="不生成组织树，只为树中已有的党组织生成各业务模块的数据",
        )
        parser.add_argument(
            "--modules-under",
            default="",
            help="各业务模块的数据只生成在这一区划的地方党委之下：区划代码（如 44）"
            "或 largest（党员最多的省）；默认全部",
        )
        parser.add_argument(
            "--timings",
            type=Path,
            default=None,
            help="把每一步的用时写入这个 JSON 文件（bench/scale_run.py 读取）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tree_only"] and (options["modules_only"] or options["modules_under"]):
            raise CommandError("--tree-only 不能与 --modules-only、--modules-under 同用")
        timings: dict[str, Any] = {"modules": []}
        if not options["modules_only"]:
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
            timings["tree"] = {
                "seconds": result.seconds,
                "rows": result.rows,
                "organizations": result.organizations,
                "members": result.members,
                "counties": len(result.counties),
            }
        if not options["tree_only"]:
            under: list[str] | None = None
            if options["modules_under"]:
                root = self.modules_root(options["modules_under"])
                under = [root.path]
                national = Organization.objects.filter(depth=1).first()
                timings["under"] = {
                    "name": root.name,
                    "division": root.division_id,
                    "members": root.subtree_member_count,
                    "national_members": national.subtree_member_count if national else 0,
                }
                self.progress(
                    f"各业务模块只生成在 {root.name} 之下（党员 {root.subtree_member_count:,} 名）"
                )
            for key, step in module_steps(options["as_of"], options["seed"], under):
                started = time.perf_counter()
                line = step()
                seconds = time.perf_counter() - started
                timings["modules"].append({"key": key, "seconds": seconds, "line": line})
                self.progress(line)
        if options["timings"] is not None:
            options["timings"].write_text(json.dumps(timings, ensure_ascii=False, indent=1))

    def modules_root(self, choice: str) -> Organization:
        """The local committee the module seeds stay under: the province with the most members
        ("largest"), or the one on the division `choice` (a short or a 12-digit code)."""
        committees = Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE)
        if choice == "largest":
            found = committees.filter(depth=2).order_by("-subtree_member_count", "path").first()
            if found is None:
                raise CommandError("组织树中还没有省级党委：先生成组织树")
            return found
        code = choice.strip()
        if not code.isdigit() or len(code) not in LEVEL_DIGITS.values():
            raise CommandError(f"区划代码不正确：{code}（如 44、4401、440106，或 largest）")
        found = committees.filter(division_id=code.ljust(12, "0")).first()
        if found is None:
            raise CommandError(f"组织树中没有区划 {code} 的地方党委")
        return found

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


Step = tuple[str, Callable[[], str]]


def module_steps(as_of: dt.date | None, seed: int, under: list[str] | None) -> list[Step]:
    """The seeds of the modules, in the order they build on each other (points read the
    attendance, rectification the compliance, villages the rectifications), each a function
    that seeds and says what it made. `under`: only below these organization paths."""
    from jiceng.datasets import community
    from jiceng.datasets.appraisal import seed_appraisal
    from jiceng.datasets.development import seed_development
    from jiceng.datasets.dues import seed_dues
    from jiceng.datasets.grid_households import seed_households
    from jiceng.datasets.grids import seed_grids
    from jiceng.datasets.orglife import seed_orglife
    from jiceng.datasets.points import seed_points
    from jiceng.datasets.rectification import seed_rectification
    from jiceng.datasets.reporting import seed_reporting
    from jiceng.datasets.transfers import seed_transfers
    from jiceng.datasets.villages import seed_counties

    def orglife() -> str:  # a year of 组织生活 for the new branches
        life = seed_orglife(as_of=as_of, seed=seed, under=under)
        return f"组织生活：会议 {life.meetings:,} 次，参会记录 {life.attendances:,} 条"

    def dues() -> str:  # a year of 党费 for the new branches
        made = seed_dues(as_of=as_of, seed=seed, under=under)
        return (
            f"党费：基数 {made.bases:,} 条，账单 {made.bills:,} 条，缴纳 {made.payments:,} 笔，"
            f"用时 {made.seconds:.1f} 秒"
        )

    def development() -> str:  # 发展党员 pipelines
        dev = seed_development(as_of=as_of, seed=seed, under=under)
        return (
            f"发展党员：培养对象 {dev.applicants:,} 名（超期 {dev.late:,}），"
            f"步骤记录 {dev.steps:,} 条，用时 {dev.seconds:.1f} 秒"
        )

    def transfers() -> str:  # 组织关系转接, 流动党员
        moved = seed_transfers(as_of=as_of, seed=seed, under=under)
        return f"组织关系转接 {moved.transfers:,} 件，流动党员登记 {moved.registrations:,} 人"

    def points() -> str:  # a year of 积分 from the attendance
        made = seed_points(as_of=as_of, seed=seed, under=under)
        return (
            f"党员积分：积分记录 {made.posted:,} 条，表彰 {made.awards:,} 次，"
            f"用时 {made.seconds:.1f} 秒"
        )

    def appraisal() -> str:  # 评星定级, 模范党组织
        graded = seed_appraisal(as_of=as_of, seed=seed, under=under)
        return (
            f"评星定级：评定党支部 {graded.graded:,} 个（五星级 {graded.five_star:,}），"
            f"自评 {graded.assessments:,} 项，模范党组织 {graded.named:,} 个，"
            f"用时 {graded.seconds:.1f} 秒"
        )

    def rectification() -> str:  # 软弱涣散 and 整顿
        weak = seed_rectification(as_of=as_of, seed=seed, under=under)
        return (
            f"软弱涣散：研判出 {weak.detected:,} 个党组织，整顿 {weak.rectifications:,} 个"
            f"（已销号 {weak.accepted:,}），进展 {weak.progress:,} 条，用时 {weak.seconds:.1f} 秒"
        )

    def villages() -> str:  # 驻村第一书记与工作队
        teams = seed_counties(as_of=as_of, seed=seed, under=under)
        return (
            f"驻村工作队 {teams.teams:,} 支，驻村干部 {teams.dispatches:,} 名，"
            f"在岗记录 {teams.work_days:,} 条"
        )

    def reporting() -> str:  # 双报到
        reported = seed_reporting(as_of=as_of, seed=seed, under=under)
        return (
            f"双报到：党员报到 {reported.members:,} 人，单位报到 {reported.organizations:,} 个，"
            f"清单 {reported.needs:,} 项，报名 {reported.signups:,} 次，"
            f"服务时长 {reported.records:,} 条，社区反馈 {reported.feedback:,} 条，"
            f"用时 {reported.seconds:.1f} 秒"
        )

    def grids() -> str:  # 网格 for the communities
        made = seed_grids(as_of=as_of, under=under)
        return (
            f"网格：社区 {made.communities:,} 个，网格 {made.grids:,} 个，"
            f"用时 {made.seconds:.1f} 秒"
        )

    def households() -> str:  # 党员联系户, in the grids just drawn
        homes = seed_households(as_of=as_of, seed=seed)
        return (
            f"党员联系户：住户 {homes.households:,} 户，联系党员 {homes.contacts:,} 条，"
            f"走访记录 {homes.visits:,} 条，新建党员账号 {homes.accounts:,} 个，"
            f"用时 {homes.seconds:.1f} 秒"
        )

    def cooperatives() -> str:  # 村集体经济, 党组织领办合作社
        villages, made, seconds = community.seed_cooperatives(seed=seed, under=under)
        return (
            f"村集体经济：村 {villages:,} 个，党组织领办合作社 {made:,} 个，用时 {seconds:.1f} 秒"
        )

    def consent() -> str:  # 居民意见征询
        projects, seconds = community.seed_consent(seed=seed, under=under)
        return f"居民意见征询：项目 {projects:,} 个，用时 {seconds:.1f} 秒"

    def gridded() -> str:  # 党员突击队, 红帆驿站
        forces, shifts, stations, visit_days, bare, seconds = community.seed_gridded(
            as_of=as_of, seed=seed, under=under
        )
        return (
            f"党员突击队 {forces:,} 支，班次 {shifts:,} 个；红帆驿站 {stations:,} 个，"
            f"到访记录 {visit_days:,} 条；没有网格而跳过 {bare:,} 个县级单位，"
            f"用时 {seconds:.1f} 秒"
        )

    return [
        ("orglife", orglife),
        ("dues", dues),
        ("development", development),
        ("transfers", transfers),
        ("points", points),
        ("appraisal", appraisal),
        ("rectification", rectification),
        ("villages", villages),
        ("reporting", reporting),
        ("grids", grids),
        ("households", households),
        ("cooperatives", cooperatives),
        ("consent", consent),
        ("gridded", gridded),
    ]
