"""The ranking page counts a case once it is resolved and rated, in Chromium, on a phone:
the table, the ECharts chart and the Leaflet map (no tiles) all draw under the strict CSP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from jiceng.accounts.models import User
from jiceng.cases import services
from jiceng.cases.models import Case
from jiceng.cases.workflow import Satisfaction
from jiceng.core import clock
from jiceng.testing.cases_personas import Units
from jiceng.testing.grid_personas import Grids

from .test_walkthrough import sign_in

pytestmark = pytest.mark.e2e


def test_a_resolved_and_rated_case_counts_on_the_ranking_page(
    phone_page: Page,
    live_url: str,
    grids: Grids,
    units: Units,
    grid_worker: User,
    division_official: User,
    submit_case: Callable[..., Case],
) -> None:
    case = submit_case()
    case = services.accept_case(case=case, by=grid_worker)
    case = services.resolve_case(case=case, by=grid_worker, resolution="已清运")
    services.record_feedback(
        case=case, is_resolved=True, satisfaction=Satisfaction.SATISFIED, by=None
    )
    refused: list[str] = []
    phone_page.on(
        "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
    )
    sign_in(phone_page, live_url, division_official.username)
    # The page opens on the last complete month; the case is in this one (进行中).
    phone_page.goto(f"{live_url}/cases/metrics/?month={clock.today():%Y-%m}")
    expect(phone_page.locator("main")).to_contain_text("进行中")
    expect(phone_page.locator("#total-cases")).to_have_text("1")
    row = phone_page.locator("#ranking-table tr", has_text="文苑社区")
    expect(row).to_contain_text("100.0%")  # accepted in time, resolved, satisfied
    expect(row.locator("td").last).to_have_text("100.0")
    expect(phone_page.locator("#ranking-table")).not_to_contain_text("尧化")
    expect(phone_page.locator("#hot-spots")).to_contain_text("文苑第一网格")
    expect(phone_page.locator("#ranking-chart canvas")).to_have_count(1)
    # The street's three grids and the one case, on a blank background.
    expect(phone_page.locator("#case-map path.leaflet-interactive")).to_have_count(4)
    expect(phone_page.locator("#case-map img.leaflet-tile")).to_have_count(0)
    assert refused == []
