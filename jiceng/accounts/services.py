"""Writes to accounts and roles: the only way a role is granted or taken away."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from jiceng.core import audit
from jiceng.core.errors import Forbidden, InvalidInput, not_found
from jiceng.divisions.models import Division, Level
from jiceng.orgs.models import Organization

from .delegations import Delegation, delegations_of
from .models import ADMIN_ROLES, Role, RoleAssignment, User
from .permissions import Permission, has_permission, roles_of
from .scoping import DIVISION_ROLES, SUBTREE_ROLES, role_reach


def check_role_scope(
    role: Role, *, organization: Organization | None, division: Division | None
) -> None:
    """Each role names exactly the kind of scope it works in, and nothing else."""
    if role in SUBTREE_ROLES:
        if organization is None or division is not None:
            raise InvalidInput(
                f"{role.label}须指定一个党组织（其管理范围），不指定行政区划",
                fields={"organization": "请选择党组织"},
            )
    elif role in DIVISION_ROLES:
        if division is None or organization is not None:
            raise InvalidInput(
                f"{role.label}须指定一个行政区划（其管理范围），不指定党组织",
                fields={"division": "请选择行政区划"},
            )
    elif organization is not None or division is not None:
        raise InvalidInput(f"{role.label}不带管理范围，请不要指定党组织或行政区划")


def check_separation(user: User, role: Role) -> None:
    """三员分立: an administrator account holds that one role and no other, so the system
    administrator can never also read audit records or unmasked personal data."""
    held = {Role(r) for r in user.roles.values_list("role", flat=True)}
    if role in ADMIN_ROLES and held - {role}:
        raise InvalidInput(
            f"{role.label}账号不能兼任其他角色（三员分立），请为其单独开设账号",
            fields={"role": "三员分立"},
        )
    admin_held = held & ADMIN_ROLES
    if admin_held and role not in admin_held:
        raise InvalidInput(
            f"该账号是{next(iter(admin_held)).label}，不能再担任其他角色（三员分立）",
            fields={"role": "三员分立"},
        )


def check_can_grant(
    by: User | None,
    role: Role,
    *,
    organization: Organization | None = None,
    division: Division | None = None,
) -> Delegation | None:
    """Granting or taking away `role` over this scope is the security administrator's
    (MANAGE_ROLES); anyone else only through a row of accounts.delegations, and within the
    place their own role row names. Returns the delegation used (None for the security
    administrator, and for `by=None`: a console command or a loader).

    A role the user may not grant at all is Forbidden; a scope outside their place answers as
    not found, like every row outside a scope."""
    if by is None or has_permission(by, Permission.MANAGE_ROLES):
        return None
    held = roles_of(by)
    usable = [d for d in delegations_of(role) if d.grantor in held]
    if not usable:
        raise Forbidden(f"{role.label}角色须由安全管理员授予")
    at_level = [
        d
        for d in usable
        if d.up_to_level is None
        or role_reach(by, d.grantor, d.within, up_to_level=d.up_to_level).paths
    ]
    if not at_level:  # e.g. a street's committee, where a county's department appoints
        level = Level(usable[0].up_to_level or Level.COUNTY)
        raise Forbidden(f"{role.label}须由{level.label}以上组织部门任命")
    for delegation in at_level:
        reach = role_reach(
            by, delegation.grantor, delegation.within, up_to_level=delegation.up_to_level
        )
        if organization is not None and reach.covers(
            path=organization.path, division_id=organization.division_id
        ):
            return delegation
        if division is not None and reach.covers_division(division.code):
            return delegation
    raise not_found("党组织" if organization is not None else "行政区划")


@transaction.atomic
def create_account(
    *, username: str, password: str, display_name: str = "", by: User | None
) -> User:
    """Open an account (开设账号) with a password the policy accepts; it holds no role yet."""
    username = username.strip()
    if not username:
        raise InvalidInput("请填写用户名", fields={"username": "请填写用户名"})
    if User.objects.filter(username=username).exists():
        raise InvalidInput(f"用户名{username}已被使用", fields={"username": "用户名已被使用"})
    user = User(username=username, display_name=display_name.strip())
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput("；".join(exc.messages), fields={"password": exc.messages[0]}) from None
    user.set_password(password)
    user.save()
    audit.record(
        audit.AuditEvent.ACCOUNT_CHANGE, action="accounts.create_account", target=user, user=by
    )
    return user


@transaction.atomic
def assign_role(
    *,
    user: User,
    role: Role,
    organization: Organization | None = None,
    division: Division | None = None,
    by: User | None,
) -> RoleAssignment:
    """Grant `role` over the scope it names (a subtree or a division): the security
    administrator, or a grantor through a delegation within its place (check_can_grant)."""
    role = Role(role)
    check_role_scope(role, organization=organization, division=division)
    delegation = check_can_grant(by, role, organization=organization, division=division)
    # Lock the account's row so two concurrent grants cannot both pass the separation check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    check_separation(user, role)
    if RoleAssignment.objects.filter(
        user=user, role=role, organization=organization, division=division
    ).exists():
        raise InvalidInput("该账号已有这一角色和管理范围")
    assignment = RoleAssignment.objects.create(
        user=user, role=role, organization=organization, division=division
    )
    audit.record(
        _role_event(role),
        action="accounts.assign_role",
        target=user,
        user=by,
        detail=_role_detail(role, organization or division, delegation),
    )
    return assignment


@transaction.atomic
def remove_role(*, assignment: RoleAssignment, by: User | None) -> None:
    """Take a role away: whoever may grant it over that scope (check_can_grant)."""
    user = assignment.user
    role = Role(assignment.role)
    delegation = check_can_grant(
        by, role, organization=assignment.organization, division=assignment.division
    )
    detail = _role_detail(role, assignment.organization or assignment.division, delegation)
    assignment.delete()
    audit.record(
        _role_event(role),
        action="accounts.remove_role",
        target=user,
        user=by,
        detail=detail,
    )


def _role_event(role: Role) -> audit.AuditEvent:
    """Making an account one of the three administrators, or no longer, is a change to an
    administrator's account (account_changes)."""
    if role in ADMIN_ROLES:
        return audit.AuditEvent.ADMIN_ACCOUNT_CHANGE
    return audit.AuditEvent.ROLE_CHANGE


def _role_detail(
    role: Role, scope: Organization | Division | None, delegation: Delegation | None
) -> dict[str, str]:
    detail = {"role": role.value, "scope": str(scope or "")}
    if delegation is not None:
        detail["delegation"] = delegation.grantor.value
    return detail
