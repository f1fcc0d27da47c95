"""三员 cannot take each other over: no administrator changes, resets or switches off another
administrator's account except the security administrator, the security and audit
administrators are reset at the server's console only, and every act on an administrator's
account is an audit record of its own event, in the audit administrator's list at once."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiceng.accounts import services
from jiceng.accounts.account_changes import AccountAct, check_account_act
from jiceng.accounts.models import Role, User
from jiceng.core.errors import Forbidden
from jiceng.core.models import AuditEvent, AuditRecord, AuditResult
from jiceng.testing.personas import PASSWORD, verified_client

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Harbor#Light5521"


def reset_password(client: Client, account: User) -> int:
    response = client.post(
        f"/admin/accounts/user/{account.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    return response.status_code


def change(client: Client, account: User, **fields: object) -> int:
    data: dict[str, object] = {
        "username": account.username,
        "display_name": account.display_name,
        "member": "",
        "is_active": "on" if account.is_active else "",
        **fields,
    }
    data = {k: v for k, v in data.items() if v != ""}
    return client.post(f"/admin/accounts/user/{account.pk}/change/", data).status_code


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def admin_records() -> list[tuple[str, int | None, str]]:
    return [
        (r.action, r.user_id, r.target_id)
        for r in AuditRecord.objects.filter(event=AuditEvent.ADMIN_ACCOUNT_CHANGE).order_by("pk")
    ]


def test_the_system_admin_cannot_take_over_an_audit_admin_without_an_authenticator(
    system_admin: User, audit_admin: User
) -> None:
    """The path of the issue: set the password of an audit administrator who has not bound an
    authenticator yet, sign in as them, bind one, read the audit log. It ends at the first
    step, and the attempt is on record."""
    assert not TOTPDevice.objects.filter(user=audit_admin).exists()
    client = verified_client(system_admin)
    page = client.get(f"/admin/accounts/user/{audit_admin.pk}/password/")
    assert page.status_code == 403
    assert "jiceng create-admin --reset" in page.content.decode()
    assert reset_password(client, audit_admin) == 403
    assert fresh(audit_admin).check_password(PASSWORD)
    signed_in = Client().post(
        "/accounts/login/", {"username": audit_admin.username, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code != 302  # the new password does not open the account
    refused = AuditRecord.objects.get(result=AuditResult.REFUSED)
    assert refused.user_id == system_admin.pk
    assert refused.action == f"POST /admin/accounts/user/{audit_admin.pk}/password/"
    assert "控制台" in json.loads(refused.detail)["message"]
    assert admin_records() == []


def test_the_system_admin_neither_changes_nor_deactivates_another_administrator(
    system_admin: User, security_admin: User, audit_admin: User
) -> None:
    other_system_admin = User.objects.create_user(username="sysadmin2", password=PASSWORD)
    services.assign_role(user=other_system_admin, role=Role.SYSTEM_ADMIN, by=None)
    client = verified_client(system_admin)
    for account in (audit_admin, security_admin, other_system_admin):
        assert change(client, account, is_active="") == 403
        assert change(client, account, display_name="改名") == 403
        assert fresh(account).is_active and fresh(account).display_name != "改名"
        page = client.get(f"/admin/accounts/user/{account.pk}/change/")
        assert page.status_code == 200 and not page.context["has_change_permission"]
    assert reset_password(client, other_system_admin) == 403


def test_the_changelist_offers_no_action_on_an_administrator(
    system_admin: User, audit_admin: User
) -> None:
    client = verified_client(system_admin)
    client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [audit_admin.pk], "post": "yes"},
    )
    assert fresh(audit_admin).is_active
    assert AuditRecord.objects.filter(target_id=str(audit_admin.pk)).count() == 0


def test_the_system_admin_keeps_everyone_elses_accounts_and_its_own(
    system_admin: User, secretary: User
) -> None:
    client = verified_client(system_admin)
    assert change(client, secretary, is_active="") == 302
    assert reset_password(client, secretary) == 302
    assert not fresh(secretary).is_active and fresh(secretary).check_password(NEW_PASSWORD)
    assert change(client, system_admin, display_name="系统管理员甲") == 302
    assert fresh(system_admin).display_name == "系统管理员甲"
    events = set(
        AuditRecord.objects.filter(target_id=str(secretary.pk)).values_list("event", flat=True)
    )
    assert events == {AuditEvent.ACCOUNT_CHANGE}


def test_the_security_admin_switches_another_administrator_off_and_the_audit_admin_sees_it(
    system_admin: User, security_admin: User, audit_admin: User
) -> None:
    client = verified_client(security_admin)
    page = client.get(f"/admin/accounts/user/{system_admin.pk}/change/")
    assert page.status_code == 200 and page.context["has_change_permission"]
    assert change(client, system_admin, is_active="") == 302
    assert not fresh(system_admin).is_active
    assert admin_records() == [("admin.change.user", security_admin.pk, str(system_admin.pk))]
    listing = verified_client(audit_admin).get(
        "/admin/core/auditrecord/", {"event": AuditEvent.ADMIN_ACCOUNT_CHANGE}
    )
    assert listing.status_code == 200
    assert [r.action for r in listing.context["cl"].result_list] == ["admin.change.user"]
    assert "管理员账号变更" in listing.content.decode()


def test_the_security_admin_resets_the_system_admins_password_and_authenticator(
    system_admin: User, security_admin: User
) -> None:
    device = TOTPDevice.objects.create(user=system_admin, name="身份验证器", confirmed=True)
    client = verified_client(security_admin)
    assert reset_password(client, system_admin) == 302
    assert fresh(system_admin).check_password(NEW_PASSWORD)
    deleted = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert admin_records() == [
        ("accounts.reset_password", security_admin.pk, str(system_admin.pk)),
        ("accounts.reset_second_factor", security_admin.pk, str(system_admin.pk)),
    ]


def test_no_one_resets_the_security_or_audit_admin_in_the_site(
    system_admin: User, security_admin: User, audit_admin: User
) -> None:
    audit_device = TOTPDevice.objects.create(user=audit_admin, name="身份验证器", confirmed=True)
    client = verified_client(security_admin)
    own_device = TOTPDevice.objects.get(user=security_admin)
    assert reset_password(client, audit_admin) == 403
    assert reset_password(client, security_admin) == 403
    for device in (audit_device, own_device):
        response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
        assert response.status_code == 403
    client.post(
        "/admin/otp_totp/totpdevice/",
        {
            "action": "delete_selected",
            "_selected_action": [audit_device.pk, own_device.pk],
            "post": "yes",
        },
    )
    assert TOTPDevice.objects.filter(pk__in=[audit_device.pk, own_device.pk]).count() == 2
    assert fresh(audit_admin).check_password(PASSWORD)
    assert admin_records() == []
    # Switching the audit administrator off is the security administrator's, and on record.
    assert change(client, audit_admin, is_active="") == 302
    assert admin_records() == [("admin.change.user", security_admin.pk, str(audit_admin.pk))]


def test_the_console_resets_an_administrator_and_it_is_audited(
    audit_admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    TOTPDevice.objects.create(user=audit_admin, name="身份验证器", confirmed=True)
    User.objects.filter(pk=audit_admin.pk).update(is_active=False)
    monkeypatch.setenv("JICENG_ADMIN_PASSWORD", NEW_PASSWORD)
    call_command("create-admin", audit_admin.username, reset=True)
    account = fresh(audit_admin)
    assert account.check_password(NEW_PASSWORD) and account.is_active
    assert not TOTPDevice.objects.filter(user=audit_admin).exists()
    record = AuditRecord.objects.get(event=AuditEvent.ADMIN_ACCOUNT_CHANGE)
    assert (record.action, record.user_id, record.target_id) == (
        "accounts.reset_administrator",
        None,
        str(audit_admin.pk),
    )
    assert record.username.startswith("命令行")
    assert json.loads(record.detail) == {"role": "AUDIT_ADMIN", "second_factor_devices": 1}


def test_the_console_resets_administrators_only(
    secretary: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICENG_ADMIN_PASSWORD", NEW_PASSWORD)
    with pytest.raises(CommandError, match="管理员账号"):
        call_command("create-admin", secretary.username, reset=True)
    with pytest.raises(CommandError, match="--role"):
        call_command("create-admin", "someone")
    assert fresh(secretary).check_password(PASSWORD)


def test_making_an_account_an_administrator_is_an_administrator_account_change(
    nobody: User, security_admin: User
) -> None:
    response = verified_client(security_admin).post(
        "/admin/accounts/roleassignment/add/", {"user": nobody.pk, "role": Role.AUDIT_ADMIN}
    )
    assert response.status_code == 302
    assert admin_records() == [("accounts.assign_role", security_admin.pk, str(nobody.pk))]


A = AccountAct


@pytest.mark.parametrize(
    ("actor", "account", "act", "allowed"),
    [
        # Everyone else's account: the system administrator's, except an authenticator.
        ("system", "member", A.CHANGE, True),
        ("system", "member", A.RESET_PASSWORD, True),
        ("security", "member", A.CHANGE, False),
        ("audit", "member", A.RESET_PASSWORD, False),
        ("secretary", "member", A.CHANGE, False),
        # The system administrator's: the security administrator's; its own particulars.
        ("security", "system", A.CHANGE, True),
        ("security", "system", A.RESET_PASSWORD, True),
        ("security", "system", A.RESET_SECOND_FACTOR, True),
        ("system", "system", A.CHANGE, True),
        ("system", "system", A.RESET_PASSWORD, True),
        ("system", "system", A.RESET_SECOND_FACTOR, False),
        ("audit", "system", A.CHANGE, False),
        # The security and audit administrators': changed by the security administrator,
        # reset at the console only.
        ("security", "audit", A.CHANGE, True),
        ("security", "audit", A.RESET_PASSWORD, False),
        ("security", "audit", A.RESET_SECOND_FACTOR, False),
        ("security", "security", A.RESET_PASSWORD, False),
        ("system", "audit", A.CHANGE, False),
        ("system", "audit", A.RESET_PASSWORD, False),
        ("system", "security", A.CHANGE, False),
        ("audit", "audit", A.RESET_SECOND_FACTOR, False),
        ("audit", "security", A.CHANGE, False),
    ],
)
def test_who_may_act_on_which_account(
    actor: str,
    account: str,
    act: AccountAct,
    allowed: bool,
    system_admin: User,
    security_admin: User,
    audit_admin: User,
    secretary: User,
    nobody: User,
) -> None:
    people = {
        "system": system_admin,
        "security": security_admin,
        "audit": audit_admin,
        "secretary": secretary,
        "member": nobody,
    }
    if allowed:
        check_account_act(people[actor], people[account], act)
    else:
        with pytest.raises(Forbidden):
            check_account_act(people[actor], people[account], act)


def test_a_switched_off_administrator_is_still_one(system_admin: User, audit_admin: User) -> None:
    """Otherwise the system administrator could switch the audit administrator off through
    the security administrator, then reset the password as for anyone else."""
    User.objects.filter(pk=audit_admin.pk).update(is_active=False)
    with pytest.raises(Forbidden):
        check_account_act(system_admin, fresh(audit_admin), AccountAct.RESET_PASSWORD)
    with pytest.raises(Forbidden):
        check_account_act(system_admin, fresh(audit_admin), AccountAct.CHANGE)
