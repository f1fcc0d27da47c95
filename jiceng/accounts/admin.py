"""Accounts for the system administrator, roles for the security administrator (三员分立)."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from jiceng.core import audit
from jiceng.core.errors import InvalidInput
from jiceng.core.models import AuditRecord

from . import services
from .account_changes import (
    AccountAct,
    account_event,
    check_account_act,
    may_act,
    record_account_act,
    reset_second_factor,
)
from .admin_site import RemoveOnlyAdmin, RoleGatedAdmin
from .models import Role, RoleAssignment, SecurityPolicy, User
from .permissions import Permission


@admin.register(User)
class UserAdmin(RoleGatedAdmin[User], BaseUserAdmin[User]):
    """The system administrator opens, edits, deactivates accounts and resets passwords; it
    grants no roles and no Django permission flags."""

    permission = Permission.MANAGE_ACCOUNTS
    view_permissions = (Permission.MANAGE_ROLES,)
    list_display = ["username", "display_name", "is_active", "last_login", "date_joined"]
    list_filter = ["is_active"]
    search_fields = ["username", "display_name"]
    raw_id_fields = ["member"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("基本信息", {"fields": ("display_name", "member", "is_active")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ()

    # 三员分立 (account_changes): an administrator's account is changed by the security
    # administrator only, and the security and audit administrators' reset at the console.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._holds(request)
        user = _signed_in(request)
        return user is not None and may_act(user, obj, AccountAct.CHANGE)

    @method_decorator(sensitive_post_parameters())
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        account = self.get_object(request, unquote(id))
        if account is not None:
            # A refusal answers 403, and a refused POST is an audit record of its own
            # (web.middleware).
            check_account_act(_administrator(request), account, AccountAct.RESET_PASSWORD)
        with transaction.atomic():  # the new password and its audit record, or neither
            response: HttpResponse = super().user_change_password(request, id, form_url)
        return response

    def audit_event_for(self, obj: User) -> audit.AuditEvent:
        return account_event(obj)

    def log_change(self, request: HttpRequest, obj: User, message: Any) -> Any:
        # Django's password view (user_change_password) logs the reset as a change; its URL
        # name is fixed whatever the user model.
        match = request.resolver_match
        if match is not None and match.url_name == "auth_user_password_change":
            record_account_act(obj, AccountAct.RESET_PASSWORD, by=_signed_in(request))
            return admin.ModelAdmin.log_change(self, request, obj, message)
        return super().log_change(request, obj, message)


class RoleAssignmentForm(forms.ModelForm[RoleAssignment]):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "organization", "division"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, role = data.get("user"), data.get("role")
        if user is not None and role:
            try:
                services.check_role_scope(
                    Role(role),
                    organization=data.get("organization"),
                    division=data.get("division"),
                )
                services.check_separation(user, Role(role))
            except InvalidInput as exc:
                raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(RoleGatedAdmin[RoleAssignment]):
    """The security administrator grants and removes roles; a role is never edited in place
    (remove it and grant the new one), so the audit trail reads as grants and removals."""

    permission = Permission.MANAGE_ROLES
    audit_event = audit.AuditEvent.ROLE_CHANGE
    form = RoleAssignmentForm
    list_display = ["user", "role", "organization", "division"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name"]
    raw_id_fields = ["user", "organization", "division"]
    list_select_related = ["user", "organization", "division"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._holds(request)

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        saved = services.assign_role(
            user=obj.user,
            role=Role(obj.role),
            organization=obj.organization,
            division=obj.division,
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        services.remove_role(assignment=obj, by=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        for assignment in queryset.select_related("user", "organization", "division"):
            services.remove_role(assignment=assignment, by=request.user)  # type: ignore[arg-type]

    # The services write the audit records of grants and removals themselves.
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        return admin.ModelAdmin.log_deletions(self, request, queryset)


# What other apps register: the three administrators see only what their roles name.
# Groups and Django permissions are not used (roles are), nor axes' access logs (the audit
# log records every sign-in), nor the task queue; lockouts and second-factor devices go to the
# security administrator.
for model in (Group, AccessLog, AccessFailureLog, AccessAttempt, TOTPDevice, DBTaskResult):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(AccessAttempt)
class LockoutAdmin(RemoveOnlyAdmin[AccessAttempt]):
    """Accounts locked after repeated failed sign-ins; deleting the row unlocks at once."""

    permission = Permission.MANAGE_ROLES
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    search_fields = ["username"]
    fields = ["username", "ip_address", "failures_since_start", "attempt_time"]


@admin.register(TOTPDevice)
class SecondFactorDeviceAdmin(RemoveOnlyAdmin[TOTPDevice]):
    """An administrator's authenticator; deleting it (a lost phone) makes the next sign-in
    enroll a new one. The secret key is never shown."""

    permission = Permission.MANAGE_ROLES
    list_display = ["user", "name", "confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed"]

    # The security and audit administrators' authenticators are reset at the console only
    # (account_changes); every reset is an audit record of the administrator's account.
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._holds(request)
        user = _signed_in(request)
        account = User.objects.get(pk=obj.user_id)
        return user is not None and may_act(user, account, AccountAct.RESET_SECOND_FACTOR)

    def delete_model(self, request: HttpRequest, obj: TOTPDevice) -> None:
        reset_second_factor(device=obj, by=_administrator(request))

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TOTPDevice]) -> None:
        for device in queryset:
            reset_second_factor(device=device, by=_administrator(request))

    # The service writes the audit records of resets itself.
    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        return admin.ModelAdmin.log_deletions(self, request, queryset)


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(RoleGatedAdmin[SecurityPolicy]):
    """The security administrator's sign-in policy; blank keeps the installation default."""

    permission = Permission.MANAGE_ROLES
    audit_event = audit.AuditEvent.POLICY_CHANGE
    fields = ["lockout_failures", "lockout_minutes", "idle_minutes", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._holds(request) and not SecurityPolicy.objects.exists()


# The audit log: read-only, and only for the audit administrator (审计管理员).
@admin.register(AuditRecord)
class AuditRecordAdmin(RoleGatedAdmin[AuditRecord]):
    permission = Permission.READ_AUDIT

    list_display = ["at", "username", "ip", "event", "action", "target_type", "target_id", "result"]
    list_filter = ["event", "result"]
    search_fields = ["username", "action", "target_type", "target_id", "ip"]
    date_hierarchy = "at"
    ordering = ["-id"]
    # A changelist count over a table this size would be a full scan on every page.
    show_full_result_count = False

    # Viewing (has_view_permission, has_module_permission) needs READ_AUDIT, as RoleGatedAdmin
    # checks; changing is refused even to the audit administrator.
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _signed_in(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _administrator(request: HttpRequest) -> User:
    """The signed-in administrator (the site lets no one else in)."""
    user = _signed_in(request)
    if user is None:
        raise PermissionDenied
    return user
