from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.usefixtures("sample_divisions")

FIELDS = {"code", "name", "level", "parent_code", "short_code"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/divisions",
        "/api/v1/divisions?q=仙林",
        "/api/v1/divisions/320113",
        "/api/v1/divisions/320113/children",
        "/api/v1/divisions/320113/ancestors",
    ],
)
def test_anonymous_is_refused(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 401
    assert "栖霞" not in response.content.decode()


def test_without_q_the_provinces_are_listed(signed_in_client: Client) -> None:
    response = signed_in_client.get("/api/v1/divisions")

    assert response.status_code == 200
    body = response.json()
    assert [d["name"] for d in body] == ["北京市", "江苏省", "福建省", "广东省"]
    assert body[1] == {
        "code": "320000000000",
        "name": "江苏省",
        "level": 1,
        "parent_code": None,
        "short_code": "32",
    }


def test_search_by_name_within_a_division(signed_in_client: Client) -> None:
    params: dict[str, str | int] = {"q": "社区", "under": "320113007", "limit": 2}
    response = signed_in_client.get("/api/v1/divisions", params)

    assert response.status_code == 200
    assert [d["name"] for d in response.json()] == ["仙林新村社区居委会", "仙鹤社区居委会"]


def test_search_limit_over_100_is_refused(signed_in_client: Client) -> None:
    params: dict[str, str | int] = {"q": "社区", "limit": 101}
    response = signed_in_client.get("/api/v1/divisions", params)

    assert response.status_code == 422


def test_under_without_q_is_refused_in_chinese(signed_in_client: Client) -> None:
    response = signed_in_client.get("/api/v1/divisions", {"under": "320113"})

    assert response.status_code == 400
    assert response.json() == {"detail": "参数under只用于搜索，请同时提供q"}


def test_search_under_an_unknown_division_is_404(signed_in_client: Client) -> None:
    response = signed_in_client.get("/api/v1/divisions", {"q": "仙林", "under": "320199"})

    assert response.status_code == 404
    assert response.json() == {"detail": "区划代码“320199”不存在"}


def test_a_division_by_short_code(signed_in_client: Client) -> None:
    response = signed_in_client.get("/api/v1/divisions/320113007")

    assert response.status_code == 200
    assert response.json() == {
        "code": "320113007000",
        "name": "仙林街道",
        "level": 4,
        "parent_code": "320113000000",
        "short_code": "320113007",
    }


@pytest.mark.parametrize("suffix", ["", "/children", "/ancestors"])
def test_an_unknown_code_is_404_with_a_chinese_detail(
    signed_in_client: Client, suffix: str
) -> None:
    response = signed_in_client.get(f"/api/v1/divisions/320199{suffix}")

    assert response.status_code == 404
    assert response.json() == {"detail": "区划代码“320199”不存在"}


def test_children_of_a_street(signed_in_client: Client) -> None:
    response = signed_in_client.get("/api/v1/divisions/320113007000/children")

    assert response.status_code == 200
    body = response.json()
    assert len(body) == 10
    assert {tuple(sorted(d)) for d in body} == {tuple(sorted(FIELDS))}
    assert body[0]["name"] == "仙林新村社区居委会"
    assert {d["parent_code"] for d in body} == {"320113007000"}


def test_ancestors_of_a_community(signed_in_client: Client) -> None:
    response = signed_in_client.get("/api/v1/divisions/320113007010/ancestors")

    assert response.status_code == 200
    assert [(d["short_code"], d["name"]) for d in response.json()] == [
        ("32", "江苏省"),
        ("3201", "南京市"),
        ("320113", "栖霞区"),
        ("320113007", "仙林街道"),
    ]


def test_the_openapi_document_describes_the_division_routes(signed_in_client: Client) -> None:
    schema = signed_in_client.get("/api/v1/openapi.json").json()

    paths = {path for path in schema["paths"] if path.startswith("/api/v1/divisions")}
    assert paths == {
        "/api/v1/divisions",
        "/api/v1/divisions/{code}",
        "/api/v1/divisions/{code}/children",
        "/api/v1/divisions/{code}/ancestors",
    }
    assert set(schema["components"]["schemas"]["DivisionOut"]["properties"]) == FIELDS
