"""双报到 writes: reporting from the home address, the community's decision, lists and
sign-ups, the hours it confirms and their points (idempotent, reversible), feedback to the
branch, the rules; each refusal in Chinese with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from jiceng.accounts.models import Role, User
from jiceng.core import clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from jiceng.points.models import PointsEntry, PointsRule, SourceKind
from jiceng.points.posting import post_service_month, post_service_records
from jiceng.reporting import queries, services
from jiceng.reporting.models import (
    CommunityReport,
    Feedback,
    Rating,
    ReportStatus,
    Resource,
    ServiceRecord,
    SignUp,
)
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import Tree, add_member, user_with

from .conftest import HOME, NOW, WENYUAN, Reported

pytestmark = pytest.mark.django_db


def points_of(member_id: int | None) -> int:
    found = PointsEntry.objects.filter(
        member_id=member_id or 0, source_kind=SourceKind.SERVICE_HOURS
    ).aggregate(s=Sum("points"))
    return int(found["s"] or 0)


def test_a_member_reports_to_the_community_their_address_lies_in(
    frozen: None, grids: Grids, member_user: User
) -> None:
    assert member_user.member is not None
    report = services.report_member(member=member_user.member, address=HOME, by=member_user)
    assert report.community_id == WENYUAN
    assert report.status == ReportStatus.PENDING
    # 仙鹤社区 has one grid: the address lands in it
    report.status = ReportStatus.ENDED
    report.save()
    other = services.report_member(
        member=member_user.member, address="仙林街道仙鹤社区某路1号", by=member_user
    )
    assert other.grid_id == grids.xianhe.pk


def test_an_address_in_no_community_is_refused_and_nothing_written(
    frozen: None, grids: Grids, member_user: User
) -> None:
    assert member_user.member is not None
    with pytest.raises(InvalidInput) as refused:
        services.report_member(member=member_user.member, address="火星大道1号", by=member_user)
    assert "无法从该地址确定所在社区" in refused.value.fields["address"]
    with pytest.raises(InvalidInput, match="只能确定到街道"):
        services.report_member(member=member_user.member, address="仙林街道某路1号", by=member_user)
    assert not CommunityReport.objects.exists()


def test_a_member_reports_once_until_the_report_ends(reported: Reported, member_user: User) -> None:
    assert member_user.member is not None
    with pytest.raises(Conflict, match="您已向文苑社区"):
        services.report_member(member=member_user.member, address=HOME, by=member_user)
    services.end_report(report=reported.report, by=member_user)
    again = services.report_member(member=member_user.member, address=HOME, by=member_user)
    assert again.status == ReportStatus.PENDING


def test_only_the_community_of_the_report_decides_it(
    frozen: None,
    grids: Grids,
    member_user: User,
    wenyuan_official: User,
    yaohua_community_official: User,
) -> None:
    assert member_user.member is not None
    report = services.report_member(member=member_user.member, address=HOME, by=member_user)
    with pytest.raises(NotFound):
        services.decide_report(report=report, accept=True, by=yaohua_community_official)
    with pytest.raises(InvalidInput, match="退回原因"):
        services.decide_report(report=report, accept=False, by=wenyuan_official)
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    services.decide_report(report=report, accept=True, by=wenyuan_official)
    with pytest.raises(Conflict, match="已处理"):
        services.decide_report(report=report, accept=True, by=wenyuan_official)


def test_sign_up_needs_a_confirmed_report_a_free_place_and_only_once(
    reported: Reported, tree: Tree, member_user: User, other_member: User
) -> None:
    assert member_user.member is not None and other_member.member is not None
    services.sign_up(member=member_user.member, item=reported.need, by=member_user)
    with pytest.raises(Conflict, match="您已报名"):
        services.sign_up(member=member_user.member, item=reported.need, by=member_user)
    with pytest.raises(InvalidInput, match="请先向该社区报到"):
        services.sign_up(member=other_member.member, item=reported.need, by=other_member)
    # fill the last place, then a third is refused
    third = add_member(tree.branch, name="孙强")
    second = add_member(tree.branch, name="吴敏")
    for m in (second, third):
        CommunityReport.objects.create(
            member=m,
            community_id=WENYUAN,
            address=HOME,
            status=ReportStatus.CONFIRMED,
            reported_at=NOW,
            decided_at=NOW,
        )
    second_user = User.objects.create_user(username="wu-min", member=second)
    third_user = User.objects.create_user(username="sun-qiang", member=third)
    services.sign_up(member=second, item=reported.need, by=second_user)
    with pytest.raises(Conflict, match="报名人数已满"):
        services.sign_up(member=third, item=reported.need, by=third_user)
    assert SignUp.objects.filter(need=reported.need).count() == 2


def test_hours_for_a_member_who_did_not_sign_up_are_refused_in_chinese(
    reported: Reported, member_user: User, wenyuan_official: User
) -> None:
    assert member_user.member is not None
    with pytest.raises(InvalidInput) as refused:
        services.confirm_hours(
            item=reported.need,
            member=member_user.member,
            served_on=dt.date(2026, 5, 19),
            hours="2",
            by=wenyuan_official,
        )
    assert refused.value.message == "陈晓未报名此需求，不能确认服务时长"
    assert not ServiceRecord.objects.exists()
    assert not PointsEntry.objects.exists()


def test_confirmed_hours_post_points_once_and_a_revocation_reverses_them_once(
    reported: Reported, member_user: User, wenyuan_official: User
) -> None:
    member = member_user.member
    assert member is not None
    services.sign_up(member=member, item=reported.need, by=member_user)
    record = services.confirm_hours(
        item=reported.need,
        member=member,
        served_on=dt.date(2026, 5, 20),
        hours="2.5",
        by=wenyuan_official,
    )
    assert points_of(member.pk) == 3  # 2.5 hours at 1 point an hour, half up
    assert post_service_records([record.pk]).posted == 0
    post_service_month(202605)
    assert PointsEntry.objects.filter(source_kind=SourceKind.SERVICE_HOURS).count() == 1
    with pytest.raises(Conflict, match="已确认过陈晓在2026-05-20"):
        services.confirm_hours(
            item=reported.need,
            member=member,
            served_on=dt.date(2026, 5, 20),
            hours="1",
            by=wenyuan_official,
        )
    services.revoke_hours(record=record, reason="录入有误", by=wenyuan_official)
    assert points_of(member.pk) == 0
    with pytest.raises(Conflict):
        services.revoke_hours(record=record, reason="再撤", by=wenyuan_official)
    post_service_month(202605)
    assert PointsEntry.objects.filter(source_kind=SourceKind.SERVICE_HOURS).count() == 2


@pytest.mark.parametrize(
    ("hours", "served_on", "field"),
    [
        ("0", dt.date(2026, 5, 19), "hours"),
        ("13", dt.date(2026, 5, 19), "hours"),
        ("1.25", dt.date(2026, 5, 19), "hours"),
        ("两小时", dt.date(2026, 5, 19), "hours"),
        ("2", dt.date(2026, 5, 21), "served_on"),
        ("2", dt.date(2026, 5, 1), "served_on"),  # before signing up
    ],
)
def test_bad_hours_are_refused_beside_their_field(
    reported: Reported,
    member_user: User,
    wenyuan_official: User,
    hours: str,
    served_on: dt.date,
    field: str,
) -> None:
    assert member_user.member is not None
    services.sign_up(member=member_user.member, item=reported.need, by=member_user)
    with pytest.raises(InvalidInput) as refused:
        services.confirm_hours(
            item=reported.need,
            member=member_user.member,
            served_on=served_on,
            hours=hours,
            by=wenyuan_official,
        )
    assert field in refused.value.fields
    assert not ServiceRecord.objects.exists()


def test_the_points_rule_of_the_subtree_sets_the_points_an_hour(
    reported: Reported, tree: Tree, member_user: User, wenyuan_official: User
) -> None:
    PointsRule.objects.create(
        organization=tree.district,
        kind=SourceKind.SERVICE_HOURS,
        valid_from=dt.date(2026, 1, 1),
        points=2,
    )
    assert member_user.member is not None
    services.sign_up(member=member_user.member, item=reported.need, by=member_user)
    services.confirm_hours(
        item=reported.need,
        member=member_user.member,
        served_on=dt.date(2026, 5, 20),
        hours="3",
        by=wenyuan_official,
    )
    assert points_of(member_user.member_id) == 6


def test_another_community_cannot_confirm_hours(
    reported: Reported, member_user: User, yaohua_community_official: User
) -> None:
    assert member_user.member is not None
    services.sign_up(member=member_user.member, item=reported.need, by=member_user)
    with pytest.raises(NotFound):
        services.confirm_hours(
            item=reported.need,
            member=member_user.member,
            served_on=dt.date(2026, 5, 20),
            hours="2",
            by=yaohua_community_official,
        )


def test_an_organization_reports_with_its_agreement_and_its_offers_join_the_resources(
    frozen: None, grids: Grids, tree: Tree, secretary: User, wenyuan_official: User
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.report_organization(
            organization=tree.branch,
            address="",
            offers="  ",
            signed_on=None,
            until=None,
            by=secretary,
        )
    assert set(refused.value.fields) == {"offers", "signed_on"}
    report = services.report_organization(
        organization=tree.branch,
        address="",
        offers="会议室周末开放\n法律咨询每月一次\n",
        signed_on=dt.date(2026, 5, 1),
        until=dt.date(2027, 4, 30),
        by=secretary,
    )
    assert report.community_id == WENYUAN  # the branch's own division
    assert not Resource.objects.exists()
    services.decide_report(report=report, accept=True, by=wenyuan_official)
    assert list(Resource.objects.values_list("title", "provider")) == [
        ("会议室周末开放", "文苑社区第一党支部"),
        ("法律咨询每月一次", "文苑社区第一党支部"),
    ]


def test_an_organization_outside_the_secretarys_subtree_cannot_report(
    frozen: None, grids: Grids, tree: Tree, secretary: User
) -> None:
    with pytest.raises(NotFound):
        services.report_organization(
            organization=tree.sibling,
            address="",
            offers="场地",
            signed_on=dt.date(2026, 5, 1),
            until=None,
            by=secretary,
        )


def test_the_feedback_goes_back_to_the_members_branch_only(
    reported: Reported,
    member_user: User,
    wenyuan_official: User,
    secretary: User,
    sibling_secretary: User,
) -> None:
    assert member_user.member is not None
    services.sign_up(member=member_user.member, item=reported.need, by=member_user)
    services.confirm_hours(
        item=reported.need,
        member=member_user.member,
        served_on=dt.date(2026, 5, 20),
        hours="2",
        by=wenyuan_official,
    )
    with pytest.raises(InvalidInput, match="只能填写本半年或上半年"):
        services.write_feedback(
            report=reported.report, half=20242, rating=Rating.GOOD, by=wenyuan_official
        )
    f = services.write_feedback(
        report=reported.report, half=20261, rating=Rating.GOOD, comment="积极", by=wenyuan_official
    )
    assert (f.activities, f.hours, f.organization_id) == (
        1,
        Decimal("2.0"),
        member_user.member.organization_id,
    )
    with pytest.raises(Conflict, match="已填写陈晓2026年上半年的反馈"):
        services.write_feedback(
            report=reported.report, half=20261, rating=Rating.FAIR, by=wenyuan_official
        )
    assert list(queries.feedback_for_branch(secretary)) == [f]
    assert list(queries.feedback_for_branch(sibling_secretary)) == []
    assert queries.unread_feedback_count(secretary) == 1
    services.mark_feedback_read(feedback=f, by=secretary)
    assert queries.unread_feedback_count(secretary) == 0


def test_the_branch_sees_its_members_below_the_rule_in_roster_order(
    grids: Grids, tree: Tree, member_user: User, wenyuan_official: User, secretary: User
) -> None:
    assert member_user.member is not None
    with clock.frozen(dt.datetime(2025, 12, 1, 9, tzinfo=clock.CHINA)):
        report = services.report_member(member=member_user.member, address=HOME, by=member_user)
        services.decide_report(report=report, accept=True, by=wenyuan_official)
    with clock.frozen(NOW):
        below = queries.below_rule(secretary)
    assert [b.member_name for b in below] == ["陈晓"]
    assert below[0].reasons[0] == "第1季度参加活动少于1次"


def test_a_province_sets_its_rule_and_a_district_may_not(
    frozen: None, tree: Tree, grid_divisions: dict[str, object], district_department: User
) -> None:
    from jiceng.divisions.models import Division, Level

    jiangsu = Division.objects.create(code="320000000000", name="江苏省", level=Level.PROVINCE)
    with pytest.raises(Forbidden):
        services.set_rule(
            province=jiangsu,
            year=2026,
            min_activities_per_quarter=2,
            yearly_hours=20,
            by=district_department,
        )
    provincial = user_with("js-zzb", Role.ORGANIZATION_DEPARTMENT, organization=tree.province)
    rule = services.set_rule(
        province=jiangsu, year=2026, min_activities_per_quarter=2, yearly_hours="20", by=provincial
    )
    assert (rule.min_activities_per_quarter, rule.yearly_hours) == (2, Decimal(20))
    with pytest.raises(InvalidInput) as refused:
        services.set_rule(
            province=jiangsu,
            year=2026,
            min_activities_per_quarter=-1,
            yearly_hours="x",
            by=provincial,
        )
    assert set(refused.value.fields) == {"min_activities_per_quarter", "yearly_hours"}
    assert not Feedback.objects.exists()
