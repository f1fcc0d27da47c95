"""Open311 GeoReport v2 as the spec says it (issue 11): where an earlier version answered
otherwise, each test here failed on it. The key in the query string, an optional description
of up to 4,000 characters, `attribute[code][]`, the error list for any other path, 405 with
Allow on every resource, list parameters repeated, a changeset that follows the catalogue, and
pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from jiceng.cases.models import Case, CaseType, Subject
from jiceng.cases.tests.test_open311 import (
    BASE,
    KEY,
    T0,
    form,
    ids,
    keyed,  # noqa: F401  (a fixture)
    post,
    valid,
    xml_of,
)
from jiceng.cases.workflow import Channel
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.testing.cases_personas import submission

pytestmark = pytest.mark.usefixtures("keyed")  # test_open311's key, from the environment

# -- the API key where the swagger puts it ------------------------------------------------------


def test_the_api_key_may_come_in_the_query_string(client: Client) -> None:
    fields = form(api_key=None)  # type: ignore[arg-type]
    response = client.post(f"{BASE}/requests.json?api_key={KEY}", fields)
    assert response.status_code == 200, response.content
    assert Case.objects.get().open311_attributes["client"] == "city-app"


def test_every_field_may_come_in_the_query_string_as_the_published_swagger_has_it(
    client: Client,
) -> None:
    """swagger.json declares the POST's parameters `in: query`; a client generated from it
    sends them there, with an empty body."""
    response = client.post(f"{BASE}/requests.json?{urlencode(form())}")
    assert response.status_code == 200, response.content
    assert Case.objects.get().description == "小区门口垃圾三天没有清运"


def test_the_form_wins_over_the_query_string(client: Client) -> None:
    response = client.post(f"{BASE}/requests.json?api_key=wrong-key-0123456789abc", form())
    assert response.status_code == 200, response.content


# -- the description ----------------------------------------------------------------------------


def test_a_request_without_a_description_is_taken(client: Client) -> None:
    response = post(client, description=None)  # type: ignore[arg-type]
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.description == ""
    [row] = client.get(f"{BASE}/requests/{case.number}.json").json()
    valid("request.json", row)


def test_a_description_may_run_to_4000_characters(client: Client) -> None:
    response = post(client, description="长" * 4000)
    assert response.status_code == 200, response.content
    assert len(Case.objects.get().description) == 4000
    refused = post(client, description="长" * 4001)
    assert refused.status_code == 400
    assert "4000" in refused.json()[0]["description"]
    assert Case.objects.count() == 1


def test_the_pages_and_the_api_still_ask_for_a_description_of_at_most_2000(
    grids: Any, units: Any
) -> None:
    for description, says in (("  ", "请描述诉求内容"), ("长" * 2001, "2000")):
        with pytest.raises(InvalidInput, match=says):
            submission(channel=Channel.WEB, description=description)
    assert not Case.objects.exists()


# -- attribute[code][] ----------------------------------------------------------------------------


def test_the_multivalue_syntax_of_attributes_is_taken(client: Client) -> None:
    fields = form(**{"attribute[case_type]": None})  # type: ignore[arg-type]
    fields["attribute[case_type][]"] = "complaint"
    response = client.post(f"{BASE}/requests.json", fields)
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.case_type.code == "complaint"
    assert case.open311_attributes["attributes"] == {"case_type": "complaint"}


def test_an_attribute_of_one_value_refuses_several(client: Client) -> None:
    body = (
        urlencode(form(**{"attribute[case_type]": None}))  # type: ignore[arg-type]
        + "&attribute%5Bcase_type%5D%5B%5D=complaint&attribute%5Bcase_type%5D%5B%5D=help"
    )
    response = client.post(
        f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "只能取一个值" in response.json()[0]["description"]
    assert not Case.objects.exists()


# -- any other path -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("services.html", "json"),
        ("requests.csv", "json"),
        ("services/city-garbage.yaml", "json"),
        ("nothing-here.json", "json"),
        ("nothing-here.xml", "xml"),
        ("request/20260302000001.xml", "xml"),
        ("", "json"),
        ("discovery", "json"),
    ],
)
def test_another_resource_or_format_is_the_spec_404_in_the_format_asked(
    client: Client, case_categories: None, path: str, fmt: str
) -> None:
    for method in (client.get, client.post):
        response = method(f"{BASE}/{path}")
        assert response.status_code == 404
        if fmt == "xml":
            root = xml_of(response)
            assert root.tag == "errors" and root.findtext("error/code") == "404"
        else:
            assert response["Content-Type"].startswith("application/json")
            [error] = response.json()
            assert error["code"] == 404 and "discovery" in error["description"]
        assert "Content-Language" not in response  # the machines' path, not the 404 page


# -- methods --------------------------------------------------------------------------------------


RESOURCES = [
    ("discovery", "GET, HEAD"),
    ("services", "GET, HEAD"),
    ("services/city-garbage", "GET, HEAD"),
    ("requests", "GET, HEAD, POST"),
    ("requests/20260302000001", "GET, HEAD"),
    ("tokens/sometoken0123456789", "GET, HEAD"),
]


@pytest.mark.parametrize(("resource", "allow"), RESOURCES)
@pytest.mark.parametrize("method", ["DELETE", "TRACE", "PUT", "PATCH", "POST", "OPTIONS"])
def test_a_method_a_resource_does_not_take_is_405_with_allow(
    client: Client, resource: str, allow: str, method: str
) -> None:
    if method in allow:
        return
    for fmt in ("json", "xml"):
        response = client.generic(method, f"{BASE}/{resource}.{fmt}")
        assert response.status_code == 405, (method, resource)
        assert response["Allow"] == allow
        if fmt == "json":
            assert response.json()[0]["code"] == 405
        else:
            assert xml_of(response).findtext("error/code") == "405"
    assert not Case.objects.exists()


def test_head_answers_as_get(client: Client, case_categories: None) -> None:
    assert client.head(f"{BASE}/services.json").status_code == 200


# -- list parameters ------------------------------------------------------------------------------


@pytest.fixture
def five(submit_case: Callable[..., Case]) -> list[Case]:
    """Five cases a day apart, the newest first: two noise, three garbage."""
    made = []
    for day in range(5):
        code = "city-noise" if day % 2 else "city-garbage"
        with clock.frozen(T0 - dt.timedelta(days=day)):
            made.append(submit_case(subject=Subject.objects.get(code=code)))
    return made


def test_repeated_ids_are_all_read(client: Client, five: list[Case]) -> None:
    a, b, c = five[0].number, five[2].number, five[4].number
    with clock.frozen(T0):
        found = ids(
            client.get(f"{BASE}/requests.json?service_request_id={a}&service_request_id={b}")
        )
        mixed = ids(
            client.get(f"{BASE}/requests.json?service_request_id={a},{b}&service_request_id={c}")
        )
    assert found == [a, b]
    assert mixed == [a, b, c]


def test_repeated_service_codes_and_statuses_are_all_read(client: Client, five: list[Case]) -> None:
    with clock.frozen(T0):
        both = ids(
            client.get(f"{BASE}/requests.json?service_code=city-noise&service_code=city-garbage")
        )
        statuses = ids(client.get(f"{BASE}/requests.json?status=open&status=closed"))
        noise = ids(client.get(f"{BASE}/requests.json?service_code=city-noise&service_code="))
    assert both == statuses == [c.number for c in five]
    assert noise == [five[1].number, five[3].number]


# -- the changeset --------------------------------------------------------------------------------


def changeset(client: Client) -> str:
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["changeset"] == body["changeset"]
    return str(body["changeset"])


def test_the_changeset_is_the_catalogue_s_last_change(
    client: Client, case_categories: None
) -> None:
    first = changeset(client)
    assert dt.datetime.fromisoformat(first).utcoffset() == dt.timedelta(hours=8)
    assert changeset(client) == first  # nothing changed, nothing new

    subject = Subject.objects.get(code="city-garbage")
    subject.name = "生活垃圾清运"
    subject.save()
    renamed = changeset(client)
    assert renamed > first
    assert dt.datetime.fromisoformat(renamed) == Subject.objects.get(pk=subject.pk).updated_at

    subject.is_active = False
    subject.save()
    switched_off = changeset(client)
    assert switched_off > renamed
    codes = [s["service_code"] for s in client.get(f"{BASE}/services.json").json()]
    assert "city-garbage" not in codes  # the list the changeset dates, at once

    case_type = CaseType.objects.get(code="help")
    case_type.name = "求助服务"
    case_type.save()
    assert changeset(client) > switched_off
    definition = client.get(f"{BASE}/services/city-noise.json").json()
    assert {"key": "help", "name": "求助服务"} in definition["attributes"][0]["values"]


# -- pages ----------------------------------------------------------------------------------------


def test_pages_cut_the_list_and_a_page_past_the_end_is_empty(
    client: Client, five: list[Case]
) -> None:
    pages, links = [], []
    with clock.frozen(T0):
        for page in (1, 2, 3, 4):
            response = client.get(f"{BASE}/requests.json?page_size=2&page={page}&status=open")
            pages.append(ids(response))
            links.append(response.get("Link"))
    numbers = [c.number for c in five]
    assert pages == [numbers[0:2], numbers[2:4], numbers[4:5], []]
    assert links[2] is None and links[3] is None
    assert links[0] is not None and links[0].endswith('; rel="next"')
    following = urlsplit(links[0].removeprefix("<").split(">;")[0])
    assert parse_qs(following.query) == {"page_size": ["2"], "page": ["2"], "status": ["open"]}


def test_a_full_last_page_says_nothing_follows(client: Client, five: list[Case]) -> None:
    with clock.frozen(T0):
        full = client.get(f"{BASE}/requests.json?page_size=5")
        after = client.get(f"{BASE}/requests.json?page_size=5&page=2")
    assert len(ids(full)) == 5 and "Link" not in full
    assert ids(after) == []


def test_pages_of_ids_and_in_xml(client: Client, five: list[Case]) -> None:
    wanted = ",".join(c.number for c in five)
    with clock.frozen(T0):
        second = ids(
            client.get(f"{BASE}/requests.json?service_request_id={wanted}&page_size=2&page=2")
        )
        xml = xml_of(client.get(f"{BASE}/requests.xml?page_size=3&page=2"))
    assert second == [five[2].number, five[3].number]
    assert [r.findtext("service_request_id") for r in xml.findall("request")] == [
        five[3].number,
        five[4].number,
    ]


@pytest.mark.parametrize(
    "query", ["page_size=1001", "page_size=0", "page=0", "page=x", "page_size=-1", "page=102"]
)
def test_pages_are_bounded(client: Client, five: list[Case], query: str) -> None:
    response = client.get(f"{BASE}/requests.json?{query}")
    assert response.status_code == 400, query
    assert response.json()[0]["code"] == 400


def test_without_page_parameters_the_first_1000_are_the_answer(
    client: Client, five: list[Case]
) -> None:
    with clock.frozen(T0):
        response = client.get(f"{BASE}/requests.json")
    assert ids(response) == [c.number for c in five] and "Link" not in response
