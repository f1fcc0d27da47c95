"""Tables 5 to 8 and 15 of the annual statistics counted over a small seeded set: a town with a
village (its 两委, the secretary chairing the villagers' committee), 仙林's community with an
overdue term and a student, a democratic review held in 2025 and a member developed in the
village; each figure lists as many members or organizations as it counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from jiceng.annual_statistics import excel, tables
from jiceng.annual_statistics.tests.test_tables import NOW, YEAR, register
from jiceng.appraisal.models import ModelOrganization, Nomination
from jiceng.core import clock
from jiceng.members.models import Member, StatusMove
from jiceng.orglife.models import Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingStatus
from jiceng.orgs.models import (
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
from jiceng.testing.personas import Tree, add


@pytest.fixture
def places(tree: Tree) -> dict[str, object]:
    with clock.frozen(NOW):
        town = add(
            tree.district,
            name="中共某镇委员会",
            kind=OrgKind.COMMITTEE,
            division_id="320113100000",
        )
        village = add(
            town,
            name="中共某村总支部委员会",
            kind=OrgKind.GENERAL_BRANCH,
            sector=Sector.VILLAGE,
            division_id="320113100201",
        )
        group = add(
            village,
            name="某村第一党支部",
            kind=OrgKind.BRANCH,
            sector=Sector.VILLAGE,
            division_id="320113100201",
        )
        v1 = register(village, "村甲", dt.date(2024, 6, 1))
        v2 = register(group, "村乙", dt.date(2024, 6, 1))
        v3 = register(
            group,
            "村丙",
            dt.date(2025, 5, 1),
            status="预备党员",
            joined_on=dt.date(2025, 5, 1),
            full_member_on="",
        )
        v3.events.update(move=StatusMove.ADMIT)
        student = register(tree.branch, "学生甲", dt.date(2024, 6, 1), category="学生")
        c1 = register(tree.branch, "社区甲", dt.date(2024, 6, 1))
        c2 = register(tree.branch, "社区乙", dt.date(2024, 6, 1))
        # the village's committee in office, its secretary chairing the villagers' committee
        term = Committee.objects.create(
            organization=village, term_start=dt.date(2021, 3, 1), term_due=dt.date(2026, 3, 1)
        )
        CommitteeSeat.objects.create(committee=term, member=v1, post=Post.SECRETARY)
        own = SelfGovernmentCommittee.objects.create(
            organization=village,
            kind=SelfGovernmentKind.VILLAGERS,
            term_start=dt.date(2021, 3, 1),
            term_due=dt.date(2026, 3, 1),
        )
        SelfGovernmentSeat.objects.create(
            committee=own, name="村甲", member=v1, post=SelfGovernmentPost.CHAIR
        )
        SelfGovernmentSeat.objects.create(
            committee=own, name="村乙", member=v2, post=SelfGovernmentPost.MEMBER
        )
        SelfGovernmentSeat.objects.create(
            committee=own, name="群众某", post=SelfGovernmentPost.MEMBER
        )
        # the community's committee, overdue since June 2025; an ended term does not count
        Committee.objects.create(
            organization=tree.community,
            term_start=dt.date(2015, 6, 1),
            term_due=dt.date(2020, 6, 1),
            ended_on=dt.date(2020, 6, 1),
        )
        overdue = Committee.objects.create(
            organization=tree.community,
            term_start=dt.date(2020, 6, 1),
            term_due=dt.date(2025, 6, 1),
        )
        CommitteeSeat.objects.create(committee=overdue, member=c1, post=Post.SECRETARY)
        residents = SelfGovernmentCommittee.objects.create(
            organization=tree.community,
            kind=SelfGovernmentKind.RESIDENTS,
            term_start=dt.date(2021, 3, 1),
            term_due=dt.date(2026, 3, 1),
        )
        SelfGovernmentSeat.objects.create(
            committee=residents, name="居民某", post=SelfGovernmentPost.CHAIR
        )
        # 2025's democratic review of 仙林's first branch: two of three took part; 2024's and a
        # cancelled one do not count
        for when, status in (
            (dt.datetime(2025, 12, 20, 9, 0, tzinfo=dt.UTC), MeetingStatus.HELD),
            (dt.datetime(2024, 12, 20, 9, 0, tzinfo=dt.UTC), MeetingStatus.HELD),
            (dt.datetime(2025, 11, 20, 9, 0, tzinfo=dt.UTC), MeetingStatus.CANCELLED),
        ):
            meeting = Meeting.objects.create(
                organization=tree.branch,
                kind=MeetingKind.DEMOCRATIC_REVIEW,
                title="民主评议党员",
                starts_at=when,
                ends_at=when + dt.timedelta(hours=2),
                month=when.year * 100 + when.month,
                status=status,
                checkin_secret="x",
            )
            for member, present in ((c1, True), (c2, True), (student, False)):
                Attendance.objects.create(
                    month=meeting.month,
                    meeting=meeting,
                    member=member,
                    status=AttendanceStatus.IN_PERSON if present else AttendanceStatus.ABSENT,
                )
    return {
        "town": town,
        "village": village,
        "group": group,
        "v1": v1,
        "v2": v2,
        "v3": v3,
        "student": student,
        "c1": c1,
        "c2": c2,
    }


def behind(report: tables.Report, key: str) -> set[int]:
    """The members or organizations a figure's list shows (asked for as the list page does)."""
    if key in report.organizations:
        return report.organizations[key]
    kept = tables.compute(report.organization, report.year, keep=key)
    return kept.members.get(key, set())


