"""Real Open311 clients from the package index against a live server (issue 11).

- georeport 0.3.1, a GeoReport v2 reader (services, definitions, requests, one request) in
  JSON and in XML; it does not submit.
- civicbot 0.4.0, whose Open311Client reads in JSON and submits: the form it builds puts a
  list attribute as `attribute[code][]`, may leave the description out, and pages with
  page_size.
- requests, for what neither does: a POST answered in XML with the key in the query string, as
  the published swagger sends it, the refusals, and a client paging until a short page.

Tried and left: `three` 0.8.0 and `open311` 1.1 are Python 2 only (itertools.ifilter, an
implicit relative import) and fail to import on Python 3.11.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from civicbot import Endpoint, HttpTransport, Open311Client
from civicbot.http import HttpError, RateLimiter
from django.core.cache import cache
from georeport import GeoReport
from pytest_django.live_server_helper import LiveServer

from jiceng.cases.models import Case
from jiceng.cases.tests.test_open311 import KEY, keyed  # noqa: F401  (keyed: a fixture)
from jiceng.testing.cases_personas import WENYUAN_POINT

pytestmark = pytest.mark.usefixtures("keyed")  # test_open311's key, from the environment

LON, LAT = WENYUAN_POINT


@pytest.fixture
def base(live_server: LiveServer) -> str:
    cache.clear()
    return f"{live_server.url}/open311/v2"


def civicbot_client(base: str) -> Open311Client:
    endpoint = Endpoint(id="jiceng", name="基层", base_url=base, write=True)
    # No pause between calls: the server is this test's own.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport=transport)


def test_civicbot_submits_and_reads_in_json(base: str) -> None:
    client = civicbot_client(base)
    sent = client.create_request(
        "city-garbage",
        dry_run=False,
        confirm="SEND",
        api_key=KEY,
        validate_remote=True,  # reads services.json and the definition first
        lat=LAT,
        lng=LON,
        attributes={"case_type": ["complaint"]},  # sent as attribute[case_type][]
        first_name="先生",
        last_name="王",
        phone="+86 139 1234 5678",
    )
    assert sent.form["attribute[case_type][]"] == ["complaint"] and "description" not in sent.form
    [row] = sent.response
    case = Case.objects.get()
    assert row["service_request_id"] == case.number and case.description == ""
    assert case.case_type.code == "complaint" and case.grid is not None

    long = client.create_request(
        "city-noise",
        dry_run=False,
        confirm="SEND",
        api_key=KEY,
        lat=LAT,
        lng=LON,
        description="夜" * 4000,
        attributes={"case_type": "complaint"},
    )
    [long_row] = long.response
    assert len(Case.objects.get(pk=int(long_row["service_request_id"][8:])).description) == 4000

    assert client.get_request(case.number)["status"] == "open"
    assert client.get_token(row["token"]) == [
        {"service_request_id": case.number, "token": row["token"]}
    ]
    first = client.list_requests(page_size=1)
    both = client.list_requests(service_code="city-garbage,city-noise", page_size=10)
    assert [r["service_request_id"] for r in first] == [long_row["service_request_id"]]
    assert len(both) == 2
    with pytest.raises(HttpError) as refused:
        client.create_request(
            "city-garbage", dry_run=False, confirm="SEND", api_key="wrong-key-0123456789ab",
            lat=LAT, lng=LON, attributes={"case_type": "help"},
        )  # fmt: skip
    assert refused.value.status == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_in_json_and_xml(base: str, fmt: str) -> None:
    made = [
        post_raw(base, "json", service_code=code, description=f"第 {n} 件")
        for n, code in enumerate(["city-garbage", "city-noise", "city-garbage"])
    ]
    reader = GeoReport(base, output_format=fmt)

    services = reader.get_service_list()
    garbage = next(s for s in services if s["service_code"] == "city-garbage")
    assert garbage["service_name"] == "垃圾清运"
    definition = reader.get_service_definition("city-garbage")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert attributes[0]["code"] == "case_type"

    found = reader.get_service_requests(service_code="city-garbage", status="open")
    if fmt == "xml":
        assert isinstance(found, list)
    assert [r["service_request_id"] for r in found] == [made[2], made[0]]
    one = reader.get_service_request(made[1])
    assert one["service_code"] == "city-noise" and one["description"] == "第 1 件"

    with pytest.raises(requests.HTTPError) as missing:
        reader.get_service_definition("no-such-thing")
    answer = missing.value.response
    assert answer is not None and answer.status_code == 404
    if fmt == "xml":
        assert b"<errors><error><code>404</code>" in answer.content
    else:
        assert answer.json()[0]["code"] == 404


def post_raw(base: str, fmt: str, **fields: str) -> str:
    """A POST as the published swagger sends it: the key in the query string."""
    body = {
        "service_code": "city-garbage",
        "lat": str(LAT),
        "long": str(LON),
        "attribute[case_type][]": "complaint",
        **fields,
    }
    answer = requests.post(f"{base}/requests.{fmt}", params={"api_key": KEY}, data=body, timeout=10)
    assert answer.status_code == 200, answer.text
    if fmt == "xml":
        import xml.etree.ElementTree as ET

        number = ET.fromstring(answer.content).findtext("request/service_request_id")
        assert number is not None
        return number
    return str(answer.json()[0]["service_request_id"])


def test_requests_level_calls_for_the_rest(base: str) -> None:
    numbers = [post_raw(base, "xml", description=f"第 {n} 件") for n in range(5)]
    assert Case.objects.count() == 5

    # A paging client asks until a page comes back short, and stops.
    seen: list[str] = []
    for page in range(1, 10):
        rows: list[dict[str, Any]] = requests.get(
            f"{base}/requests.json", params={"page": page, "page_size": 2}, timeout=10
        ).json()
        seen += [r["service_request_id"] for r in rows]
        if len(rows) < 2:
            break
    assert page == 3 and seen == numbers[::-1]

    repeated = requests.get(
        f"{base}/requests.json",
        params=[("service_request_id", numbers[0]), ("service_request_id", numbers[1])],
        timeout=10,
    ).json()
    assert {r["service_request_id"] for r in repeated} == set(numbers[:2])

    refused = requests.delete(f"{base}/services.json", timeout=10)
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
    assert refused.json()[0]["code"] == 405
    unknown = requests.get(f"{base}/services.csv", timeout=10)
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404
    changeset = requests.get(f"{base}/discovery.json", timeout=10).json()["changeset"]
    assert changeset.endswith("+08:00")
