"""The party's annual statistics (党内统计年报) of a subtree as of 31 December, computed from
the records (../shared/reference/party-statistics.md): nobody types them again.

How a figure is made. A member counts where their membership was on the day (正式组织关系):
each member's events since the year began are walked backwards from the record as it is now
(a transfer's event names where it came from and where it went; any other event happened where
the member then was). An event moves a member into the subtree or out of it when it changes
"on the subtree's roll" (an active status, members.ACTIVE_STATUSES, in an organization of the
subtree): admissions, registrations and transfers in; deaths, removals, expulsions and
transfers out. So the members at the end of the year are those on the roll now, less those who
came in since, plus those who went out since; and last year's are this year's, less the year's
ins, plus its outs. Table 1 adds up by construction, and every figure is a set of members
(or organizations) that the page lists behind it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf

from jiceng.appraisal.models import ModelOrganization, Nomination
from jiceng.core.paths import is_under, under
from jiceng.divisions.models import short_code_of
from jiceng.members.models import (
    ACTIVE_STATUSES,
    Category,
    Education,
    Gender,
    Member,
    MemberEvent,
    MemberStatus,
    StatusMove,
)
from jiceng.orglife.models import (
    PRESENT_STATUSES,
    Attendance,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from jiceng.orgs.models import (
    GRASSROOTS_KINDS,
    Committee,
    CommitteeSeat,
    Organization,
    OrgKind,
    Post,
    Sector,
    SelfGovernmentCommittee,
    SelfGovernmentKind,
    SelfGovernmentPost,
    SelfGovernmentSeat,
)
from jiceng.points.models import PointsEntry, SourceKind

Move = StatusMove
FIRST_MOVES = frozenset({Move.REGISTER, Move.ADMIT, Move.TRANSFER_IN})
ACTIVE = frozenset(s.value for s in ACTIVE_STATUSES)

# Table 1's lines: how a member came onto the subtree's roll or left it, by the event's move.
IN_LINES: dict[str, str] = {
    "in_developed": "发展党员",
    "in_transferred": "组织关系转入",
    "in_registered": "登记入册（其他增加）",
    "in_restored": "恢复党籍及其他",
}
OUT_LINES: dict[str, str] = {
    "out_died": "去世",
    "out_transferred": "组织关系转出",
    "out_left": "出党（除名、退党、开除、取消预备党员资格）",
    "out_other": "其他减少",
}
LEAVING: dict[str, str] = {
    Move.REMOVE: "除名",
    Move.RESIGN: "退党",
    Move.EXPEL: "开除党籍",
    Move.DISQUALIFY: "取消预备党员资格",
}

AGE_BANDS: list[tuple[str, int, int]] = [
    ("30岁及以下", 0, 30),
    ("31至35岁", 31, 35),
    ("36至40岁", 36, 40),
    ("41至45岁", 41, 45),
    ("46至50岁", 46, 50),
    ("51至55岁", 51, 55),
    ("56至60岁", 56, 60),
    ("61至70岁", 61, 70),
    ("71岁及以上", 71, 200),
]

# 入党时间: the periods of the party's history the forms count by.
JOINED_PERIODS: list[tuple[str, dt.date]] = [
    ("1937年7月6日及以前", dt.date(1937, 7, 7)),
    ("1937年7月7日至1945年9月2日", dt.date(1945, 9, 3)),
    ("1945年9月3日至1949年9月", dt.date(1949, 10, 1)),
    ("1949年10月至1966年4月", dt.date(1966, 5, 1)),
    ("1966年5月至1976年10月", dt.date(1976, 11, 1)),
    ("1976年11月至1978年12月", dt.date(1979, 1, 1)),
    ("1979年1月至2002年10月", dt.date(2002, 11, 1)),
    ("2002年11月至2012年10月", dt.date(2012, 11, 1)),
    ("2012年11月至2022年10月", dt.date(2022, 11, 1)),
    ("2022年11月及以后", dt.date(9999, 1, 1)),
]


@dataclass(frozen=True)
class Cell:
    value: int
    key: str = ""  # the list behind the figure ("" for a total that has none of its own)

    @property
    def shown(self) -> str:
        return f"{self.value:,}"


@dataclass(frozen=True)
class Line:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    number: str
    title: str
    columns: list[str]
    lines: list[Line]
    unit: str = "人"  # or 个 (organizations)
    note: str = ""  # what the records cannot answer, said under the table


@dataclass
class Report:
    organization: Organization
    year: int
    tables: list[Table]
    # the members or organizations behind each figure, by its key
    members: dict[str, set[int]] = field(default_factory=dict)
    organizations: dict[str, set[int]] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    def table(self, number: str) -> Table:
        return next(t for t in self.tables if t.number == number)

    def reconciliation(self) -> tuple[int, int, int, int]:
        """Table 1's (last year, ins, outs, this year)."""
        total = self.table("1").lines[0].cells
        return total[0].value, total[1].value, total[2].value, total[3].value


