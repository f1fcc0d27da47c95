"""Table 1 reconciles on the seeded data set (a real county, 西盟佤族自治县), after a year of
moves through the lifecycle services: last year + in − out = this year, and this year is the
roll the rollups keep (members counted independently, by the incremental rollups)."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.annual_statistics import tables
from jiceng.core import clock
from jiceng.datasets import seeding
from jiceng.datasets.tests.conftest import AS_OF, XIMENG, divisions  # noqa: F401 (a fixture)
from jiceng.members import lifecycle
from jiceng.members.models import Member, MemberStatus, StatusMove
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgKind

pytestmark = pytest.mark.usefixtures("divisions")


def test_table_one_reconciles_on_seeded_data() -> None:
    seeding.seed(counties=[XIMENG], seed=3, workers=0, as_of=AS_OF)
    county = Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE, depth=4).get()
    branches = list(
        Organization.objects.filter(kind__in=BRANCH_KINDS, path__startswith=county.path)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    members = list(Member.objects.filter(status=MemberStatus.FULL).order_by("pk")[:40])
    with clock.frozen(dt.datetime(2026, 2, 1, 9, 0)):
        for n, member in enumerate(members[:10]):
            lifecycle.change_status(
                member=member, move=StatusMove.DIE, on=dt.date(2025, 3, 1 + n), by=None
            )
        for n, member in enumerate(members[10:30]):
            to = Organization.objects.get(pk=branches[(n * 7) % len(branches)])
            if to.pk != member.organization_id:
                lifecycle.move_organization(
                    member=member, to=to, on=dt.date(2025, 6, 1 + n), by=None
                )
        for member in members[30:35]:  # after the year: undone to find 31 December's roll
            lifecycle.change_status(
                member=member, move=StatusMove.DIE, on=dt.date(2026, 1, 10), by=None
            )
        report = tables.compute(county, 2025)
    county.refresh_from_db()
    last, ins, outs, this = report.reconciliation()
    assert last + ins - outs == this
    assert outs == 10  # the deaths; moves between the county's branches cancel out
    assert this == county.subtree_member_count + 5
    assert last == county.subtree_member_count + 15
    # every other members' table adds up to the same total
    for number in ("3", "4"):
        assert sum(line.cells[0].value for line in report.table(number).lines) == this
