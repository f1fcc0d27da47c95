"""A year of citizen requests (接诉即办) for the demo district, so that the 三率 ranking, the
trend and the hot spots show real, varied figures for every month on first run.

Each case is played through the case workflow from its intake to `now` (or to its end), the
way the services and the deadline tick would have moved it, and only the state reached by
`now` is written: the last weeks' cases are still open. Every move is checked against
`cases.workflow` (`check_move`), every deadline comes from its arithmetic (`accept_due`,
`resolve_due`, `report_due`, `reopens`, `may_reopen`, `next_level`), and escalation goes where
`services.escalation_target` sends it. What the generator decides is only what people do and
when:

- volume follows the season and the hour (summer peaks, the Spring Festival dip, few calls at
  night), and the subjects the season (rain and fallen trees in the plum-rain and typhoon
  months, gas in winter, unpaid wages before the Spring Festival, noise in summer);
- each grid has its own volume (a few hot ones) and each community, station and department
  its own diligence, so rates differ between units and months;
- a unit that does not accept within the deadline is escalated by the tick (which this
  generator takes to run every TICK minutes); a department, which has no level above it, is
  noticed overdue and accepts late: that is where late responses remain;
- the citizen answers the follow-up (回访) for most cases, mostly satisfied; "not resolved" or
  "unsatisfied" reopens the case (up to twice), an unanswered one is closed by the tick after
  the reopen period;
- the street with a street official's login summons departments (吹哨) to some hard cases,
  the departments report (报到) mostly in time, finish and are rated; duplicates are merged;
  a few cases are returned (退单) and reassigned to the next grid.

Rows go through writer.BulkWriter with ids handed out here, like the rest of the data set.
The plan is pure (`plan_cases`): the same places, seed and `now` give the same cases.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.conf import settings
from django.db import connection, transaction
from shapely.geometry import shape

from jiceng.accounts.models import Role, RoleAssignment
from jiceng.cases import workflow
from jiceng.cases.models import (
    Case,
    CaseEvent,
    CaseType,
    Department,
    DepartmentStaff,
    EventKind,
    Notice,
    Station,
    Subject,
    Summons,
    SummonsReport,
    case_number,
)
from jiceng.cases.queries import PHONE_FIELD, token_digest
from jiceng.cases.services import escalation_target
from jiceng.cases.workflow import Channel, DeadlineClass, Level, Move, Satisfaction, Status
from jiceng.core import audit, clock, masking
from jiceng.core.paths import under
from jiceng.divisions.models import Division
from jiceng.grid.models import Grid, GridWorker

from .people import Picker, han_name, phone_number
from .sealing import BatchSealer
from .writer import BulkWriter, Table

TICK = dt.timedelta(minutes=5)  # how often `jiceng tick` is taken to run
HOUR, DAY, MINUTE = dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(minutes=1)
MAX_ROUNDS = 3  # a case reopened twice is not reopened a third time: its answer stays
WHISTLE_SHARE = 0.1  # of the grid and station cases of a street with an official's login
MERGE_SHARE = 0.03  # cases that have a duplicate call
CHRONIC_SHARE = 0.12  # grids with a trouble that keeps coming back
RETURN_SHARE = 0.015  # grid cases sent back as not this grid's (退单)

# Calls by month (January first): the summer peak, the Spring Festival dip.
MONTH_VOLUME = dict(
    enumerate((0.85, 0.7, 0.9, 0.95, 1.0, 1.15, 1.3, 1.3, 1.05, 0.95, 0.9, 0.9), start=1)
)
# Calls by hour of the day (China time, from midnight).
HOURS = Picker(
    enumerate(
        [
            *(0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 3, 4, 4.2, 3.6),
            *(2.4, 2.6, 3.4, 3.6, 3.4, 3, 2.4, 3, 3.2, 2.6, 1.6, 0.8),
        ]
    )
)

# Each subject's share of the calls and its season: month → factor (1 when not named).
SUBJECTS: dict[str, tuple[float, dict[int, float]]] = {
    "city-garbage": (10, {7: 1.4, 8: 1.4}),
    "city-stalls": (5, {5: 1.3, 6: 1.5, 7: 1.6, 8: 1.6, 9: 1.3, 1: 0.6, 2: 0.5}),
    "city-illegal-building": (2.5, {}),
    "city-noise": (7, {6: 1.8, 7: 1.8, 8: 1.6, 1: 0.7, 2: 0.6}),
    "road-damage": (4, {6: 1.6, 7: 1.8, 2: 1.3}),
    "road-parking": (8, {}),
    "road-danger": (1, {6: 3, 7: 3.5, 8: 2.5}),
    "utility-water": (3.5, {7: 2.0, 8: 2.0, 1: 1.6}),
    "utility-power": (3, {7: 2.4, 8: 2.4, 1: 1.4}),
    "utility-gas": (2, {12: 2.2, 1: 2.5, 2: 2.0, 6: 0.5, 7: 0.4, 8: 0.4}),
    "utility-heating": (
        0.8,
        {12: 6, 1: 7, 2: 5, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0},
    ),
    "utility-gas-leak": (0.4, {12: 1.6, 1: 1.8, 2: 1.5}),
    "utility-streetlight": (3, {11: 1.3, 12: 1.4, 1: 1.4}),
    "green-trees": (3, {4: 1.5, 5: 1.5, 6: 1.3}),
    "green-fallen-tree": (0.6, {7: 4, 8: 5, 9: 3}),
    "housing-property": (12, {}),
    "housing-repair": (5, {6: 2.2, 7: 2.0}),
    "housing-land": (0.8, {}),
    "security-order": (3, {}),
    "security-dispute": (6, {}),
    "livelihood-elderly": (3, {1: 1.3, 12: 1.2}),
    "livelihood-social-security": (3, {1: 1.4, 7: 1.3}),
    "livelihood-wages": (1.5, {12: 2.5, 1: 3.5, 2: 1.5}),
    "other": (3, {}),
}
TYPE_OF = {
    "city-illegal-building": "report",
    "security-order": "report",
    "livelihood-elderly": "help",
    "livelihood-social-security": "consultation",
    "housing-land": "consultation",
    "green-fallen-tree": "help",
    "road-danger": "help",
    "utility-gas-leak": "help",
}
OTHER_TYPES = Picker([("complaint", 6), ("help", 2), ("consultation", 1), ("suggestion", 0.6)])
CHANNELS = Picker(
    [(Channel.HOTLINE, 55), (Channel.WEB, 25), (Channel.PATROL, 12), (Channel.OPEN311, 8)]
)
# What citizens say, by subject: {where} is filled with the place.
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "city-garbage": (
        "{where}垃圾桶满溢两天无人清运，气味很大",
        "{where}路边堆放装修垃圾，影响通行",
        "{where}垃圾分类亭周边污水横流",
    ),
    "city-stalls": ("{where}晚上有流动摊贩占道经营，油烟大", "{where}门店出店经营占用人行道"),
    "city-illegal-building": ("{where}顶楼有住户私自搭建阳光房", "{where}一楼住户圈占绿地建房"),
    "city-noise": (
        "{where}夜间施工噪音扰民，十点以后仍在作业",
        "{where}广场舞音响声音过大",
        "{where}楼下烧烤店深夜喧哗",
    ),
    "road-damage": ("{where}路面出现大坑，电动车容易摔倒", "{where}人行道地砖松动翘起"),
    "road-parking": ("{where}车辆乱停占用消防通道", "{where}共享单车堆放堵住出入口"),
    "road-danger": ("{where}下雨后路面塌陷，有安全隐患", "{where}道路严重积水，车辆无法通行"),
    "utility-water": (
        "{where}突然停水，没有接到通知",
        "{where}自来水发黄有异味",
        "{where}水压太低，高层用不上水",
    ),
    "utility-power": ("{where}整栋楼停电，请尽快抢修", "{where}电压不稳，空调无法启动"),
    "utility-gas": ("{where}燃气表不走字，无法使用", "{where}燃气费缴纳后仍未恢复供气"),
    "utility-heating": ("{where}暖气不热，室温只有十几度", "{where}供暖管道漏水"),
    "utility-gas-leak": ("{where}楼道里闻到很浓的燃气味", "{where}燃气管道接口疑似泄漏"),
    "utility-streetlight": ("{where}路灯不亮，晚上很黑", "{where}井盖缺失，容易掉人"),
    "green-trees": ("{where}树枝伸进居民窗户，需要修剪", "{where}绿地被毁种菜"),
    "green-fallen-tree": ("{where}大风吹倒大树压住道路", "{where}树木倒伏砸到停放车辆"),
    "housing-property": (
        "{where}电梯经常故障，物业维修不及时",
        "{where}小区门禁坏了很久没人修",
        "{where}物业不作为，楼道卫生无人打扫",
    ),
    "housing-repair": ("{where}顶楼漏水，墙面发霉", "{where}外墙瓷砖脱落，有安全隐患"),
    "housing-land": ("{where}咨询老房子土地证办理", "{where}宅基地权属有争议"),
    "security-order": ("{where}有人聚集赌博", "{where}电动车在楼道充电，存在火灾隐患"),
    "security-dispute": (
        "{where}楼上漏水到楼下，邻里协商不成",
        "{where}邻居在公共区域堆放杂物引发纠纷",
    ),
    "livelihood-elderly": ("{where}独居老人需要上门助餐服务", "{where}咨询高龄津贴申领"),
    "livelihood-social-security": ("咨询灵活就业人员社保缴费", "咨询医保异地备案办理"),
    "livelihood-wages": ("{where}工地拖欠农民工工资三个月", "{where}公司拖欠员工工资"),
    "other": ("{where}希望增设休闲座椅", "建议{where}增加公交线路"),
}
RESOLUTIONS: dict[str, str] = {
    "city-garbage": "已协调环卫清运，并增加清运频次",
    "city-stalls": "已劝离摊贩，并安排定时巡查",
    "city-illegal-building": "已现场核查，责令当事人限期拆除",
    "city-noise": "已现场制止，告知噪声管理规定",
    "road-damage": "已安排养护单位修补路面",
    "road-parking": "已清理乱停车辆，设置警示标识",
    "road-danger": "已设置围挡并抢修完毕",
    "utility-water": "供水单位已排查维修，恢复正常供水",
    "utility-power": "供电抢修已完成，恢复供电",
    "utility-gas": "燃气公司已上门处理，恢复供气",
    "utility-heating": "已协调供热单位排查，室温恢复正常",
    "utility-gas-leak": "燃气抢修人员到场处置，已排除隐患",
    "utility-streetlight": "已更换灯具、补装井盖",
    "green-trees": "已安排园林工人修剪",
    "green-fallen-tree": "已清理倒伏树木，恢复通行",
    "housing-property": "已约谈物业，限期整改并回复居民",
    "housing-repair": "已协调维修基金，完成防水维修",
    "housing-land": "已当面答复办理流程",
    "security-order": "民警已到场处置",
    "security-dispute": "社区调解员组织双方调解，达成一致",
    "livelihood-elderly": "已纳入助餐服务，社区定期探访",
    "livelihood-social-security": "已电话答复办理流程",
    "livelihood-wages": "已督促企业支付拖欠工资",
    "other": "已将建议转交相关单位研究",
}
SATISFIED_ANSWER = Picker(
    [
        (Satisfaction.SATISFIED, 78),
        (Satisfaction.BASICALLY_SATISFIED, 19),
        (Satisfaction.UNSATISFIED, 3),
    ]
)
UNSOLVED_ANSWER = Picker(
    [
        (Satisfaction.UNSATISFIED, 55),
        (Satisfaction.BASICALLY_SATISFIED, 35),
        (Satisfaction.SATISFIED, 10),
    ]
)
RATINGS = Picker([(5, 50), (4, 35), (3, 12), (2, 3)])


# -- the places and units, read once -----------------------------------------------------------


@dataclass
class Place:
    """A grid of the district, with what the plan needs to put cases in it."""

    grid_id: int
    name: str
    community: str
    street: str
    where: str  # the community's short name, for descriptions and addresses
    shape: Any  # shapely geometry, prepared
    bounds: tuple[float, float, float, float]
    weight: float = 1.0


@dataclass
class Units:
    """Who handles and acts: escalation targets, and the demo accounts that act for units."""

    subjects: dict[str, Subject]
    types: dict[str, int]
    workers: dict[int, int]  # grid → a grid worker's user id
    officials: dict[str, int]  # street → a street official's user id
    staff: dict[int, int]  # department → a staff member's user id
    station_names: dict[int, str]
    department_names: dict[int, str]
    departments: list[int]  # the district's, by id
    department_function: dict[int, str]
    targets: dict[tuple[str, str, str], tuple[Level, int] | None] = field(default_factory=dict)

    def target(self, level: Level, street: str, community: str, subject: Subject) -> Any:
        """The unit one level above `level` (services.escalation_target), remembered."""
        key = (str(level), street, subject.function)
        if key not in self.targets:
            probe = Case(level=level, street_id=street, community_id=community, subject=subject)
            found = escalation_target(probe)
            self.targets[key] = (
                None
                if found is None
                else (Level.STATION if isinstance(found, Station) else Level.DEPARTMENT, found.pk)
            )
        return self.targets[key]

    def unit_name(self, level: Level, unit_id: int, grid_name: str) -> str:
        if level == Level.STATION:
            return self.station_names[unit_id]
        if level == Level.DEPARTMENT:
            return self.department_names[unit_id]
        return grid_name


def _short(name: str) -> str:
    for tail in ("居民委员会", "居委会", "村民委员会", "村委会"):
        if name.endswith(tail):
            return name[: -len(tail)]
    return name


def read_places(district: str, busy_street: str, busy_grid: int | None) -> list[Place]:
    """The active grids of the district with their shapes, whatever they are (squares or the
    communities' outlines), and how many calls each draws."""
    names = dict(
        Division.objects.filter(code__startswith=district, level=5).values_list("code", "name")
    )
    places = []
    for pk, name, community, street, boundary in (
        Grid.objects.filter(under(district, "community_id"), is_active=True)
        .order_by("code")
        .values_list("pk", "name", "community_id", "street_id", "boundary")
    ):
        geometry = shape(json.loads(boundary))
        if geometry.is_empty or geometry.area <= 0:
            continue
        shapely.prepare(geometry)
        weight = 3.0 if street == busy_street else 1.0
        if pk == busy_grid:
            weight = 8.0
        places.append(
            Place(
                grid_id=pk,
                name=name,
                community=community,
                street=street,
                where=_short(names.get(community, "")),
                shape=geometry,
                bounds=tuple(geometry.bounds),
                weight=weight,
            )
        )
    return places


def read_units(district: str) -> Units:
    subjects = {s.code: s for s in Subject.objects.filter(is_active=True)}
    types = dict(CaseType.objects.filter(is_active=True).values_list("code", "pk"))
    workers: dict[int, int] = {}
    for grid_id, user_id in GridWorker.objects.order_by("assigned_at", "pk").values_list(
        "grid_id", "user_id"
    ):
        workers.setdefault(grid_id, user_id)
    officials: dict[str, int] = {}
    for division_id, user_id in (
        RoleAssignment.objects.filter(under(district, "division_id"), role=Role.STREET_OFFICIAL)
        .order_by("pk")
        .values_list("division_id", "user_id")
    ):
        officials.setdefault(division_id, user_id)
    staff: dict[int, int] = {}
    for department_id, user_id in DepartmentStaff.objects.order_by("pk").values_list(
        "department_id", "user_id"
    ):
        staff.setdefault(department_id, user_id)
    departments = list(
        Department.objects.filter(under(district, "district_id"), is_active=True)
        .order_by("pk")
        .values_list("pk", "name", "function")
    )
    return Units(
        subjects=subjects,
        types=types,
        workers=workers,
        officials=officials,
        staff=staff,
        station_names=dict(
            Station.objects.filter(under(district, "street_id")).values_list("pk", "name")
        ),
        department_names={pk: name for pk, name, _ in departments},
        departments=[pk for pk, _, _ in departments],
        department_function={pk: function for pk, _, function in departments},
    )


# -- one case played through the workflow --------------------------------------------------------


@dataclass
class Planned:
    """A case as `now` finds it, with its events, summonses and reports, before ids."""

    number: int  # its place in the plan; ids are handed out on writing
    row: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    summonses: list[dict[str, Any]] = field(default_factory=list)  # each with its "reports"
    merged_into: int | None = None  # the plan number of the case it repeats
    notices: list[dict[str, Any]] = field(default_factory=list)


class Stop(Exception):
    """The case's next step lies after `now`: it is written as it stands."""


def _after_tick(at: dt.datetime) -> dt.datetime:
    """The first run of the tick strictly after `at`."""
    step = TICK.total_seconds()
    seconds = at.timestamp()
    return dt.datetime.fromtimestamp((math.floor(seconds / step) + 1) * step, tz=dt.UTC)


class Play:
    """Plays one case; each step checks the move with the workflow and stops at `now`."""

    def __init__(
        self,
        rng: random.Random,
        world: World,
        place: Place,
        planned: Planned,
        *,
        steady: bool,
        summon_now: bool = False,
    ) -> None:
        self.rng, self.world, self.units, self.now = rng, world, world.units, world.now
        self.place, self.planned, self.steady = place, planned, steady
        self.summon_now = summon_now
        self.case = planned.row
        self.busy_until: dt.datetime | None = None  # summoned departments work till then
        self.moved_at = self.case["received_at"]  # the last move's time
        self.subject: Subject = world.units.subjects[self.case["subject_code"]]

    # the moves ---------------------------------------------------------------------------

    def _at(self, at: dt.datetime) -> dt.datetime:
        if at > self.now:
            raise Stop
        return at

    def event(
        self,
        kind: EventKind,
        at: dt.datetime,
        *,
        actor: int | None = None,
        from_status: str = "",
        to_status: str = "",
        unit: str = "",
        note: str = "",
    ) -> None:
        self.planned.events.append(
            {
                "kind": kind.value,
                "at": at,
                "actor_id": actor,
                "from_status": from_status,
                "to_status": to_status,
                "unit": unit,
                "note": note[:1000],
            }
        )

    def move(
        self,
        move: Move,
        kind: EventKind,
        at: dt.datetime,
        *,
        actor: int | None = None,
        unit: str = "",
        note: str = "",
        **changes: Any,
    ) -> None:
        at = self._at(at)
        assert at >= self.moved_at, "a move before the one it follows"
        self.moved_at = at
        before = self.case["status"]
        target = workflow.check_move(move, before)
        self.case.update(changes, status=target.value)
        self.event(
            kind, at, actor=actor, from_status=before, to_status=target, unit=unit, note=note
        )

    def unit(self) -> str:
        level = Level(self.case["level"])
        unit_id = {
            Level.GRID: self.case["grid_id"],
            Level.STATION: self.case["station_id"],
            Level.DEPARTMENT: self.case["department_id"],
        }[level]
        return self.units.unit_name(level, unit_id, self.place.name)

    def handler(self) -> int | None:
        """The demo account acting for the unit handling the case now, if it has one."""
        level = self.case["level"]
        if level == Level.GRID:
            return self.units.workers.get(self.case["grid_id"])
        if level == Level.DEPARTMENT:
            return self.units.staff.get(self.case["department_id"])
        return None

    def official(self) -> int | None:
        return self.units.officials.get(self.place.street)

    def handling_clock(self, at: dt.datetime) -> dict[str, Any]:
        """services._handling_clock."""
        return {
            "dispatched_at": at,
            "accept_due_at": workflow.accept_due(at, self.case["deadline_class"]),
            "overdue_noticed_at": None,
        }

    def unit_fields(self, level: Level, unit_id: int) -> dict[str, Any]:
        """services._unit_fields."""
        if level == Level.GRID:
            return {"level": level, "grid_id": unit_id, "station_id": None, "department_id": None}
        if level == Level.STATION:
            return {"level": level, "station_id": unit_id, "department_id": None}
        return {"level": level, "department_id": unit_id}

    # the story ---------------------------------------------------------------------------

    def play(self, *, intake_only: bool = False) -> None:
        try:
            self.intake()
            if not intake_only:
                self.handle(self.case["dispatched_at"], round_=1)
        except Stop:
            pass

    def intake(self) -> None:
        """intake.submit_case, then the subject's level (小事网格办、大事站所办)."""
        c, at = self.case, self.case["received_at"]
        self.event(
            EventKind.RECEIVED, at, to_status=Status.RECEIVED, note=Channel(c["channel"]).label
        )
        c.update(
            status=Status.DISPATCHED.value,
            level=Level.GRID.value,
            dispatched_at=at,
            accept_due_at=workflow.accept_due(at, c["deadline_class"]),
            resolve_due_at=workflow.resolve_due(at, c["deadline_class"]),
        )
        unit = "网格"
        wanted = Level(self.subject.unit_level)
        if wanted != Level.GRID:
            # The unit of the subject's level and line of work, straight away: escalation's
            # choice from the level below it.
            below = workflow.LEVEL_ORDER[workflow.LEVEL_ORDER.index(wanted) - 1]
            up = self.units.target(below, c["street_id"], c["community_id"], self.subject)
            if up is not None:
                c.update(self.unit_fields(*up))
                unit = self.unit()
        self.event(
            EventKind.DISPATCHED,
            at,
            from_status=Status.RECEIVED,
            to_status=Status.DISPATCHED,
            unit=unit,
            note="按位置自动派单",
        )
        worker = self.units.workers.get(c["grid_id"])
        if worker is not None and c["level"] == Level.GRID:
            text = f"新诉求：{self.subject.name}（{{number}}）"
            self.planned.notices.append({"user_id": worker, "text": text, "created_at": at})

    def escalate(self, at: dt.datetime, *, by: int | None, reason: str) -> dt.datetime:
        """services.escalate_case to the target one level up."""
        c = self.case
        up = self.units.target(Level(c["level"]), c["street_id"], c["community_id"], self.subject)
        assert up is not None
        fields = self.unit_fields(*up)
        level, unit_id = up
        self.move(
            Move.ESCALATE,
            EventKind.ESCALATED,
            at,
            actor=by,
            unit=self.units.unit_name(level, unit_id, self.place.name),
            note=reason,
            **fields,
            **self.handling_clock(at),
            resolve_due_at=workflow.resolve_due(at, c["deadline_class"]),
            escalation_count=c["escalation_count"] + 1,
        )
        return at

    def can_escalate(self) -> bool:
        c = self.case
        return (
            workflow.next_level(c["level"]) is not None
            and self.units.target(
                Level(c["level"]), c["street_id"], c["community_id"], self.subject
            )
            is not None
        )

    def overdue(self, at: dt.datetime) -> None:
        """The tick's notice of a case that cannot go higher."""
        c = self.case
        if c["overdue_noticed_at"] is None:
            self._at(at)
            c["overdue_noticed_at"] = at
            self.event(EventKind.OVERDUE, at, unit=self.unit())

    def handle(self, since: dt.datetime, round_: int) -> None:
        """From a dispatch to the unit now named, to the case's end."""
        rng, c = self.rng, self.case
        # 签收: quick by day, slow at night; a slack unit sometimes misses the deadline.
        hour = since.astimezone(clock.CHINA).hour
        within = c["accept_due_at"] - since
        slack = self.slack()
        if self.steady:
            accept_at = since + within / 2
        elif rng.random() < (0.4 if hour < 7 or hour >= 22 else 0.02 + slack / 2):
            accept_at = since + within * (1 + 2 * rng.random())  # late
        else:
            accept_at = since + within * (0.05 + 0.6 * rng.random())
        tick = _after_tick(c["accept_due_at"])
        if accept_at >= tick:
            if self.can_escalate():
                self.escalate(tick, by=None, reason="超过时限，自动上报")
                return self.handle(tick, round_)
            self.overdue(tick)
        self.move(
            Move.ACCEPT,
            EventKind.ACCEPTED,
            accept_at,
            actor=self.handler(),
            unit=self.unit(),
            accepted_at=c["accepted_at"] or accept_at,
        )
        at = accept_at
        # Whatever the unit does next happens before the tick would take the case away.
        deadline = _after_tick(c["resolve_due_at"])
        step = at + MINUTE * (5 + 120 * rng.random())
        if rng.random() < 0.6 and step < deadline and not self.summon_now:
            at = step
            self.move(Move.START, EventKind.STARTED, at, actor=self.handler(), unit=self.unit())
        # A grid worker who finds it beyond the grid escalates it (大事站所办).
        step = at + HOUR * (0.5 + 4 * rng.random())
        if (
            not self.steady
            and c["level"] == Level.GRID
            and rng.random() < 0.05
            and step < deadline
            and self.can_escalate()
        ):
            self.escalate(step, by=self.handler(), reason="超出网格处置能力，上报站所")
            return self.handle(step, round_)
        if (
            c["level"] == Level.GRID
            and round_ == 1
            and not self.steady
            and rng.random() < RETURN_SHARE
            and self.return_and_reassign(at, deadline)
        ):
            return self.handle(c["dispatched_at"], round_)
        if (
            c["level"] != Level.DEPARTMENT
            and self.official() is not None
            and round_ == 1
            and (self.summon_now or rng.random() < WHISTLE_SHARE)
        ):
            self.whistle(at, deadline)
        # 办结: mostly well within the time; a slack unit runs over.
        span = max(c["resolve_due_at"] - at, HOUR)
        if self.steady:
            resolve_at = at + span * (0.6 + 0.3 * rng.random())
        elif rng.random() < 0.03 + slack * 0.6:
            resolve_at = c["resolve_due_at"] + span * (0.05 + 0.6 * rng.random())
        else:
            resolve_at = at + span * (0.1 + 0.8 * rng.random() ** 1.5)
        if self.busy_until is not None:  # every summoned department has finished first
            resolve_at = max(resolve_at, self.busy_until + HOUR * (1 + 5 * rng.random()))
        tick = _after_tick(c["resolve_due_at"])
        if resolve_at >= tick:
            if self.can_escalate():
                self.escalate(tick, by=None, reason="超过时限，自动上报")
                return self.handle(tick, round_)
            self.overdue(tick)
        resolution = RESOLUTIONS.get(self.subject.code, "已办理")
        self.move(
            Move.RESOLVE,
            EventKind.RESOLVED,
            resolve_at,
            actor=self.handler(),
            unit=self.unit(),
            note=resolution,
            resolved_at=resolve_at,
            resolution=resolution,
        )
        self.follow_up(resolve_at, round_, late=resolve_at > c["resolve_due_at"])

    def place_quality(self) -> float:
        """How well the community's cases are done: the citizens' verdict follows it."""
        return self.world.quality[self.place.community]

    def slack(self) -> float:
        """How often the unit handling the case now runs over a deadline."""
        c = self.case
        if self.steady:
            return 0.0
        if c["level"] == Level.GRID:
            return 1 - self.place_quality()
        key = (
            f"{c['level']}:{c['station_id'] if c['level'] == Level.STATION else c['department_id']}"
        )
        return self.world.slack[key]

    def follow_up(self, resolved_at: dt.datetime, round_: int, *, late: bool) -> None:
        """回访, and what the answer does (services.record_feedback), else the tick's close."""
        rng, c = self.rng, self.case
        days = settings.JICENG_CASE_REOPEN_DAYS
        # Fewer answer the second call: an unsatisfied first answer often stands.
        answers = round_ < MAX_ROUNDS and rng.random() < (0.82 if round_ == 1 else 0.45)
        if not answers:
            at = _after_tick(resolved_at + dt.timedelta(days=days))
            self.move(Move.CLOSE, EventKind.CLOSED, at, closed_at=at, note="办结后无评价，自动结案")
            return
        at = resolved_at + HOUR * (2 + 70 * rng.random() ** 2)
        quality = self.place_quality() - (0.15 if late else 0)
        resolved = rng.random() < quality
        answer = (SATISFIED_ANSWER if resolved else UNSOLVED_ANSWER)(rng.random)
        by_call = rng.random() < 0.55
        actor = self.official() if by_call else None
        self.move(
            Move.FOLLOW_UP,
            EventKind.FOLLOWED_UP,
            at,
            actor=actor,
            note=f"{'电话回访' if by_call else '诉求人评价'}："
            f"{'已解决' if resolved else '未解决'}，{answer.label}。",
            followed_up_at=at,
            is_resolved_by_reporter=resolved,
            satisfaction=answer.value,
        )
        if workflow.reopens(resolved, answer) and workflow.may_reopen(c["resolved_at"], at, days):
            self.move(
                Move.REOPEN,
                EventKind.REOPENED,
                at,
                actor=actor,
                unit=self.unit(),
                note=f"诉求人{answer.label}",
                **self.handling_clock(at),
                resolve_due_at=workflow.resolve_due(at, c["deadline_class"]),
                resolved_at=None,
                closed_at=None,
                reopen_count=c["reopen_count"] + 1,
            )
            return self.handle(at, round_ + 1)
        if rng.random() < 0.93:
            at = at + HOUR * (1 + 60 * rng.random())
            self.move(Move.CLOSE, EventKind.CLOSED, at, actor=self.official(), closed_at=at)

    def return_and_reassign(self, at: dt.datetime, deadline: dt.datetime) -> bool:
        """退单 by the grid (not ours), 改派 to the community's next grid by the dispatcher."""
        rng, c = self.rng, self.case
        others = [g for g in self.world.grids_of[self.place.community] if g != c["grid_id"]]
        if not others:
            return False
        at = at + HOUR * (0.2 + 2 * rng.random())
        if at + 3.3 * HOUR >= deadline:
            return False
        self.move(
            Move.RETURN,
            EventKind.RETURNED,
            at,
            actor=self.handler(),
            unit=self.unit(),
            note="位置不在本网格，请改派",
        )
        grid = others[int(rng.random() * len(others))]
        at = at + HOUR * (0.3 + 3 * rng.random())
        self.move(
            Move.REASSIGN,
            EventKind.REASSIGNED,
            at,
            actor=self.official(),
            unit=self.world.places[grid].name,
            note="改派相邻网格",
            **self.unit_fields(Level.GRID, grid),
            **self.handling_clock(at),
        )
        self.place = self.world.places[grid]
        return True

    def whistle(self, accepted_at: dt.datetime, deadline: dt.datetime) -> None:
        """街乡吹哨、部门报到 (whistle.summon_departments and what follows), before the tick
        would take the case away; `busy_until` becomes the time the last department
        finished."""
        rng, units = self.rng, self.units
        functions = {self.subject.function, *(SUMMONED_NOW if self.summon_now else ())}
        picked = {
            next(d for d in units.departments if units.department_function[d] == function)
            for function in functions
            if function in units.department_function.values()
        }
        while len(picked) < 1 + (rng.random() < 0.4):
            picked.add(units.departments[int(rng.random() * len(units.departments))])
        at = accepted_at + HOUR * (1 + 20 * rng.random())
        within = None if rng.random() < 0.7 else dt.timedelta(hours=2)
        if self.summon_now:  # a moment ago: the departments have yet to report
            at, within = self.now - 10 * MINUTE, dt.timedelta(hours=2)
        if at >= deadline:
            return
        at = self._at(at)
        due = workflow.report_due(at, within)
        span = due - at
        names = "、".join(units.department_names[d] for d in sorted(picked))
        note = f"{self.subject.name}涉及多个部门，请到场会商处置"
        summons: dict[str, Any] = {
            "summoned_by_id": self.official(),
            "summoned_at": at,
            "report_due_at": due,
            "note": note,
            "reports": [],
        }
        self.planned.summonses.append(summons)
        self.event(EventKind.SUMMONED, at, actor=self.official(), unit=names, note=note)
        last = at
        stopped = False
        for department in sorted(picked):
            late = rng.random() < 0.18
            reported = at + span * ((1 + 2 * rng.random()) if late else (0.1 + 0.8 * rng.random()))
            report: dict[str, Any] = {
                "department_id": department,
                "report_due_at": due,
                "reported_at": None,
                "reported_by_id": None,
                "is_late": due < self.now,  # the tick marks an unreported summons late
                "finished_at": None,
                "finish_note": "",
                "rating": None,
                "rated_at": None,
            }
            summons["reports"].append(report)
            name = units.department_names[department]
            staff = units.staff.get(department)
            if reported > self.now:
                stopped = True
                continue
            report.update(reported_at=reported, reported_by_id=staff, is_late=reported > due)
            self.event(
                EventKind.REPORTED,
                reported,
                actor=staff,
                unit=name,
                note="迟到" if reported > due else "按时报到",
            )
            finished = reported + HOUR * (3 + 60 * rng.random())
            if finished > self.now:
                stopped = True
                continue
            finish_note = RESOLUTIONS.get(self.subject.code, "已到场处置")
            report.update(finished_at=finished, finish_note=finish_note)
            self.event(EventKind.FINISHED, finished, actor=staff, unit=name, note=finish_note)
            last = max(last, finished)
            rated = finished + HOUR * (1 + 30 * rng.random())
            if rated <= self.now:
                rating = RATINGS(rng.random) - (1 if reported > due else 0)
                report.update(rating=rating, rated_at=rated)
                self.event(
                    EventKind.RATED, rated, actor=self.official(), unit=name, note=f"{rating} 分"
                )
        self.busy_until = last
        if stopped:
            raise Stop


# -- the whole year ------------------------------------------------------------------------------


@dataclass
class World:
    """What the plan reads: the places, the units, `now`, and each unit's temper."""

    now: dt.datetime
    units: Units
    places: dict[int, Place]  # by grid id
    quality: dict[str, float]  # community → how well its cases are done
    slack: dict[str, float]  # "STATION:id" / "DEPARTMENT:id" → how often it runs late
    grids_of: dict[str, list[int]]  # community → its grids
    planned: int = 0  # cases planned so far (their numbers in the plan)


def make_world(
    places: Sequence[Place], units: Units, now: dt.datetime, rng: random.Random
) -> World:
    quality = {}
    grids_of: dict[str, list[int]] = {}
    for place in places:
        grids_of.setdefault(place.community, []).append(place.grid_id)
    for community in sorted(grids_of):
        quality[community] = 0.72 + 0.24 * rng.random()
    slack = {
        f"{Level.STATION}:{pk}": 0.04 + 0.16 * rng.random() for pk in sorted(units.station_names)
    }
    slack |= {f"{Level.DEPARTMENT}:{pk}": 0.05 + 0.25 * rng.random() for pk in units.departments}
    return World(
        now=now,
        units=units,
        places={p.grid_id: p for p in places},
        quality=quality,
        slack=slack,
        grids_of=grids_of,
    )


def _point_in(place: Place, rng: random.Random) -> tuple[float, float]:
    """A point inside the grid's shape, whatever it is: tries in its bounding box."""
    x0, y0, x1, y1 = place.bounds
    for _ in range(60):
        x, y = x0 + (x1 - x0) * rng.random(), y0 + (y1 - y0) * rng.random()
        if shapely.contains_xy(place.shape, x, y):
            return round(x, 6), round(y, 6)
    point = place.shape.representative_point()
    return round(point.x, 6), round(point.y, 6)


def _near(place: Place, lon: float, lat: float, rng: random.Random) -> tuple[float, float]:
    """A point within about 100 m of (lon, lat) in the same grid: a second call about it."""
    for _ in range(20):
        x = lon + (rng.random() - 0.5) * 0.002
        y = lat + (rng.random() - 0.5) * 0.0016
        if shapely.contains_xy(place.shape, x, y):
            return round(x, 6), round(y, 6)
    return lon, lat


def year_start(now: dt.datetime) -> dt.datetime:
    """The first day of the month a year before `now`'s (China time): twelve whole months and
    this one."""
    today = now.astimezone(clock.CHINA).date()
    return dt.datetime(today.year - 1, today.month, 1, tzinfo=clock.CHINA)


STEADY_SUBJECTS = ("housing-property", "city-garbage", "security-dispute", "livelihood-elderly")
# The whistle just blown in the demo street: a manhole cover (the street's 城管 station) that
# the district's 城管 and 水务 must see to.
SUMMONED_SUBJECT, SUMMONED_NOW = "utility-streetlight", ("城管", "水务")
STEADY_AGES = (dt.timedelta(minutes=30), 3 * HOUR, 9 * HOUR, 26 * HOUR, 50 * HOUR)


def plan_cases(world: World, *, seed: int, per_year: int, busy_grid: int | None) -> list[Planned]:
    """The cases of the year before `world.now`, played to `now`. Pure: no database."""
    rng = random.Random(seed)  # noqa: S311  # synthetic data
    places = [world.places[pk] for pk in sorted(world.places)]
    if not places:
        return []
    # Some grids draw far more calls than others (a market, an old estate).
    # Some grids have a trouble that keeps coming back (the hot spots, 未诉先办), and draw
    # more calls for it.
    codes = sorted(SUBJECTS)
    chronic = {
        p.grid_id: codes[int(rng.random() * len(codes))]
        for p in places
        if rng.random() < CHRONIC_SHARE
    }
    grid_picker = Picker(
        [
            (p, p.weight * rng.lognormvariate(0, 0.7) * (2.5 if p.grid_id in chronic else 1))
            for p in places
        ]
    )
    subjects = world.units.subjects
    by_month = {
        month: Picker(
            [
                (code, share * season.get(month, 1.0))
                for code, (share, season) in SUBJECTS.items()
                if code in subjects
            ]
        )
        for month in range(1, 13)
    }
    mean_volume = sum(MONTH_VOLUME.values()) / 12
    planned: list[Planned] = []
    day = year_start(world.now)
    end = world.now
    while day < end:
        local = day.astimezone(clock.CHINA)
        rate = per_year / 365 * MONTH_VOLUME[local.month] / mean_volume
        rate *= 0.8 if local.weekday() >= 5 else 1.08
        count = max(0, round(rate + rng.gauss(0, math.sqrt(rate))))
        for _ in range(count):
            at = day + HOUR * HOURS(rng.random) + MINUTE * (60 * rng.random())
            if at >= end:
                continue
            place = grid_picker(rng.random)
            code = by_month[local.month](rng.random)
            if place.grid_id in chronic and rng.random() < 0.55:
                code = chronic[place.grid_id] if chronic[place.grid_id] in subjects else code
            planned.append(_case(world, rng, place, code, at))
            if rng.random() < MERGE_SHARE:
                duplicate = _duplicate(world, rng, planned[-1], place)
                if duplicate is not None:
                    planned.append(duplicate)
        day += DAY
    if busy_grid is not None and busy_grid in world.places:
        for age, code in zip(STEADY_AGES, STEADY_SUBJECTS * 2, strict=False):
            if code in subjects:
                planned.append(
                    _case(
                        world,
                        rng,
                        world.places[busy_grid],
                        code,
                        (end - age).replace(second=0, microsecond=0),
                        steady=True,
                    )
                )
        # and a whistle the street has just blown, for the departments to report to
        if SUMMONED_SUBJECT in subjects:
            planned.append(
                _case(
                    world,
                    rng,
                    world.places[busy_grid],
                    SUMMONED_SUBJECT,
                    (end - 3 * HOUR).replace(second=0, microsecond=0),
                    steady=True,
                    summon_now=True,
                )
            )
    planned.sort(key=lambda p: (p.row["received_at"], p.number))
    return planned


def _case(
    world: World,
    rng: random.Random,
    place: Place,
    code: str,
    at: dt.datetime,
    *,
    steady: bool = False,
    summon_now: bool = False,
    channel: Channel | None = None,
    point: tuple[float, float] | None = None,
    intake_only: bool = False,
) -> Planned:
    subject = world.units.subjects[code]
    channel = channel or CHANNELS(rng.random)
    lon, lat = point or _point_in(place, rng)
    type_code = TYPE_OF.get(code) or OTHER_TYPES(rng.random)
    texts = DESCRIPTIONS.get(code, DESCRIPTIONS["other"])[-1 if summon_now else 0 :]
    where = f"{place.where}{1 + int(rng.random() * 40)}栋附近"
    reporter = channel != Channel.PATROL
    birth = 1950 + int(rng.random() * 55)
    row: dict[str, Any] = {
        "channel": channel.value,
        "case_type_id": world.units.types.get(type_code) or next(iter(world.units.types.values())),
        "subject_id": subject.pk,
        "subject_code": code,
        "deadline_class": DeadlineClass(subject.deadline_class).value,
        "description": texts[int(rng.random() * len(texts))].format(where=where),
        "lon": lon,
        "lat": lat,
        "address": where if channel == Channel.HOTLINE else "",
        "photo": "",
        "reporter_name": han_name(rng.random, "F" if rng.random() < 0.5 else "M", birth)
        if reporter
        else "",
        "phone": phone_number(rng.random) if reporter and rng.random() < 0.9 else "",
        "entered_by_id": world.units.workers.get(place.grid_id)
        if channel == Channel.PATROL
        else None,
        "grid_id": place.grid_id,
        "community_id": place.community,
        "street_id": place.street,
        "routed_how": "inside",
        "level": Level.GRID.value,
        "station_id": None,
        "department_id": None,
        "status": Status.RECEIVED.value,
        "accept_due_at": None,
        "resolve_due_at": None,
        "received_at": at,
        "dispatched_at": None,
        "accepted_at": None,
        "resolved_at": None,
        "followed_up_at": None,
        "closed_at": None,
        "overdue_noticed_at": None,
        "resolution": "",
        "is_resolved_by_reporter": None,
        "satisfaction": "",
        "reopen_count": 0,
        "escalation_count": 0,
    }
    world.planned += 1
    planned = Planned(number=world.planned, row=row)
    play = Play(rng, world, place, planned, steady=steady, summon_now=summon_now)
    play.play(intake_only=intake_only)
    return planned


def _duplicate(world: World, rng: random.Random, original: Planned, place: Place) -> Planned | None:
    """A second call about the same trouble nearby, merged into the first by the dispatcher
    (services.merge_case) before its unit signs for it."""
    first = original.row
    emergency = first["deadline_class"] == DeadlineClass.EMERGENCY
    at = first["received_at"] + MINUTE * (10 + (60 if emergency else 1800) * rng.random())
    point = _near(place, first["lon"], first["lat"], rng)
    if at > world.now:
        return None
    dup = _case(
        world,
        rng,
        place,
        first["subject_code"],
        at,
        channel=Channel.HOTLINE,
        point=point,
        intake_only=True,
    )
    row = dup.row
    merge_at = at + (row["accept_due_at"] - at) * (0.2 + 0.6 * rng.random())
    if merge_at <= world.now:
        target = workflow.check_move(Move.MERGE, row["status"])
        dup.events.append(
            {
                "kind": EventKind.MERGED.value,
                "at": merge_at,
                "actor_id": world.units.officials.get(place.street),
                "from_status": row["status"],
                "to_status": target.value,
                "unit": "",
                "note": "并入 {into}。重复诉求",
            }
        )
        row.update(status=target.value, closed_at=merge_at)
        dup.merged_into = original.number
    return dup


# -- writing -------------------------------------------------------------------------------------

CASE_COLUMNS = (
    "id",
    "channel",
    "case_type_id",
    "subject_id",
    "deadline_class",
    "description",
    "lon",
    "lat",
    "address",
    "photo",
    "reporter_name",
    "reporter_phone_sealed",
    "reporter_phone_masked",
    "token_digest",
    "feedback_digest",
    "entered_by_id",
    "finding_id",
    "grid_id",
    "community_id",
    "street_id",
    "routed_how",
    "level",
    "station_id",
    "department_id",
    "status",
    "accept_due_at",
    "resolve_due_at",
    "received_at",
    "dispatched_at",
    "accepted_at",
    "resolved_at",
    "followed_up_at",
    "closed_at",
    "overdue_noticed_at",
    "resolution",
    "is_resolved_by_reporter",
    "satisfaction",
    "reopen_count",
    "escalation_count",
    "merged_into_id",
)
CASE_TIMES = frozenset(
    {
        "accept_due_at",
        "resolve_due_at",
        "received_at",
        "dispatched_at",
        "accepted_at",
        "resolved_at",
        "followed_up_at",
        "closed_at",
        "overdue_noticed_at",
    }
)
EVENT_COLUMNS = (
    "id",
    "case_id",
    "kind",
    "at",
    "actor_id",
    "from_status",
    "to_status",
    "unit",
    "note",
)
SUMMONS_COLUMNS = ("id", "case_id", "summoned_by_id", "summoned_at", "report_due_at", "note")
REPORT_COLUMNS = (
    "id",
    "summons_id",
    "department_id",
    "case_id",
    "report_due_at",
    "reported_at",
    "reported_by_id",
    "is_late",
    "finished_at",
    "finish_note",
    "rating",
    "rated_at",
)
NOTICE_COLUMNS = ("id", "user_id", "case_id", "text", "created_at", "read_at", "sent_at")
NOTICES_READ_AFTER = 2 * DAY  # older notices have been read


@dataclass
class CaseSeedResult:
    cases: int = 0
    events: int = 0
    summonses: int = 0
    seconds: float = 0.0


def _next_id(model: type[Any]) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


def seed_cases(
    *,
    district: str,
    seed: int,
    per_year: int = 6000,
    busy_street: str = "",
    busy_grid: int | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> CaseSeedResult:
    """A year of cases in the district's grids (`district` a short code, e.g. "320113"), about
    `per_year` of them, more in `busy_street` and most in `busy_grid` (whose worker's inbox
    then holds the last days' cases). A district with cases already is left alone: the demo
    was loaded before, or is in use."""
    started = time.perf_counter()
    now = now or clock.now()
    if Case.objects.filter(under(district, "street_id")).exists():
        return CaseSeedResult(seconds=time.perf_counter() - started)
    places = read_places(district, busy_street, busy_grid)
    units = read_units(district)
    if not places or not units.subjects or not units.types:
        return CaseSeedResult(seconds=time.perf_counter() - started)
    rng = random.Random(seed * 7907 + 12)  # noqa: S311  # synthetic data
    world = make_world(places, units, now, rng)
    planned = plan_cases(world, seed=seed, per_year=per_year, busy_grid=busy_grid)
    if progress:
        progress(f"诉求 {len(planned):,} 件……")
    result = write_cases(planned, now=now)
    audit.record(
        audit.AuditEvent.WRITE,
        action="datasets.seed_cases",
        target_type="cases.Case",
        detail={"cases": result.cases, "events": result.events, "summonses": result.summonses},
    )
    result.seconds = time.perf_counter() - started
    return result


def write_cases(planned: list[Planned], *, now: dt.datetime) -> CaseSeedResult:
    adapt = connection.ops.adapt_datetimefield_value
    first_case = _next_id(Case)
    ids = {p.number: first_case + i for i, p in enumerate(planned)}
    received = {p.number: p.row["received_at"] for p in planned}
    phones = [p.row["phone"] for p in planned if p.row["phone"]]
    sealed = iter(BatchSealer(field=PHONE_FIELD, length=11).seal(phones))
    cases, events, summonses, reports, notices = [], [], [], [], []
    event_id, summons_id = _next_id(CaseEvent), _next_id(Summons)
    report_id, notice_id = _next_id(SummonsReport), _next_id(Notice)
    for p in planned:
        row, pk = p.row, ids[p.number]
        phone = row["phone"]
        values = {
            **row,
            "id": pk,
            "reporter_phone_sealed": next(sealed) if phone else None,
            "reporter_phone_masked": masking.mask_phone(phone) if phone else "",
            "token_digest": token_digest(secrets.token_urlsafe(18)),
            "feedback_digest": token_digest(secrets.token_urlsafe(18)),
            "finding_id": None,
            "merged_into_id": ids[p.merged_into] if p.merged_into is not None else None,
        }
        cases.append(
            tuple(adapt(values[c]) if c in CASE_TIMES else values[c] for c in CASE_COLUMNS)
        )
        into = case_number(received[p.merged_into], ids[p.merged_into]) if p.merged_into else ""
        for e in p.events:
            events.append(
                (
                    event_id,
                    pk,
                    e["kind"],
                    adapt(e["at"]),
                    e["actor_id"],
                    e["from_status"],
                    e["to_status"],
                    e["unit"],
                    e["note"].replace("{into}", into),
                )
            )
            event_id += 1
        for s in p.summonses:
            summonses.append(
                (
                    summons_id,
                    pk,
                    s["summoned_by_id"],
                    adapt(s["summoned_at"]),
                    adapt(s["report_due_at"]),
                    s["note"],
                )
            )
            for r in s["reports"]:
                reports.append(
                    (
                        report_id,
                        summons_id,
                        r["department_id"],
                        pk,
                        adapt(r["report_due_at"]),
                        adapt(r["reported_at"]),
                        r["reported_by_id"],
                        r["is_late"],
                        adapt(r["finished_at"]),
                        r["finish_note"],
                        r["rating"],
                        adapt(r["rated_at"]),
                    )
                )
                report_id += 1
            summons_id += 1
        number = case_number(row["received_at"], pk)
        for n in p.notices:
            read = n["created_at"] + HOUR if n["created_at"] < now - NOTICES_READ_AFTER else None
            notices.append(
                (
                    notice_id,
                    n["user_id"],
                    pk,
                    n["text"].replace("{number}", number)[:200],
                    adapt(n["created_at"]),
                    adapt(read),
                    adapt(n["created_at"]),  # a year's notices went out when they were made
                )
            )
            notice_id += 1
    tables = {
        "cases": Table.of(Case, CASE_COLUMNS),
        "events": Table.of(CaseEvent, EVENT_COLUMNS),
        "summonses": Table.of(Summons, SUMMONS_COLUMNS),
        "reports": Table.of(SummonsReport, REPORT_COLUMNS),
        "notices": Table.of(Notice, NOTICE_COLUMNS),
    }
    # Inside a transaction the writer leaves SQLite's journal as it is: switching it off needs
    # the database to itself, and the demo is often loaded with its server running. A few
    # ten thousand rows do not need it.
    with transaction.atomic(), BulkWriter(tables, defer_indexes=False) as writer:
        writer.write("cases", cases)
        writer.write("events", events)
        writer.write("summonses", summonses)
        writer.write("reports", reports)
        writer.write("notices", notices)
    return CaseSeedResult(cases=len(cases), events=len(events), summonses=len(summonses))
