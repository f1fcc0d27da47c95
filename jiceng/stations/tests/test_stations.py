import datetime as dt
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.cases.models import Case
from jiceng.core import clock
from jiceng.core.errors import Forbidden, InvalidInput, NotFound
from jiceng.stations import queries, services
from jiceng.stations.models import ServiceStation, StationVisitDay
from jiceng.testing.personas import PASSWORD, Tree, user_with

from .conftest import DAILY, Stations, data

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY_NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
SATURDAY_NOON = dt.datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI)
MONDAY_NIGHT = dt.datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI)


def names(hits: list[queries.Hit]) -> list[str]:
    rows = ServiceStation.objects.in_bulk([h.station_id for h in hits])
    return [rows[h.station_id].name for h in hits]


def test_the_nearest_open_station_with_water_and_charging(stations: Stations) -> None:
    found = queries.nearby(lon=118.907, lat=32.102, amenities=["water"], at=MONDAY_NOON)
    assert names(found.open)[:2] == ["东区驿站", "文苑驿站"]
    found = queries.nearby(lon=118.907, lat=32.102, amenities=["charging", "water"], at=MONDAY_NOON)
    assert names(found.open) == ["文苑驿站", "仙鹤驿站"]
    assert found.open[0].distance == "470 米"


def test_closed_stations_are_not_open_and_say_when_they_open(stations: Stations) -> None:
    found = queries.nearby(lon=118.902, lat=32.117, amenities=["charging"], at=SATURDAY_NOON)
    assert names(found.open) == ["文苑驿站"]
    assert names(found.closed) == ["仙鹤驿站"]
    assert found.closed[0].state.text == "已关门，周一 09:00 开门"
    night = queries.nearby(lon=118.902, lat=32.102, amenities=[], at=MONDAY_NIGHT)
    assert names(night.open) == ["东区驿站"]


def test_a_point_outside_the_service_area_gets_a_clear_message(stations: Stations) -> None:
    with pytest.raises(InvalidInput, match="不在本平台的服务范围内"):
        queries.nearby(lon=116.4, lat=39.9, amenities=[])


def test_a_station_with_impossible_hours_is_not_registered(
    grids: object, xianlin_official: User
) -> None:
    with pytest.raises(InvalidInput):
        services.register_station(data=data(weekly_hours=[[[1200, 480]]] * 7), by=xianlin_official)
    assert not ServiceStation.objects.exists()


def test_a_station_outside_the_registrars_place_is_refused(
    grids: object, yaohua_street_official: User
) -> None:
    with pytest.raises(InvalidInput, match="不在您管理的街道或社区内"):
        services.register_station(data=data(), by=yaohua_street_official)
    with pytest.raises(InvalidInput, match="服务范围"):
        services.register_station(data=data(lon=100.0, lat=30.0), by=yaohua_street_official)
    assert not ServiceStation.objects.exists()


def test_the_community_appoints_a_keeper_who_edits_hours_and_amenities(
    stations: Stations, wenyuan_official: User
) -> None:
    keeper = User.objects.create_user(username="lao-wang", password=PASSWORD)
    services.appoint_keeper(station=stations.wenyuan, username="lao-wang", by=wenyuan_official)
    assert RoleAssignment.objects.filter(
        user=keeper, role=Role.STATION_KEEPER, division_id="320113007001"
    ).exists()
    station = services.set_service(
        station=ServiceStation.objects.get(pk=stations.wenyuan.pk),
        weekly_hours=[[[0, 1440]]] * 7,
        amenities=["water", "microwave"],
        by=User.objects.get(pk=keeper.pk),
    )
    assert station.weekly_hours == [[[0, 1440]]] * 7
    assert [a.value for a in station.amenity_list] == ["water", "microwave"]
    # ... but not a station they do not keep.
    with pytest.raises(NotFound):
        services.set_service(
            station=stations.xianhe,
            weekly_hours=DAILY,
            amenities=[],
            by=User.objects.get(pk=keeper.pk),
        )


def test_a_community_cannot_appoint_a_keeper_elsewhere(
    stations: Stations, wenyuan_official: User
) -> None:
    User.objects.create_user(username="lao-li", password=PASSWORD)
    with pytest.raises(NotFound):
        services.appoint_keeper(station=stations.xianhe, username="lao-li", by=wenyuan_official)
    assert not RoleAssignment.objects.filter(user__username="lao-li").exists()


