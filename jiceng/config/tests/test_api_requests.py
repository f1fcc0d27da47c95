"""Malformed requests, for every operation of /api/v1/ at once: a body that is no JSON object
is refused with 400 before any view runs, data that breaks an operation's schema answers 422,
both as an Error in Chinese, and the OpenAPI document says so for every operation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.services import assign_role
from jiceng.cases.models import Department
from jiceng.cases.units import add_department_staff
from jiceng.core.api import NOT_AN_OBJECT, NOT_JSON
from jiceng.divisions.models import Division
from jiceng.orgs import services as org_services
from jiceng.orgs.models import Organization, OrgKind, Sector
from jiceng.testing.personas import Tree

NOT_OBJECTS = ["[null]", '"x"', "42", "null", "true", "[]", '[{"on": "2024-01-01"}]']


def json_operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path with every path parameter 1) of the operations that take a JSON body."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                filled = "/".join("1" if p.startswith("{") else p for p in path.split("/"))
                found.append((method, filled))
    return found


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def everywhere(district_department: User) -> User:
    """栖霞区委组织部, here also the district's street official and a department's staff, so
    that the grid, case and summons operations let it in as far as its body."""
    district = Division.objects.create(code="320113000000", name="栖霞区", level=3)
    assign_role(user=district_department, role=Role.STREET_OFFICIAL, division=district, by=None)
    department = Department.objects.create(district=district, name="栖霞区城管局", function="城管")
    add_department_staff(user=district_department, department=department, by=None)
    # and a village cadre, for the cadre's own operations (villages)
    home = district_department.roles.get(role=Role.ORGANIZATION_DEPARTMENT).organization
    assign_role(user=district_department, role=Role.VILLAGE_CADRE, organization=home, by=None)
    # and a member (双报到's own report is a member's operation)
    RoleAssignment.objects.create(user=district_department, role=Role.MEMBER)
    return district_department


@pytest.fixture
def spare_branch(tree: Tree) -> Organization:
    return org_services.create_organization(
        parent=tree.yaohua,
        name="尧化街道机关党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.AGENCY,
        by=None,
    )


def send(client: Client, method: str, path: str, body: str) -> Any:
    return client.generic(method.upper(), path, body, content_type="application/json")


def test_every_operation_with_a_body_refuses_one_that_is_no_json_object(
    client: Client, everywhere: User, document: dict[str, Any]
) -> None:
    operations = json_operations(document)
    assert len(operations) >= 20  # the walk found the API's writes
    client.force_login(everywhere)
    answers = {}
    for method, path in operations:
        for body in NOT_OBJECTS:
            response = send(client, method, path, body)
            answers[f"{method.upper()} {path} {body}"] = (response.status_code, response.json())
    refused = (400, {"detail": NOT_AN_OBJECT, "fields": {"body": NOT_AN_OBJECT}})
    assert {request: answer for request, answer in answers.items() if answer != refused} == {}


def test_a_body_that_is_no_json_does_not_parse_in_chinese(
    client: Client, district_department: User, spare_branch: Organization
) -> None:
    client.force_login(district_department)
    for body in ['{"on": ', "{'on': 1}", "\xff"]:
        response = send(client, "post", f"/api/v1/organizations/{spare_branch.pk}/dissolve", body)
        assert response.status_code == 400
        assert response.json()["detail"] == NOT_JSON


def test_a_list_for_a_body_whose_fields_are_all_optional_changes_nothing(
    client: Client, district_department: User, spare_branch: Organization
) -> None:
    client.force_login(district_department)

    response = send(client, "post", f"/api/v1/organizations/{spare_branch.pk}/dissolve", "[null]")

    assert response.status_code == 400
    spare_branch.refresh_from_db()
    assert spare_branch.dissolved_on is None
    done = send(client, "post", f"/api/v1/organizations/{spare_branch.pk}/dissolve", "{}")
    assert done.status_code == 200, done.content


def test_data_that_breaks_the_schema_is_a_422_in_chinese_per_field(
    client: Client, district_department: User, tree: Tree
) -> None:
    client.force_login(district_department)

    query: dict[str, str | int] = {"q": "社区", "limit": 101}
    too_many = client.get("/api/v1/divisions", query)
    missing = send(
        client,
        "post",
        "/api/v1/members",
        '{"name": "黄磊", "organization_id": "a", "joined_on": "2015-13-01"}',
    )

    assert too_many.status_code == 422
    assert too_many.json() == {
        "detail": "请求参数不符合接口定义：limit：不能大于100",
        "fields": {"limit": "不能大于100"},
    }
    assert missing.status_code == 422
    fields = missing.json()["fields"]
    assert fields["id_number"] == "必须填写"
    assert fields["organization_id"] == "应为整数"
    assert fields["joined_on"].startswith("应为日期")
    assert missing.json()["detail"].startswith("请求参数不符合接口定义：")


def test_every_operation_declares_its_422_as_an_error(document: dict[str, Any]) -> None:
    answers = {
        f"{method.upper()} {path}": operation["responses"].get("422")
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

    assert len(answers) >= 40
    assert {op: answer for op, answer in answers.items() if answer["content"] != error} == {}
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {"detail", "fields"}
