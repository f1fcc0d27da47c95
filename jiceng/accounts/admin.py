"""Accounts for the system administrator, roles for the security administrator (三员分立)."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from jiceng.core import audit
from jiceng.core.errors import InvalidInput
from jiceng.core.models import AuditRecord

from . import services
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
