"""Parsing of the member list's query string, shared by the list page and its export."""

from __future__ import annotations

from django.http import QueryDict

from jiceng.accounts.models import User
from jiceng.orgs.queries import access_organization

from .models import Category, MemberStatus
from .queries import MemberFilters
from .services import PARTICULARS


def filters_from_query(user: User, query: QueryDict) -> MemberFilters:
    """Unknown values are ignored rather than refused: a stale bookmark still opens a list.
    An organization outside the user's scope raises NotFound (the caller answers 404)."""
    org_text = query.get("org", "").strip()
    is_id = org_text.isdigit() and len(org_text) <= 15
    organization = access_organization(user, int(org_text)) if is_id else None
    status = query.get("status", "")
    category = query.get("category", "")
    mobile = query.get("mobile", "")
    return MemberFilters(
        name=query.get("name", "")[:50],
        id_number=query.get("id_number", "")[:30],
        organization=organization,
        status=status if status in MemberStatus.values else "",
        category=category if category in Category.values else "",
        is_mobile={"1": True, "0": False}.get(mobile),
    )


# The fields of the member form, by the names members.services.check_member_fields takes.
TEXT_FIELDS = (*PARTICULARS, "work_place", "residential_division_code")


def _id(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 15 else None


def member_fields_from_post(post: QueryDict, *, editing: bool) -> dict[str, object]:
    """The member form's POST as check_member_fields takes it. When editing, a blank ID or
    phone number, or joining date, keeps the stored one (the form never shows them beyond
    what core.masking lets a list show: a joining date that would pin the birth date is not
    filled in)."""
    raw: dict[str, object] = {name: post.get(name, "").strip() for name in TEXT_FIELDS}
    if editing:
        for kept in ("id_number", "phone", "joined_on"):
            if not raw[kept]:
                del raw[kept]
    raw["organization_id"] = _id(post.get("organization_id", ""))
    raw["party_group_id"] = _id(post.get("party_group_id", ""))
    raw["is_mobile"] = post.get("is_mobile") == "1"
    return raw
