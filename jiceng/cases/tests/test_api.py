"""The API over real HTTP, and who may do what: anonymous, wrong street, right street with the
wrong role, allowed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from jiceng.accounts.models import User
from jiceng.cases.models import Case, CaseEvent, SummonsReport
from jiceng.cases.workflow import Status
from jiceng.core import clock
from jiceng.core.models import AuditRecord
from jiceng.testing.cases_personas import WENYUAN_POINT, Units
from jiceng.testing.grid_personas import Grids

MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


@pytest.fixture(autouse=True)
def fresh_rates() -> None:
    cache.clear()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def citizen_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "type": "complaint",
        "subject": "city-garbage",
        "description": "垃圾桶满了没人清",
        "lon": WENYUAN_POINT[0],
        "lat": WENYUAN_POINT[1],
        "address": "文苑路 9 号",
        "reporter_name": "刘女士",
        "reporter_phone": "13800001111",
    }
    body.update(overrides)
    return body


def test_a_citizen_submits_without_signing_in_and_tracks_by_token(
    grids: Grids, units: Units, grid_worker: User
) -> None:
    anonymous = Client()
    response = anonymous.post(
        "/api/v1/cases/submit", citizen_body(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "DISPATCHED" and body["track_url"].endswith(body["token"] + "/")
    tracked = anonymous.get(f"/api/v1/cases/track/{body['token']}")
    assert tracked.status_code == 200
    assert tracked.json()["number"] == body["number"]
    assert [e["kind"] for e in tracked.json()["events"]] == ["RECEIVED", "DISPATCHED"]
    assert not MOBILE.search(tracked.content.decode())
    assert anonymous.get("/api/v1/cases/track/notavalidtoken123").status_code == 404


def test_bad_citizen_input_gets_chinese_field_errors(grids: Grids, units: Units) -> None:
    response = Client().post(
        "/api/v1/cases/submit",
        citizen_body(subject="nope", description=""),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"subject": "诉求事项不存在或已停用"}
    assert Case.objects.count() == 0


def test_citizen_submissions_are_rate_limited(grids: Grids, units: Units, settings: Any) -> None:
    settings.JICENG_RATES = {**settings.JICENG_RATES, "citizen_case": "2/m"}
    client = Client()
    with clock.frozen(clock.now()):  # the rate's window is fixed: a minute's end would reset it
        codes = [
            client.post(
                "/api/v1/cases/submit", citizen_body(), content_type="application/json"
            ).status_code
            for _ in range(3)
        ]
    assert codes == [201, 201, 429]


def test_the_grid_worker_works_the_case_through_the_api(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    case = submit_case()
    api = signed_in(grid_worker)
    inbox = api.get("/api/v1/cases?view=inbox").json()
    assert [c["id"] for c in inbox["items"]] == [case.pk]
    assert inbox["items"][0]["reporter_phone_masked"] == "139****5678"
    accepted = api.post(f"/api/v1/cases/{case.pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "ACCEPTED"
    again = api.post(f"/api/v1/cases/{case.pk}/accept")
    assert again.status_code == 409 and "不能签收" in again.json()["detail"]
    resolved = api.post(
        f"/api/v1/cases/{case.pk}/resolve",
        {"resolution": "已清运"},
        content_type="application/json",
    )
    assert resolved.json()["status"] == "RESOLVED"
    events = api.get(f"/api/v1/cases/{case.pk}/events").json()
    assert [e["kind"] for e in events][-2:] == ["ACCEPTED", "RESOLVED"]


def test_the_phone_is_revealed_to_the_handler_only_and_audited(
    submit_case: Callable[..., Case], grid_worker: User, yaohua_worker: User, water_staff: User
) -> None:
    case = submit_case()
    shown = signed_in(grid_worker).post(f"/api/v1/cases/{case.pk}/phone")
    assert shown.json() == {"reporter_phone": "13912345678"}
    assert AuditRecord.objects.filter(action="cases.reveal_phone").count() == 1
    assert signed_in(yaohua_worker).post(f"/api/v1/cases/{case.pk}/phone").status_code == 404
    assert signed_in(water_staff).post(f"/api/v1/cases/{case.pk}/phone").status_code == 404


MOVES = [
    ("accept", {}),
    ("resolve", {"resolution": "好了"}),
    ("return", {"reason": "不归我管"}),
    ("escalate", {"reason": "上报"}),
    ("close", {}),
    ("merge", {"into_id": 1}),
]


@pytest.mark.parametrize(("move", "body"), MOVES, ids=[m for m, _ in MOVES])
def test_authorization_matrix_of_the_moves(
    move: str,
    body: dict[str, Any],
    submit_case: Callable[..., Case],
    grid_worker: User,
    yaohua_worker: User,
    yaohua_street_official: User,
    member_user: User,
) -> None:
    case = submit_case()
    before = (Case.objects.get(pk=case.pk).status, CaseEvent.objects.count())
    url = f"/api/v1/cases/{case.pk}/{move}"

    def post(client: Client) -> int:
        return client.post(url, body, content_type="application/json").status_code

    assert post(Client()) == 401  # anonymous
    assert post(signed_in(member_user)) == 403  # no case role
    # Another street's people do not even see it.
    assert post(signed_in(yaohua_worker)) in {403, 404}
    assert post(signed_in(yaohua_street_official)) == 404
    assert (Case.objects.get(pk=case.pk).status, CaseEvent.objects.count()) == before


def test_right_street_wrong_role_cannot_dispatch_or_summon(
    submit_case: Callable[..., Case], units: Units, grid_worker: User, water_staff: User
) -> None:
    case = submit_case()
    worker = signed_in(grid_worker)
    assert (
        worker.post(
            f"/api/v1/cases/{case.pk}/summons",
            {"department_ids": [units.water.pk]},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert worker.post(f"/api/v1/cases/{case.pk}/close").status_code == 403
    # Department staff do not see a case before their department is summoned to it.
    assert signed_in(water_staff).get(f"/api/v1/cases/{case.pk}").status_code == 404


def test_whistle_report_finish_and_rate_over_http(
    submit_case: Callable[..., Case],
    units: Units,
    grid_worker: User,
    division_official: User,
    urban_staff: User,
    water_staff: User,
) -> None:
    case = submit_case()
    street = signed_in(division_official)
    summoned = street.post(
        f"/api/v1/cases/{case.pk}/summons",
        {"department_ids": [units.urban.pk, units.water.pk], "note": "垃圾堆放占道"},
        content_type="application/json",
    )
    assert summoned.status_code == 201, summoned.content
    reports = {r["department_name"]: r["id"] for r in summoned.json()["reports"]}
    water = signed_in(water_staff)
    board = water.get("/api/v1/cases/summons-reports/mine").json()
    assert [r["id"] for r in board] == [reports["栖霞区水务局"]]
    assert (
        water.post(
            f"/api/v1/cases/summons-reports/{reports['栖霞区城市管理局']}/report"
        ).status_code
        == 403
    )
    for staff, name in ((water, "栖霞区水务局"), (signed_in(urban_staff), "栖霞区城市管理局")):
        assert (
            staff.post(f"/api/v1/cases/summons-reports/{reports[name]}/report").status_code == 200
        )
        done = staff.post(
            f"/api/v1/cases/summons-reports/{reports[name]}/finish",
            {"note": "已处置"},
            content_type="application/json",
        )
        assert done.status_code == 200 and done.json()["finished_at"]
    rated = street.post(
        f"/api/v1/cases/summons-reports/{reports['栖霞区水务局']}/rate",
        {"rating": 5},
        content_type="application/json",
    )
    assert rated.json()["rating"] == 5
    assert SummonsReport.objects.filter(rating=5).count() == 1


def test_the_citizen_rates_through_the_link_and_unsatisfied_reopens(
    grids: Grids, units: Units, grid_worker: User
) -> None:
    anonymous = Client()
    submitted = anonymous.post(
        "/api/v1/cases/submit", citizen_body(), content_type="application/json"
    ).json()
    token, key = submitted["token"], submitted["feedback_key"]
    case = Case.objects.get()
    worker = signed_in(grid_worker)
    worker.post(f"/api/v1/cases/{case.pk}/accept")
    worker.post(
        f"/api/v1/cases/{case.pk}/resolve",
        {"resolution": "已清运"},
        content_type="application/json",
    )
    rated = anonymous.post(
        f"/api/v1/cases/track/{token}/feedback",
        {"feedback_key": key, "is_resolved": False, "satisfaction": "UNSATISFIED"},
        content_type="application/json",
    )
    assert rated.status_code == 200 and rated.json()["status"] == Status.DISPATCHED
    case.refresh_from_db()
    assert case.reopen_count == 1 and case.satisfaction == "UNSATISFIED"
    again = anonymous.post(
        f"/api/v1/cases/track/{token}/feedback",
        {"feedback_key": key, "is_resolved": True, "satisfaction": "SATISFIED"},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_the_dispatcher_takes_a_hotline_call_and_merges_a_duplicate(
    submit_case: Callable[..., Case], wenyuan_official: User, grid_worker: User
) -> None:
    first = submit_case()
    api = signed_in(wenyuan_official)
    taken = api.post(
        "/api/v1/cases",
        {**citizen_body(lon=118.9021, lat=32.1021), "channel": "HOTLINE"},
        content_type="application/json",
    )
    assert taken.status_code == 201 and taken.json()["duplicates"] == [first.number]
    second = taken.json()["id"]
    assert [d["id"] for d in api.get(f"/api/v1/cases/{second}/duplicates").json()] == [first.pk]
    merged = api.post(
        f"/api/v1/cases/{second}/merge", {"into_id": first.pk}, content_type="application/json"
    )
    assert merged.json()["status"] == "MERGED"
    patrol_by_dispatcher = signed_in(grid_worker).post(
        "/api/v1/cases", {**citizen_body(), "channel": "HOTLINE"}, content_type="application/json"
    )
    assert patrol_by_dispatcher.status_code == 400  # a grid worker enters patrol findings only
