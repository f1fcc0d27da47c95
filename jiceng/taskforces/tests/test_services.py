from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from jiceng.accounts.models import User
from jiceng.core import clock, crypto
from jiceng.core.errors import Conflict, InvalidInput, NotFound
from jiceng.members.services import PHONE_FIELD
from jiceng.points import posting
from jiceng.points.models import PointsEntry, SourceKind
from jiceng.taskforces import checkin, queries, services
from jiceng.taskforces.models import Assignment, Confirmation, Shift, TaskForce, Volunteer
from jiceng.testing.orglife_personas import member_account
from jiceng.testing.personas import Tree, add_member

from .conftest import DAY, Force, at


def test_forming_adds_sites_in_their_grids_and_counts_places(force: Force) -> None:
    assert force.levee.community_id == "320113007001"
    assert force.levee.grid is not None and force.levee.grid.code == "XL-WY-01"
    assert force.pump.grid is not None and force.pump.grid.code == "XL-WY-02"
    assert force.tf.places_needed == 2 + 2 + 1
    assert force.morning.starts_at == at(DAY, 8)


def test_a_site_outside_every_grid_needs_its_community(force: Force) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.add_site(by=force.committee, task_force=force.tf, name="远处", lon=119.5, lat=31.0)
    assert "请填写所在社区" in refused.value.message


def test_a_member_signs_up_and_the_counts_move(force: Force) -> None:
    assignment = services.sign_up(by=force.chen, shift=force.morning)
    force.morning.refresh_from_db()
    force.tf.refresh_from_db()
    assert (force.morning.taken, force.tf.places_taken) == (1, 1)
    assert assignment.member_id == force.chen.member_id


def test_the_last_place_goes_once_and_the_next_is_told_it_is_full(force: Force) -> None:
    services.sign_up(by=force.chen, shift=force.pump_morning)
    with pytest.raises(Conflict) as refused:
        services.sign_up(by=force.huang, shift=force.pump_morning)
    assert refused.value.message == services.FULL
    force.pump_morning.refresh_from_db()
    assert force.pump_morning.taken == 1
    assert Assignment.objects.filter(shift=force.pump_morning).count() == 1


def test_overlapping_shifts_are_refused_and_nothing_is_written(force: Force) -> None:
    services.sign_up(by=force.chen, shift=force.morning)
    with pytest.raises(InvalidInput) as refused:
        services.sign_up(by=force.chen, shift=force.pump_morning)
    assert "时间重叠" in refused.value.message and "九乡河堤" in refused.value.message
    force.pump_morning.refresh_from_db()
    force.tf.refresh_from_db()
    assert (force.pump_morning.taken, force.tf.places_taken) == (0, 1)
    # back to back is no overlap
    services.sign_up(by=force.chen, shift=force.afternoon)


def test_signing_up_twice_for_one_shift_is_refused(force: Force) -> None:
    services.sign_up(by=force.chen, shift=force.morning)
    with pytest.raises(InvalidInput, match="已报名该班次"):
        services.sign_up(by=force.chen, shift=force.morning)


def test_a_member_from_elsewhere_does_not_see_the_task_force(
    force: Force, other_member: User
) -> None:
    with pytest.raises(NotFound):
        services.sign_up(by=other_member, shift=force.morning)
    assert not queries.open_to(queries.member_of(other_member)).exists()  # type: ignore[arg-type]


def test_a_member_living_in_the_community_is_offered_it(force: Force, tree: Tree) -> None:
    # 黄敏's branch is under the committee too; a member of 尧化 living in 文苑 is offered it
    stranger = add_member(tree.yaohua_branch, name="吴涛")
    user = member_account(stranger, "wu-tao")
    assert not queries.open_to(queries.member_of(user)).exists()  # type: ignore[arg-type]
    type(stranger).objects.filter(pk=stranger.pk).update(residential_division_id="320113007001")
    assert list(queries.open_to(queries.member_of(user))) == [force.tf]  # type: ignore[arg-type]
    services.sign_up(by=user, shift=force.morning)


def test_cancelling_frees_the_place(force: Force) -> None:
    a = services.sign_up(by=force.chen, shift=force.pump_morning)
    services.cancel(by=force.chen, assignment=a)
    force.pump_morning.refresh_from_db()
    assert force.pump_morning.taken == 0
    services.sign_up(by=force.huang, shift=force.pump_morning)


