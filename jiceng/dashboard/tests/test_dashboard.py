"""The dashboard: the tile registry, each of its own tiles, scope (no figure from outside the
user's scope, every link opens for the user), the page and its large-screen mode, the API,
the workbench panel and the cache."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.dashboard import dashboard_tiles, queries, tiles
from jiceng.dashboard.tiles import Figure, Tile
from jiceng.orglife.models import Compliance
from jiceng.orgs.models import Committee, Organization
from jiceng.testing.personas import Tree, add_member, verified_client

NOW = dt.datetime(2026, 4, 10, 10, 0)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def people(tree: Tree) -> Tree:
    for _ in range(3):
        add_member(tree.branch)
    add_member(tree.sibling)
    add_member(tree.yaohua_branch)
    for node in (tree.xianlin, tree.district, tree.yaohua):
        node.refresh_from_db()
    return tree


def compliance_row(organization: Organization, month: int, branches: int, compliant: int) -> None:
    Compliance.objects.create(
        organization=organization,
        month=month,
        path=organization.path,
        depth=organization.depth,
        branches=branches,
        compliant=compliant,
    )


def by_key(built: list[tiles.Built]) -> dict[str, tiles.Built]:
    return {b.key: b for b in built}


def figures(built: tiles.Built) -> dict[str, Figure]:
    return {f.label: f for f in built.tile.figures}


# -- the registry ---------------------------------------------------------------------------------


def test_an_app_adds_a_tile_without_touching_the_dashboard(
    people: Tree, street_official: User, frozen: None
) -> None:
    def build(organization: Organization, user: User) -> Tile | None:
        return Tile(figures=[Figure("示范党组织", 2)]) if organization.depth > 3 else None

    tiles.tile("appraisal.models", title="示范党组织", order=55)(build)
    try:
        built = tiles.build_all(people.xianlin, street_official)
        keys = [b.key for b in built]
        assert "appraisal.models" in keys
        assert keys.index("appraisal.models") > keys.index("dashboard.terms")  # by order
        assert "appraisal.models" not in by_key(tiles.build_all(people.root, street_official))
        with pytest.raises(ValueError, match="registered twice"):
            tiles.tile("appraisal.models", title="x", order=1)(lambda o, u: None)
    finally:
        tiles.remove("appraisal.models")


def test_the_apps_tiles_are_found_at_start_up() -> None:
    assert {t.key for t in tiles.registered()} >= {
        "dashboard.members",
        "dashboard.development",
        "dashboard.compliance",
        "dashboard.terms",
        "dashboard.dues",
        "dashboard.cases",
    }


# -- the tiles ------------------------------------------------------------------------------------


def test_members_tile_reads_the_rollups_and_links_the_member_list(
    people: Tree, street_official: User, frozen: None
) -> None:
    built = by_key(tiles.build_all(people.xianlin, street_official))["dashboard.members"]
    shown = figures(built)
    assert shown["党员"].value == 4  # 仙林's four, not 尧化's one
    assert shown["党员"].url == f"/members/?org={people.xianlin.pk}"
    assert shown["党支部"].value == 2
    assert built.tile.chart is not None
    assert built.tile.chart["categories"] == ["仙林街道文苑社区党委"]
    assert built.tile.chart["series"][0]["data"] == [4]


def test_compliance_tile_shows_the_last_complete_month_and_its_trend(
    people: Tree, street_official: User, frozen: None
) -> None:
    compliance_row(people.xianlin, 202603, branches=2, compliant=1)
    compliance_row(people.xianlin, 202602, branches=2, compliant=2)
    compliance_row(people.xianlin, 202604, branches=2, compliant=0)  # under way: not shown
    built = by_key(tiles.build_all(people.xianlin, street_official))["dashboard.compliance"]
    shown = figures(built)
    assert shown["达标率"].value == "50.0%"
    assert shown["未达标支部"].value == 1 and shown["未达标支部"].tone == "warn"
    month_page = f"/orglife/org/{people.xianlin.pk}/compliance/?month=2026-03"
    assert shown["达标率"].url == month_page
    assert built.tile.chart is not None
    assert built.tile.chart["categories"][-1] == "2026-03"
    assert built.tile.chart["series"][0]["data"][-2:] == [100.0, 50.0]


def test_terms_tile_counts_overdue_terms_of_the_subtree(
    people: Tree, street_official: User, frozen: None
) -> None:
    Committee.objects.create(
        organization=people.branch, term_start=dt.date(2021, 3, 1), term_due=dt.date(2024, 3, 1)
    )
    Committee.objects.create(
        organization=people.sibling, term_start=dt.date(2023, 5, 1), term_due=dt.date(2026, 5, 1)
    )
    Committee.objects.create(
        organization=people.yaohua_branch,
        term_start=dt.date(2020, 1, 1),
        term_due=dt.date(2023, 1, 1),
    )
    built = by_key(tiles.build_all(people.xianlin, street_official))["dashboard.terms"]
    shown = figures(built)
    assert shown["届期已满未换届"].value == 1  # 尧化's overdue term is outside
    assert shown["即将到期"].value == 1
    assert shown["届期已满未换届"].url == f"/orgs/{people.xianlin.pk}/terms-due/"


def test_development_tile_links_the_pipeline(
    people: Tree, street_official: User, frozen: None
) -> None:
    built = by_key(tiles.build_all(people.xianlin, street_official))["dashboard.development"]
    shown = figures(built)
    assert shown["入党申请人"].value == 0
    assert shown["入党申请人"].url == f"/development/?org={people.xianlin.pk}"
    assert built.tile.note.startswith("2026年")


def test_cases_tile_is_left_out_without_the_metrics_permission_or_cases(
    people: Tree, street_official: User, division_official: User, frozen: None
) -> None:
    assert "dashboard.cases" not in by_key(tiles.build_all(people.xianlin, street_official))
    # 周强 may read the street's metrics, but it has no cases: nothing to show.
    assert dashboard_tiles.cases(people.xianlin, division_official) is None


# -- scope and pages ------------------------------------------------------------------------------


def links_of(html: str) -> set[str]:
    return set(re.findall(r'href="(/[^"]*)"', html))


def test_page_opens_on_the_users_own_top_and_every_figure_link_opens(
    people: Tree, street_official: User, frozen: None
) -> None:
    compliance_row(people.xianlin, 202603, branches=2, compliant=1)
    client = verified_client(street_official)
    page = client.get(reverse("dashboard:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert people.xianlin.name in html and "党建驾驶舱" in html
    assert 'data-chart="dashboard.members"' in html
    for href in sorted(links_of(html)):
        if href.startswith("/static/") or "logout" in href:
            continue
        assert client.get(href.replace("&amp;", "&"), follow=True).status_code == 200, href


def test_no_figure_from_outside_the_users_scope(
    people: Tree, street_official: User, yaohua_official: User, secretary: User, frozen: None
) -> None:
    client = verified_client(yaohua_official)
    for outside in (people.xianlin, people.district):
        page = client.get(reverse("dashboard:organization", args=[outside.pk]))
        assert page.status_code == 404
    assert client.get(f"/api/v1/dashboard/{people.xianlin.pk}").status_code == 404
    own = client.get("/api/v1/dashboard").json()
    assert own["organization_id"] == people.yaohua.pk
    members = next(t for t in own["tiles"] if t["key"] == "dashboard.members")
    assert members["figures"][0]["value"] == 1
    # A secretary's dashboard is their branch's; the terms tile needs no more than they hold.
    mine = verified_client(secretary).get("/api/v1/dashboard").json()
    assert mine["organization_id"] == people.branch.pk


def test_members_without_the_permission_are_refused(
    people: Tree, member_user: User, frozen: None
) -> None:
    client = verified_client(member_user)
    assert client.get(reverse("dashboard:home")).status_code == 403
    assert client.get("/api/v1/dashboard").status_code == 403
    assert Client().get("/api/v1/dashboard").status_code == 401


def test_large_screen_mode(people: Tree, street_official: User, frozen: None) -> None:
    client = verified_client(street_official)
    url = reverse("dashboard:organization", args=[people.xianlin.pk])
    html = client.get(url, {"screen": "1"}).content.decode()
    assert "cockpit-screen" in html and "退出大屏" in html
    assert "cockpit-screen" not in client.get(url).content.decode()


def test_api_answers_the_same_figures_and_links(
    people: Tree, street_official: User, frozen: None
) -> None:
    body = verified_client(street_official).get(f"/api/v1/dashboard/{people.xianlin.pk}").json()
    members = next(t for t in body["tiles"] if t["key"] == "dashboard.members")
    assert members["figures"][0] == {
        "label": "党员",
        "value": 4,
        "url": f"/members/?org={people.xianlin.pk}",
        "tone": "",
    }


def test_the_workbench_links_the_department_to_its_dashboard(
    people: Tree, street_official: User, secretary: User, frozen: None
) -> None:
    html = verified_client(street_official).get("/").content.decode()
    assert f"/dashboard/org/{people.xianlin.pk}/" in html
    assert 'href="/dashboard/"' in html  # the top bar
    assert "/dashboard/" not in verified_client(secretary).get("/").content.decode()


def test_the_page_is_kept_a_while_per_user_and_organization(
    people: Tree, street_official: User, settings: object, frozen: None
) -> None:
    first = queries.tiles_for(street_official, people.xianlin)
    add_member(people.branch)
    people.xianlin.refresh_from_db()
    kept = queries.tiles_for(street_official, people.xianlin)
    assert figures(by_key(kept)["dashboard.members"])["党员"].value == 4
    settings.JICENG_DASHBOARD_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    fresh = queries.tiles_for(street_official, people.xianlin)
    assert figures(by_key(fresh)["dashboard.members"])["党员"].value == 5
    assert first


def test_dues_tile_sums_the_months_totals_of_the_subtree(
    people: Tree, street_official: User, yaohua_official: User, frozen: None
) -> None:
    from jiceng.dues import billing
    from jiceng.dues.models import MonthTotal

    assert "dashboard.dues" not in by_key(tiles.build_all(people.xianlin, street_official))
    MonthTotal.objects.create(
        organization=people.branch,
        month=202604,
        expected=3_000_000,
        collected=1_500_000,
        billed=3,
        paid=1,
    )
    MonthTotal.objects.create(
        organization=people.yaohua_branch, month=202604, expected=900, collected=900, billed=1
    )
    billing.roll_up_totals(organization=None, month=202604)  # as the monthly task does
    cache.clear()
    built = by_key(tiles.build_all(people.xianlin, street_official))["dashboard.dues"]
    shown = figures(built)
    assert shown["应缴（万元）"].value == "3.00" and shown["收缴率"].value == "50.0%"
    assert shown["收缴率"].url == f"/dues/orgs/{people.xianlin.pk}/totals/"
    assert "dashboard.dues" not in by_key(tiles.build_all(people.xianlin, yaohua_official))
