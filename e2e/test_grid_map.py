"""The map of grids draws the street's grids in Chromium, without any map tiles."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from jiceng.accounts.models import User
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