def test_volunteer_phone_is_sealed_masked_and_found_again(force: Force) -> None:
    a = services.sign_up_volunteer(shift=force.morning, name="志愿者甲", phone="138 0013 8000")
    v = Volunteer.objects.get(pk=a.volunteer_id or 0)
    assert v.phone_masked == "138****8000"
    assert b"13800138000" not in bytes(v.phone_sealed)
    assert crypto.unseal(bytes(v.phone_sealed), field=PHONE_FIELD) == "13800138000"
    again = services.sign_up_volunteer(shift=force.afternoon, name="志愿者甲", phone="13800138000")
    assert again.volunteer_id == v.pk
    with pytest.raises(InvalidInput) as refused:
        services.sign_up_volunteer(shift=force.pump_morning, name="乙", phone="12345")
    assert refused.value.fields == {"phone": "请填写11位手机号"}
    assert "12345" not in refused.value.message


def test_check_in_near_the_site_within_the_shift_and_out_confirms_hours(force: Force) -> None:
    services.sign_up(by=force.chen, shift=force.morning)
    with clock.frozen(at(DAY, 7, 45)):
        a = services.check_in(by=force.chen, site=force.levee, lon=118.9021, lat=32.1021)
    assert a.checked_in_at == at(DAY, 7, 45)
    with clock.frozen(at(DAY, 11, 30)):
        a = services.check_out(by=force.chen, site=force.levee, lon=118.902, lat=32.102)
    # counted from the shift's start, not the early check-in
    assert (a.minutes_confirmed, a.confirmed_how) == (210, Confirmation.CHECKIN)
    force.tf.refresh_from_db()
    assert force.tf.minutes_confirmed == 210


def test_check_in_far_from_the_site_is_refused_in_chinese(force: Force) -> None:
    services.sign_up(by=force.chen, shift=force.morning)
    with clock.frozen(at(DAY, 8, 10)), pytest.raises(InvalidInput) as refused:
        services.check_in(by=force.chen, site=force.levee, lon=118.95, lat=32.15)
    assert "超出300米" in refused.value.message
    assert Assignment.objects.get(member_id=force.chen.member_id or 0).checked_in_at is None


def test_check_in_outside_the_shift_is_refused(force: Force) -> None:
    services.sign_up(by=force.chen, shift=force.morning)
    with clock.frozen(at(DAY, 13)), pytest.raises(InvalidInput) as refused:
        services.check_in(by=force.chen, site=force.levee, lon=118.902, lat=32.102)
    assert "不在您的班次时间内" in refused.value.message and "08:00–12:00" in refused.value.message
    with clock.frozen(at(DAY, 7)), pytest.raises(InvalidInput, match="不在您的班次时间内"):
        services.check_in(by=force.chen, site=force.levee, lon=118.902, lat=32.102)


def test_check_in_by_the_sites_qr_code_and_not_another_sites(force: Force) -> None:
    services.sign_up(by=force.chen, shift=force.morning)
    levee_code = checkin.site_token(force.levee.pk, force.levee.checkin_secret)
    pump_code = checkin.site_token(force.pump.pk, force.pump.checkin_secret)
    with clock.frozen(at(DAY, 8, 5)):
        with pytest.raises(InvalidInput, match="不是这个点位的"):
            services.check_in(by=force.chen, site=force.levee, code=pump_code)
        a = services.check_in(by=force.chen, site=force.levee, code=levee_code)
    assert a.checked_in_at is not None


def test_check_in_without_a_shift_at_the_site_is_refused(force: Force) -> None:
    with clock.frozen(at(DAY, 8, 5)), pytest.raises(InvalidInput, match="没有报名的班次"):
        services.check_in(by=force.huang, site=force.levee, lon=118.902, lat=32.102)


def test_the_site_lead_confirms_hours_and_corrects_a_check_out(force: Force) -> None:
    a = services.sign_up(by=force.chen, shift=force.morning)
    v = services.sign_up_volunteer(shift=force.morning, name="志愿者甲", phone="13800138000")
    with clock.frozen(at(DAY, 12, 30)):
        services.confirm_hours(by=force.lead, assignment=v)
        confirmed = services.confirm_hours(by=force.lead, assignment=a, minutes=180)
        assert confirmed.confirmed_by_id == force.lead.pk
        services.confirm_hours(by=force.lead, assignment=a, minutes=200)
    force.tf.refresh_from_db()
    assert force.tf.minutes_confirmed == 240 + 200


