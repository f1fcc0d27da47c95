"""The seeded transfers and mobile members (datasets.transfers): every state, by the rules."""

from __future__ import annotations

import datetime as dt

from jiceng.core import clock
from jiceng.datasets.transfers import seed_transfers
from jiceng.members.models import Member
from jiceng.orgs.models import Organization, OrgKind, Sector
from jiceng.testing.personas import Tree, add, add_member
from jiceng.transfers.models import (
    OPEN_STATES,
    MobileRegistration,
    MobileState,
    Transfer,
    TransferState,
)


def test_the_demo_branch_sends_and_receives_in_every_state_and_a_rerun_adds_nothing(tree: Tree):
    more = [
        add(tree.yaohua, name=f"尧化第{i}党支部", kind=OrgKind.BRANCH, sector=Sector.COMMUNITY)
        for i in range(6)
    ]
    for branch in [tree.branch, tree.sibling, tree.yaohua_branch, *more]:
        for i in range(14):
            add_member(Organization.objects.get(pk=branch.pk), name=f"党员{i}")
    with clock.frozen(dt.datetime(2025, 6, 2, 10, tzinfo=clock.CHINA)):
        result = seed_transfers(seed=3, must_have=(tree.branch.pk,))
    sent = set(
        Transfer.objects.filter(from_organization=tree.branch).values_list("state", flat=True)
    )
    assert sent >= {TransferState.SENT, TransferState.RETURNED, TransferState.LETTER_ISSUED}
    received = set(
        Transfer.objects.filter(to_organization=tree.branch).values_list("state", flat=True)
    )
    assert TransferState.IN_APPROVED in received and TransferState.COMPLETED in received
    for transfer in Transfer.objects.filter(state=TransferState.COMPLETED):
        assert (
            Member.objects.get(pk=transfer.member_id).organization_id == transfer.to_organization_id
        )
    for transfer in Transfer.objects.filter(state__in=OPEN_STATES):
        assert (
            Member.objects.get(pk=transfer.member_id).organization_id
            == transfer.from_organization_id
        )
    assert MobileRegistration.objects.filter(host=tree.branch, state=MobileState.PENDING).exists()
    active = MobileRegistration.objects.filter(state=MobileState.ACTIVE).values_list(
        "member_id", flat=True
    )
    assert set(Member.objects.filter(is_mobile=True).values_list("pk", flat=True)) == set(active)
    assert result.transfers == Transfer.objects.count() > 0
    assert seed_transfers(seed=3, must_have=(tree.branch.pk,)).transfers == 0