# -- the walk ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One event of a member, with where they were before and after it."""

    member_id: int
    move: str
    on: dt.date
    was_in: bool  # on the subtree's roll before the event
    is_in: bool  # ... and after
    at: str | None = None  # the path of the member's organization after the event


def _walk(prefix: str, since: dt.date) -> list[Step]:
    """Every event after `since` of every member it concerns (now in the subtree, or moved
    from or to it), with the subtree's roll before and after each."""
    touched = MemberEvent.objects.filter(
        under(prefix, "member__organization__path")
        | under(prefix, "from_organization__path")
        | under(prefix, "to_organization__path"),
        on__gt=since,
    ).values("member_id")
    rows = (
        MemberEvent.objects.filter(member_id__in=touched, on__gt=since)
        .order_by("member_id", "on", "pk")
        .values_list(
            "member_id",
            "move",
            "from_status",
            "to_status",
            "on",
            "from_organization__path",
            "to_organization__path",
            "member__organization__path",
        )
    )
    by_member: dict[int, list[tuple[str, str, str, dt.date, str | None, str | None, str]]] = (
        defaultdict(list)
    )
    for member_id, move, before, after, on, from_path, to_path, now_path in rows.iterator(
        chunk_size=5000
    ):
        by_member[member_id].append((move, before, after, on, from_path, to_path, now_path))
    steps: list[Step] = []
    for member_id, events in by_member.items():
        where: str | None = events[-1][6]  # where the record is now
        walked: list[Step] = []
        for move, before, after, on, came_from, went_to, _ in reversed(events):
            where_after: str | None = where
            if move in (Move.TRANSFER, Move.TRANSFER_OUT, Move.TRANSFER_IN):
                where_after = went_to if went_to is not None else where
                where = came_from if came_from is not None else where_after
            is_in = after in ACTIVE and is_under(where_after, prefix)
            was_in = move not in FIRST_MOVES and before in ACTIVE and is_under(where, prefix)
            walked.append(Step(member_id, move, on, was_in, is_in, where_after))
        steps.extend(reversed(walked))
    return steps


IN_BY_MOVE: dict[str, str] = {
    Move.ADMIT: "in_developed",
    Move.TRANSFER: "in_transferred",
    Move.TRANSFER_IN: "in_transferred",
    Move.REGISTER: "in_registered",
}


def _in_line(move: str) -> str:
    return IN_BY_MOVE.get(move, "in_restored")


def _out_line(move: str) -> str:
    if move == Move.DIE:
        return "out_died"
    if move in (Move.TRANSFER, Move.TRANSFER_OUT):
        return "out_transferred"
    if move in LEAVING:
        return "out_left"
    return "out_other"


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _band(age: int) -> str:
    return next(label for label, low, high in AGE_BANDS if low <= age <= high)


def _period(joined: dt.date) -> str:
    return next(label for label, before in JOINED_PERIODS if joined < before)


# -- the report --------------------------------------------------------------------------------


# The groups of the roll on 31 December, as columns computed in SQL (the same expressions
# count the groups and pick the members of one): sex, Han or not, age band, category,
# education, joining period, probationary (now, joined by 31 December), and the sector of the
# member's organization (tables 5 and 6: members of villages and communities).
GROUP_COLUMNS = ("gender", "han", "band", "category", "edu", "period", "prob", "sector")
CHUNK = 5000