def test_hours_of_someone_who_did_not_sign_up_are_refused(force: Force) -> None:
    with pytest.raises(InvalidInput, match="没有报名这个班次"):
        services.assignment_of(shift=force.morning, member_id=force.huang.member_id or 0)


def test_only_the_lead_or_the_committee_confirms(force: Force) -> None:
    a = services.sign_up(by=force.chen, shift=force.pump_morning)
    with clock.frozen(at(DAY, 12, 30)):
        with pytest.raises(NotFound):
            services.confirm_hours(by=force.lead, assignment=a)  # leads the levee, not the pump
        with pytest.raises(NotFound):
            services.confirm_hours(by=force.huang, assignment=a)
        services.confirm_hours(by=force.committee, assignment=a)


def test_the_board_shows_who_is_on_and_the_gaps(force: Force) -> None:
    services.sign_up(by=force.chen, shift=force.morning)
    services.sign_up(by=force.huang, shift=force.pump_morning)
    board = queries.board(force.tf, DAY)
    assert (board.needed, board.taken, board.sites_with_gaps) == (5, 2, 1)
    levee, pump = board.sites
    assert [(h.taken, h.needed, [n for n, _ in h.people]) for h in levee.shifts] == [
        (1, 2, ["陈晓"]),
        (0, 2, []),
    ]
    assert pump.gap == 0
    only = queries.board(force.tf, DAY, gaps_only=True)
    assert [s.name for s in only.sites] == ["九乡河堤"]
    gaps = queries.gaps(force.tf, start=clock.now(), days=30)
    assert (gaps.shifts, gaps.places) == (2, 3)


def test_figures_roll_up_the_tree(force: Force, tree: Tree) -> None:
    services.sign_up(by=force.chen, shift=force.morning)
    a = services.sign_up(by=force.huang, shift=force.afternoon)
    with clock.frozen(at(DAY, 17)):
        services.confirm_hours(by=force.committee, assignment=a)
    other = services.form_task_force(
        by=None,
        organization=tree.yaohua,
        name="尧化核酸采样",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 30),
    )
    TaskForce.objects.filter(pk=other.pk).update(places_needed=10, places_taken=5)
    district = queries.figures(tree.district, year=2026)
    assert (district.task_forces, district.people, district.places_needed) == (2, 2, 15)
    assert (district.places_taken, district.hours) == (7, 4.0)
    assert queries.figures(tree.xianlin).task_forces == 1
    by_child = {c.organization.name: c for c in queries.figures_by_child(tree.district, year=2026)}
    assert by_child["中共南京市栖霞区尧化街道工作委员会"].places_taken == 5
    assert by_child["中共南京市栖霞区仙林街道工作委员会"].hours == 4.0


def test_shift_counters_never_overbook_even_if_written_around(force: Force) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.filter(pk=force.pump_morning.pk).update(taken=F("needed") + 1)


def test_final_hours_earn_points_once_and_hours_open_to_correction_none(force: Force) -> None:
    a = services.sign_up(by=force.chen, shift=force.morning)
    v = services.sign_up_volunteer(shift=force.morning, name="志愿者甲", phone="13800138000")
    with clock.frozen(at(DAY, 12, 30)):
        services.confirm_hours(by=force.lead, assignment=a, minutes=180)
        services.confirm_hours(by=force.lead, assignment=v)
        assert posting.post_taskforce_month(202606).posted == 0  # may still be corrected
    with clock.frozen(at(DAY + dt.timedelta(days=8), 9)):
        with pytest.raises(InvalidInput, match="超过7天"):
            services.confirm_hours(by=force.lead, assignment=a, minutes=240)
        assert posting.post_taskforce_month(202606).posted == 1  # the member, not the volunteer
        assert posting.post_taskforce_month(202606).posted == 0
    entry = PointsEntry.objects.get(source_kind=SourceKind.TASKFORCE_HOURS)
    assert (entry.member_id, entry.source_id, entry.points) == (force.chen.member_id, a.pk, 3)
