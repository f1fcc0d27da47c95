"""orgs.subtrees: rows inside a reach, read from the smaller side. Both forms (the join for a
small reach, the correlated EXISTS for a big one) keep the same rows; the panels that read
through it give the same figures either way."""

from __future__ import annotations

import pytest

from jiceng.accounts.scoping import Reach
from jiceng.members.models import Member, MemberStatus
from jiceng.members.queries import standing_due
from jiceng.orgs import subtrees
from jiceng.testing.personas import Tree, add_member


@pytest.fixture(params=["join", "exists"])
def form(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "exists":  # every reach counts as big
        monkeypatch.setattr(subtrees, "BIG_REACH", -1)
    return str(request.param)


def test_both_forms_keep_the_same_rows(tree: Tree, form: str) -> None:
    inside = [add_member(tree.branch), add_member(tree.sibling), add_member(tree.community)]
    add_member(tree.yaohua_branch)  # another street
    reach = Reach(paths=(tree.xianlin.path,))
    found = Member.objects.filter(subtrees.inside(reach, prefix="organization__"))
    assert sorted(found.values_list("pk", flat=True)) == sorted(m.pk for m in inside)
    two = Reach(paths=(tree.branch.path, tree.yaohua.path))
    assert Member.objects.filter(subtrees.inside(two, prefix="organization__")).count() == 2
    assert not Member.objects.filter(subtrees.inside(Reach(), prefix="organization__")).exists()


def test_the_size_of_a_reach_is_read_from_the_rollups(tree: Tree) -> None:
    assert subtrees.organizations_in(Reach()) == 0
    assert subtrees.organizations_in(Reach(paths=(tree.branch.path,))) == 1
    whole = subtrees.organizations_in(Reach(paths=(tree.root.path,)))
    assert whole == tree.root.subtree_org_count > 1
    assert subtrees.organizations_in(Reach(division_prefixes=("3201",))) > subtrees.BIG_REACH


def test_members_due_for_a_decision_are_the_same_either_way(
    tree: Tree, district_department: object, form: str
) -> None:
    from jiceng.core import clock
    from jiceng.core.dates import add_months
    from jiceng.members.models import MemberEvent, StatusMove

    today = clock.today()
    for organization, months in ((tree.branch, 7), (tree.sibling, 2), (tree.yaohua_branch, 9)):
        member = add_member(organization, status=MemberStatus.LOST_CONTACT)
        MemberEvent.objects.create(
            member=member, move=StatusMove.LOSE_CONTACT, on=add_months(today, -months)
        )
    count, due = standing_due(district_department, limit=5)  # type: ignore[arg-type]
    assert count == 2  # the sibling's two months are not yet six
    assert {d.member.organization_id for d in due} == {tree.branch.pk, tree.yaohua_branch.pk}