def _grouped(rows: QuerySet[Member], end: dt.date) -> QuerySet[Member]:
    year = end.year
    return rows.annotate(
        han=Case(When(ethnicity="汉族", then=Value(1)), default=Value(0)),
        # on 31 December a member's age is the year less the year of birth
        band=Case(
            *[
                When(birth_date__gte=dt.date(year - high, 1, 1), then=Value(i))
                for i, (_, _, high) in enumerate(AGE_BANDS[:-1])
            ],
            default=Value(len(AGE_BANDS) - 1),
        ),
        edu=Coalesce(NullIf(F("education"), Value("")), Value("NONE")),
        period=Case(
            *[
                When(joined_on__lt=before, then=Value(i))
                for i, (_, before) in enumerate(JOINED_PERIODS[:-1])
            ],
            default=Value(len(JOINED_PERIODS) - 1),
        ),
        prob=Case(
            When(status=MemberStatus.PROBATIONARY, joined_on__lte=end, then=Value(1)),
            default=Value(0),
        ),
        sector=Coalesce(NullIf(F("organization__sector"), Value("")), Value("NONE")),
    )


def _keys(row: dict[str, Any], *, probationary: bool) -> list[str]:
    """The figures of tables 2 to 7 one member (or one group of members) of the roll counts
    in."""
    keys = [
        f"sex_{row['gender']}",
        "ethnic_han" if row["han"] else "ethnic_minority",
        f"age_{AGE_BANDS[row['band']][0]}",
        f"category_{row['category']}",
        f"education_{row['edu']}",
        f"joined_{JOINED_PERIODS[row['period']][0]}",
    ]
    if row["sector"] in PLACE_SECTORS:
        keys.append(f"members_{row['sector']}")
    if probationary:
        keys.append("probationary")
    if row["category"] == Category.STUDENT:
        keys += ["student", f"student_sex_{row['gender']}", f"student_education_{row['edu']}"]
        if probationary:
            keys.append("student_probationary")
    return keys


def _roll_keys() -> dict[str, dict[str, object]]:
    """Each figure of the roll and its columns and values in _grouped ({} for every member)."""
    out: dict[str, dict[str, object]] = {"this_year": {}}
    out |= {f"sex_{g.value}": {"gender": g.value} for g in Gender}
    out |= {"ethnic_han": {"han": 1}, "ethnic_minority": {"han": 0}}
    out |= {f"age_{label}": {"band": i} for i, (label, _, _) in enumerate(AGE_BANDS)}
    out |= {f"category_{c.value}": {"category": c.value} for c in Category}
    out |= {f"education_{e.value}": {"edu": e.value} for e in Education}
    out |= {"education_NONE": {"edu": "NONE"}}
    out |= {f"joined_{label}": {"period": i} for i, (label, _) in enumerate(JOINED_PERIODS)}
    out |= {"probationary": {"prob": 1}}
    out |= {f"members_{s}": {"sector": s} for s in PLACE_SECTORS}
    student: dict[str, object] = {"category": Category.STUDENT.value}
    out |= {"student": student, "student_probationary": student | {"prob": 1}}
    out |= {f"student_sex_{g.value}": student | {"gender": g.value} for g in Gender}
    out |= {f"student_education_{e.value}": student | {"edu": e.value} for e in Education}
    out |= {"student_education_NONE": student | {"edu": "NONE"}}
    return out


# Tables 5 and 6: the sectors of villages and communities.
PLACE_SECTORS = (Sector.VILLAGE.value, Sector.COMMUNITY.value)
ROLL_KEYS = _roll_keys()


def _column_of(key: str) -> dict[str, object] | None:
    return ROLL_KEYS.get(key)


