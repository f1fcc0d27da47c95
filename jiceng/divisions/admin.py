from django.contrib import admin

from jiceng.accounts.admin_site import LookupAdmin

from .models import Division


@admin.register(Division)
class DivisionAdmin(LookupAdmin[Division]):
    """Only for naming a role's scope (a street, a community)."""

    list_display = ["code", "name", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    show_full_result_count = False
