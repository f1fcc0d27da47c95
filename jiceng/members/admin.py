from django.contrib import admin
from django.http import HttpRequest

from .models import Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    """Masked values only; the sealed columns and blind indexes never show here."""

    list_display = ["name", "gender", "status", "organization", "id_number_masked", "phone_masked"]
    list_filter = ["status", "category", "is_mobile"]
    search_fields = ["name"]
    exclude = ["id_number_sealed", "id_number_digest", "phone_sealed", "phone_digest"]
    readonly_fields = ["id_number_masked", "phone_masked", "organization", "birth_date", "gender"]
    raw_id_fields = ["party_group", "residential_division"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registration goes through members.services (validation, encryption, rollups)