def compute(organization: Organization, year: int, keep: str | None = None) -> Report:
    """The report of the subtree for the year. The members behind the figures of the roll
    (tables 2 to 4) are counted, not listed, except the figure `keep` (a list page's); the
    figures of the year's events (tables 1-1, 10, 13, 14) keep their members."""
    prefix = organization.path
    start, end = dt.date(year - 1, 12, 31), dt.date(year, 12, 31)
    steps = _walk(prefix, start)
    sets: dict[str, set[int]] = defaultdict(set)
    came_since: set[int] = set()  # came onto the roll after the year (net)
    left_since: set[int] = set()
    admitted_at: dict[int, str | None] = {}  # where each member developed in the year was
    for s in steps:
        if s.is_in == s.was_in:
            if s.is_in and s.on <= end:
                if s.move == Move.BECOME_FULL:
                    sets["full_on_time"].add(s.member_id)
                elif s.move == Move.EXTEND_PROBATION:
                    sets["full_extended"].add(s.member_id)
            continue
        if s.on > end:
            # Events after the year: undo them to find the roll on 31 December.
            target, other = (came_since, left_since) if s.is_in else (left_since, came_since)
            if s.member_id in other:
                other.discard(s.member_id)
            else:
                target.add(s.member_id)
            continue
        if s.is_in:
            sets[_in_line(s.move)].add(s.member_id)
        else:
            sets[_out_line(s.move)].add(s.member_id)
            if s.move in LEAVING:
                sets[f"left_{s.move}"].add(s.member_id)
            if s.move == Move.DISQUALIFY:
                sets["full_disqualified"].add(s.member_id)
        if s.move == Move.SUSPEND:
            sets["left_SUSPEND"].add(s.member_id)
        if s.move == Move.ADMIT and s.is_in:
            sets["developed"].add(s.member_id)
            admitted_at[s.member_id] = s.at

    # The roll on 31 December: the roll now, less who came since, plus who left since. Its
    # groups are counted in SQL over the roll now; the few members the year's later events
    # touch are taken out of those counts and put back as they stood on 31 December. The
    # members behind a figure are read only for the figure `keep` asks for.
    roll = Member.objects.filter(under(prefix, "organization__path"), status__in=ACTIVE)
    # Members whose probation was still running on 31 December are read from their status
    # history: the status now, unless an event since changed it.
    probation_later = set(
        MemberEvent.objects.filter(on__gt=end, from_status=MemberStatus.PROBATIONARY)
        .exclude(to_status=MemberStatus.PROBATIONARY)
        .filter(member_id__in=[s.member_id for s in steps if s.on > end])
        .values_list("member_id", flat=True)
    )
    adjusted = came_since | left_since | probation_later
    counts: dict[str, int] = defaultdict(int)
    grouped = _grouped(roll, end).values(*GROUP_COLUMNS).annotate(n=Count("pk")).order_by()
    for row in grouped:
        for key in _keys(row, probationary=bool(row["prob"])):
            counts[key] += row["n"]
        counts["this_year"] += row["n"]
    kept_column = _column_of(keep) if keep else None
    kept: set[int] = set()
    if keep and kept_column is not None:
        kept = set(_grouped(roll, end).filter(**kept_column).values_list("pk", flat=True))
        kept -= adjusted
    adjusted_list = sorted(adjusted)
    for i in range(0, len(adjusted_list), CHUNK):
        rows = _grouped(Member.objects.filter(pk__in=adjusted_list[i : i + CHUNK]), end).values(
            "pk", "organization__path", "status", *GROUP_COLUMNS
        )
        for row in rows:
            pk = row["pk"]
            on_roll_now = row["status"] in ACTIVE and is_under(row["organization__path"], prefix)
            if on_roll_now:  # counted above as it stands now: taken out
                for key in _keys(row, probationary=bool(row["prob"])):
                    counts[key] -= 1
                counts["this_year"] -= 1
            if (on_roll_now and pk not in came_since) or pk in left_since:
                held = _keys(
                    row, probationary=(on_roll_now and bool(row["prob"])) or pk in probation_later
                )
                for key in held:
                    counts[key] += 1
                counts["this_year"] += 1
                if keep is not None and (keep in held or keep == "this_year"):
                    kept.add(pk)
    if keep is not None and kept_column is not None:
        sets[keep] = kept
    developed = Member.objects.filter(pk__in=sets["developed"]).values_list(
        "pk", "gender", "birth_date", "education", "category", "ethnicity"
    )
    for pk, gender, birth, education, category, ethnicity in developed:
        sets[f"dev_sex_{gender}"].add(pk)
        sets[f"dev_age_{_band(_age(birth, end))}"].add(pk)
        sets[f"dev_education_{education or 'NONE'}"].add(pk)
        sets[f"dev_category_{category}"].add(pk)
        if ethnicity != "汉族":
            sets["dev_minority"].add(pk)
    # Table 15: where they were developed, by the sector of the organization that admitted them.
    sector_of = dict(
        Organization.objects.filter(
            path__in={p for p in admitted_at.values() if p is not None}
        ).values_list("path", "sector")
    )
    for pk, at in admitted_at.items():
        sets[f"dev_sector_{sector_of.get(at or '') or 'NONE'}"].add(pk)

    for key, members in sets.items():
        if key not in ROLL_KEYS:
            counts[key] = len(members)
    ins = sum(counts[k] for k in IN_LINES)
    outs = sum(counts[k] for k in OUT_LINES)
    this_year = counts["this_year"]
    last_year = this_year - ins + outs

    def cell(key: str) -> Cell:
        return Cell(counts[key], key)

    tables = [
        Table(
            "1",
            "党员数量变化情况",
            ["上年底党员数", "本年增加", "本年减少", "本年底党员数"],
            [Line("合计", [Cell(last_year), Cell(ins), Cell(outs), cell("this_year")])],
        ),
        Table(
            "1-1",
            "党员增加、减少的途径",
            ["人数"],
            [Line(f"增加：{label}", [cell(key)]) for key, label in IN_LINES.items()]
            + [Line(f"减少：{label}", [cell(key)]) for key, label in OUT_LINES.items()],
        ),
        Table(
            "2",
            "党员的性别、民族、年龄、职业和预备党员",
            ["人数"],
            [Line("党员总数", [cell("this_year")])]
            + [Line(f"性别：{g.label}", [cell(f"sex_{g.value}")]) for g in Gender]
            + [
                Line("民族：汉族", [cell("ethnic_han")]),
                Line("民族：少数民族", [cell("ethnic_minority")]),
            ]
            + [Line(f"年龄：{label}", [cell(f"age_{label}")]) for label, _, _ in AGE_BANDS]
            + [Line(f"人员类别：{c.label}", [cell(f"category_{c.value}")]) for c in Category]
            + [Line("其中：预备党员", [cell("probationary")])],
        ),
        Table(
            "3",
            "党员的入党时间",
            ["人数"],
            [Line(label, [cell(f"joined_{label}")]) for label, _ in JOINED_PERIODS],
        ),
        Table(
            "4",
            "党员的学历",
            ["人数"],
            [Line(e.label, [cell(f"education_{e.value}")]) for e in Education]
            + [Line("未填写", [cell("education_NONE")])],
        ),
        Table(
            "10",
            "出党和停止党籍的党员",
            ["人数"],
            [Line(label, [cell(f"left_{move}")]) for move, label in LEAVING.items()]
            + [Line("停止党籍", [cell("left_SUSPEND")])],
        ),
        Table(
            "13",
            "预备党员转正",
            ["人数"],
            [
                Line("按期转为正式党员", [cell("full_on_time")]),
                Line("延长预备期", [cell("full_extended")]),
                Line("取消预备党员资格", [cell("full_disqualified")]),
            ],
        ),
        Table(
            "14",
            "发展党员",
            ["人数"],
            [Line("发展党员总数", [cell("developed")])]
            + [Line(f"性别：{g.label}", [cell(f"dev_sex_{g.value}")]) for g in Gender]
            + [Line("少数民族", [cell("dev_minority")])]
            + [Line(f"年龄：{label}", [cell(f"dev_age_{label}")]) for label, _, _ in AGE_BANDS]
            + [Line(f"学历：{e.label}", [cell(f"dev_education_{e.value}")]) for e in Education]
            + [Line(f"人员类别：{c.label}", [cell(f"dev_category_{c.value}")]) for c in Category],
        ),
        Table(
            "7",
            "学生党员",
            ["人数"],
            [Line("学生党员总数", [cell("student")])]
            + [Line(f"性别：{g.label}", [cell(f"student_sex_{g.value}")]) for g in Gender]
            + [Line(f"学历：{e.label}", [cell(f"student_education_{e.value}")]) for e in Education]
            + [
                Line("学历：未填写", [cell("student_education_NONE")]),
                Line("其中：预备党员", [cell("student_probationary")]),
                Line("本年发展的学生党员", [cell(f"dev_category_{Category.STUDENT.value}")]),
            ],
        ),
        Table(
            "15",
            "发展党员的所在领域",
            ["人数"],
            [Line("发展党员总数", [cell("developed")])]
            + [Line(f"领域：{s.label}", [cell(f"dev_sector_{s.value}")]) for s in Sector]
            + [Line("领域：未填写", [cell("dev_sector_NONE")])],
        ),
    ]
    report = Report(organization=organization, year=year, tables=tables, members=dict(sets))
    _organization_tables(report, end)
    _place_tables(report, end, counts)
    _review_table(report, keep)
    _commendation_table(report)
    report.tables.sort(key=lambda t: tuple(int(n) for n in t.number.split("-")))
    return report


