"""Names on the maps are text, in real Chromium: a grid named like an HTML image with an error
handler shows that name in its tooltip on the grid map, the case form's map and the ranking
map, and no element is made of it (so no script runs, whatever the CSP lets through)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from jiceng.accounts.models import User
from jiceng.cases.models import Case, Subject
from jiceng.core import clock
from jiceng.grid import services as grid_services
from jiceng.testing.cases_personas import Units
from jiceng.testing.grid_personas import Grids

from .test_walkthrough import sign_in

pytestmark = pytest.mark.e2e

HOSTILE = '<img src=x onerror="document.body.dataset.injected=1">'
HOSTILE_SUBJECT = "<b onmouseover=alert(1)>占道</b>"


@pytest.fixture
def hostile_grid(grids: Grids) -> Grids:
    grid_services.change_grid(grid=grids.wenyuan, by=None, name=HOSTILE)
    return grids


def tooltip_of(page: Page, shape: Locator) -> Locator:
    """Hover over a shape and give its tooltip (Leaflet keeps one open at a time). The point
    is a quarter in from the top left corner: inside a grid's square, clear of a case's dot
    at the grid's centre."""
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 4, box["y"] + box["height"] / 4)
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_have_count(1)
    return tooltip


def assert_nothing_injected(page: Page) -> None:
    expect(page.locator(".leaflet-tooltip img, .leaflet-tooltip b")).to_have_count(0)
    assert page.evaluate("document.body.dataset.injected") is None


def test_the_grid_map_shows_a_grid_name_as_text(
    phone_page: Page, live_url: str, hostile_grid: Grids, division_official: User
) -> None:
    sign_in(phone_page, live_url, division_official.username)
    phone_page.goto(f"{live_url}/grid/")
    shape = phone_page.locator('#grid-map path[data-grid-code="XL-WY-01"]')

    tooltip = tooltip_of(phone_page, shape)

    expect(tooltip).to_have_text(f"{HOSTILE}（XL-WY-01）")
    assert_nothing_injected(phone_page)


def test_the_case_forms_map_shows_a_grid_name_as_text(
    page: Page, live_url: str, hostile_grid: Grids
) -> None:
    page.goto(f"{live_url}/cases/submit/")
    # The outlines are drawn in the order of the grids' codes: XL-WY-01 first.
    shape = page.locator("#case-map path.leaflet-interactive").first

    tooltip = tooltip_of(page, shape)

    expect(tooltip).to_have_text(HOSTILE)
    assert_nothing_injected(page)


def test_the_ranking_map_shows_grid_and_subject_names_as_text(
    page: Page,
    live_url: str,
    hostile_grid: Grids,
    units: Units,
    division_official: User,
    submit_case: Callable[..., Case],
) -> None:
    case = submit_case()
    Subject.objects.filter(pk=case.subject_id).update(name=HOSTILE_SUBJECT)
    sign_in(page, live_url, division_official.username)
    page.goto(f"{live_url}/cases/metrics/?month={clock.today():%Y-%m}")  # the case's month
    shapes = page.locator("#case-map path.leaflet-interactive")
    expect(shapes).to_have_count(4)  # the street's three grids and the case

    labels = [tooltip_of(page, shapes.nth(i)).inner_text() for i in range(4)]

    assert f"{HOSTILE}：1 件" in labels
    assert f"{HOSTILE_SUBJECT}（办理中）" in labels
    assert_nothing_injected(page)
