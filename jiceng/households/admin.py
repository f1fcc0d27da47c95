"""The contact rules (联系户规则): reference data the system administrator keeps."""

from __future__ import annotations

from django.contrib import admin

from jiceng.accounts.admin_site import RoleGatedAdmin
from jiceng.accounts.permissions import Permission
from jiceng.core import audit

from .models import ContactRule


@admin.register(ContactRule)
class ContactRuleAdmin(RoleGatedAdmin[ContactRule]):
    permission = Permission.MANAGE_SETTINGS
    audit_event = audit.AuditEvent.WRITE
    list_display = ["division", "one_contact_per_household", "updated_at"]
    raw_id_fields = ["division"]