def _organization_tables(report: Report, end: dt.date) -> None:
    """The grassroots organizations of the subtree standing on 31 December: by kind and sector,
    and whether their committee was complete (a secretary) and its term not overdue."""
    prefix = report.organization.path
    standing = Organization.objects.filter(
        under(prefix),
        kind__in=GRASSROOTS_KINDS,
    ).filter(
        Q(founded_on__isnull=True) | Q(founded_on__lte=end),
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=end),
    )
    sets: dict[str, set[int]] = defaultdict(set)
    for pk, kind, sector in standing.values_list("pk", "kind", "sector").iterator(chunk_size=5000):
        sets["orgs"].add(pk)
        sets[f"kind_{kind}"].add(pk)
        sets[f"sector_{sector or 'NONE'}"].add(pk)
    # The committee in office on 31 December: begun by then, not ended before.
    in_office = Committee.objects.filter(
        under(prefix, "organization__path"),
        organization__kind__in=GRASSROOTS_KINDS,
        term_start__lte=end,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=end))
    with_committee: set[int] = set()
    for org_id, due in in_office.values_list("organization_id", "term_due").iterator(
        chunk_size=5000
    ):
        if org_id not in sets["orgs"]:
            continue
        with_committee.add(org_id)
        if due < end:
            sets["term_overdue"].add(org_id)
    sets["with_committee"] = with_committee
    sets["without_committee"] = sets["orgs"] - with_committee

    def cell(key: str) -> Cell:
        return Cell(len(sets[key]), key)

    grassroots = [k for k in OrgKind if k in GRASSROOTS_KINDS]
    report.tables.append(
        Table(
            "19",
            "基层党组织",
            ["个数"],
            [Line("基层党组织总数", [cell("orgs")])]
            + [Line(f"类型：{k.label}", [cell(f"kind_{k.value}")]) for k in grassroots]
            + [Line(f"领域：{s.label}", [cell(f"sector_{s.value}")]) for s in Sector]
            + [
                Line("领域：未填写", [cell("sector_NONE")]),
                Line("已建立委员会（录入书记）", [cell("with_committee")]),
                Line("未录入委员会", [cell("without_committee")]),
                Line("届期已满未换届", [cell("term_overdue")]),
            ],
            unit="个",
        )
    )
    report.organizations = dict(sets)


