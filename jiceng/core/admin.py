"""The audit log in the admin: read-only, and only for the audit administrator (审计管理员)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jiceng.accounts.admin_site import RoleGatedAdmin
from jiceng.accounts.permissions import Permission

from .models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(RoleGatedAdmin):
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
