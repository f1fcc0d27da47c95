"""Who may change, reset or switch off an account, above all an administrator's (三员分立).

The system administrator keeps the accounts of everyone else: particulars, switching them off
and on (停用/启用), passwords. The three administrators cannot take each other over: an
administrator's account is changed or switched off only by the security administrator (a
system administrator may still edit its own), the system administrator's password and
authenticator are reset by the security administrator, and the security and audit
administrators' are reset only at the server's console (`jiceng create-admin --reset
USERNAME`, `reset_administrator`). Otherwise a system administrator could set the password
of an audit administrator who has not bound an authenticator yet, bind one and read the
audit log.

Every act on an administrator's account is an audit record of its own event
(ADMIN_ACCOUNT_CHANGE), which the audit administrator's list filters on.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiceng.core import audit
from jiceng.core.errors import Forbidden, InvalidInput

from .models import ADMIN_ROLES, Role, RoleAssignment, User
from .permissions import Permission, has_permission


class AccountAct(StrEnum):
    CHANGE = "change"  # particulars, and switching the account off or on
    # the name of an act, not a password
    RESET_PASSWORD = "reset_password"  # noqa: S105  # nosec B105
    RESET_SECOND_FACTOR = "reset_second_factor"  # remove the authenticator: enroll anew


# Whose resets happen at the server's console only, never in the administration site.
CONSOLE_RESETS = frozenset({Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
CONSOLE_RESET = (
    "安全管理员和审计管理员的账号只能在服务器控制台重置：jiceng create-admin --reset 用户名"
)
OTHER_ADMINISTRATOR = "其他管理员的账号只能由安全管理员变更（三员分立）"


def administrator_role_of(user: User) -> Role | None:
    """Which of the three the account is, read from its rows whether it is active or not (a
    switched-off administrator is still one, though the permission checks see no role of it)."""
    role = (
        RoleAssignment.objects.filter(user=user, role__in=sorted(ADMIN_ROLES))
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def check_account_act(by: User, account: User, act: AccountAct) -> None:
    """Whether `by` may do `act` to `account`; Forbidden, with the reason, if not."""
    role = administrator_role_of(account)
    if role is None:
        if act is AccountAct.RESET_SECOND_FACTOR:
            if not has_permission(by, Permission.MANAGE_ROLES):
                raise Forbidden("重置身份验证器须由安全管理员办理")
        elif not has_permission(by, Permission.MANAGE_ACCOUNTS):
            raise Forbidden("账号须由系统管理员变更")
        return
    if act is not AccountAct.CHANGE and role in CONSOLE_RESETS:
        raise Forbidden(CONSOLE_RESET)
    if has_permission(by, Permission.MANAGE_ROLES):
        return  # the security administrator
    if (
        account.pk == by.pk
        and act is not AccountAct.RESET_SECOND_FACTOR
        and has_permission(by, Permission.MANAGE_ACCOUNTS)
    ):
        return  # a system administrator's own particulars and password
    raise Forbidden(OTHER_ADMINISTRATOR)


def may_act(by: User, account: User, act: AccountAct) -> bool:
    try:
        check_account_act(by, account, act)
    except Forbidden:
        return False
    return True


def account_event(account: User) -> audit.AuditEvent:
    """The audit event of a change to `account`: an administrator's has its own."""
    if administrator_role_of(account) is not None:
        return audit.AuditEvent.ADMIN_ACCOUNT_CHANGE
    return audit.AuditEvent.ACCOUNT_CHANGE


def record_account_act(
    account: User, act: AccountAct, *, by: User | None, detail: dict[str, object] | None = None
) -> None:
    audit.record(
        account_event(account),
        action=f"accounts.{act.value}",
        target=account,
        user=by,
        detail=detail,
    )


@transaction.atomic
def reset_second_factor(*, device: TOTPDevice, by: User) -> None:
    """Remove an authenticator (a lost phone): the next sign-in enrolls a new one."""
    account = User.objects.get(pk=device.user_id)
    check_account_act(by, account, AccountAct.RESET_SECOND_FACTOR)
    device.delete()
    record_account_act(
        account, AccountAct.RESET_SECOND_FACTOR, by=by, detail={"device": device.name}
    )


@transaction.atomic
def reset_administrator(*, username: str, password: str) -> User:
    """At the server's console only (`jiceng create-admin --reset`): a new password for one
    of the three administrators, the account switched on, and its authenticators removed, so
    that the next sign-in enrolls a new one. The record names the operating-system user."""
    account = User.objects.select_for_update().filter(username=username.strip()).first()
    role = administrator_role_of(account) if account is not None else None
    if account is None or role is None:
        raise InvalidInput(f"没有用户名为{username}的管理员账号（系统、安全或审计管理员）")
    try:
        password_validation.validate_password(password, account)
    except ValidationError as exc:
        raise InvalidInput("；".join(exc.messages), fields={"password": exc.messages[0]}) from None
    account.set_password(password)
    account.is_active = True
    account.save(update_fields=["password", "is_active"])
    devices, _ = TOTPDevice.objects.filter(user=account).delete()
    audit.record(
        audit.AuditEvent.ADMIN_ACCOUNT_CHANGE,
        action="accounts.reset_administrator",
        target=account,
        username=audit.command_line_operator(),
        detail={"role": role.value, "second_factor_devices": devices},
    )
    return account
