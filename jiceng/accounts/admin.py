from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    raw_id_fields = ["organization", "division"]
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "is_active", "last_login"]
    search_fields = ["username", "display_name"]
    raw_id_fields = ["member"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("基层", {"fields": ("display_name", "member")}))  # type: ignore[misc]
    inlines = [RoleInline]
