"""A summons taken back (撤回吹哨) or sent to another department (吹哨改派) before the
department reports: by the case's street only, audited, on the pages."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.cases import services, whistle
from jiceng.cases.models import Case, CaseEvent, EventKind, Notice, Summons, SummonsReport
from jiceng.cases.workflow import Status
from jiceng.core import clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput
from jiceng.core.models import AuditRecord
from jiceng.testing.cases_personas import Units, staff_of

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def summoned(case: Case, units: Units, by: User) -> tuple[SummonsReport, SummonsReport]:
    with clock.frozen(T0):
        summons = whistle.summon_departments(
            case=case,
            departments=[units.urban, units.housing],
            by=by,
            within=dt.timedelta(minutes=60),
        )
    return (
        SummonsReport.objects.get(summons=summons, department=units.urban),
        SummonsReport.objects.get(summons=summons, department=units.housing),
    )


def test_a_withdrawn_summons_no_longer_holds_the_case(
    submit_case: Callable[..., Case],
    units: Units,
    grid_worker: User,
    division_official: User,
    urban_staff: User,
) -> None:
    case = services.accept_case(case=submit_case(), by=grid_worker)
    urban, housing = summoned(case, units, division_official)  # 住建局 has no account
    whistle.report_to_summons(report=urban, by=urban_staff)
    whistle.finish_summons(report=urban, by=urban_staff, note="已清理")
    with pytest.raises(InvalidInput, match="未完成"):
        services.resolve_case(case=case, by=grid_worker, resolution="好了")

    with clock.frozen(T0 + dt.timedelta(hours=1)):
        whistle.withdraw_summons(report=housing, by=division_official, reason="住建局尚未开通账号")
    assert not SummonsReport.objects.filter(pk=housing.pk).exists()
    assert Summons.objects.filter(pk=urban.summons_id).exists()  # 城管局's part stays
    event = CaseEvent.objects.filter(case=case).order_by("pk").last()
    assert event is not None
    assert (event.kind, event.unit, event.note, event.actor) == (
        EventKind.UNSUMMONED,
        units.housing.name,
        "住建局尚未开通账号",
        division_official,
    )
    record = AuditRecord.objects.get(action="cases.withdraw_summons")
    assert json.loads(record.detail)["department"] == units.housing.pk
    assert record.user == division_official
    assert services.resolve_case(case=case, by=grid_worker, resolution="好了").status == (
        Status.RESOLVED
    )


def test_the_last_department_withdrawn_takes_the_summons_with_it(
    submit_case: Callable[..., Case], units: Units, division_official: User
) -> None:
    case = submit_case()
    with clock.frozen(T0):
        summons = whistle.summon_departments(
            case=case, departments=[units.housing], by=division_official
        )
    whistle.withdraw_summons(
        report=SummonsReport.objects.get(summons=summons), by=division_official, reason="误选"
    )
    assert not Summons.objects.filter(pk=summons.pk).exists()


def test_a_summons_goes_to_another_department_with_a_fresh_time(
    submit_case: Callable[..., Case],
    units: Units,
    division_official: User,
    water_staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = submit_case()
    _, housing = summoned(case, units, division_official)
    later = T0 + dt.timedelta(hours=2)
    with clock.frozen(later), django_capture_on_commit_callbacks(execute=True):
        moved = whistle.reassign_summons(
            report=housing, to=units.water, by=division_official, reason="实为供水管道问题"
        )
    assert (moved.summons_id, moved.department, moved.reported_at) == (
        housing.summons_id,
        units.water,
        None,
    )
    assert moved.report_due_at == later + dt.timedelta(minutes=60)  # as long as first given
    assert not SummonsReport.objects.filter(pk=housing.pk).exists()
    event = CaseEvent.objects.filter(case=case, kind=EventKind.RESUMMONED).get()
    assert event.unit == units.water.name and "由栖霞区住房和城乡建设局改派" in event.note
    assert AuditRecord.objects.filter(action="cases.reassign_summons").count() == 1
    assert Notice.objects.filter(user=water_staff, case=case).exists()


def test_refused_changes_leave_the_summons_as_it_was(
    submit_case: Callable[..., Case],
    units: Units,
    grid_worker: User,
    division_official: User,
    yaohua_street_official: User,
    urban_staff: User,
) -> None:
    case = submit_case()
    urban, housing = summoned(case, units, division_official)
    whistle.report_to_summons(report=urban, by=urban_staff)
    refusals: list[tuple[type[Exception], Callable[[], object]]] = [
        (
            Conflict,
            lambda: whistle.withdraw_summons(report=urban, by=division_official, reason="x"),
        ),
        (Forbidden, lambda: whistle.withdraw_summons(report=housing, by=grid_worker, reason="x")),
        (Forbidden, lambda: whistle.withdraw_summons(report=housing, by=urban_staff, reason="x")),
        (
            Forbidden,
            lambda: whistle.withdraw_summons(report=housing, by=yaohua_street_official, reason="x"),
        ),
        (
            InvalidInput,
            lambda: whistle.withdraw_summons(report=housing, by=division_official, reason=" "),
        ),
        (
            InvalidInput,  # already in this summons
            lambda: whistle.reassign_summons(
                report=housing, to=units.urban, by=division_official, reason="x"
            ),
        ),
        (
            InvalidInput,  # the same department
            lambda: whistle.reassign_summons(
                report=housing, to=units.housing, by=division_official, reason="x"
            ),
        ),
    ]
    before = list(SummonsReport.objects.order_by("pk").values_list("pk", "department_id"))
    events = CaseEvent.objects.count()
    for error, attempt in refusals:
        with pytest.raises(error):
            attempt()
    assert list(SummonsReport.objects.order_by("pk").values_list("pk", "department_id")) == before
    assert CaseEvent.objects.count() == events


def test_a_department_of_another_district_is_refused(
    submit_case: Callable[..., Case], units: Units, division_official: User
) -> None:
    from jiceng.cases import units as case_units
    from jiceng.divisions.models import Division, Level

    elsewhere = Division.objects.create(code="320102000000", name="玄武区", level=Level.COUNTY)
    far = case_units.create_department(
        name="玄武区水务局", district=elsewhere, function="水务", by=None
    )
    _, housing = summoned(submit_case(), units, division_official)
    with pytest.raises(InvalidInput, match="不属于诉求所在区县"):
        whistle.reassign_summons(report=housing, to=far, by=division_official, reason="x")


def test_the_street_withdraws_and_reassigns_on_the_pages(
    submit_case: Callable[..., Case], units: Units, division_official: User, urban_staff: User
) -> None:
    case = submit_case()
    urban, housing = summoned(case, units, division_official)
    street = signed_in(division_official)
    page = street.get(f"/cases/{case.pk}/").content.decode()
    assert "该部门还没有账号" in page and "撤回吹哨" in page and "改派" in page
    assert "（暂无账号）" in page  # beside 住建局 in the summons form too
    board = street.get("/cases/whistle/").content.decode()
    assert "该部门暂无账号" in board and f"/cases/{case.pk}/#summons-reports" in board

    empty = street.post(
        f"/cases/reports/{housing.pk}/reassign/", {"reason": "实为水务"}, follow=True
    )
    assert "请选择改派的部门" in empty.content.decode()
    moved = street.post(
        f"/cases/reports/{housing.pk}/reassign/",
        {"reason": "实为水务", "department": units.water.pk},
        follow=True,
    )
    assert f"已改派给{units.water.name}" in moved.content.decode()
    water = SummonsReport.objects.get(case=case, department=units.water)
    gone = street.post(
        f"/cases/reports/{water.pk}/withdraw/", {"reason": "已自行处置"}, follow=True
    )
    assert f"已撤回对{units.water.name}的吹哨" in gone.content.decode()
    assert list(SummonsReport.objects.filter(case=case)) == [urban]

    dept_page = signed_in(urban_staff).get(f"/cases/{case.pk}/").content.decode()
    assert "撤回吹哨（栖霞区水务局）" in dept_page  # in the timeline ...
    assert "/withdraw/" not in dept_page  # ... but no button the department cannot use


def test_departments_cannot_withdraw_and_outsiders_get_404(
    submit_case: Callable[..., Case],
    units: Units,
    division_official: User,
    urban_staff: User,
    yaohua_street_official: User,
) -> None:
    case = submit_case()
    urban, housing = summoned(case, units, division_official)
    own = signed_in(urban_staff).post(
        f"/cases/reports/{urban.pk}/withdraw/", {"reason": "不归我们"}, follow=True
    )
    assert "只有诉求所在街道可以撤回吹哨" in own.content.decode()
    outsider = signed_in(staff_of(units.water, "chen-tao", "陈涛"))  # 水务局: not summoned
    for action in ("withdraw", "reassign"):
        for report in (urban, housing):
            sent = outsider.post(
                f"/cases/reports/{report.pk}/{action}/",
                {"reason": "x", "department": units.water.pk},
            )
            assert sent.status_code == 404
    other_street = signed_in(yaohua_street_official)
    assert (
        other_street.post(f"/cases/reports/{housing.pk}/withdraw/", {"reason": "x"}).status_code
        == 404
    )
    assert SummonsReport.objects.filter(case=case).count() == 2
