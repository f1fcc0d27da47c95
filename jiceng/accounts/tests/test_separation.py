"""三员分立: roles are granted only through the service, which keeps the three
administrators apart from each other and from every other role."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from jiceng.accounts import services
from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.accounts.permissions import Permission, permissions_of
from jiceng.core.errors import InvalidInput
from jiceng.core.models import AuditEvent, AuditRecord
from jiceng.testing.personas import Tree


def test_an_administrator_cannot_take_a_second_of_the_three(system_admin: User) -> None:
    with pytest.raises(InvalidInput, match="三员分立"):
        services.assign_role(user=system_admin, role=Role.AUDIT_ADMIN, by=None)
    assert list(system_admin.roles.values_list("role", flat=True)) == [Role.SYSTEM_ADMIN]


def test_an_administrator_holds_no_domain_role(tree: Tree, security_admin: User) -> None:
    with pytest.raises(InvalidInput, match="三员分立"):
        services.assign_role(
            user=security_admin, role=Role.BRANCH_SECRETARY, organization=tree.branch, by=None
        )


def test_a_secretary_cannot_become_an_administrator(secretary: User) -> None:
    with pytest.raises(InvalidInput, match="三员分立"):
        services.assign_role(user=secretary, role=Role.SYSTEM_ADMIN, by=None)


def test_the_database_refuses_two_of_the_three_too(system_admin: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=system_admin, role=Role.AUDIT_ADMIN)


def test_the_three_hold_disjoint_permissions(
    system_admin: User, security_admin: User, audit_admin: User
) -> None:
    system, security, audit = (
        permissions_of(u) for u in (system_admin, security_admin, audit_admin)
    )
    assert system == {Permission.MANAGE_ACCOUNTS, Permission.MANAGE_SETTINGS}
    assert security == {Permission.MANAGE_ROLES}
    assert audit == {Permission.READ_AUDIT}
    assert Permission.VIEW_PERSONAL_DATA not in system | security | audit


def test_each_role_names_its_kind_of_scope(tree: Tree, nobody: User) -> None:
    with pytest.raises(InvalidInput, match="须指定一个党组织"):
        services.assign_role(user=nobody, role=Role.BRANCH_SECRETARY, by=None)
    with pytest.raises(InvalidInput, match="须指定一个行政区划"):
        services.assign_role(
            user=nobody, role=Role.STREET_OFFICIAL, organization=tree.xianlin, by=None
        )
    with pytest.raises(InvalidInput, match="不带管理范围"):
        services.assign_role(user=nobody, role=Role.AUDIT_ADMIN, organization=tree.root, by=None)
    assert not nobody.roles.exists()


def test_granting_and_removing_a_role_are_audited(
    tree: Tree, nobody: User, security_admin: User
) -> None:
    granted = services.assign_role(
        user=nobody, role=Role.BRANCH_SECRETARY, organization=tree.branch, by=security_admin
    )
    services.remove_role(assignment=granted, by=security_admin)
    records = AuditRecord.objects.filter(event=AuditEvent.ROLE_CHANGE).order_by("pk")
    assert [(r.action, r.user_id, r.target_id) for r in records] == [
        ("accounts.assign_role", security_admin.pk, str(nobody.pk)),
        ("accounts.remove_role", security_admin.pk, str(nobody.pk)),
    ]
    assert not nobody.roles.exists()


def test_create_admin_command_opens_one_of_the_three(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICENG_ADMIN_PASSWORD", "Audit#Ledger2026")
    call_command("create-admin", "auditor", role="audit")
    user = User.objects.get(username="auditor")
    assert list(user.roles.values_list("role", flat=True)) == [Role.AUDIT_ADMIN]
    assert user.check_password("Audit#Ledger2026") and not user.is_superuser
    monkeypatch.setenv("JICENG_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError):
        call_command("create-admin", "weak", role="system")
    assert not User.objects.filter(username="weak").exists()
