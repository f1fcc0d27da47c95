"""The demo's sign-ins (`jiceng load-demo`): the accounts each part of the demo makes, and the
record of one as printed."""

from __future__ import annotations

from dataclasses import dataclass

from jiceng.accounts import services
from jiceng.accounts.models import User
from jiceng.members.models import Member


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str  # the role's label, as printed
    scope: str  # where the role holds, or 全系统 for an administrator
    display_name: str


def demo_user(
    username: str, password: str, display_name: str, *, member: Member | None = None
) -> User:
    """The demo account `username`, opened through `accounts.services.create_account` (the
    password policy, the audit record) the first time; as it is on a second load."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.create_account(
            username=username, password=password, display_name=display_name, by=None
        )
        if member is not None:
            User.objects.filter(pk=user.pk).update(member=member)
            user.member = member
    return user
