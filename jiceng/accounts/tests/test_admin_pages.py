"""The three administrators at work in their site, through real forms."""

from __future__ import annotations

from django.test import Client

from jiceng.accounts.models import Role, RoleAssignment, User
from jiceng.core import audit
from jiceng.core.models import AuditEvent, AuditRecord
from jiceng.testing.personas import PASSWORD, Tree, verified_client


def test_system_admin_opens_an_account_and_it_is_audited(system_admin: User) -> None:
    client = verified_client(system_admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "xu-ming",
            "usable_password": "true",
            "password1": "Harbor#Light5521",
            "password2": "Harbor#Light5521",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="xu-ming")
    assert user.check_password("Harbor#Light5521")
    assert not user.is_staff and not user.is_superuser and not user.roles.exists()
    record = AuditRecord.objects.filter(event=AuditEvent.ACCOUNT_CHANGE).latest("pk")
    assert (record.user_id, record.target_id) == (system_admin.pk, str(user.pk))


def test_system_admin_is_held_to_the_password_policy(system_admin: User) -> None:
    client = verified_client(system_admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "weak",
            "usable_password": "true",
            "password1": "password",
            "password2": "password",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="weak").exists()


def test_security_admin_grants_a_role_through_the_service(
    tree: Tree, nobody: User, security_admin: User
) -> None:
    client = verified_client(security_admin)
    response = client.post(
        "/admin/accounts/roleassignment/add/",
        {"user": nobody.pk, "role": Role.BRANCH_SECRETARY, "organization": tree.branch.pk},
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=nobody, role=Role.BRANCH_SECRETARY).exists()
    record = AuditRecord.objects.filter(event=AuditEvent.ROLE_CHANGE).latest("pk")
    assert (record.action, record.user_id) == ("accounts.assign_role", security_admin.pk)


def test_the_roles_list_names_its_columns_in_chinese(security_admin: User) -> None:
    # The account column read "User", Django's default for a field without a verbose name.
    page = verified_client(security_admin).get("/admin/accounts/roleassignment/")
    html = page.content.decode()
    assert page.status_code == 200
    assert ">账号</a>" in html
    assert ">User</a>" not in html


def test_security_admin_cannot_make_an_administrator_hold_two_roles(
    system_admin: User, security_admin: User
) -> None:
    client = verified_client(security_admin)
    response = client.post(
        "/admin/accounts/roleassignment/add/", {"user": system_admin.pk, "role": Role.AUDIT_ADMIN}
    )
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert list(system_admin.roles.values_list("role", flat=True)) == [Role.SYSTEM_ADMIN]


def test_audit_admin_searches_the_log(audit_admin: User, secretary: User) -> None:
    with audit.acting(user=secretary, ip="10.1.2.3"):
        audit.record(AuditEvent.EXPORT, action="members.export", detail={"rows": 3})
    client = verified_client(audit_admin)
    page = client.get("/admin/core/auditrecord/", {"q": "10.1.2.3"}).content.decode()
    assert "members.export" in page
    assert (
        "members.export"
        not in client.get("/admin/core/auditrecord/", {"q": "192.168.9.9"}).content.decode()
    )


def test_security_admin_lifts_a_lockout(secretary: User, security_admin: User) -> None:
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": secretary.username, "password": "no-Pa55!"})
    attempt = AccessAttempt.objects.get(username=secretary.username)
    admin_client = verified_client(security_admin)
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    record = AuditRecord.objects.filter(action="admin.delete.accessattempt").get()
    assert record.user_id == security_admin.pk
    ok = Client().post("/accounts/login/", {"username": secretary.username, "password": PASSWORD})
    assert ok.status_code == 302  # signed in again at once
