"""Who grants roles: the security administrator, and besides it only the delegations of
accounts.delegations, each within the grantor's own place and audited."""

from __future__ import annotations

import pytest

from jiceng.accounts import services
from jiceng.accounts.delegations import DELEGATIONS, SECURITY_ADMIN_ONLY, delegations_of
from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.scoping import DIVISION_ROLES, SUBTREE_ROLES, Where
from jiceng.core.errors import Forbidden, InvalidInput, NotFound
from jiceng.core.models import AuditEvent, AuditRecord
from jiceng.divisions.models import Division
from jiceng.testing.personas import Tree

pytestmark = pytest.mark.django_db
Divisions = dict[str, Division]


def test_every_role_has_its_grantors_written_down() -> None:
    """Work that adds a role adds its delegation row, or says only the security
    administrator grants it (the rule in accounts/delegations.py)."""
    delegated = {d.grants for d in DELEGATIONS}
    assert delegated.isdisjoint(SECURITY_ADMIN_ONLY)
    assert delegated | SECURITY_ADMIN_ONLY == set(Role)


def test_a_delegation_lands_where_the_granted_role_names_its_scope() -> None:
    for d in DELEGATIONS:
        grants_in = Where.SUBTREE if d.grants in SUBTREE_ROLES else Where.DIVISION
        assert d.grants in SUBTREE_ROLES | DIVISION_ROLES, d
        assert d.within is grants_in, d
        holds_in = Where.SUBTREE if d.grantor in SUBTREE_ROLES else Where.DIVISION
        assert d.within is holds_in, d
    assert {d.grantor for d in delegations_of(Role.GRID_WORKER)} == {Role.STREET_OFFICIAL}


def test_the_security_admin_grants_any_role_anywhere(
    tree: Tree, nobody: User, security_admin: User
) -> None:
    granted = services.assign_role(
        user=nobody, role=Role.BRANCH_SECRETARY, organization=tree.yaohua_branch, by=security_admin
    )
    record = AuditRecord.objects.filter(event=AuditEvent.ROLE_CHANGE).latest("pk")
    assert "delegation" not in record.detail
    services.remove_role(assignment=granted, by=security_admin)
    assert not nobody.roles.exists()


def test_a_street_official_grants_no_role_but_grid_workers(
    tree: Tree, grid_divisions: Divisions, nobody: User, division_official: User
) -> None:
    with pytest.raises(Forbidden, match="支部书记角色须由安全管理员授予"):
        services.assign_role(
            user=nobody, role=Role.BRANCH_SECRETARY, organization=tree.branch, by=division_official
        )
    for role, code in [
        (Role.COMMUNITY_OFFICIAL, "320113007001"),
        (Role.STREET_OFFICIAL, "320113007000"),
    ]:
        with pytest.raises(Forbidden, match="须由安全管理员授予"):
            services.assign_role(
                user=nobody, role=role, division=grid_divisions[code], by=division_official
            )
    assert not nobody.roles.exists()
    assert not AuditRecord.objects.filter(event=AuditEvent.ROLE_CHANGE).exists()


def test_a_secretary_appoints_no_one(tree: Tree, nobody: User, secretary: User) -> None:
    with pytest.raises(Forbidden):
        services.assign_role(
            user=nobody, role=Role.COMMITTEE_MEMBER, organization=tree.branch, by=secretary
        )
    assert not nobody.roles.exists()


def test_the_organization_department_appoints_secretaries_in_its_subtree(
    tree: Tree, nobody: User, street_official: User
) -> None:
    """仙林街道党工委 (ORGANIZATION_DEPARTMENT over 仙林) records an election in 文苑."""
    services.assign_role(
        user=nobody, role=Role.BRANCH_SECRETARY, organization=tree.branch, by=street_official
    )
    record = AuditRecord.objects.filter(event=AuditEvent.ROLE_CHANGE).latest("pk")
    assert (record.action, record.user_id, record.target_id) == (
        "accounts.assign_role",
        street_official.pk,
        str(nobody.pk),
    )
    assert '"delegation":"ORGANIZATION_DEPARTMENT"' in record.detail
    with pytest.raises(NotFound, match="不存在或不在您的管理范围内"):
        services.assign_role(
            user=nobody,
            role=Role.COMMITTEE_MEMBER,
            organization=tree.yaohua_branch,
            by=street_official,
        )
    assert list(nobody.roles.values_list("role", "organization")) == [
        (Role.BRANCH_SECRETARY, tree.branch.pk)
    ]


def test_a_removal_is_held_to_the_same_table(
    tree: Tree, nobody: User, street_official: User, yaohua_official: User, division_official: User
) -> None:
    granted = services.assign_role(
        user=nobody, role=Role.BRANCH_SECRETARY, organization=tree.branch, by=None
    )
    with pytest.raises(NotFound):
        services.remove_role(assignment=granted, by=yaohua_official)  # another street's
    with pytest.raises(Forbidden):
        services.remove_role(assignment=granted, by=division_official)  # no such delegation
    assert RoleAssignment.objects.filter(pk=granted.pk).exists()
    services.remove_role(assignment=granted, by=street_official)
    assert not nobody.roles.exists()


def test_the_community_appoints_station_keepers_in_its_community(
    grid_divisions: Divisions, nobody: User, wenyuan_official: User
) -> None:
    wenyuan, xianhe = grid_divisions["320113007001"], grid_divisions["320113007002"]
    services.assign_role(
        user=nobody, role=Role.STATION_KEEPER, division=wenyuan, by=wenyuan_official
    )
    with pytest.raises(NotFound):
        services.assign_role(
            user=nobody, role=Role.STATION_KEEPER, division=xianhe, by=wenyuan_official
        )
    assert list(nobody.roles.values_list("role", "division")) == [
        (Role.STATION_KEEPER, wenyuan.code)
    ]


def test_no_delegation_reaches_an_administrator_account(
    grid_divisions: Divisions, division_official: User, audit_admin: User
) -> None:
    with pytest.raises(InvalidInput, match="三员分立"):
        services.assign_role(
            user=audit_admin,
            role=Role.GRID_WORKER,
            division=grid_divisions["320113007001"],
            by=division_official,
        )


def test_the_county_department_appoints_village_cadres_and_a_street_committee_does_not(
    tree: Tree, nobody: User, district_department: User, street_official: User
) -> None:
    """栖霞区委 (a county-level committee) sends a cadre into its subtree; 仙林街道党工委, an
    organization department too but at the township level, may not."""
    with pytest.raises(Forbidden, match="驻村干部须由县级以上组织部门任命"):
        services.assign_role(
            user=nobody, role=Role.VILLAGE_CADRE, organization=tree.branch, by=street_official
        )
    assert not nobody.roles.exists()
    services.assign_role(
        user=nobody, role=Role.VILLAGE_CADRE, organization=tree.branch, by=district_department
    )
    record = AuditRecord.objects.filter(event=AuditEvent.ROLE_CHANGE).latest("pk")
    assert '"delegation":"ORGANIZATION_DEPARTMENT"' in record.detail
    with pytest.raises(NotFound):
        services.assign_role(
            user=nobody, role=Role.VILLAGE_CADRE, organization=tree.city, by=district_department
        )
    assert list(nobody.roles.values_list("role", "organization")) == [
        (Role.VILLAGE_CADRE, tree.branch.pk)
    ]