# Tables 5 and 6: the townships' committees and the villages' organizations, the streets'
# working committees and the communities' organizations, with the 两委 (the party committee and
# the villagers' or residents' committee) as they stood on 31 December.
PLACES: dict[str, tuple[str, str, str, str, str, str]] = {
    # sector: (table, title, body above, its kind, the place, the self-government committee)
    Sector.VILLAGE.value: (
        "5",
        "乡镇、行政村党组织和党员",
        "乡镇党委",
        OrgKind.COMMITTEE.value,
        "村",
        SelfGovernmentKind.VILLAGERS.value,
    ),
    Sector.COMMUNITY.value: (
        "6",
        "街道、社区（居委会）党组织和党员",
        "街道党工委",
        OrgKind.WORKING_COMMITTEE.value,
        "社区",
        SelfGovernmentKind.RESIDENTS.value,
    ),
}
TOWNSHIP_CODE_LENGTH = 9  # a township's or street's division code without its padding
COMMITTEE_NAME = {"5": "村民委员会", "6": "居民委员会"}


def _standing(rows: QuerySet[Any], end: dt.date, prefix: str = "") -> QuerySet[Any]:
    return rows.filter(
        Q(**{f"{prefix}founded_on__isnull": True}) | Q(**{f"{prefix}founded_on__lte": end}),
        Q(**{f"{prefix}dissolved_on__isnull": True}) | Q(**{f"{prefix}dissolved_on__gt": end}),
    )


def _in_office(rows: QuerySet[Any], end: dt.date) -> QuerySet[Any]:
    return rows.filter(term_start__lte=end).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=end))


