"""Case categories, stations, departments and Open311 API keys: the system administrator's."""

from __future__ import annotations

from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from jiceng.accounts.admin_site import RoleGatedAdmin
from jiceng.accounts.permissions import Permission
from jiceng.core import audit

from .models import CaseType, Department, Open311Key, Station, Subject
from .open311 import keys

_M = TypeVar("_M", bound=Model)


class SettingsAdmin(RoleGatedAdmin[_M]):
    permission = Permission.MANAGE_SETTINGS
    audit_event = audit.AuditEvent.WRITE


@admin.register(CaseType)
class CaseTypeAdmin(SettingsAdmin[CaseType]):
    list_display = ["name", "code", "position", "is_active"]
    list_editable = ["position", "is_active"]


@admin.register(Subject)
class SubjectAdmin(SettingsAdmin[Subject]):
    list_display = ["name", "group", "function", "unit_level", "deadline_class", "is_active"]
    list_filter = ["group", "unit_level", "deadline_class", "is_active"]
    search_fields = ["name", "code", "group"]


@admin.register(Station)
class StationAdmin(SettingsAdmin[Station]):
    list_display = ["name", "function", "street", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["street"]


@admin.register(Department)
class DepartmentAdmin(SettingsAdmin[Department]):
    list_display = ["name", "function", "district", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["district"]


@admin.register(Open311Key)
class Open311KeyAdmin(SettingsAdmin[Open311Key]):
    """Open311 API keys: issued here (the key shown once, on the page after the form), given a
    rate, revoked by the list's action; never deleted, never shown again."""

    list_display = ["name", "prefix", "rate", "is_revoked", "created_at", "revoked_at"]
    list_filter = ["is_revoked"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The key made by an add, for the page that answers it, and nowhere else (not the
        # session, not a message cookie).
        self._issued: WeakKeyDictionary[HttpRequest, str] = WeakKeyDictionary()

    def get_fields(self, request: HttpRequest, obj: Open311Key | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("name", "rate")
        return ("name", "prefix", "rate", "is_revoked", "created_at", "revoked_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Open311Key | None = None) -> list[str]:
        return [] if obj is None else ["prefix", "is_revoked", "created_at", "revoked_at"]

    def save_model(self, request: HttpRequest, obj: Open311Key, form: Any, change: bool) -> None:
        if not change:
            self._issued[request] = keys.issue_key(obj)
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: Open311Key, post_url_continue: str | None = None
    ) -> HttpResponse:
        api_key = self._issued.pop(request, "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"已发放 API 密钥：{obj.name}",
            "key": obj,
            "api_key": api_key,
        }
        page = TemplateResponse(request, "admin/cases/open311key/issued.html", context)
        page["Cache-Control"] = "no-store"
        return page

    @admin.action(description="吊销所选密钥（不可恢复）")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Open311Key]) -> None:
        revoked = keys.revoke_keys(queryset)
        self.message_user(request, f"已吊销 {revoked} 个密钥", messages.SUCCESS)
