"""What every write of organizational life checks first: that the user may manage the
organization's meetings, and that the month it writes into is still open (结账)."""

from __future__ import annotations

from django.conf import settings

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import clock
from jiceng.core.errors import InvalidInput, not_found
from jiceng.orgs.models import Organization

from . import rules


def month_close_day() -> int:
    return settings.JICENG_ORGLIFE_MONTH_CLOSE_DAY


def check_can_manage(by: User | None, organization: Organization) -> None:
    """A secretary, committee member or organization department whose scope holds it; to
    anyone else the organization does not exist. `by=None` is the system (seeding, tasks)."""
    if by is None:
        return
    if not scope_of(by).allows(
        Permission.MANAGE_MEETINGS, path=organization.path, division_id=organization.division_id
    ):
        raise not_found("党组织")


def check_month_open(month: int) -> None:
    if rules.month_closed(month=month, today=clock.today(), close_day=month_close_day()):
        raise InvalidInput(
            f"{rules.format_month(month)}已结账（次月{month_close_day()}日起不能补录）",
            fields={"starts_at": "该月份已结账，不能补录"},
        )