def _place_tables(report: Report, end: dt.date, counts: dict[str, int]) -> None:
    """A village's (community's) party organization is the highest grassroots organization of
    its sector (its parent is not one of the sector's); a township's committee (a street's
    working committee) is the one whose division is a township. A village's secretary is the
    secretary of its organization's committee in office; 一肩挑 when the same member chairs the
    villagers' (residents') committee in office."""
    prefix = report.organization.path
    orgs: dict[str, set[int]] = defaultdict(set)
    members: dict[str, set[int]] = defaultdict(set)
    kinds = {kind for _, _, _, kind, _, _ in PLACES.values()}
    uppers = _standing(
        Organization.objects.filter(under(prefix), kind__in=kinds, division_id__isnull=False),
        end,
    ).values_list("pk", "kind", "division_id")
    for pk, kind, code in uppers.iterator(chunk_size=CHUNK):
        if len(short_code_of(code)) == TOWNSHIP_CODE_LENGTH:
            sector = next(s for s, place in PLACES.items() if place[3] == kind)
            orgs[f"upper_{sector}"].add(pk)
    placed = _standing(
        Organization.objects.filter(
            under(prefix), kind__in=GRASSROOTS_KINDS, sector__in=list(PLACES)
        ),
        end,
    ).values_list("pk", "path", "kind", "sector")
    rows = list(placed.iterator(chunk_size=CHUNK))
    sector_at = {path: sector for _, path, _, sector in rows}
    top: dict[int, str] = {}
    for pk, path, kind, sector in rows:
        if sector_at.get(path[: -Organization.steplen]) != sector:
            top[pk] = sector
            orgs[f"place_{sector}"].add(pk)
            orgs[f"place_{sector}_{kind}"].add(pk)
    committees = _in_office(
        Committee.objects.filter(under(prefix, "organization__path"), organization_id__in=top),
        end,
    ).values_list("pk", "organization_id", "term_due")
    committee_of: dict[int, int] = {}
    for pk, org_id, due in committees:
        committee_of[pk] = org_id
        if due < end:
            orgs[f"overdue_{top[org_id]}"].add(org_id)
    secretary: dict[int, int] = {}
    seats = CommitteeSeat.objects.filter(committee_id__in=committee_of, post=Post.SECRETARY)
    for committee_id, member_id in seats.values_list("committee_id", "member_id"):
        org_id = committee_of[committee_id]
        secretary[org_id] = member_id
        orgs[f"secretary_{top[org_id]}"].add(org_id)
    own = _in_office(
        SelfGovernmentCommittee.objects.filter(
            under(prefix, "organization__path"), organization_id__in=top
        ),
        end,
    ).values_list("pk", "organization_id", "kind")
    own_of: dict[int, int] = {}
    for pk, org_id, kind in own:
        if PLACES[top[org_id]][5] == kind:
            own_of[pk] = org_id
            orgs[f"self_{top[org_id]}"].add(org_id)
    own_seats = SelfGovernmentSeat.objects.filter(committee_id__in=own_of, member__isnull=False)
    for committee_id, member_id, post in own_seats.values_list("committee_id", "member_id", "post"):
        org_id = own_of[committee_id]
        members[f"self_members_{top[org_id]}"].add(member_id)
        if post == SelfGovernmentPost.CHAIR and secretary.get(org_id) == member_id:
            orgs[f"one_shoulder_{top[org_id]}"].add(org_id)

    def org_cell(key: str) -> Cell:
        return Cell(len(orgs[key]), key)

    grassroots = [k for k in OrgKind if k in GRASSROOTS_KINDS]
    for sector, (number, title, upper, _, place, _) in PLACES.items():
        self_name = COMMITTEE_NAME[number]
        report.tables.append(
            Table(
                number,
                title,
                ["数量"],
                [
                    Line(f"{upper}（个）", [org_cell(f"upper_{sector}")]),
                    Line(f"{place}党组织（个）", [org_cell(f"place_{sector}")]),
                ]
                + [
                    Line(f"其中：{k.label}（个）", [org_cell(f"place_{sector}_{k.value}")])
                    for k in grassroots
                ]
                + [
                    Line(
                        f"{place}党组织党员（人）",
                        [Cell(counts[f"members_{sector}"], f"members_{sector}")],
                    ),
                    Line(f"已录入书记的{place}党组织（个）", [org_cell(f"secretary_{sector}")]),
                    Line(f"届期已满未换届的{place}党组织（个）", [org_cell(f"overdue_{sector}")]),
                    Line(f"已录入{self_name}的{place}（个）", [org_cell(f"self_{sector}")]),
                    Line(
                        f"书记兼任{self_name}主任（“一肩挑”）的{place}（个）",
                        [org_cell(f"one_shoulder_{sector}")],
                    ),
                    Line(
                        f"{self_name}成员中的党员（人）",
                        [Cell(len(members[f"self_members_{sector}"]), f"self_members_{sector}")],
                    ),
                ],
                unit="个、人",
            )
        )
    report.organizations |= orgs
    report.members |= members


