from django.contrib import admin

from jiceng.accounts.admin_site import LookupAdmin

from .models import Organization


@admin.register(Organization)
class OrganizationAdmin(LookupAdmin[Organization]):
    """Only for naming a role's scope: the tree changes through the services (pages, API,
    imports), which keep paths, rollups and the audit trail right."""

    list_display = ["name", "kind", "sector", "division", "dissolved_on"]
    list_filter = ["kind", "sector"]
    search_fields = ["name"]
    fields = ["name", "kind", "sector", "division", "founded_on", "dissolved_on"]
    show_full_result_count = False  # no COUNT(*) over millions of organizations
