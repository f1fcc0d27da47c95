"""Case metrics on hand-built cases with a frozen clock: the rates, the score and its weights,
the ranking, hot spots; and the ranking page's scope and who may open it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jiceng.accounts.models import Role, User
from jiceng.cases import metrics, services
from jiceng.cases.metrics import Area, Tally, Unit, Weights
from jiceng.cases.models import Case
from jiceng.cases.workflow import Satisfaction
from jiceng.core import clock
from jiceng.testing.cases_personas import YAOHUA_POINT, Units, subject
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import Tree, user_with

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)
NOW = T0 + dt.timedelta(days=1)
MARCH = dt.date(2026, 3, 1)
XIANHE_POINT = (118.902, 32.117)
WENYUAN, XIANHE, YAOHUA = "320113007001", "320113007002", "320113001001"


@pytest.fixture
def district_official(tree: Tree) -> User:
    """A 栖霞区 official: a division role naming the district."""
    return user_with("qixia-gov", Role.STREET_OFFICIAL, division_id="320113000000")


def handle(
    case: Case,
    worker: User,
    *,
    accepted_after: dt.timedelta,
    feedback: tuple[bool, Satisfaction] | None,
) -> Case:
    with clock.frozen(case.received_at + accepted_after):
        case = services.accept_case(case=case, by=worker)
        case = services.resolve_case(case=case, by=worker, resolution="已处理")
    if feedback is not None:
        with clock.frozen(case.received_at + accepted_after + dt.timedelta(hours=1)):
            case = services.record_feedback(
                case=case, is_resolved=feedback[0], satisfaction=feedback[1], by=None
            )
    return case


@pytest.fixture
def march(
    submit_case: Callable[..., Case],
    grids: Grids,
    grid_worker: User,
    yaohua_worker: User,
    division_official: User,
) -> dict[str, Case]:
    """文苑: 4 cases in March (+1 merged, +1 in February); 仙鹤: 1 just received; 尧化: 1."""
    made: dict[str, Case] = {}
    with clock.frozen(T0):
        for name in ("c1", "c2", "c3", "c4", "dup"):
            made[name] = submit_case(description=f"文苑 {name}")
        made["yaohua"] = submit_case(lon=YAOHUA_POINT[0], lat=YAOHUA_POINT[1])
    with clock.frozen(T0 - dt.timedelta(days=10)):
        made["february"] = submit_case(subject=subject("city-noise"))
    with clock.frozen(NOW - dt.timedelta(hours=1)):
        made["xianhe"] = submit_case(lon=XIANHE_POINT[0], lat=XIANHE_POINT[1])
    hour = dt.timedelta(hours=1)
    satisfied, basically = Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED
    handle(made["c1"], grid_worker, accepted_after=hour, feedback=(True, satisfied))
    handle(made["c2"], grid_worker, accepted_after=3 * hour, feedback=(True, basically))
    handle(made["c4"], grid_worker, accepted_after=hour, feedback=(False, Satisfaction.UNSATISFIED))
    handle(made["yaohua"], yaohua_worker, accepted_after=hour, feedback=(True, satisfied))
    handle(made["february"], grid_worker, accepted_after=hour, feedback=(True, satisfied))
    with clock.frozen(T0 + hour):
        services.merge_case(case=made["dup"], into=made["c3"], by=division_official)
    return made


DISTRICT = Area(prefixes=("320113",))


def by_key(rows: list[Tally]) -> dict[str, Tally]:
    return {t.key: t for t in rows}


def test_the_rates_of_each_community(march: dict[str, Case]) -> None:
    start, end = metrics.month_bounds(MARCH)
    with clock.frozen(NOW):
        rows = by_key(metrics.tallies(DISTRICT, Unit.COMMUNITY, start, end))
    wenyuan = rows[WENYUAN]
    assert wenyuan.name == "文苑社区"
    # 4 (the merged duplicate and February's case left out); c2 accepted late, c3 never.
    assert (wenyuan.total, wenyuan.due, wenyuan.responded) == (4, 4, 2)
    assert wenyuan.response_rate == 0.5
    # c1, c2 resolved by their unit and rated; c4 was too, then reopened by its citizen.
    assert (wenyuan.handled, wenyuan.answered, wenyuan.solved) == (2, 3, 2)
    assert (wenyuan.rated, wenyuan.satisfied) == (3, 2)
    assert wenyuan.score(metrics.weights()) == pytest.approx(100 * (0.15 + 0.4 * 2 / 3 + 0.2))
    yaohua = rows[YAOHUA]
    assert (yaohua.total, yaohua.responded, yaohua.solved, yaohua.satisfied) == (1, 1, 1, 1)
    assert yaohua.score(metrics.weights()) == pytest.approx(100)
    # 仙鹤's case is an hour old: not yet due, nobody answered, so there is no rate at all.
    xianhe = rows[XIANHE]
    assert (xianhe.total, xianhe.due, xianhe.response_rate) == (1, 0, None)
    assert xianhe.score(metrics.weights()) is None


def test_the_ranking_orders_by_score_and_puts_no_score_last(march: dict[str, Case]) -> None:
    with clock.frozen(NOW):
        ranked = metrics.ranking(DISTRICT, Unit.COMMUNITY, MARCH)
    assert [(r.rank, r.tally.name) for r in ranked] == [
        (1, "尧化社区"),
        (2, "文苑社区"),
        (3, "仙鹤社区"),
    ]
    assert ranked[1].as_dict()["response_rate"] == 50.0
    assert ranked[1].as_dict()["score"] == 61.7


def test_the_weights_come_from_the_setting(march: dict[str, Case], settings: Any) -> None:
    settings.JICENG_CASE_SCORE_WEIGHTS = {"response": 1, "resolution": 0, "satisfaction": 0}
    with clock.frozen(NOW):
        ranked = metrics.ranking(DISTRICT, Unit.COMMUNITY, MARCH)
    assert {r.tally.name: r.score for r in ranked}["文苑社区"] == pytest.approx(50)
    settings.JICENG_CASE_SCORE_WEIGHTS = {"response": -1}
    with pytest.raises(ImproperlyConfigured):
        metrics.weights()
    settings.JICENG_CASE_SCORE_WEIGHTS = {"speed": 1}
    with pytest.raises(ImproperlyConfigured):
        metrics.weights()


def test_equal_scores_share_a_rank() -> None:
    w = Weights(response=1, resolution=1, satisfaction=1)
    rows = [
        Tally(key="a", name="甲", total=2, due=2, responded=1),
        Tally(key="b", name="乙", total=1, due=1, responded=1),
        Tally(key="c", name="丙", total=4, due=4, responded=4),
        Tally(key="d", name="丁", total=3),
    ]
    assert [(r.rank, r.tally.key) for r in metrics.rank(rows, w)] == [
        (1, "c"),
        (1, "b"),
        (3, "a"),
        (4, "d"),
    ]


def test_streets_districts_and_departments(march: dict[str, Case], units: Units) -> None:
    start, end = metrics.month_bounds(MARCH)
    with clock.frozen(NOW):
        streets = by_key(metrics.tallies(DISTRICT, Unit.STREET, start, end))
        districts = by_key(metrics.tallies(DISTRICT, Unit.DISTRICT, start, end))
        departments = metrics.tallies(DISTRICT, Unit.DEPARTMENT, start, end)
    assert streets["320113007000"].total == 5 and streets["320113007000"].name == "仙林街道"
    assert streets["320113001000"].total == 1
    assert districts["320113"].total == 6 and districts["320113"].name == "栖霞区"
    assert departments == []  # no case went up to a department


def test_the_trend_counts_each_month(march: dict[str, Case]) -> None:
    with clock.frozen(NOW):
        trend = metrics.trend(DISTRICT, MARCH, months=3)
    assert [(m.month, t.total) for m, t in trend] == [(1, 0), (2, 1), (3, 6)]


def test_hot_spots_are_the_busiest_subject_and_grid(march: dict[str, Case]) -> None:
    start, end = metrics.month_bounds(MARCH)
    spots = metrics.hot_spots(DISTRICT, start, end)
    first = spots[0]
    # 文苑第一网格's garbage: c1-c4 and the merged duplicate (a repeated call counts).
    assert (first.grid_name, first.subject, first.count) == ("文苑第一网格", "垃圾清运", 5)
    assert first.open_count == 2  # c3, and c4 reopened
    assert [s.count for s in spots] == sorted((s.count for s in spots), reverse=True)


def test_the_map_holds_the_grids_and_the_located_cases(march: dict[str, Case]) -> None:
    start, end = metrics.month_bounds(MARCH)
    street = Area(prefixes=("320113007",))
    data = metrics.map_data(street, start, end)
    assert [g["code"] for g in data["grids"]] == ["XL-WY-01", "XL-WY-02", "XL-XH-01"]
    assert data["grids"][0]["count"] == 5
    assert len(data["cases"]) == 6  # 5 in 文苑, 1 in 仙鹤; not 尧化's


# -- the page ------------------------------------------------------------------------------------


def page(user: User | None, query: str = "") -> Any:
    client = Client()
    if user is not None:
        client.force_login(user)
    with clock.frozen(NOW):
        return client.get(f"/cases/metrics/{query}")


def names_in(response: Any) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    rows = response.context["rows"]
    return {r.tally.name for r in rows}


def test_anonymous_visitors_are_sent_to_sign_in(march: dict[str, Case]) -> None:
    response = page(None)
    assert response.status_code == 302 and "login" in response["Location"]


def test_accounts_without_the_permission_are_refused(
    march: dict[str, Case], nobody: User, member_user: User, grid_worker: User
) -> None:
    for user in (nobody, member_user, grid_worker):
        assert page(user).status_code == 403


def test_a_street_official_sees_the_streets_communities(
    march: dict[str, Case], division_official: User
) -> None:
    response = page(division_official, "?month=2026-03")
    assert names_in(response) == {"文苑社区", "仙鹤社区"}
    assert response.context["overall"].total == 5
    assert [u for u, _ in response.context["units"]] == ["community", "street"]
    assert names_in(page(division_official, "?month=2026-03&unit=street")) == {"仙林街道"}
    assert page(division_official, "?unit=district").status_code == 400
    text = response.content.decode()
    assert "尧化" not in text and "文苑社区" in text


def test_the_page_opens_on_the_last_complete_month_and_marks_the_current_one(
    march: dict[str, Case], division_official: User
) -> None:
    # NOW is in March: the page opens on February, and March is offered as 进行中.
    response = page(division_official)
    assert response.context["month"] == dt.date(2026, 2, 1)
    text = response.content.decode()
    assert "2026年3月（进行中）" in text and "本月尚未结束" not in text
    current = page(division_official, "?month=2026-03")
    assert current.context["overall"].total == 5 and "本月尚未结束" in current.content.decode()


def test_another_street_sees_only_its_own(
    march: dict[str, Case], yaohua_street_official: User
) -> None:
    assert names_in(page(yaohua_street_official, "?month=2026-03")) == {"尧化社区"}
    # Asking for the other street's area is like asking for one that does not exist.
    assert page(yaohua_street_official, "?area=320113007000").status_code == 404
    assert page(yaohua_street_official, "?area=320113007001").status_code == 404
    assert page(yaohua_street_official, "?area=nonsense").status_code == 404


def test_a_community_official_sees_the_community(
    march: dict[str, Case], wenyuan_official: User
) -> None:
    response = page(wenyuan_official, "?month=2026-03")
    assert names_in(response) == {"文苑社区"}
    assert [u for u, _ in response.context["units"]] == ["community"]


def test_a_district_official_ranks_every_level_and_narrows_to_a_street(
    march: dict[str, Case], district_official: User
) -> None:
    assert names_in(page(district_official, "?month=2026-03")) == {
        "文苑社区",
        "仙鹤社区",
        "尧化社区",
    }
    assert names_in(page(district_official, "?month=2026-03&unit=district")) == {"栖霞区"}
    narrowed = page(district_official, "?month=2026-03&area=320113007000")
    assert names_in(narrowed) == {"文苑社区", "仙鹤社区"}


def test_bad_month_is_400(march: dict[str, Case], division_official: User) -> None:
    assert page(division_official, "?month=March").status_code == 400


def test_the_page_reads_a_fixed_number_of_queries(
    march: dict[str, Case], division_official: User, submit_case: Callable[..., Case]
) -> None:
    client = Client()
    client.force_login(division_official)

    def count() -> int:
        with clock.frozen(NOW), CaptureQueriesContext(connection) as queries:
            assert client.get("/cases/metrics/?month=2026-03").status_code == 200
        return len(queries)

    count()  # the first request of a session also touches the session
    before = count()
    with clock.frozen(T0):
        for _ in range(5):
            submit_case()
    assert count() == before


# -- the API --------------------------------------------------------------------------------------


def test_the_api_ranks_and_finds_hot_spots_in_the_callers_area(
    march: dict[str, Case], division_official: User, yaohua_street_official: User, nobody: User
) -> None:
    client = Client()
    with clock.frozen(NOW):
        assert client.get("/api/v1/case-metrics/ranking").status_code == 401
        client.force_login(nobody)
        assert client.get("/api/v1/case-metrics/ranking").status_code == 403
        client.force_login(division_official)
        body = client.get("/api/v1/case-metrics/ranking?month=2026-03").json()
        assert [(r["rank"], r["name"], r["score"]) for r in body["rows"]] == [
            (1, "文苑社区", 61.7),
            (2, "仙鹤社区", None),
        ]
        spots = client.get("/api/v1/case-metrics/hot-spots?month=2026-03").json()
        assert spots[0]["grid_name"] == "文苑第一网格" and spots[0]["count"] == 5
        client.force_login(yaohua_street_official)
        other = client.get("/api/v1/case-metrics/ranking?month=2026-03&area=320113007000")
        assert other.status_code == 404