# Table 8: the democratic appraisal of members (民主评议党员), counted by the organization that
# held it: its meetings held in the year, the members expected at them and those who took part.
REVIEW_NOTE = (
    "评议结果（优秀、基本合格、不合格等）及其处置平台未单独记录，未列入本表；"
    "以上为平台记录的民主评议党员会议及其参会情况。"
)


def _review_table(report: Report, keep: str | None) -> None:
    """The meetings are few (one a year a branch): their organizations are read; the members
    at them are many, so they are counted in SQL and read only for the figure `keep`."""
    year = report.year
    held = Meeting.objects.filter(
        under(report.organization.path, "organization__path"),
        kind=MeetingKind.DEMOCRATIC_REVIEW,
        status=MeetingStatus.HELD,
        month__gte=year * 100 + 1,
        month__lte=year * 100 + 12,
    )
    organizations = set(held.values_list("organization_id", flat=True).distinct())
    meetings = held.count()
    seats = Attendance.objects.filter(
        meeting__in=held, month__gte=year * 100 + 1, month__lte=year * 100 + 12
    )
    figures = {
        "review_expected": seats,
        "review_present": seats.filter(status__in=PRESENT_STATUSES),
    }
    counts = {
        key: rows.aggregate(n=Count("member_id", distinct=True))["n"]
        for key, rows in figures.items()
    }
    if keep in figures:
        report.members[keep] = set(figures[keep].values_list("member_id", flat=True).distinct())
    report.organizations["review_organizations"] = organizations
    report.tables.append(
        Table(
            "8",
            "民主评议党员",
            ["数量"],
            [
                Line(
                    "开展民主评议党员的党组织（个）",
                    [Cell(len(organizations), "review_organizations")],
                ),
                Line("召开民主评议党员会议（次）", [Cell(meetings)]),
                Line(
                    "应参加评议的党员（人）", [Cell(counts["review_expected"], "review_expected")]
                ),
                Line(
                    "实际参加评议的党员（人）", [Cell(counts["review_present"], "review_present")]
                ),
            ],
            unit="个、次、人",
            note=REVIEW_NOTE,
        )
    )


# Table 12: commendations (党内表彰), as far as the platform records them: the awards (表彰奖励)
# made to members, each with its evidence and approver, counted where the member was when it
# was awarded (the ledger's organization) and not reversed since; and the model organizations
# (模范党组织) named for the year.
COMMENDATION_NOTE = (
    "表彰的级别（中央、省、市、县）和称号（优秀共产党员、优秀党务工作者等）平台未分类记录，"
    "未按级别列出；以上为平台记录的表彰奖励（附证明材料和审批人）和命名的模范党组织。"
)


def _commendation_table(report: Report) -> None:
    prefix = report.organization.path
    awards = PointsEntry.objects.filter(
        under(prefix, "organization__path"),
        source_kind=SourceKind.AWARD,
        year=report.year,
        is_reversal=False,
    ).exclude(
        source_id__in=PointsEntry.objects.filter(
            source_kind=SourceKind.AWARD, is_reversal=True
        ).values("source_id")
    )
    rows = list(awards.values_list("source_id", "member_id"))
    awarded = {member_id for _, member_id in rows}
    named = set(
        ModelOrganization.objects.filter(
            under(prefix), year=report.year, status=Nomination.NAMED
        ).values_list("organization_id", flat=True)
    )
    report.members["commended"] = awarded
    report.organizations["model_named"] = named
    report.tables.append(
        Table(
            "12",
            "党内表彰",
            ["数量"],
            [
                Line("受到表彰奖励的党员（人）", [Cell(len(awarded), "commended")]),
                Line("表彰奖励（次）", [Cell(len({award for award, _ in rows}))]),
                Line("命名的模范党组织（个）", [Cell(len(named), "model_named")]),
            ],
            unit="人、次、个",
            note=COMMENDATION_NOTE,
        )
    )
