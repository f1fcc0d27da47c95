"""Services against the database: the new state, the event row, and on a refused path that
nothing changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.db.models import ProtectedError

from jiceng.accounts.models import User
from jiceng.cases import deadlines, intake, queries, services, whistle
from jiceng.cases.models import Case, CaseEvent, EventKind, Notice, SummonsReport
from jiceng.cases.workflow import Level, Status
from jiceng.core import clock, crypto
from jiceng.core.errors import AppendOnly, Conflict, Forbidden, InvalidInput, NotFound
from jiceng.core.models import AuditRecord
from jiceng.grid import services as grid_services
from jiceng.testing.cases_personas import YAOHUA_POINT, Units, case_type, subject, submission
from jiceng.testing.grid_personas import Grids

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def kinds(case: Case) -> list[str]:
    return list(case.events.order_by("pk").values_list("kind", flat=True))


def snapshot(case: Case) -> tuple[Any, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.status,
        fresh.level,
        fresh.grid_id,
        fresh.station_id,
        fresh.department_id,
        CaseEvent.objects.filter(case=case).count(),
    )


# -- intake -----------------------------------------------------------------------------------


def test_a_case_in_a_grid_is_routed_dispatched_and_its_workers_told(
    submit_case: Callable[..., Case],
    grids: Grids,
    grid_worker: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with clock.frozen(T0), django_capture_on_commit_callbacks(execute=True):
        case = submit_case()
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert (case.grid_id, case.community_id, case.street_id) == (
        grids.wenyuan.pk,
        "320113007001",
        "320113007000",
    )
    assert case.level == Level.GRID and case.routed_how == "inside"
    assert case.received_at == case.dispatched_at == T0
    assert case.accept_due_at == T0 + dt.timedelta(hours=2)
    assert case.resolve_due_at == T0 + dt.timedelta(days=7)
    assert kinds(case) == [EventKind.RECEIVED, EventKind.DISPATCHED]
    assert list(Notice.objects.values_list("user", flat=True)) == [grid_worker.pk]
    assert AuditRecord.objects.filter(action="cases.submit_case").count() == 1


@pytest.mark.usefixtures("submit_case")
def test_the_phone_is_sealed_and_masked_and_the_token_opens_the_case() -> None:
    submitted = submission(reporter_phone="13912345678")
    case = submitted.case
    stored = Case.objects.get(pk=case.pk)
    assert stored.reporter_phone_masked == "139****5678"
    sealed = stored.reporter_phone_sealed
    assert sealed is not None and b"13912345678" not in bytes(sealed)
    assert crypto.unseal(sealed, field="case_phone") == "13912345678"
    assert queries.case_by_token(submitted.token).pk == case.pk
    assert submitted.token not in stored.token_digest
    audit_text = " ".join(str(r.detail) for r in AuditRecord.objects.all())
    assert "13912345678" not in audit_text


def test_a_point_outside_every_grid_goes_to_its_street_undispatched(
    submit_case: Callable[..., Case], grids: Grids
) -> None:
    case = submit_case(lon=118.907, lat=32.111)  # between the 文苑 and 仙鹤 grids, in 仙林
    stored = Case.objects.get(pk=case.pk)
    if stored.grid_id is None:
        assert stored.status == Status.RECEIVED and stored.street_id == "320113007000"
        assert kinds(stored) == [EventKind.RECEIVED]
    else:  # routing's nearest-grid distance reached it
        assert stored.status == Status.DISPATCHED and stored.routed_how == "nearest"


def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(
    submit_case: Callable[..., Case],
) -> None:
    with pytest.raises(InvalidInput) as refused:
        submit_case(description=" ", reporter_phone="abc", lon=None, lat=None, address="")
    assert set(refused.value.fields) == {"description", "reporter_phone", "address"}
    with pytest.raises(InvalidInput, match="无法确定"):
        submit_case(lon=None, lat=None, address="某某路 3 号")
    with pytest.raises(InvalidInput, match="图片"):
        submit_case(photo=SimpleUploadedFile("x.png", b"GIF89a" + b"\x00" * 20))
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_a_photo_is_kept_under_a_random_name(
    submit_case: Callable[..., Case], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = submit_case(photo=SimpleUploadedFile("我的照片.png", PNG, content_type="image/png"))
    stored = Case.objects.get(pk=case.pk)
    name = str(stored.photo.name)
    assert name.startswith("cases/") and name.endswith(".png")
    assert "我的照片" not in name
    settings.JICENG_CASE_PHOTO_MAX_BYTES = 10
    with pytest.raises(InvalidInput, match="不能超过"):
        submit_case(photo=SimpleUploadedFile("a.png", PNG))


def test_an_address_naming_a_community_with_grids_is_placed_there(
    submit_case: Callable[..., Case],
) -> None:
    case = submit_case(lon=None, lat=None, address="仙林街道文苑社区 3 栋")
    stored = Case.objects.get(pk=case.pk)
    assert stored.community_id == "320113007001" and stored.status == Status.RECEIVED


def test_open_cases_of_the_same_subject_nearby_are_suggested(
    submit_case: Callable[..., Case],
) -> None:
    first = submit_case()
    other_subject = submit_case(subject=subject("road-damage"))
    far = submit_case(lon=118.9045, lat=32.1045)  # about 340 m away
    second = submit_case(lon=118.9021, lat=32.1021)  # about 15 m away
    assert [c.pk for c in queries.duplicates_of(second)] == [first.pk]
    assert [c.pk for c in queries.duplicates_of(first)] == [second.pk]
    assert other_subject.pk not in [c.pk for c in queries.duplicates_of(second)]
    assert far.pk not in [c.pk for c in queries.duplicates_of(second)]


# -- moves ------------------------------------------------------------------------------------


def test_the_grid_worker_accepts_starts_and_resolves(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    case = submit_case()
    with clock.frozen(T0):
        case = services.accept_case(case=case, by=grid_worker)
    assert case.status == Status.ACCEPTED and case.accepted_at == T0
    case = services.start_case(case=case, by=grid_worker)
    case = services.resolve_case(case=case, by=grid_worker, resolution="已联系环卫清运")
    assert case.status == Status.RESOLVED and case.resolved_at is not None
    assert kinds(case)[-3:] == [EventKind.ACCEPTED, EventKind.STARTED, EventKind.RESOLVED]
    event = case.events.get(kind=EventKind.ACCEPTED)
    assert (event.actor, event.from_status, event.to_status) == (
        grid_worker,
        Status.DISPATCHED,
        Status.ACCEPTED,
    )


def test_a_move_from_the_wrong_status_changes_nothing(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    case = submit_case()
    before = snapshot(case)
    with pytest.raises(Conflict, match="不能办结"):
        services.resolve_case(case=case, by=grid_worker, resolution="好了")
    assert snapshot(case) == before


def test_a_stale_copy_cannot_move_the_case_twice(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    case = submit_case()
    stale = Case.objects.get(pk=case.pk)
    services.accept_case(case=case, by=grid_worker)
    before = snapshot(case)
    with pytest.raises(Conflict, match="已被他人处理"):
        services.accept_case(case=stale, by=grid_worker)
    assert snapshot(case) == before


def test_someone_else_cannot_handle_the_case(
    submit_case: Callable[..., Case], yaohua_worker: User, water_staff: User
) -> None:
    case = submit_case()
    before = snapshot(case)
    for outsider in (yaohua_worker, water_staff):
        with pytest.raises(Forbidden):
            services.accept_case(case=case, by=outsider)
    assert snapshot(case) == before


def test_return_needs_a_reason_and_the_dispatcher_reassigns(
    submit_case: Callable[..., Case],
    grids: Grids,
    grid_worker: User,
    wenyuan_official: User,
) -> None:
    case = submit_case()
    with pytest.raises(InvalidInput, match="退单理由"):
        services.return_case(case=case, by=grid_worker, reason=" ")
    case = services.return_case(case=case, by=grid_worker, reason="不属于本网格")
    assert case.status == Status.RETURNED
    with pytest.raises(Forbidden):
        services.reassign_case(case=case, by=grid_worker, grid=grids.wenyuan_east)
    with pytest.raises(InvalidInput, match="不在诉求所在街道"):
        services.reassign_case(case=case, by=wenyuan_official, grid=grids.yaohua)
    case = services.reassign_case(case=case, by=wenyuan_official, grid=grids.wenyuan_east)
    assert (case.status, case.grid_id) == (Status.DISPATCHED, grids.wenyuan_east.pk)
    assert kinds(case)[-2:] == [EventKind.RETURNED, EventKind.REASSIGNED]


def test_escalation_goes_grid_to_station_to_department(
    submit_case: Callable[..., Case],
    units: Units,
    grid_worker: User,
    division_official: User,
    urban_staff: User,
) -> None:
    case = submit_case(subject=subject("city-garbage"))  # 城管, a grid's subject
    case = services.accept_case(case=case, by=grid_worker)
    case = services.escalate_case(case=case, by=grid_worker, reason="需执法")
    assert (case.level, case.station_id, case.status) == (
        Level.STATION,
        units.urban_station.pk,
        Status.DISPATCHED,
    )
    assert not queries.can_handle(grid_worker, case)
    assert queries.can_handle(division_official, case)
    case = services.escalate_case(case=case, by=division_official, reason="需部门")
    assert (case.level, case.department_id) == (Level.DEPARTMENT, units.urban.pk)
    assert case.escalation_count == 2
    case = services.accept_case(case=case, by=urban_staff)
    with pytest.raises(InvalidInput, match="不能再上报"):
        services.escalate_case(case=case, by=urban_staff, reason="再上报")
    assert kinds(case).count(EventKind.ESCALATED) == 2


def test_the_whistle_needs_every_department_finished_before_resolving(
    submit_case: Callable[..., Case],
    units: Units,
    grid_worker: User,
    division_official: User,
    urban_staff: User,
    water_staff: User,
) -> None:
    case = submit_case()
    case = services.accept_case(case=case, by=grid_worker)
    with pytest.raises(Forbidden):
        whistle.summon_departments(case=case, departments=[units.urban], by=grid_worker)
    with clock.frozen(T0):
        summons = whistle.summon_departments(
            case=case, departments=[units.urban, units.water], by=division_official, note="联合处置"
        )
    assert summons.report_due_at == T0 + dt.timedelta(minutes=30)
    urban, water = (
        SummonsReport.objects.get(summons=summons, department=d) for d in (units.urban, units.water)
    )
    assert queries.access_case(water_staff, case.pk) == case  # the summoned see the case
    with pytest.raises(Forbidden):
        whistle.report_to_summons(report=urban, by=water_staff)
    with clock.frozen(T0 + dt.timedelta(minutes=10)):
        urban = whistle.report_to_summons(report=urban, by=urban_staff)
    with clock.frozen(T0 + dt.timedelta(minutes=45)):
        water = whistle.report_to_summons(report=water, by=water_staff)
    assert (urban.is_late, water.is_late) == (False, True)
    with pytest.raises(Conflict):
        whistle.report_to_summons(report=urban, by=urban_staff)
    whistle.finish_summons(report=urban, by=urban_staff, note="已清理占道")
    with pytest.raises(InvalidInput, match="未完成"):
        services.resolve_case(case=case, by=grid_worker, resolution="好了")
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    water = whistle.finish_summons(report=water, by=water_staff, note="已修复管道")
    case = services.resolve_case(case=case, by=grid_worker, resolution="联合处置完毕")
    assert case.status == Status.RESOLVED
    with pytest.raises(Forbidden):
        whistle.rate_department(report=water, by=grid_worker, rating=5)
    water = whistle.rate_department(report=water, by=division_official, rating=4)
    assert water.rating == 4
    with pytest.raises(Conflict):
        whistle.rate_department(report=water, by=division_official, rating=5)
    assert {EventKind.SUMMONED, EventKind.REPORTED, EventKind.FINISHED, EventKind.RATED} <= set(
        kinds(case)
    )


def resolved(submit_case: Callable[..., Case], worker: User) -> Case:
    case = submit_case()
    case = services.accept_case(case=case, by=worker)
    return services.resolve_case(case=case, by=worker, resolution="已处理")


def test_a_satisfied_citizen_lets_the_case_close(
    submit_case: Callable[..., Case], grid_worker: User, wenyuan_official: User
) -> None:
    case = resolved(submit_case, grid_worker)
    case = services.record_feedback(case=case, is_resolved=True, satisfaction="SATISFIED", by=None)
    assert (case.status, case.satisfaction) == (Status.FOLLOWED_UP, "SATISFIED")
    case = services.close_case(case=case, by=wenyuan_official)
    assert case.status == Status.CLOSED and case.closed_at is not None


def test_an_unsatisfied_citizen_reopens_within_the_period_only(
    submit_case: Callable[..., Case], grid_worker: User, settings: Any
) -> None:
    settings.JICENG_CASE_REOPEN_DAYS = 7
    with clock.frozen(T0):
        case = resolved(submit_case, grid_worker)
    with clock.frozen(T0 + dt.timedelta(days=3)):
        case = services.record_feedback(
            case=case, is_resolved=False, satisfaction="UNSATISFIED", by=None
        )
    assert case.status == Status.DISPATCHED and case.reopen_count == 1
    assert kinds(case)[-2:] == [EventKind.FOLLOWED_UP, EventKind.REOPENED]
    with clock.frozen(T0 + dt.timedelta(days=3)):
        case = resolved_again = services.resolve_case(
            case=services.accept_case(case=case, by=grid_worker),
            by=grid_worker,
            resolution="再处理",
        )
    with clock.frozen(T0 + dt.timedelta(days=11)):
        case = services.record_feedback(
            case=resolved_again, is_resolved=True, satisfaction="UNSATISFIED", by=None
        )
    assert case.status == Status.FOLLOWED_UP  # too late to reopen: recorded, not reopened


def test_a_duplicate_is_merged_into_the_first(
    submit_case: Callable[..., Case], wenyuan_official: User, grid_worker: User
) -> None:
    first, second = submit_case(), submit_case(lon=118.9021, lat=32.1021)
    with pytest.raises(Forbidden):
        services.merge_case(case=second, into=first, by=grid_worker)
    merged = services.merge_case(case=second, into=first, by=wenyuan_official)
    assert (merged.status, merged.merged_into_id) == (Status.MERGED, first.pk)
    with pytest.raises(InvalidInput):
        services.merge_case(case=first, into=first, by=wenyuan_official)


def test_tick_escalates_overdue_cases_and_notices_what_cannot_climb(
    submit_case: Callable[..., Case],
    units: Units,
    grid_worker: User,
    urban_staff: User,
    division_official: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with clock.frozen(T0):
        case = submit_case(subject=subject("city-garbage"))
        summons = whistle.summon_departments(
            case=case, departments=[units.water], by=division_official
        )
    with clock.frozen(T0 + dt.timedelta(hours=3)), django_capture_on_commit_callbacks(execute=True):
        call_command("tick", stdout=open("/dev/null", "w"))  # noqa: SIM115
    case.refresh_from_db()
    assert case.level == Level.STATION and case.status == Status.DISPATCHED
    assert case.events.filter(kind=EventKind.ESCALATED, actor=None).count() == 1
    assert SummonsReport.objects.get(summons=summons).is_late
    with clock.frozen(T0 + dt.timedelta(hours=6)):
        deadlines.tick()
    case.refresh_from_db()
    assert case.level == Level.DEPARTMENT
    with clock.frozen(T0 + dt.timedelta(hours=9)), django_capture_on_commit_callbacks(execute=True):
        first = deadlines.tick()
        again = deadlines.tick()
    assert (first.noticed, again.noticed) == (1, 0)
    assert Notice.objects.filter(user=urban_staff, text__startswith="超时").count() == 1


def test_tick_closes_resolved_cases_without_feedback_after_the_period(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    with clock.frozen(T0):
        case = resolved(submit_case, grid_worker)
    with clock.frozen(T0 + dt.timedelta(days=8)):
        result = deadlines.tick()
    case.refresh_from_db()
    assert result.closed == 1 and case.status == Status.CLOSED


def test_a_case_in_another_street_is_not_found_for_this_street(
    submit_case: Callable[..., Case], division_official: User, yaohua_street_official: User
) -> None:
    case = submit_case(lon=YAOHUA_POINT[0], lat=YAOHUA_POINT[1])
    assert queries.access_case(yaohua_street_official, case.pk) == case
    with pytest.raises(NotFound):
        queries.access_case(division_official, case.pk)


def test_intake_takes_a_fixed_handful_of_queries(
    submit_case: Callable[..., Case],
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    """The intake benchmark's budget, all in one transaction: the case, its two events (one
    statement), the notices and the audit record (three), the queued task that sends the
    notices by e-mail and SMS (one row, with the database's task queue as in production), and
    the savepoint pair of the test's own transaction; nothing is left for after the commit.
    Routing is in memory, the categories are rows, duplicates are looked up where they are
    shown."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    submit_case()  # the routing index is built once per process, not per case
    with (
        django_capture_on_commit_callbacks() as later,
        django_assert_max_num_queries(9),
    ):
        submit_case()
    assert later == []


def test_a_patrol_finding_becomes_one_case_in_the_patrolled_grid(
    grids: Grids, units: Units, grid_worker: User, yaohua_worker: User
) -> None:
    patrol = grid_services.start_patrol(grid=grids.wenyuan, by=grid_worker)
    found = grid_services.record_finding(patrol=patrol, description="井盖缺失", by=grid_worker)
    with pytest.raises(NotFound):
        intake.submit_finding(
            finding_id=found.finding_id, type=case_type(), subject=subject(), by=yaohua_worker
        )
    case = intake.submit_finding(
        finding_id=found.finding_id, type=case_type(), subject=subject(), by=grid_worker
    ).case
    assert (case.channel, case.grid_id, case.status) == ("PATROL", grids.wenyuan.pk, "DISPATCHED")
    assert case.finding_id == found.finding_id and case.routed_how == "patrol"
    with pytest.raises(Conflict, match="已经转为工单"):
        intake.submit_finding(
            finding_id=found.finding_id, type=case_type(), subject=subject(), by=grid_worker
        )


def test_the_events_of_a_case_cannot_be_changed_or_removed(
    submit_case: Callable[..., Case],
) -> None:
    case = submit_case()
    event = case.events.first()
    assert event is not None
    event.note = "改写"
    with pytest.raises(AppendOnly), transaction.atomic():
        event.save()
    with pytest.raises(AppendOnly), transaction.atomic():
        CaseEvent.objects.filter(case=case).update(note="改写")
    with pytest.raises(AppendOnly), transaction.atomic():
        CaseEvent.objects.filter(case=case).delete()
    assert CaseEvent.objects.filter(case=case, note="改写").count() == 0


def test_an_account_that_acted_on_a_case_cannot_be_deleted_but_others_can(
    submit_case: Callable[..., Case], wenyuan_official: User, nobody: User
) -> None:
    services.accept_case(case=submit_case(), by=wenyuan_official)
    with pytest.raises(ProtectedError), transaction.atomic():
        wenyuan_official.delete()
    nobody.delete()  # no case names her