def test_a_street_official_cannot_appoint_keepers(
    stations: Stations, xianlin_official: User
) -> None:
    User.objects.create_user(username="lao-zhao", password=PASSWORD)
    with pytest.raises(Forbidden):
        services.appoint_keeper(station=stations.wenyuan, username="lao-zhao", by=xianlin_official)


def test_a_scan_counts_one_anonymous_visit_per_browser_a_day(stations: Stations) -> None:
    client = Client()
    url = reverse("stations:scan", args=[stations.wenyuan.code])
    first = client.get(url)
    assert first.status_code == 302 and first["Location"].endswith("?visited=1")
    client.get(url)
    Client().get(url)
    assert StationVisitDay.objects.get(station=stations.wenyuan, day=clock.today()).visits == 2
    assert Client().get(reverse("stations:scan", args=["not-a-code"])).status_code == 404


def test_a_riders_need_becomes_a_case_through_the_intake(
    stations: Stations, case_categories: None
) -> None:
    response = Client().post(
        reverse("stations:station", args=[stations.wenyuan.pk]),
        {
            "type": "help",
            "subject": "other",
            "description": "饮水机坏了",
            "reporter_phone": "13912345678",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    case = Case.objects.get()
    assert case.description == "【红帆驿站·文苑驿站】饮水机坏了"
    assert case.grid_id is not None and case.community_id == "320113007001"
    assert case.reporter_phone_masked == "139****5678"


def test_an_empty_need_is_refused_beside_its_field(
    stations: Stations, case_categories: None
) -> None:
    response = Client().post(
        reverse("stations:station", args=[stations.wenyuan.pk]),
        {"type": "help", "subject": "other", "description": "  "},
    )
    assert response.status_code == 400
    assert "请描述诉求内容" in response.content.decode()
    assert not Case.objects.exists()
    unchosen = Client().post(
        reverse("stations:station", args=[stations.wenyuan.pk]),
        {"type": "", "subject": "other", "description": "饮水机坏了"},
    )
    assert unchosen.status_code == 400
    assert "请选择诉求类型" in unchosen.content.decode() and not Case.objects.exists()
    assert '<option value="">请选择</option>' in unchosen.content.decode()  # nothing preset


def test_the_riders_page_needs_no_sign_in(stations: Stations) -> None:
    with clock.frozen(MONDAY_NOON):
        page = Client().get(
            reverse("stations:finder"),
            {"lon": "118.907", "lat": "32.102", "a": ["water", "charging"]},
        )
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index("文苑驿站") < body.index("仙鹤驿站")
    assert "东区驿站" not in body
    assert "coordinate=wgs84" in body  # the walking-directions link
    outside = Client().get(reverse("stations:finder"), {"lon": "116.4", "lat": "39.9"})
    assert outside.status_code == 400
    assert "不在本平台的服务范围内" in outside.content.decode()
    assert Client().get(reverse("stations:finder_map")).status_code == 200


def test_registry_pages_open_by_role(
    stations: Stations, xianlin_official: User, wenyuan_official: User, tree: Tree
) -> None:
    street = Client()
    street.force_login(xianlin_official)
    assert street.get(reverse("stations:registry")).status_code == 200
    assert street.get(reverse("stations:edit", args=[stations.xianhe.pk])).status_code == 200
    community = Client()
    community.force_login(wenyuan_official)
    assert community.get(reverse("stations:edit", args=[stations.xianhe.pk])).status_code == 404
    member = Client()
    member.force_login(user_with("just-member", Role.MEMBER))
    assert member.get(reverse("stations:registry")).status_code == 403


def test_the_keepers_phone_page_saves_or_says_what_is_wrong(
    stations: Stations, wenyuan_official: User
) -> None:
    keeper = User.objects.create_user(username="lao-wang", password=PASSWORD)
    services.appoint_keeper(station=stations.wenyuan, username="lao-wang", by=wenyuan_official)
    client = Client()
    client.force_login(keeper)
    url = reverse("stations:keep", args=[stations.wenyuan.pk])
    assert client.get(url).status_code == 200
    form = {f"hours_{i}": "08:00-20:00" for i in range(7)} | {"amenities": ["water"]}
    wrong = client.post(url, form | {"hours_6": "20:00-06:00"})
    assert wrong.status_code == 200 and "周日" in wrong.content.decode()
    assert ServiceStation.objects.get(pk=stations.wenyuan.pk).weekly_hours == DAILY
    done = client.post(url, form | {"hours_6": "休息"})
    assert done.status_code == 302
    assert ServiceStation.objects.get(pk=stations.wenyuan.pk).weekly_hours[6] == []
    assert client.get(reverse("stations:keep", args=[stations.xianhe.pk])).status_code == 404


def test_the_api_answers_the_same(stations: Stations, xianlin_official: User) -> None:
    with clock.frozen(MONDAY_NOON):
        answer = Client().get(
            "/api/v1/stations/nearby",
            {"lon": "118.907", "lat": "32.102", "amenity": ["water", "charging"]},
        )
    assert answer.status_code == 200
    assert [s["name"] for s in answer.json()["open"]] == ["文苑驿站", "仙鹤驿站"]
    outside = Client().get("/api/v1/stations/nearby", {"lon": "116.4", "lat": "39.9"})
    assert outside.status_code == 400
    assert Client().get("/api/v1/stations").status_code == 401
    client = Client()
    client.force_login(xianlin_official)
    refused = client.post(
        "/api/v1/stations",
        {
            "name": "新驿站",
            "address": "文苑路2号",
            "host_unit": "邮政",
            "lon": 118.903,
            "lat": 32.103,
            "weekly_hours": [[[600, 500]]] * 7,
        },
        content_type="application/json",
    )
    assert refused.status_code == 400 and "开放时间" in refused.json()["detail"]
    made = client.post(
        "/api/v1/stations",
        {
            "name": "新驿站",
            "address": "文苑路2号",
            "host_unit": "邮政",
            "lon": 118.903,
            "lat": 32.103,
            "weekly_hours": DAILY,
            "amenities": ["water"],
        },
        content_type="application/json",
    )
    assert made.status_code == 201
    assert len(client.get("/api/v1/stations").json()) == 4


def test_a_rider_of_a_new_group_branch_sees_the_stations_on_the_workbench(
    stations: Stations, tree: Tree
) -> None:
    from jiceng.orgs.models import OrgKind, Sector
    from jiceng.testing.personas import add, add_member
    from jiceng.web import workbench

    riders = add(
        tree.xianlin,
        name="仙林街道快递行业党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.NEW_ECONOMY,
        division_id="320113007000",
    )
    rider = user_with("rider", Role.MEMBER)
    User.objects.filter(pk=rider.pk).update(member=add_member(riders, name="骑手甲"))
    with clock.frozen(MONDAY_NOON):
        shown = {s.panel.key: s for s in workbench.panels_for(User.objects.get(pk=rider.pk))}
    items = [i.label for i in shown["stations.rider"].content.items]
    assert set(items) == {"文苑驿站", "东区驿站", "仙鹤驿站"}
    # A member of a community branch sees no riders' panel.
    other = user_with("resident", Role.MEMBER)
    User.objects.filter(pk=other.pk).update(member=add_member(tree.branch, name="居民乙"))
    assert "stations.rider" not in {
        s.panel.key for s in workbench.panels_for(User.objects.get(pk=other.pk))
    }


def test_the_communitys_workbench_lists_its_stations_keeperless_first(
    stations: Stations, wenyuan_official: User
) -> None:
    keeper = User.objects.create_user(username="lao-li", password=PASSWORD, display_name="老李")
    services.appoint_keeper(station=stations.wenyuan, username="lao-li", by=wenyuan_official)
    client = Client()
    client.force_login(wenyuan_official)
    page = client.get("/").content.decode()
    panel = page[page.index('data-panel="stations.registry"') :]
    panel = panel[: panel.index("</section>")]
    assert "尚未登记" not in panel  # it has stations: they are listed
    assert panel.index("东区驿站") < panel.index("文苑驿站")  # no keeper yet, first
    assert "未任命管理员" in panel and f"管理员 {keeper}" in panel
    assert "仙鹤驿站" not in panel  # another community's
