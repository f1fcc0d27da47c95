"""The relations this app adds to the scope (transfers.grants): who gets a grant, and what it
opens."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.accounts.models import Role, User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import GrantKind, scope_of
from jiceng.testing.personas import Tree, add_member, user_with
from jiceng.transfers import mobility, services
from jiceng.transfers.grants import grants_of
from jiceng.transfers.models import StepAction

pytestmark = pytest.mark.usefixtures("frozen")


def granted(user: User, kind: GrantKind, permission: Permission) -> frozenset[int]:
    fresh = User.objects.get(pk=user.pk)  # a scope is worked out once per request
    return scope_of(fresh).granted_ids(kind, permission)


def test_a_transfer_in_progress_shows_the_member_to_the_receiving_side_only(
    tree: Tree, secretary, street_official, district_department, sibling_secretary
):
    committee = user_with("wenyuan-dw", Role.ORGANIZATION_DEPARTMENT, organization=tree.community)
    newcomer = add_member(tree.yaohua_branch, name="钱进")
    transfer = services.start_transfer(
        member=newcomer, to_organization=tree.sibling, reason="工作调动", by=district_department
    )
    # the receiving branch and its approving committee (文苑社区党委)
    assert granted(sibling_secretary, GrantKind.TRANSFER, Permission.VIEW_MEMBERS) == {newcomer.pk}
    assert granted(committee, GrantKind.TRANSFER, Permission.VIEW_MEMBERS) == {newcomer.pk}
    # above the approving committee the transfer is seen, not a grant per member
    for above in (street_official, district_department):
        reaches = scope_of(User.objects.get(pk=above.pk)).reaches
        assert list(grants_of(above, reaches)) == []
    assert granted(secretary, GrantKind.TRANSFER, Permission.VIEW_MEMBERS) == frozenset()
    assert granted(sibling_secretary, GrantKind.TRANSFER, Permission.MANAGE_MEMBERS) == frozenset()
    services.take_step(transfer=transfer, action=StepAction.CANCEL, by=district_department)
    assert granted(sibling_secretary, GrantKind.TRANSFER, Permission.VIEW_MEMBERS) == frozenset()


def test_a_hosted_mobile_member_opens_only_their_meetings_to_the_host(
    tree: Tree, mover, secretary, yaohua_official
):
    host_secretary = user_with("host-sec", Role.BRANCH_SECRETARY, organization=tree.yaohua_branch)
    registration = mobility.register_mobile(
        member=mover,
        host=tree.yaohua_branch,
        starts_on=dt.date(2025, 1, 1),
        ends_on=None,
        place="尧化街道某物流园",
        by=secretary,
    )
    assert granted(host_secretary, GrantKind.MOBILE_MEMBER, Permission.MANAGE_MEETINGS) == set()
    mobility.accept_mobile(registration=registration, by=host_secretary)
    assert granted(host_secretary, GrantKind.MOBILE_MEMBER, Permission.MANAGE_MEETINGS) == {
        mover.pk
    }
    assert granted(host_secretary, GrantKind.MOBILE_MEMBER, Permission.VIEW_MEMBERS) == set()
    assert granted(yaohua_official, GrantKind.MOBILE_MEMBER, Permission.MANAGE_MEETINGS) == set()
