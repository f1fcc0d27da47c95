"""The map of grids draws the street's grids in Chromium, without any map tiles, with the
names of the communities and a 我的位置 button on a phone; the case form's map picks the
located point and names its community."""

from __future__ import annotations

import pytest
import shapely
from playwright.sync_api import Page, expect

from jiceng.accounts.models import User
from jiceng.divisions import shapes
from jiceng.testing.grid_personas import Grids

from .test_walkthrough import sign_in

pytestmark = pytest.mark.e2e


def test_the_street_official_sees_the_streets_grids_on_the_map(
    phone_page: Page, live_url: str, grids: Grids, division_official: User
) -> None:
    refused: list[str] = []
    phone_page.on(
        "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
    )
    sign_in(phone_page, live_url, division_official.username)
    phone_page.goto(f"{live_url}/grid/")
    expect(phone_page.locator("#grid-map")).to_have_attribute("data-drawn", "3")
    expect(phone_page.locator("#grid-map path.leaflet-interactive")).to_have_count(3)
    expect(phone_page.locator("#grid-map img.leaflet-tile")).to_have_count(0)
    expect(phone_page.get_by_role("cell", name="XL-WY-01")).to_be_visible()
    expect(phone_page.get_by_role("cell", name="YH-01")).to_have_count(0)
    assert refused == []


@pytest.fixture
def outlines(grids: Grids) -> Grids:
    """仙林街道 and its two communities have outlines around the persona grids."""
    shapes.save_shapes(
        {
            "320113007000": shapes.outline_of(shapely.box(118.895, 32.095, 118.915, 32.125)),
            "320113007001": shapes.outline_of(shapely.box(118.895, 32.095, 118.915, 32.11)),
            "320113007002": shapes.outline_of(shapely.box(118.895, 32.11, 118.915, 32.125)),
        }
    )
    return grids


def test_the_phone_map_names_the_communities_and_offers_my_location(
    phone_page: Page, live_url: str, outlines: Grids, division_official: User
) -> None:
    refused: list[str] = []
    phone_page.on(
        "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
    )
    sign_in(phone_page, live_url, division_official.username)
    phone_page.goto(f"{live_url}/grid/")

    expect(phone_page.locator(".map-label-community span", has_text="文苑社区")).to_be_visible()
    expect(phone_page.locator(".map-label-community span", has_text="仙鹤社区")).to_be_visible()
    expect(phone_page.locator("#grid-map path.leaflet-interactive")).to_have_count(3)
    button = phone_page.get_by_role("button", name="我的位置")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["height"] >= 40  # a thumb's target
    expect(phone_page.locator("#grid-map img.leaflet-tile")).to_have_count(0)
    assert refused == []


def test_a_refused_location_is_said_in_chinese(
    phone_page: Page, live_url: str, outlines: Grids, division_official: User
) -> None:
    phone_page.context.clear_permissions()
    sign_in(phone_page, live_url, division_official.username)
    phone_page.goto(f"{live_url}/grid/")

    phone_page.get_by_role("button", name="我的位置").click()

    expect(phone_page.locator(".map-status-error")).to_contain_text("您没有允许本网站获取位置")


def test_my_location_picks_the_point_of_the_case_and_names_its_community(
    phone_page: Page, live_url: str, outlines: Grids
) -> None:
    phone_page.context.grant_permissions(["geolocation"], origin=live_url)
    phone_page.context.set_geolocation({"latitude": 32.102, "longitude": 118.902, "accuracy": 20})
    phone_page.goto(f"{live_url}/cases/submit/")
    expect(phone_page.locator(".map-label-community").first).to_be_attached()

    phone_page.get_by_role("button", name="我的位置").click()

    expect(phone_page.locator("#id_lon")).to_have_value("118.902000")
    expect(phone_page.locator("#id_lat")).to_have_value("32.102000")
    expect(phone_page.locator("#picked")).to_contain_text("仙林街道 文苑社区")
    expect(phone_page.locator(".map-status")).to_contain_text("已定位到您的位置")