def pks(*rows: Member | Organization) -> set[int]:
    return {r.pk for r in rows}


def figures(report: tables.Report, number: str) -> dict[str, tables.Cell]:
    return {line.label: line.cells[0] for line in report.table(number).lines}


def test_villages_and_communities_with_their_committees(
    tree: Tree, places: dict[str, Member | Organization]
) -> None:
    p = places
    with clock.frozen(NOW):
        report = tables.compute(tree.district, YEAR)
    five = figures(report, "5")
    assert behind(report, five["乡镇党委（个）"].key) == pks(p["town"])
    # the general branch is the village's organization, not its branch beneath
    assert behind(report, five["村党组织（个）"].key) == pks(p["village"])
    assert five["其中：党总支（个）"].value == 1 and five["其中：党支部（个）"].value == 0
    assert behind(report, five["村党组织党员（人）"].key) == pks(p["v1"], p["v2"], p["v3"])
    assert behind(report, five["已录入书记的村党组织（个）"].key) == pks(p["village"])
    assert five["届期已满未换届的村党组织（个）"].value == 0
    assert behind(report, five["书记兼任村民委员会主任（“一肩挑”）的村（个）"].key) == pks(
        p["village"]
    )
    assert behind(report, five["村民委员会成员中的党员（人）"].key) == pks(p["v1"], p["v2"])

    six = figures(report, "6")
    assert behind(report, six["街道党工委（个）"].key) == pks(tree.xianlin, tree.yaohua)
    assert behind(report, six["社区党组织（个）"].key) == pks(tree.community, tree.yaohua_branch)
    assert behind(report, six["社区党组织党员（人）"].key) == pks(p["student"], p["c1"], p["c2"])
    assert behind(report, six["届期已满未换届的社区党组织（个）"].key) == pks(tree.community)
    assert behind(report, six["已录入居民委员会的社区（个）"].key) == pks(tree.community)
    assert six["书记兼任居民委员会主任（“一肩挑”）的社区（个）"].value == 0
    assert six["居民委员会成员中的党员（人）"].value == 0


def test_students_democratic_review_and_where_members_were_developed(
    tree: Tree, places: dict[str, Member | Organization]
) -> None:
    p = places
    with clock.frozen(NOW):
        report = tables.compute(tree.district, YEAR)
        street = tables.compute(tree.xianlin, YEAR)
    seven = figures(report, "7")
    assert behind(report, seven["学生党员总数"].key) == pks(p["student"])
    assert behind(report, seven["学历：大学本科"].key) == pks(p["student"])
    assert seven["其中：预备党员"].value == 0

    eight = figures(street, "8")
    assert behind(street, eight["开展民主评议党员的党组织（个）"].key) == pks(tree.branch)
    assert eight["召开民主评议党员会议（次）"].value == 1
    assert behind(street, eight["应参加评议的党员（人）"].key) == pks(
        p["c1"], p["c2"], p["student"]
    )
    assert behind(street, eight["实际参加评议的党员（人）"].key) == pks(p["c1"], p["c2"])
    assert "评议结果" in street.table("8").note

    fifteen = figures(report, "15")
    assert behind(report, fifteen["发展党员总数"].key) == pks(p["v3"])
    assert behind(report, fifteen["领域：村"].key) == pks(p["v3"])
    assert sum(c.value for label, c in fifteen.items() if label.startswith("领域")) == 1


