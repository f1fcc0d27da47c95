from django.contrib import admin
from django.http import HttpRequest

from .models import Committee, CommitteeSeat, Organization, PartyGroup


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Read-mostly: the tree is changed through the services (pages, API, imports), which keep
    paths and rollups right; the admin must not write paths by hand."""

    list_display = ["name", "kind", "sector", "division", "subtree_member_count", "dissolved_on"]
    list_filter = ["kind", "sector"]
    search_fields = ["name"]
    readonly_fields = [
        "path",
        "depth",
        "numchild",
        "member_count",
        "full_member_count",
        "subtree_member_count",
        "subtree_branch_count",
        "subtree_org_count",
    ]
    raw_id_fields = ["division"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SeatInline(admin.TabularInline):
    model = CommitteeSeat
    raw_id_fields = ["member"]
    extra = 0


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["organization", "term_start", "term_due", "ended_on"]
    raw_id_fields = ["organization"]
    inlines = [SeatInline]


@admin.register(PartyGroup)
class PartyGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "organization"]
    raw_id_fields = ["organization"]
