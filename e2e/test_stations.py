"""红帆驿站 in real Chromium: a rider on a phone, located by the browser, asks for stations
with water and charging, gets the nearest open one (not the nearer one without charging, not
the closed one), opens its page and scans its QR: the visit is counted, anonymously."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from jiceng.accounts.models import Role
from jiceng.core import clock
from jiceng.stations import finder, services
from jiceng.stations.models import StationVisitDay
from jiceng.stations.tests.conftest import ALL_DAY, data
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import user_with


@pytest.mark.django_db(transaction=True)
def test_a_rider_finds_the_nearest_open_station_and_scans_its_qr(
    browser: Browser, live_url: str, grids: Grids
) -> None:
    official = user_with("qian-fang", Role.STREET_OFFICIAL, division_id="320113007000")
    wanted = services.register_station(
        data=data(name="文苑驿站", weekly_hours=ALL_DAY, amenities=["water", "charging"]),
        by=official,
    )
    services.register_station(
        data=data(name="东区驿站", lon=118.907, lat=32.1021, weekly_hours=ALL_DAY,
                  amenities=["water", "rest"]),
        by=official,
    )  # fmt: skip
    services.register_station(
        data=data(name="关门驿站", lon=118.9065, lat=32.1022, weekly_hours=[[]] * 7,
                  amenities=["water", "charging"]),
        by=official,
    )  # fmt: skip
    finder.bump_version()
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 32.1021, "longitude": 118.9072},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_url}/stations/")
        page.get_by_label("饮用水").check()
        page.get_by_label("充电").check()
        page.get_by_role("button", name="用我的位置查找").click()
        first = page.locator("#open-stations .station-card").first
        expect(first.locator(".station-name")).to_have_text("文苑驿站")
        expect(first.locator(".station-state")).to_contain_text("24小时开放")
        expect(page.locator("#open-stations")).not_to_contain_text("东区驿站")
        expect(page.locator("#open-stations")).not_to_contain_text("关门驿站")
        expect(page.locator("#closed-stations")).to_contain_text("关门驿站")
        expect(first.get_by_role("link", name="步行导航")).to_have_attribute(
            "href", "https://uri.amap.com/navigation?to=118.902,32.102,%E6%96%87%E8%8B%91%E9%A9%BF%E7%AB%99&mode=walk&coordinate=wgs84&callnative=1"
        )  # fmt: skip
        first.get_by_role("link", name="驿站详情").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("文苑驿站")
        # The QR on the station's door holds the scan address (stations:scan).
        page.goto(f"{live_url}/stations/v/{wanted.code}/")
        expect(page.locator("#visit-counted")).to_contain_text("本次到访已记录")
        assert StationVisitDay.objects.get(station=wanted, day=clock.today()).visits == 1
        page.reload()  # the redirect's page: reloading does not count again
        assert StationVisitDay.objects.get(station=wanted, day=clock.today()).visits == 1
    finally:
        context.close()
