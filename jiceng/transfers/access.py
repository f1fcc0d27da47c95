"""Who acts on a transfer: a user with MANAGE_MEMBERS at the organization of the step's side
(transfers.workflow.Side). Shared by the services (the check) and the pages (the buttons)."""

from __future__ import annotations

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.orgs.models import Organization

from . import workflow
from .models import StepAction, Transfer
from .workflow import Side


def organization_of(transfer: Transfer, side: Side) -> Organization | None:
    found: Organization | None = getattr(transfer, side.value)
    return found


def acts_as(user: User | None, transfer: Transfer, side: Side) -> bool:
    """Whether `user` acts for `side` of the transfer; `None` is the system itself."""
    if user is None:
        return True
    organization = organization_of(transfer, side)
    if organization is None:
        return False
    return scope_of(user).allows(
        Permission.MANAGE_MEMBERS, path=organization.path, division_id=organization.division_id
    )


def actions_for(user: User, transfer: Transfer) -> list[StepAction]:
    """The steps the user may take on the transfer now (the page's buttons)."""
    return [
        action
        for action, side in workflow.open_actions(transfer.kind, transfer.state)
        if acts_as(user, transfer, side)
    ]