def test_each_new_figure_lists_as_many_as_it_counts(
    tree: Tree, places: dict[str, Member | Organization]
) -> None:
    with clock.frozen(NOW):
        report = tables.compute(tree.district, YEAR)
        assert [t.number for t in report.tables][:9] == [
            "1",
            "1-1",
            "2",
            "3",
            "4",
            "5",
            "6",
            "7",
            "8",
        ]
        for number in ("5", "6", "7", "8", "12", "15"):
            for line in report.table(number).lines:
                cell = line.cells[0]
                if cell.key:
                    assert len(behind(report, cell.key)) == cell.value, (number, line.label)


def test_excel_carries_the_new_tables_and_their_notes(
    tree: Tree, places: dict[str, Member | Organization]
) -> None:
    with clock.frozen(NOW):
        report = tables.compute(tree.xianlin, YEAR)
        book = load_workbook(io.BytesIO(excel.write_report(report)))
    five = book[next(n for n in book.sheetnames if n.startswith("表5"))]
    assert five["A1"].value == "表5  乡镇、行政村党组织和党员"
    eight = book[next(n for n in book.sheetnames if n.startswith("表8"))]
    rows = {r[0].value: r[1].value for r in eight.iter_rows(min_row=5) if r[0].value}
    assert rows["实际参加评议的党员（人）"] == 2
    assert any(str(label).startswith("说明：评议结果") for label in rows)


def award(member: Member, organization: Organization, source: int, *, year: int = YEAR) -> None:
    """A ledger line of an award (表彰奖励), as points.awards writes it."""
    when = dt.datetime(year, 7, 1, 9, 0, tzinfo=dt.UTC)
    PointsEntry.objects.create(
        member=member,
        organization=organization,
        year=year,
        month=year * 100 + 7,
        occurred_at=when,
        source_kind=SourceKind.AWARD,
        source_id=source,
        points=5,
        created_at=when,
    )


def test_commendations_are_the_awards_not_reversed_and_the_models_named(
    tree: Tree, places: dict[str, Member | Organization]
) -> None:
    p = places
    c1, c2, student = p["c1"], p["c2"], p["student"]
    assert isinstance(c1, Member) and isinstance(c2, Member) and isinstance(student, Member)
    award(c1, tree.branch, 1)
    award(c1, tree.branch, 2)
    award(c2, tree.branch, 3)  # reversed below
    award(student, tree.branch, 4, year=YEAR - 1)
    when = dt.datetime(YEAR, 8, 1, tzinfo=dt.UTC)
    PointsEntry.objects.create(
        member=c2,
        organization=tree.branch,
        year=YEAR,
        month=YEAR * 100 + 8,
        occurred_at=when,
        source_kind=SourceKind.AWARD,
        source_id=3,
        is_reversal=True,
        points=-5,
        created_at=when,
    )
    for organization, status in (
        (tree.community, Nomination.NAMED),
        (tree.yaohua_branch, Nomination.NAMED),
        (tree.branch, Nomination.DECLINED),
    ):
        ModelOrganization.objects.create(
            organization=organization,
            year=YEAR,
            path=organization.path,
            status=status,
            reason="标准化得分居前",
            score=95,
            nominated_at=when,
        )
    with clock.frozen(NOW):
        report = tables.compute(tree.xianlin, YEAR)
    twelve = figures(report, "12")
    assert behind(report, twelve["受到表彰奖励的党员（人）"].key) == pks(c1)
    assert twelve["表彰奖励（次）"].value == 2
    assert behind(report, twelve["命名的模范党组织（个）"].key) == pks(tree.community)
    assert "级别" in report.table("12").note
