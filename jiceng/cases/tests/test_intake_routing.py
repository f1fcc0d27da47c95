"""Intake finds the place of an address without a point (gazetteer, community, street; the
operator chooses among candidates) and dispatches to the unit the subject names:
小事网格办、大事站所办、难事部门办."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.cases import intake
from jiceng.cases.models import Case, CaseEvent, EventKind, Notice
from jiceng.cases.workflow import Level, Status
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.divisions.models import Division
from jiceng.divisions.models import Level as DivisionLevel
from jiceng.grid import address_imports
from jiceng.grid import services as grid_services
from jiceng.grid.models import GazetteerAddress, Grid
from jiceng.testing.cases_personas import Units, staff_of, subject
from jiceng.testing.grid_personas import Grids, square

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)


def by_address(submit_case: Callable[..., Case], address: str, **more: object) -> Case:
    return submit_case(lon=None, lat=None, address=address, **more)


@pytest.fixture
def doors(grids: Grids, division_official: User) -> None:
    rows = "地址,网格编码\n文苑路1号,XL-WY-01\n文苑路1号3栋,XL-WY-02\n学海路8号,XL-XH-01\n"
    result = address_imports.import_addresses(
        io.BytesIO(rows.encode()), filename="门牌.csv", by=division_official
    )
    assert result.succeeded


@pytest.fixture
def second_wenyuan(grids: Grids) -> Grid:
    """A second 文苑社区, in 尧化街道, with one grid: the name alone is ambiguous."""
    community = Division.objects.create(
        code="320113001009", name="文苑社区", level=DivisionLevel.VILLAGE, parent_id="320113001000"
    )
    return grid_services.create_grid(
        code="YH-WY-01",
        name="尧化文苑网格",
        community=community,
        boundary=square(118.960, 32.150, 118.965, 32.155),
        by=None,
    )


@pytest.mark.parametrize(
    ("address", "grid", "how"),
    [
        ("文苑路1号", "XL-WY-01", "gazetteer"),
        ("南京市栖霞区仙林街道文苑社区文苑路１号", "XL-WY-01", "gazetteer"),
        ("文苑路1号3幢2单元", "XL-WY-02", "gazetteer"),
        ("仙林街道学海路八号", "XL-XH-01", "gazetteer"),
        ("仙鹤社区", "XL-XH-01", "community"),  # its only grid
        ("仙林街道仙林新村社区学海路8号", "XL-XH-01", "gazetteer"),  # a community not known
    ],
)
def test_an_address_finds_its_grid_and_is_dispatched(
    submit_case: Callable[..., Case], doors: None, address: str, grid: str, how: str
) -> None:
    case = by_address(submit_case, address)
    assert case.grid is not None and case.grid.code == grid
    assert (case.status, case.level, case.routed_how) == (Status.DISPATCHED, Level.GRID, how)


@pytest.mark.parametrize(
    ("address", "community", "how"),
    [
        ("仙林新村社区学海路99号", None, "street"),  # not a community of the test's street
        ("文苑社区文苑路99号", "320113007001", "community"),  # two grids: the street chooses
        ("南京市栖霞区仙林街道", None, "street"),
        ("仙林街道", None, "street"),
    ],
)
def test_an_address_of_a_community_or_street_waits_for_the_streets_dispatcher(
    submit_case: Callable[..., Case], doors: None, address: str, community: str, how: str
) -> None:
    if "仙林新村" in address:
        address = "仙林街道" + address
    case = by_address(submit_case, address)
    assert (case.status, case.grid_id, case.routed_how) == (Status.RECEIVED, None, how)
    assert (case.community_id, case.street_id) == (community, "320113007000")


def test_an_address_of_nowhere_is_refused_and_nothing_is_stored(
    submit_case: Callable[..., Case], doors: None
) -> None:
    with pytest.raises(InvalidInput, match="无法确定诉求所在位置") as refused:
        by_address(submit_case, "北京市朝阳区建国路88号")
    assert refused.value.fields == {"address": "无法定位"}
    assert not Case.objects.exists()


def test_an_ambiguous_address_offers_candidates_and_takes_the_choice(
    submit_case: Callable[..., Case], doors: None, second_wenyuan: Grid
) -> None:
    with pytest.raises(intake.AmbiguousAddress) as ambiguous:
        by_address(submit_case, "文苑社区")
    choices = [c.choice for c in ambiguous.value.candidates]
    assert choices == [f"grid:{second_wenyuan.pk}", "community:320113007001"]
    assert "对应多处" in ambiguous.value.message and not Case.objects.exists()
    case = by_address(submit_case, "文苑社区", address_choice=f"grid:{second_wenyuan.pk}")
    assert case.grid_id == second_wenyuan.pk and case.status == Status.DISPATCHED
    with pytest.raises(InvalidInput, match="不是该地址的候选"):
        by_address(submit_case, "文苑社区", address_choice="grid:999999")
    # Saying the street decides it.
    assert by_address(submit_case, "尧化街道文苑社区").grid_id == second_wenyuan.pk


def test_a_gas_leak_goes_straight_to_its_department_with_its_two_hours(
    submit_case: Callable[..., Case], units: Units, doors: None
) -> None:
    gas = staff_of(
        units.housing.__class__.objects.create(
            name="栖霞区燃气管理处", function="燃气", district_id="320113000000"
        ),
        "gas-staff",
        "燃气值班员",
    )
    with clock.frozen(T0):
        case = by_address(submit_case, "文苑路1号", subject=subject("utility-gas-leak"))
    assert (case.level, case.status, case.grid_id) == (
        Level.DEPARTMENT,
        Status.DISPATCHED,
        Grid.objects.get(code="XL-WY-01").pk,
    )
    assert case.department is not None and case.department.name == "栖霞区燃气管理处"
    assert case.resolve_due_at == T0 + dt.timedelta(hours=2)
    assert case.accept_due_at == T0 + dt.timedelta(minutes=30)
    dispatched = CaseEvent.objects.get(case=case, kind=EventKind.DISPATCHED)
    assert dispatched.unit == "栖霞区燃气管理处"
    assert Notice.objects.filter(user=gas, case=case).count() == 1
    assert not Notice.objects.filter(case=case).exclude(user=gas).exists()


def test_a_stations_subject_goes_to_the_streets_station_of_its_line(
    submit_case: Callable[..., Case], units: Units, grid_worker: User
) -> None:
    case = submit_case(subject=subject("city-stalls"))  # 占道经营: 城管, a station's
    assert (case.level, case.station_id) == (Level.STATION, units.urban_station.pk)
    assert case.status == Status.DISPATCHED
    assert not Notice.objects.filter(user=grid_worker, case=case).exists()


def test_without_a_unit_of_its_line_the_case_goes_to_the_grid(
    submit_case: Callable[..., Case], units: Units, grid_worker: User
) -> None:
    case = submit_case(subject=subject("city-noise"))  # 生态环境: the street has no such station
    assert (case.level, case.station_id, case.status) == (Level.GRID, None, Status.DISPATCHED)
    assert Notice.objects.filter(user=grid_worker, case=case).count() == 1


def test_a_grids_subject_stays_with_the_grid(submit_case: Callable[..., Case]) -> None:
    case = submit_case(subject=subject("city-garbage"))
    assert (case.level, case.station_id, case.department_id) == (Level.GRID, None, None)


# -- Open311 address_id --------------------------------------------------------------------


def test_open311_address_id_is_a_gazetteer_door_plate(
    submit_case: Callable[..., Case], doors: None
) -> None:
    door = GazetteerAddress.objects.get(key="学海路8号")
    case = submit_case(channel="OPEN311", lon=None, lat=None, address="", address_id=door.pk)
    assert case.grid is not None and case.grid.code == "XL-XH-01"
    assert case.routed_how == "gazetteer"
    with pytest.raises(InvalidInput, match="address_id"):
        submit_case(channel="OPEN311", lon=None, lat=None, address="", address_id=999999)


# -- the hotline console -------------------------------------------------------------------


def console(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def call(**overrides: str) -> dict[str, str]:
    data = {
        "type": "help",
        "subject": "city-garbage",
        "description": "楼下垃圾堆积",
        "address": "文苑路1号",
        "reporter_name": "周先生",
        "reporter_phone": "13700002222",
    }
    data.update(overrides)
    return data


def test_the_hotline_console_speaks_to_the_operator(
    grids: Grids, units: Units, wenyuan_official: User
) -> None:
    page = console(wenyuan_official).get("/cases/dispatch/new/").content.decode()
    for words in ("来电人地址", "来电内容", "来电人电话", "受理并派单"):
        assert words in page
    for words in ("您的称呼", "您的诉求", "提交诉求"):
        assert words not in page


def test_the_operator_chooses_among_the_candidates_with_the_caller(
    units: Units, doors: None, second_wenyuan: Grid, division_official: User
) -> None:
    desk = console(division_official)
    asked = desk.post("/cases/dispatch/new/", call(address="文苑社区"))
    text = asked.content.decode()
    assert asked.status_code == 400 and "请向来电人确认是哪一处" in text
    assert 'value="community:320113007001"' in text and "尧化文苑网格" in text
    assert not Case.objects.exists()
    chosen = desk.post(
        "/cases/dispatch/new/",
        call(address="文苑社区", address_choice="community:320113007001"),
        follow=True,
    )
    case = Case.objects.get()
    assert (case.community_id, case.grid_id, case.channel) == ("320113007001", None, "HOTLINE")
    assert f"已受理，工单号 {case.number}，待街道派单" in chosen.content.decode()
    sent = desk.post("/cases/dispatch/new/", call(address="仙林街道文苑社区文苑路1号"), follow=True)
    number = Case.objects.exclude(pk=case.pk).get().number
    assert f"已受理，工单号 {number}，已派至文苑第一网格" in sent.content.decode()
    # A caller of another street: the operator stays on the console, not on a 404.
    elsewhere = desk.post(
        "/cases/dispatch/new/",
        call(address="文苑社区", address_choice=f"grid:{second_wenyuan.pk}"),
        follow=True,
    )
    assert elsewhere.redirect_chain[-1][0] == "/cases/dispatch/new/"
    assert "已派至尧化文苑网格（不在本辖区）" in elsewhere.content.decode()
