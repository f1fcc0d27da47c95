"""Every field that places something in a scope is set only within the user's scope: an
organization's division, its parent, a member's organization. A branch secretary can no
longer locate the branch elsewhere in the country, where the street that supervises it by
division would lose sight of it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core.errors import InvalidInput
from jiceng.divisions.models import Division, Level
from jiceng.members.models import Member
from jiceng.orgs import queries, services
from jiceng.orgs.imports import import_organizations
from jiceng.orgs.models import Organization, OrgKind, Sector
from jiceng.orgs.tests.test_imports import filled, xlsx
from jiceng.testing.grid_personas import DIVISIONS
from jiceng.testing.personas import Tree, add_member

pytestmark = pytest.mark.django_db

ELSEWHERE = [
    ("110101000000", "东城区", Level.COUNTY, None),
    ("110101001000", "东华门街道", Level.TOWNSHIP, "110101000000"),
    ("110101001001", "多福巷社区", Level.VILLAGE, "110101001000"),
]


@pytest.fixture
def divisions(tree: Tree) -> dict[str, Division]:
    Division.objects.bulk_create(
        Division(code=c, name=n, level=lv, parent_id=p) for c, n, lv, p in DIVISIONS + ELSEWHERE
    )
    return {d.code: d for d in Division.objects.all()}


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def patch(
    client: Client, organization: Organization, body: dict[str, object]
) -> tuple[int, dict[str, object]]:
    response = client.patch(
        f"/api/v1/organizations/{organization.pk}",
        json.dumps(body),
        content_type="application/json",
    )
    return response.status_code, response.json()


def division_of(organization: Organization) -> str | None:
    return Organization.objects.get(pk=organization.pk).division_id


def test_a_secretary_cannot_move_the_branch_out_of_the_streets_sight(
    tree: Tree, divisions: dict[str, Division], secretary: User, division_official: User
) -> None:
    assert queries.organizations_for(division_official).filter(pk=tree.branch.pk).exists()
    status, body = patch(client_of(secretary), tree.branch, {"division_code": "110101001001"})
    assert status == 400
    assert body["detail"] == "“多福巷社区”不在您的管理范围内，不能把党组织设在那里"
    assert body["fields"] == {"division": "所在行政区划不在您的管理范围内"}
    assert division_of(tree.branch) == "320113007001"
    fresh = User.objects.get(pk=division_official.pk)
    assert queries.organizations_for(fresh).filter(pk=tree.branch.pk).exists()


def test_a_secretary_places_the_branch_within_its_own_community_only(
    tree: Tree, divisions: dict[str, Division], secretary: User
) -> None:
    """The branch is located in 文苑社区: the next community of the street is not its own."""
    with pytest.raises(InvalidInput):
        services.update_organization(
            organization=tree.branch, division=divisions["320113007002"], by=secretary
        )
    unchanged = services.update_organization(
        organization=tree.branch, division=divisions["320113007001"], name="第一支部", by=secretary
    )
    assert (unchanged.name, unchanged.division_id) == ("第一支部", "320113007001")


def test_the_streets_department_places_within_the_street_and_the_district_anywhere_in_it(
    tree: Tree,
    divisions: dict[str, Division],
    street_official: User,
    district_department: User,
) -> None:
    moved = services.update_organization(
        organization=tree.branch, division=divisions["320113007002"], by=street_official
    )
    assert moved.division_id == "320113007002"
    with pytest.raises(InvalidInput):
        services.update_organization(
            organization=tree.branch, division=divisions["320113001001"], by=street_official
        )
    assert division_of(tree.branch) == "320113007002"
    services.update_organization(
        organization=tree.branch, division=divisions["320113001001"], by=district_department
    )
    assert division_of(tree.branch) == "320113001001"
    with pytest.raises(InvalidInput):
        services.update_organization(
            organization=tree.branch, division=divisions["110101001001"], by=district_department
        )


def test_a_new_organization_is_located_within_the_scope(
    tree: Tree, divisions: dict[str, Division], street_official: User
) -> None:
    with pytest.raises(InvalidInput, match="不在您的管理范围内"):
        services.create_organization(
            parent=tree.community,
            name="多福巷党支部",
            kind=OrgKind.BRANCH,
            sector=Sector.COMMUNITY,
            division=divisions["110101001001"],
            by=street_official,
        )
    assert not Organization.objects.filter(name="多福巷党支部").exists()
    made = services.create_organization(
        parent=tree.community,
        name="仙鹤党支部",
        kind=OrgKind.BRANCH,
        division=divisions["320113007002"],
        by=street_official,
    )
    assert made.division_id == "320113007002"


def test_an_import_reports_a_division_outside_the_scope_on_its_row(
    tree: Tree, divisions: dict[str, Division], street_official: User
) -> None:
    rows = [["多福巷党支部", "党支部", "社区", "", "110101001001", ""]]
    result = import_organizations(xlsx(filled(rows)), into=tree.community, by=street_official)
    assert result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [(2, "行政区划代码")]
    assert not Organization.objects.filter(name="多福巷党支部").exists()


def test_the_system_itself_places_anywhere(tree: Tree, divisions: dict[str, Division]) -> None:
    """A loader or a command (by=None) is not held to a scope."""
    services.update_organization(
        organization=tree.branch, division=divisions["110101001001"], by=None
    )
    assert division_of(tree.branch) == "110101001001"


def test_an_organization_moves_only_under_a_parent_in_scope(
    tree: Tree, secretary: User, street_official: User
) -> None:
    client = client_of(street_official)
    response = client.post(
        f"/api/v1/organizations/{tree.branch.pk}/move",
        json.dumps({"new_parent_id": tree.yaohua.pk}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Organization.objects.get(pk=tree.branch.pk).path.startswith(tree.community.path)


def test_a_member_moves_only_to_an_organization_in_scope(
    tree: Tree, secretary: User, street_official: User
) -> None:
    member = add_member(tree.branch, name="甲")

    def move(user: User, organization: Organization) -> int:
        return (
            client_of(user)
            .patch(
                f"/api/v1/members/{member.pk}",
                json.dumps({"organization_id": organization.pk}),
                content_type="application/json",
            )
            .status_code
        )

    assert move(secretary, tree.sibling) == 404  # the sibling branch is not the secretary's
    assert move(street_official, tree.yaohua_branch) == 404
    assert Member.objects.get(pk=member.pk).organization_id == tree.branch.pk
    assert move(street_official, tree.sibling) == 200
    assert Member.objects.get(pk=member.pk).organization_id == tree.sibling.pk
