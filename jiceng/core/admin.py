"""The audit log in the admin: read-only, and only for the audit administrator (审计管理员)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jiceng.accounts.permissions import Permission, has_permission

from .models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "ip", "event", "action", "target_type", "target_id", "result"]
    list_filter = ["event", "result"]
    search_fields = ["username", "action", "target_type", "target_id", "ip"]
    date_hierarchy = "at"
    ordering = ["-id"]
    # A changelist count over a table this size would be a full scan on every page.
    show_full_result_count = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_permission(request.user, Permission.READ_AUDIT)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, Permission.READ_AUDIT)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
