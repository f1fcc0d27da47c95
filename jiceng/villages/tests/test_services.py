"""The village work teams' writes against the database: dispatch through the county's
delegation, the one-tap log and its refusals, leave by its length, spot checks and the
monthly on-site check, monthly logs, appraisal."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.core.errors import Forbidden, InvalidInput, NotFound
from jiceng.orgs.models import Organization, OrgKind, Sector
from jiceng.rectification.models import Rectification, Status
from jiceng.testing.personas import Tree, add
from jiceng.villages import presence, queries, rules, services, workdays
from jiceng.villages.models import (
    Approver,
    Dispatch,
    DispatchStatus,
    LeaveStatus,
    MonthlyPresence,
    Post,
    PresenceRule,
    SendingUnit,
    WorkDay,
)

pytestmark = pytest.mark.django_db


def test_the_calendar_knows_2026s_holidays_and_adjusted_workdays() -> None:
    assert workdays.is_covered(2026)
    assert not workdays.is_workday(dt.date(2026, 10, 1))  # 国庆节
    assert workdays.is_workday(dt.date(2026, 12, 3))
    # October 2026: the National Day week off, and adjusted Saturday or Sunday workdays
    october = workdays.workdays_between(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    weekdays = [
        d
        for d in workdays.days_between(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
        if d.weekday() < 5
    ]
    assert len(october) < len(weekdays)


def test_the_month_rule_counts_leave_out_and_checks_against() -> None:
    days = [dt.date(2026, 11, d) for d in range(2, 7)]  # five working days
    count = rules.count_month(
        workdays=days,
        logged=[*days[:3], dt.date(2026, 11, 7)],  # a Saturday on site counts
        leave=days[4:],
        checks_absent=[days[0]],
        percent=67,
    )
    assert (count.working_days, count.leave_days, count.on_site_days) == (5, 1, 3)
    assert count.required_days == 3 and count.meets_rule  # ceil(4 x 0.67)


def test_dispatch_grants_the_role_and_names_the_first_secretary_on_a_rectification(
    tree: Tree, village: Organization, unit: SendingUnit, cadre: User, district_department: User
) -> None:
    village_branch = add(
        village, name="石埠桥村第一党支部", kind=OrgKind.BRANCH, sector=Sector.VILLAGE
    )
    rectification = Rectification.objects.create(
        organization=village_branch, year=2026, status=Status.RECTIFYING, reasons="书记职位空缺"
    )
    dispatch = services.dispatch_cadre(
        organization=village,
        cadre=cadre,
        sending_unit=unit,
        post=Post.FIRST_SECRETARY,
        starts_on=dt.date(2026, 3, 1),
        by=district_department,
    )
    assert dispatch.ends_on == dt.date(2028, 2, 29)  # two years by default
    assert cadre.roles.filter(role=Role.VILLAGE_CADRE, organization=village).exists()
    rectification.refresh_from_db()
    assert rectification.first_secretary == cadre.member
    team = queries.team_of(village)
    assert team is not None and [d.cadre for d in team.serving] == [cadre]  # type: ignore[attr-defined]


def test_a_street_committee_does_not_dispatch(
    village: Organization, unit: SendingUnit, cadre: User, street_official: User
) -> None:
    with pytest.raises(Forbidden, match="县级以上组织部门"):
        services.dispatch_cadre(
            organization=village,
            cadre=cadre,
            sending_unit=unit,
            post=Post.TEAM_MEMBER,
            starts_on=dt.date(2026, 3, 1),
            by=street_official,
        )
    assert not Dispatch.objects.exists() and not cadre.roles.exists()


def test_a_branch_is_not_a_village(
    tree: Tree, unit: SendingUnit, cadre: User, district_department: User
) -> None:
    with pytest.raises(InvalidInput, match="只能向村党组织选派"):
        services.dispatch_cadre(
            organization=tree.branch,
            cadre=cadre,
            sending_unit=unit,
            post=Post.TEAM_MEMBER,
            starts_on=dt.date(2026, 3, 1),
            by=district_department,
        )


def test_one_tap_a_day_refuses_the_same_day_twice_and_the_future(
    first_secretary: Dispatch, cadre: User
) -> None:
    day = services.log_work_day(cadre=cadre)
    assert day.day == clock.today() and day.latitude is None  # no location asked
    with pytest.raises(InvalidInput, match="2026年12月3日已记录在岗，不能重复记录"):
        services.log_work_day(cadre=cadre)
    with pytest.raises(InvalidInput, match="不能记录未来的日期"):
        services.log_work_day(cadre=cadre, day=dt.date(2026, 12, 4))
    with pytest.raises(InvalidInput, match="只能补记3天内"):
        services.log_work_day(cadre=cadre, day=dt.date(2026, 11, 20))
    services.log_work_day(
        cadre=cadre, day=dt.date(2026, 12, 2), latitude="32.10", longitude="118.90"
    )
    assert WorkDay.objects.count() == 2


def test_short_leave_goes_to_the_township_and_long_leave_to_the_county(
    first_secretary: Dispatch, cadre: User, street_official: User, district_department: User
) -> None:
    short = services.ask_leave(
        cadre=cadre, starts_on=dt.date(2026, 12, 7), ends_on=dt.date(2026, 12, 8), reason="就医"
    )
    long = services.ask_leave(
        cadre=cadre, starts_on=dt.date(2026, 12, 14), ends_on=dt.date(2026, 12, 25), reason="培训"
    )
    assert (short.approver, short.days) == (Approver.TOWNSHIP, 2)
    assert (long.approver, long.days) == (Approver.COUNTY, 10)
    assert list(queries.pending_leaves(street_official)) == [short]
    with pytest.raises(Forbidden, match="须由县委组织部审批"):
        services.decide_leave(leave=long, approve=True, by=street_official)
    services.decide_leave(leave=short, approve=True, by=street_official)
    services.decide_leave(leave=long, approve=False, by=district_department)
    long.refresh_from_db()
    assert long.status == LeaveStatus.REFUSED
    with pytest.raises(InvalidInput, match="重叠"):
        services.ask_leave(
            cadre=cadre, starts_on=dt.date(2026, 12, 8), ends_on=dt.date(2026, 12, 9), reason="x"
        )


def test_the_township_limit_is_data(
    village: Organization, first_secretary: Dispatch, cadre: User
) -> None:
    PresenceRule.objects.create(organization=village, path=village.path, township_leave_days=5)
    leave = services.ask_leave(
        cadre=cadre, starts_on=dt.date(2026, 12, 14), ends_on=dt.date(2026, 12, 18), reason="x"
    )
    assert leave.approver == Approver.TOWNSHIP


def test_the_monthly_check_finds_a_cadre_below_the_rule(
    first_secretary: Dispatch, cadre: User, district_department: User, yaohua_official: User
) -> None:
    november = workdays.workdays_between(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    WorkDay.objects.bulk_create(WorkDay(dispatch=first_secretary, day=d) for d in november[:10])
    services.record_spot_check(
        dispatch=first_secretary,
        day=november[0],
        found_on_site=False,
        note="电话联系不在村",
        by=district_department,
    )
    assert presence.check_month(202611) == 1
    row = MonthlyPresence.objects.get()
    assert (row.working_days, row.on_site_days, row.absent_at_checks) == (len(november), 9, 1)
    assert not row.meets_rule
    assert list(queries.below_rule(district_department, 202611)) == [row]
    assert list(queries.below_rule(yaohua_official, 202611)) == []  # another street's
    PresenceRule.objects.create(
        organization=first_secretary.team.organization,
        path=first_secretary.team.path,
        on_site_percent=40,
    )
    presence.check_month(202611)
    assert MonthlyPresence.objects.get().meets_rule


def test_monthly_log_and_things_done(first_secretary: Dispatch, cadre: User) -> None:
    services.file_monthly_log(cadre=cadre, month=202611, text="走访农户32户")
    services.file_monthly_log(cadre=cadre, month=202611, text="走访农户35户")  # corrected
    assert first_secretary.monthly_logs.get().text == "走访农户35户"
    with pytest.raises(InvalidInput, match="不能填写未来月份"):
        services.file_monthly_log(cadre=cadre, month=202701, text="x")
    services.record_deed(cadre=cadre, done_on=dt.date(2026, 11, 5), title="修通村西路灯")
    assert first_secretary.deeds.count() == 1


def test_appraisal_is_the_countys_near_the_end_of_the_term(
    first_secretary: Dispatch, district_department: User, street_official: User
) -> None:
    with pytest.raises(InvalidInput, match="任期考核自2027年12月1日起进行"):
        services.appraise_dispatch(
            dispatch=first_secretary, grade="EXCELLENT", comment="", by=district_department
        )
    Dispatch.objects.filter(pk=first_secretary.pk).update(ends_on=dt.date(2026, 12, 31))
    first_secretary.refresh_from_db()
    with pytest.raises(Forbidden):
        services.appraise_dispatch(
            dispatch=first_secretary, grade="EXCELLENT", comment="", by=street_official
        )
    done = services.appraise_dispatch(
        dispatch=first_secretary, grade="EXCELLENT", comment="实绩突出", by=district_department
    )
    assert done.get_grade_display() == "优秀"


def test_recall_takes_the_role_away_and_the_log_closes(
    first_secretary: Dispatch, cadre: User, district_department: User
) -> None:
    services.recall_dispatch(dispatch=first_secretary, reason="工作调整", by=district_department)
    first_secretary.refresh_from_db()
    assert first_secretary.status == DispatchStatus.RECALLED
    assert not cadre.roles.filter(role=Role.VILLAGE_CADRE).exists()
    with pytest.raises(Forbidden, match="没有在驻"):
        services.log_work_day(cadre=cadre)


def test_a_spot_check_outside_the_department_is_not_found(
    first_secretary: Dispatch, yaohua_official: User
) -> None:
    with pytest.raises(NotFound):
        services.record_spot_check(
            dispatch=first_secretary,
            day=dt.date(2026, 12, 1),
            found_on_site=True,
            note="",
            by=yaohua_official,
        )
