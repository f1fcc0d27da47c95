"""Reads of the annual statistics: the organization a user may count (VIEW_MEMBERS there: the
figures are sets of members), the year, and the members or organizations behind a figure."""

from __future__ import annotations

from django.db.models import QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import InvalidInput, not_found
from jiceng.members.models import Member
from jiceng.orgs import queries as orgs
from jiceng.orgs.models import Organization

from . import tables

PERMISSION = Permission.VIEW_MEMBERS
FIRST_YEAR = 2000
LIST_LIMIT = 500


def access_organization(user: User, pk: int | None) -> Organization:
    rows = Organization.objects.filter(scope_of(user).organization_q(PERMISSION))
    if pk is None:
        found = orgs.tree_roots(user).filter(pk__in=rows.values("pk")).first()
    else:
        found = rows.filter(pk=pk).first()
    if found is None:
        raise not_found("党组织")
    return found


def default_year() -> int:
    """The last year that has ended: the report is counted as of its 31 December."""
    return clock.today().year - 1


def check_year(text: str | int | None) -> int:
    if text in (None, ""):
        return default_year()
    try:
        year = int(str(text))
    except ValueError:
        raise InvalidInput("年份应为四位数字", fields={"year": "年份应为四位数字"}) from None
    if not FIRST_YEAR <= year <= clock.today().year:
        message = f"年份应在{FIRST_YEAR}年至{clock.today().year}年之间"
        raise InvalidInput(message, fields={"year": message})
    return year


def report(organization: Organization, year: int, keep: str | None = None) -> tables.Report:
    """The tables; the members behind the figure `keep` too (a list page's)."""
    return tables.compute(organization, year, keep=keep)


def members_behind(
    user: User, found: tables.Report, key: str
) -> tuple[QuerySet[Member], int] | None:
    """The members behind figure `key` (as far as the user may see members), and how many the
    figure counts; None for no such figure."""
    ids = found.members.get(key)
    if ids is None:
        return None
    rows = (
        Member.objects.filter(scope_of(user).organization_q(PERMISSION, "organization__"))
        .filter(pk__in=sorted(ids)[:LIST_LIMIT])
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )
    return rows, len(ids)


def organizations_behind(
    user: User, found: tables.Report, key: str
) -> tuple[QuerySet[Organization], int] | None:
    ids = found.organizations.get(key)
    if ids is None:
        return None
    rows = orgs.organizations_for(user).filter(pk__in=sorted(ids)[:LIST_LIMIT]).order_by("path")
    return rows, len(ids)
