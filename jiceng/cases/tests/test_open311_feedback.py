"""The reporter's rating takes its own secret, apart from the token (issue 11).

Open311 hands the token to the client app and answers `tokens/{token}` to anyone, and the
citizen may forward the progress link: the token reads the progress only. The feedback key,
given to the submitter alone and kept as its SHA-256, rates the result, on the page of the
submitter's own link and through the API."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from jiceng.cases import queries
from jiceng.cases.models import Case
from jiceng.cases.tests.test_open311 import BASE, keyed, post  # noqa: F401  (keyed: a fixture)
from jiceng.cases.workflow import Status
from jiceng.core import clock
from jiceng.core.errors import NotFound
from jiceng.testing.cases_personas import WENYUAN_POINT, submission

pytestmark = pytest.mark.usefixtures("keyed")  # test_open311's key, from the environment

RATING = {"is_resolved": "yes", "satisfaction": "SATISFIED"}
FORM_TITLE = "请评价办理结果"


@pytest.fixture(autouse=True)
def fresh_rates() -> None:
    cache.clear()


def resolved(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(status=Status.RESOLVED, resolved_at=clock.now())


def api_rate(client: Client, token: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/cases/track/{token}/feedback",
        {"is_resolved": True, "satisfaction": "SATISFIED", **body},
        content_type="application/json",
    )


def test_the_open311_token_reads_the_progress_and_rates_nothing(
    client: Client,
) -> None:
    [row] = post(client).json()
    token, key = row["token"], row["feedback_key"]
    case = Case.objects.get()
    assert key != token
    assert row["feedback_url"] == f"http://testserver/cases/track/{token}/{key}/"
    resolved(case)

    # The token: the id (Open311) and the progress page, without the rating form.
    assert client.get(f"{BASE}/tokens/{token}.json").json()[0]["service_request_id"]
    progress = client.get(f"/cases/track/{token}/")
    assert progress.status_code == 200 and FORM_TITLE not in progress.content.decode()
    # ...and rating with it is refused, on the page and through the API.
    assert client.post(f"/cases/track/{token}/", RATING).status_code == 403
    assert api_rate(client, token, feedback_key=token).status_code == 404
    assert api_rate(client, token).status_code in {400, 422}
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.satisfaction == ""

    rated = api_rate(client, token, feedback_key=key)
    assert rated.status_code == 200, rated.content
    case.refresh_from_db()
    assert case.status == Status.FOLLOWED_UP and case.satisfaction == "SATISFIED"


def test_the_feedback_key_is_kept_only_as_its_digest(client: Client) -> None:
    [row] = post(client).json()
    case = Case.objects.get()
    key = row["feedback_key"]
    assert case.feedback_digest == hashlib.sha256(key.encode()).hexdigest()
    stored = json.dumps(list(Case.objects.values().get().values()), default=str)
    assert key not in stored and row["token"] not in stored


def test_the_web_submitter_lands_on_the_own_link_and_rates_there(grids: Any, units: Any) -> None:
    citizen = Client()
    sent = citizen.post(
        "/cases/submit/",
        {
            "type": "help",
            "subject": "city-garbage",
            "description": "楼下垃圾堆积",
            "lon": str(WENYUAN_POINT[0]),
            "lat": str(WENYUAN_POINT[1]),
            "address": "文苑路 2 号",
        },
    )
    assert sent.status_code == 302
    own = sent["Location"].split("?")[0]
    token, key = own.strip("/").split("/")[-2:]
    case = Case.objects.get()
    landed = citizen.get(sent["Location"]).content.decode()
    assert f'href="/cases/track/{token}/"' in landed  # the link to forward
    resolved(case)

    assert FORM_TITLE in citizen.get(own).content.decode()
    assert FORM_TITLE not in citizen.get(f"/cases/track/{token}/").content.decode()
    wrong = key[:-1] + ("y" if key.endswith("x") else "x")  # one character off, never the key
    assert Client().get(f"/cases/track/{token}/{wrong}/").status_code == 404
    rated = citizen.post(own, RATING)
    assert rated.status_code == 302 and rated["Location"] == own
    case.refresh_from_db()
    assert case.status == Status.FOLLOWED_UP


def test_the_api_gives_the_key_to_the_submitter(grids: Any, units: Any) -> None:
    body = {
        "type": "help",
        "subject": "city-garbage",
        "description": "楼下垃圾堆积",
        "lon": WENYUAN_POINT[0],
        "lat": WENYUAN_POINT[1],
    }
    sent = Client().post("/api/v1/cases/submit", body, content_type="application/json").json()
    token, key = sent["token"], sent["feedback_key"]
    assert sent["track_url"] == f"/cases/track/{token}/"
    assert sent["feedback_url"] == f"/cases/track/{token}/{key}/"
    resolved(Case.objects.get())
    assert api_rate(Client(), token, feedback_key=key).status_code == 200


def test_a_case_received_before_the_key_existed_is_not_rated_by_link(
    grids: Any, units: Any
) -> None:
    made = submission()
    Case.objects.filter(pk=made.case.pk).update(feedback_digest="")
    assert queries.case_by_token(made.token).pk == made.case.pk
    with pytest.raises(NotFound):
        queries.case_for_feedback(made.token, made.feedback_key)
    with pytest.raises(NotFound):
        queries.case_for_feedback(made.token, "")
