"""The administration site of the three separated administrators (三员分立).

It replaces Django's default site (admin_apps.JicengAdminConfig in INSTALLED_APPS) so that every
`@admin.register` lands here. Entry needs an administrator role and a passed second factor;
each model admin then opens only to the one permission it names. `is_staff` and
`is_superuser` are never consulted: production does not rely on a Django superuser.
Domain rows (organizations, members) are not edited here; they change through the services,
which keep scope, rollups and the audit trail.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from jiceng.core import audit

from .models import ADMIN_ROLES
from .permissions import Permission, has_permission, roles_of
from .second_factor import second_factor_satisfied

_M = TypeVar("_M", bound=Model)


class JicengAdminSite(admin.AdminSite):
    site_header = "基层 · 系统管理"
    site_title = "基层系统管理"
    index_title = "三员管理"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(roles_of(request.user) & ADMIN_ROLES) and second_factor_satisfied(request)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page for everyone, with its lockout, rate limit and second factor.
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


class RoleGatedAdmin(admin.ModelAdmin[_M]):
    """A model admin open to `permission` only, whose every change is an audit record.

    `view_permissions` may add permissions that can only look (the security administrator
    looks up accounts to grant roles)."""

    permission: ClassVar[Permission]
    view_permissions: ClassVar[tuple[Permission, ...]] = ()
    audit_event: ClassVar[audit.AuditEvent] = audit.AuditEvent.ACCOUNT_CHANGE

    def _holds(self, request: HttpRequest) -> bool:
        return has_permission(request.user, self.permission)

    def audit_event_for(self, obj: _M) -> audit.AuditEvent:
        """The event of the audit record of a change to `obj`."""
        return self.audit_event

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._holds(request) or any(
            has_permission(request.user, p) for p in self.view_permissions
        )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._holds(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._holds(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail names them

    def log_addition(self, request: HttpRequest, obj: _M, message: Any) -> Any:
        audit.record(
            self.audit_event_for(obj), action=f"admin.add.{obj._meta.model_name}", target=obj
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: _M, message: Any) -> Any:
        # Django's change message: [{"changed": {"fields": [...]}}, ...]; names, never values.
        fields = sorted(
            {
                name
                for change in (message if isinstance(message, list) else [])
                for name in change.get("changed", {}).get("fields", [])
            }
        )
        audit.record(
            self.audit_event_for(obj),
            action=f"admin.change.{obj._meta.model_name}",
            target=obj,
            detail={"fields": fields},
        )
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        for obj in queryset:
            audit.record(
                self.audit_event_for(obj),
                action=f"admin.delete.{obj._meta.model_name}",
                target=obj,
            )
        return super().log_deletions(request, queryset)


class RemoveOnlyAdmin(RoleGatedAdmin[_M]):
    """Rows the administrator may look at and delete, never add or edit (a lockout to lift,
    a lost authenticator to reset)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._holds(request)


class LookupAdmin(RoleGatedAdmin[_M]):
    """Read-only lists the security administrator searches to name a role's scope."""

    permission = Permission.MANAGE_ROLES

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
