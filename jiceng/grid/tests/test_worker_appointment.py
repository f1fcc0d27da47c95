"""Appointing a grid worker is a grant of the GRID_WORKER role, delegated to the street
(accounts.delegations): within the street, audited as a grant, and refused to anyone the
table does not name, whatever grids they manage."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import Reach, Scope
from jiceng.core.errors import Forbidden
from jiceng.core.models import AuditEvent, AuditRecord
from jiceng.grid import services
from jiceng.grid.models import GridWorker
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import PASSWORD, Tree, user_with

pytestmark = pytest.mark.django_db


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def appoint(client: Client, grid_id: int, username: str) -> int:
    response = client.post(
        f"/api/v1/grid/grids/{grid_id}/workers",
        json.dumps({"username": username}),
        content_type="application/json",
    )
    return response.status_code


def test_the_street_appoints_in_its_street_and_the_grant_names_the_delegation(
    grids: Grids, division_official: User
) -> None:
    user = User.objects.create_user(username="new-worker", password=PASSWORD)
    assert appoint(client_of(division_official), grids.xianhe.pk, "new-worker") == 201
    assert RoleAssignment.objects.filter(
        user=user, role=Role.GRID_WORKER, division_id="320113007002"
    ).exists()
    grant = AuditRecord.objects.get(event=AuditEvent.ROLE_CHANGE)
    assert (grant.user_id, grant.target_id) == (division_official.pk, str(user.pk))
    assert json.loads(grant.detail)["delegation"] == Role.STREET_OFFICIAL


def test_another_street_appoints_nobody_here(grids: Grids, yaohua_street_official: User) -> None:
    User.objects.create_user(username="new-worker", password=PASSWORD)
    assert appoint(client_of(yaohua_street_official), grids.wenyuan.pk, "new-worker") == 404
    assert not GridWorker.objects.filter(user__username="new-worker").exists()
    assert not RoleAssignment.objects.filter(user__username="new-worker").exists()


def test_the_districts_official_appoints_in_every_street_of_the_district(
    tree: Tree, grids: Grids
) -> None:
    """栖霞区's official: a STREET_OFFICIAL row naming the district (the district department)."""
    district = user_with("qixia-gov", Role.STREET_OFFICIAL, division_id="320113000000")
    User.objects.create_user(username="new-worker", password=PASSWORD)
    assert appoint(client_of(district), grids.yaohua.pk, "new-worker") == 201


def managing_grids_without_a_delegation(user: User, grids: Grids) -> User:
    """A user who manages the grids of 仙林 by the scope alone, holding no role the table of
    delegations names: what a role added later with MANAGE_GRIDS would be."""
    reach = Reach(division_prefixes=("320113007",))
    user._jiceng_scope = Scope(reaches={Permission.MANAGE_GRIDS: reach})  # type: ignore[attr-defined]
    assert services.can_manage_community(user, grids.wenyuan.community_id)
    return user


def test_managing_the_grids_is_not_enough_to_appoint(grids: Grids, nobody: User) -> None:
    manager = managing_grids_without_a_delegation(nobody, grids)
    candidate = User.objects.create_user(username="candidate", password=PASSWORD)
    with pytest.raises(Forbidden, match="网格员角色须由安全管理员授予"):
        services.assign_worker(grid=grids.wenyuan, user=candidate, by=manager)
    assert not GridWorker.objects.filter(user=candidate).exists()
    assert not candidate.roles.exists()


def test_nor_to_add_a_grid_to_a_worker_who_holds_the_role_already(
    grids: Grids, grid_worker: User, nobody: User
) -> None:
    """孙丽 holds GRID_WORKER over 文苑 for 文苑第一网格: a second grid there grants no new
    role row, yet it widens what she handles, so it is checked all the same."""
    manager = managing_grids_without_a_delegation(nobody, grids)
    with pytest.raises(Forbidden):
        services.assign_worker(grid=grids.wenyuan_east, user=grid_worker, by=manager)
    with pytest.raises(Forbidden):
        services.remove_worker(grid=grids.wenyuan, user=grid_worker, by=manager)
    assert list(GridWorker.objects.filter(user=grid_worker).values_list("grid", flat=True)) == [
        grids.wenyuan.pk
    ]
