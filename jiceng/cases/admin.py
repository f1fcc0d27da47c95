"""Case categories, stations and departments: reference data of the system administrator."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin
from django.db.models import Model

from jiceng.accounts.admin_site import RoleGatedAdmin
from jiceng.accounts.permissions import Permission
from jiceng.core import audit

from .models import CaseType, Department, Station, Subject

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
