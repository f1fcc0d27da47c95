"""Open311 GeoReport v2: every endpoint in JSON and XML, its refusals in the spec's format,
JSON answers against the public schemas (tests/open311_schemas, copied from the Open311
project), the filters of GET requests, the API key, and no reporter contact in any GET."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jiceng.cases import intake
from jiceng.cases.models import Case
from jiceng.cases.workflow import Channel, Status
from jiceng.core import clock, crypto
from jiceng.core.models import AuditRecord
from jiceng.testing.cases_personas import WENYUAN_POINT, Units, subject
from jiceng.testing.grid_personas import Grids
from jiceng.web.middleware import MACHINE_POLICY

SCHEMAS = Path(__file__).parent / "open311_schemas"
KEY = "city-app-key-0123456789"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
BASE = "/open311/v2"


def validator(name: str) -> Any:
    registry = jsonschema_rs.Registry(
        [
            (f"https://open311.test/{p.name}", json.loads(p.read_text()))
            for p in SCHEMAS.glob("*.json")
        ]
    )
    schema = json.loads((SCHEMAS / name).read_text())
    return jsonschema_rs.validator_for(
        schema, registry=registry, base_uri=f"https://open311.test/{name}", validate_formats=True
    )


def valid(name: str, body: Any) -> None:
    errors = [str(e) for e in validator(name).iter_errors(body)]
    assert errors == [], errors


def xml_of(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # well-formed, or this raises


@pytest.fixture
def keyed(settings: Any, grids: Grids, units: Units) -> None:
    settings.JICENG_OPEN311_KEYS = {"city-app": KEY, "careless": "short"}
    settings.JICENG_RATES = {**settings.JICENG_RATES, "open311": "1000/m"}


def text(root: ET.Element, path: str) -> str | None:
    found = root.find(path)
    assert found is not None, path
    return found.text


def form(**overrides: str) -> dict[str, str]:
    fields = {
        "api_key": KEY,
        "service_code": "city-garbage",
        "attribute[case_type]": "complaint",
        "lat": str(WENYUAN_POINT[1]),
        "long": str(WENYUAN_POINT[0]),
        "description": "小区门口垃圾三天没有清运",
        "first_name": "先生",
        "last_name": "王",
        "phone": "+86 139 1234 5678",
        "email": "wang@example.com",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def post(
    client: Client, fmt: str = "json", addr: str = "10.0.0.1", *, HTTP_HOST: str = "testserver",
    **fields: str,
) -> Any:  # fmt: skip
    return client.post(
        f"{BASE}/requests.{fmt}", form(**fields), REMOTE_ADDR=addr, HTTP_HOST=HTTP_HOST
    )


# -- discovery and services ---------------------------------------------------------------------


def test_discovery_names_the_endpoint_in_both_formats(
    client: Client, case_categories: None
) -> None:
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["url"] == "http://testserver/open311/v2"
    assert body["endpoints"][0]["formats"] == ["application/json", "text/xml"]
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["application/json", "text/xml"]


def test_services_are_the_active_subjects(client: Client, case_categories: None) -> None:
    body = client.get(f"{BASE}/services.json").json()
    valid("services.json", body)
    garbage = next(s for s in body if s["service_code"] == "city-garbage")
    assert garbage["service_name"] == "垃圾清运" and garbage["group"] == "市容环境"
    assert garbage["metadata"] is True
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert len(root.findall("service")) == len(body)
    assert text(root, "service/metadata") == "true"


def test_a_service_definition_lists_the_request_types(
    client: Client, case_categories: None
) -> None:
    body = client.get(f"{BASE}/services/city-garbage.json").json()
    valid("service-definition.json", body)
    case_type = body["attributes"][0]
    assert case_type["code"] == "case_type" and case_type["required"] is True
    assert {"key": "complaint", "name": "投诉"} in case_type["values"]
    root = xml_of(client.get(f"{BASE}/services/city-garbage.xml"))
    assert root.tag == "service_definition"
    keys = [v.text for v in root.findall("attributes/attribute/values/value/key")]
    assert "complaint" in keys


def test_an_unknown_service_is_404_in_the_spec_format(
    client: Client, case_categories: None
) -> None:
    response = client.get(f"{BASE}/services/no-such-thing.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "服务（诉求事项）不存在或已停用"}]
    root = xml_of(client.get(f"{BASE}/services/no-such-thing.xml"))
    assert root.tag == "errors" and text(root, "error/code") == "404"


def test_other_formats_are_not_routes(client: Client) -> None:
    assert client.get(f"{BASE}/services.html").status_code == 404


# -- POST requests --------------------------------------------------------------------------------


def test_a_post_makes_a_routed_case_through_the_intake(client: Client, keyed: None) -> None:
    with clock.frozen(T0):
        response = post(client)
    assert response.status_code == 200, response.content
    [row] = response.json()
    case = Case.objects.get()
    assert row["service_request_id"] == case.number
    assert case.channel == Channel.OPEN311 and case.status == Status.DISPATCHED
    assert case.grid is not None and case.grid.code == "XL-WY-01"
    assert case.reporter_name == "王先生" and case.reporter_phone_masked == "139****5678"
    assert case.case_type.code == "complaint"
    assert case.events.count() == 2  # received, dispatched
    kept = case.open311_attributes
    assert kept["client"] == "city-app" and kept["attributes"] == {"case_type": "complaint"}
    assert "wang@example.com" not in json.dumps(kept)
    sealed = crypto.unseal(base64.b64decode(kept["email_sealed"]), field=intake.EMAIL_FIELD)
    assert sealed == "wang@example.com"
    # The token answers with the id.
    token = row["token"]
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [
        {"service_request_id": case.number, "token": token}
    ]
    tokened = xml_of(client.get(f"{BASE}/tokens/{token}.xml"))
    assert text(tokened, "request/service_request_id") == case.number


def test_an_intake_makes_eight_queries(client: Client, keyed: None, settings: Any) -> None:
    """What bench/bench_intake.py counts, pinned so that it cannot creep back: the write's
    transaction (BEGIN and COMMIT, here a savepoint inside the test's), the case, its two
    events in one statement, the grid's notices in one INSERT ... SELECT, and the audit record
    linked to the chain (the head read, the record, the head moved on). The key, the
    categories, the grid index and the address are answered from memory."""
    settings.JICENG_GRID_RECHECK_SECONDS = 3600.0  # the index's version is not read again
    assert post(client, description="第一件：读入类别和网格索引").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = post(client, description="第二件")
    assert response.status_code == 200, response.content
    # An executemany is logged as "2 times: INSERT ...".
    statements = [re.sub(r"^\d+ times: ", "", q["sql"]).split()[0].upper() for q in captured]
    assert len(captured) == 8, "\n".join(q["sql"][:120] for q in captured)
    assert statements.count("INSERT") == 4 and statements.count("UPDATE") == 1
    assert statements.count("SELECT") == 1  # the chain's head
    assert Case.objects.count() == 2


def test_the_machines_path_skips_the_page_middleware_but_not_security_or_audit(
    client: Client, keyed: None, settings: Any
) -> None:
    """web.middleware.MachineEndpointsMiddleware: the answer has the security headers and a
    policy that allows nothing, none of the pages' (session cookie, language, CSP of pages),
    and the intake's audit record names the caller's address."""
    settings.SECURE_CONTENT_TYPE_NOSNIFF = True
    response = post(client, addr="10.0.0.9")
    assert response.status_code == 200, response.content
    assert response["Content-Security-Policy"] == MACHINE_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Language" not in response  # LocaleMiddleware did not run
    assert not response.cookies  # nor sessions, CSRF or messages
    record = AuditRecord.objects.get(action="cases.submit_case")
    assert (record.ip, record.user_id, record.target_id) == (
        "10.0.0.9",
        None,
        str(Case.objects.get().pk),
    )
    # A page still goes the long way.
    page = client.get("/accounts/login/")
    assert page["Content-Security-Policy"] != MACHINE_POLICY and "Content-Language" in page


def test_the_machines_path_checks_the_host(client: Client, keyed: None) -> None:
    assert post(client, HTTP_HOST="evil.example").status_code == 400
    assert Case.objects.count() == 0
    assert client.get(f"{BASE}/nothing-here.json", HTTP_HOST="evil.example").status_code == 400


def test_a_post_answers_in_xml_too(client: Client, keyed: None) -> None:
    root = xml_of(post(client, "xml"))
    assert root.tag == "service_requests"
    assert text(root, "request/service_request_id") == Case.objects.get().number


def test_an_address_alone_is_a_location(client: Client, keyed: None) -> None:
    response = post(client, lat="", long="", address_string="南京市栖霞区文苑社区文苑路 1 号")
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.community_id == "320113007001" and case.routed_how == "community"


@pytest.mark.parametrize(
    "api_key", [None, "", "wrong-key-0123456789abc", "short", KEY + "x"], ids=repr
)
def test_a_post_without_a_valid_key_is_refused_and_makes_nothing(
    client: Client, keyed: None, api_key: str | None
) -> None:
    response = post(client, api_key=api_key)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert response.json() == [{"code": 403, "description": "API 密钥无效或缺失（api_key）"}]
    assert not Case.objects.exists()


def test_no_keys_configured_means_no_post(client: Client, grids: Grids, units: Units) -> None:
    assert post(client).status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "no-such-thing"}, 404, "服务（诉求事项）不存在"),
        ({"attribute[case_type]": None}, 400, "case_type"),
        ({"attribute[case_type]": "gossip"}, 400, "诉求类型"),
        ({"attribute[colour]": "red"}, 400, "不认识的属性"),
        ({"attribute[noticed_at]": "yesterday"}, 400, "noticed_at"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "", "long": "", "address_string": ""}, 400, "位置"),
        ({"lat": "32.1", "long": ""}, 400, "经度和纬度"),
        ({"lat": "95", "long": "118.9"}, 400, "经纬度"),
        ({"description": "长" * 4001}, 400, "4000"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"phone": "call me"}, 400, "联系电话"),
        ({"lat": "10", "long": "10"}, 400, "无法确定"),
    ],
)
def test_bad_input_is_400_or_404_with_a_chinese_description(
    client: Client, keyed: None, fields: dict[str, str | None], status: int, says: str
) -> None:
    response = post(client, **fields)  # type: ignore[arg-type]
    assert response.status_code == status, response.content
    body = response.json()
    assert all(e["code"] == status for e in body)
    assert says in " ".join(e["description"] for e in body)
    assert not Case.objects.exists()


def test_posts_beyond_the_rate_are_429(client: Client, keyed: None, settings: Any) -> None:
    settings.JICENG_RATES = {**settings.JICENG_RATES, "open311": "2/m"}
    with clock.frozen(T0):
        answers = [post(client, addr="10.9.9.9").status_code for _ in range(3)]
        other = post(client, addr="10.9.9.10").status_code
    assert answers == [200, 200, 429] and other == 200
    assert Case.objects.count() == 3


def test_get_is_not_counted_by_the_rate(client: Client, keyed: None, settings: Any) -> None:
    settings.JICENG_RATES = {**settings.JICENG_RATES, "open311": "1/m"}
    with clock.frozen(T0):
        for _ in range(3):
            client.get(f"{BASE}/requests.json", REMOTE_ADDR="10.8.8.8")
        assert post(client, addr="10.8.8.8").status_code == 200


# -- GET requests -------------------------------------------------------------------------------


@pytest.fixture
def cases(keyed: None, submit_case: Callable[..., Case]) -> dict[str, Case]:
    """Four cases: one 100 days old, two 10 days old (garbage open, noise resolved), one today."""
    made = {}
    with clock.frozen(T0 - dt.timedelta(days=100)):
        made["old"] = submit_case(description="老问题")
    with clock.frozen(T0 - dt.timedelta(days=10)):
        made["garbage"] = submit_case()
        made["noise"] = submit_case(
            subject=subject("city-noise"),
            description="夜间施工噪声，电话 13912345678，邮箱 li@example.com",
        )
    with clock.frozen(T0):
        made["today"] = submit_case(description="今天 <b>&amp;</b> \x07 的问题")
    Case.objects.filter(pk=made["noise"].pk).update(
        status=Status.RESOLVED, resolved_at=T0 - dt.timedelta(days=9)
    )
    return made


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    valid("requests.json", body)
    return [r["service_request_id"] for r in body]


def test_the_default_window_is_the_last_90_days_newest_first(
    client: Client, cases: dict[str, Case]
) -> None:
    with clock.frozen(T0):
        found = ids(client.get(f"{BASE}/requests.json"))
    c = cases
    assert found == [c["today"].number, c["noise"].number, c["garbage"].number]


def test_filters_by_service_code_status_and_dates(client: Client, cases: dict[str, Case]) -> None:
    c = cases
    with clock.frozen(T0):
        get = lambda query: ids(client.get(f"{BASE}/requests.json?{query}"))  # noqa: E731
        assert get("service_code=city-noise") == [c["noise"].number]
        assert get("service_code=city-noise,city-garbage") == [
            c["today"].number,
            c["noise"].number,
            c["garbage"].number,
        ]
        assert get("status=closed") == [c["noise"].number]
        assert get("status=open") == [c["today"].number, c["garbage"].number]
        assert get("status=open,closed") == [
            c["today"].number,
            c["noise"].number,
            c["garbage"].number,
        ]
        assert get("start_date=2025-11-01&end_date=2025-12-31") == [c["old"].number]
        assert get("end_date=2026-02-01T00:00:00%2B08:00") == [c["old"].number]
        assert get("start_date=2026-03-01T00:00:00Z") == [c["today"].number]
        assert get("start_date=2026-02-01&status=closed&service_code=city-garbage") == []


def test_ids_ignore_every_other_filter(client: Client, cases: dict[str, Case]) -> None:
    c = cases
    query = f"service_request_id={c['old'].number},{c['noise'].number},99990101000001&status=open"
    with clock.frozen(T0):
        found = ids(client.get(f"{BASE}/requests.json?{query}"))
    assert sorted(found) == sorted([c["old"].number, c["noise"].number])


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2025-01-01&end_date=2025-06-01",
        "start_date=2026-03-01&end_date=2026-02-01",
        "start_date=tomorrow",
        "status=pending",
    ],
)
def test_bad_filters_are_400(client: Client, cases: dict[str, Case], query: str) -> None:
    response = client.get(f"{BASE}/requests.json?{query}")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert xml_of(client.get(f"{BASE}/requests.xml?{query}")).tag == "errors"


def test_one_request_and_its_closed_status(client: Client, cases: dict[str, Case]) -> None:
    noise = cases["noise"]
    [row] = client.get(f"{BASE}/requests/{noise.number}.json").json()
    valid("request.json", row)
    assert row["status"] == "closed" and row["status_notes"] == "已办结"
    assert row["service_code"] == "city-noise" and row["agency_responsible"] == "文苑第一网格"
    assert row["lat"] == WENYUAN_POINT[1] and row["long"] == WENYUAN_POINT[0]
    assert row["requested_datetime"] == "2026-02-20T09:00:00+08:00"
    assert row["updated_datetime"] == "2026-02-21T09:00:00+08:00"
    wrong = noise.number[:7] + "9" + noise.number[8:]  # the right id under another date
    for missing in (wrong, "12", "abc"):
        response = client.get(f"{BASE}/requests/{missing}.json")
        assert response.status_code == 404
        assert response.json() == [{"code": 404, "description": "服务请求不存在"}]


def test_xml_escapes_what_a_citizen_typed(client: Client, cases: dict[str, Case]) -> None:
    today = cases["today"]
    root = xml_of(client.get(f"{BASE}/requests/{today.number}.xml"))
    assert text(root, "request/description") == "今天 <b>&amp;</b>  的问题"
    assert text(root, "request/address_id") is None
    with clock.frozen(T0):
        listed = xml_of(client.get(f"{BASE}/requests.xml"))
    assert len(listed.findall("request")) == 3


def test_no_get_route_shows_the_reporters_contact(client: Client, cases: dict[str, Case]) -> None:
    """The masking scan of Open311: every GET route, in both formats."""
    from django.urls import get_resolver

    with clock.frozen(T0):
        token = post(client, addr="10.7.7.7").json()[0]["token"]
    resolver = get_resolver()
    routes = [p for p in resolver.url_patterns if "open311" in str(p.pattern)]
    assert routes
    names = {p.name for p in routes[0].url_patterns}  # type: ignore[union-attr]
    assert names == {
        "discovery",
        "services",
        "service",
        "requests",
        "request",
        "token",
        "unknown",
    }
    seen = []
    with clock.frozen(T0):
        for fmt in ("json", "xml"):
            seen += [
                client.get(f"{BASE}/discovery.{fmt}"),
                client.get(f"{BASE}/services.{fmt}"),
                client.get(f"{BASE}/services/city-noise.{fmt}"),
                client.get(f"{BASE}/requests.{fmt}"),
                client.get(f"{BASE}/requests.{fmt}?start_date=2025-11-01&end_date=2025-12-31"),
                client.get(f"{BASE}/tokens/{token}.{fmt}"),
            ] + [client.get(f"{BASE}/requests/{c.number}.{fmt}") for c in cases.values()]
    assert all(r.status_code == 200 for r in seen)
    text = "\n".join(r.content.decode() for r in seen)
    assert "夜间施工噪声" in text and "139****5678" in text  # the description, masked
    assert MOBILE.findall(text) == []
    assert "@example.com" not in text and "王先生" not in text
