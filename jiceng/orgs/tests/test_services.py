import datetime as dt

import pytest

from jiceng.core import clock
from jiceng.core.errors import InvalidInput, NotFound
from jiceng.orgs import queries, rollups, services, subtrees
from jiceng.orgs.models import Committee, Organization, OrgKind, Post, Sector
from jiceng.testing.personas import Tree, add_member


def counts(org: Organization) -> tuple[int, int, int, int]:
    org.refresh_from_db()
    return (
        org.member_count,
        org.subtree_member_count,
        org.subtree_branch_count,
        org.subtree_org_count,
    )


def rollups_match_rebuild() -> None:
    """The incremental counts equal what a full rebuild computes from the rows."""
    fields = [
        "member_count",
        "full_member_count",
        "subtree_member_count",
        "subtree_branch_count",
        "subtree_org_count",
    ]
    before = list(Organization.objects.order_by("path").values_list("path", *fields))
    rollups.rebuild()
    after = list(Organization.objects.order_by("path").values_list("path", *fields))
    assert before == after


def test_create_branch_counts_up_the_tree(tree: Tree, street_official) -> None:
    before = counts(tree.district)
    branch = services.create_organization(
        parent=tree.community,
        name="  文苑社区 第三党支部 ",
        kind=OrgKind.BRANCH,
        sector=Sector.COMMUNITY,
        by=street_official,
    )
    assert branch.name == "文苑社区 第三党支部"
    assert branch.division_id == tree.community.division_id
    assert counts(tree.district)[2:] == (before[2] + 1, before[3] + 1)
    rollups_match_rebuild()


def test_branch_cannot_hold_a_sub_organization(tree: Tree) -> None:
    with pytest.raises(InvalidInput, match="党支部“文苑社区第一党支部”下不能设立党支部"):
        services.create_organization(parent=tree.branch, name="小组", kind=OrgKind.BRANCH, by=None)
    assert Organization.objects.get_children_count(tree.branch) == 0


def test_secretary_cannot_create_outside_her_branch(tree: Tree, secretary) -> None:
    with pytest.raises(NotFound):
        services.create_organization(
            parent=tree.community, name="新支部", kind=OrgKind.BRANCH, by=secretary
        )


def test_rename_keeps_place_and_counts(tree: Tree, street_official) -> None:
    renamed = services.rename_organization(
        organization=tree.branch, name="文苑社区退休党支部", by=street_official
    )
    assert renamed.name == "文苑社区退休党支部" and renamed.path == tree.branch.path
    with pytest.raises(InvalidInput, match="请填写党组织名称"):
        services.rename_organization(organization=tree.branch, name="   ", by=street_official)


def test_move_subtree_moves_counts_with_it(tree: Tree, district_department) -> None:
    for name in ("甲", "乙", "丙"):
        add_member(tree.branch, name=name)
    add_member(tree.sibling, name="丁")
    services.move_organization(
        organization=tree.community, new_parent=tree.yaohua, by=district_department
    )
    community = Organization.objects.get(pk=tree.community.pk)
    assert community.path.startswith(Organization.objects.get(pk=tree.yaohua.pk).path)
    assert Organization.objects.get(pk=tree.branch.pk).path.startswith(community.path)
    assert counts(tree.xianlin)[1:3] == (0, 0)
    assert counts(tree.yaohua)[1:3] == (4, 3)  # its own branch plus the two moved
    assert counts(tree.district)[1] == 4
    rollups_match_rebuild()
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_committees_move_with_their_organizations_and_their_terms_are_found_there(
    tree: Tree, district_department, monkeypatch
) -> None:
    monkeypatch.setattr(subtrees, "BIG_REACH", 0)  # the walk of the term_due index
    services.elect_committee(
        organization=tree.branch,
        term_start=dt.date(2021, 1, 1),
        seats=[(add_member(tree.branch, name="甲"), Post.SECRETARY)],
        by=None,
    )
    staying = services.elect_committee(
        organization=tree.yaohua_branch,
        term_start=dt.date(2021, 1, 1),
        seats=[(add_member(tree.yaohua_branch, name="乙"), Post.SECRETARY)],
        by=None,
    )
    services.move_organization(
        organization=tree.community, new_parent=tree.yaohua, by=district_department
    )
    for committee in Committee.objects.select_related("organization"):
        assert committee.path == committee.organization.path
    today = dt.date(2025, 11, 15)  # both due 2026-01-01
    due_under = {
        org.name: [
            c.organization_id
            for c in queries.terms_due(district_department, under=org, today=today)
        ]
        for org in Organization.objects.filter(pk__in=[tree.xianlin.pk, tree.yaohua.pk])
    }
    assert due_under[tree.xianlin.name] == []
    assert sorted(due_under[tree.yaohua.name]) == sorted([tree.branch.pk, staying.organization_id])


def test_move_under_own_descendant_is_refused(tree: Tree, district_department) -> None:
    with pytest.raises(InvalidInput, match="它自己或它的下级"):
        services.move_organization(
            organization=tree.xianlin, new_parent=tree.community, by=district_department
        )


def test_move_outside_scope_is_not_found(tree: Tree, street_official) -> None:
    with pytest.raises(NotFound):
        services.move_organization(
            organization=tree.branch, new_parent=tree.yaohua, by=street_official
        )
    assert Organization.objects.get(pk=tree.branch.pk).path == tree.branch.path


def test_dissolve_refused_while_members_remain(tree: Tree, street_official) -> None:
    add_member(tree.sibling, name="赵敏")
    with pytest.raises(InvalidInput, match="还有1名党员"):
        services.dissolve_organization(organization=tree.sibling, by=street_official)
    assert Organization.objects.get(pk=tree.sibling.pk).dissolved_on is None


def test_dissolve_refused_while_sub_organizations_remain(tree: Tree, street_official) -> None:
    with pytest.raises(InvalidInput, match="还有2个下级党组织"):
        services.dissolve_organization(organization=tree.community, by=street_official)


def test_dissolve_empty_branch(tree: Tree, street_official) -> None:
    branches_before = counts(tree.xianlin)[2]
    with clock.frozen(dt.datetime(2026, 5, 1, 9, 0)):
        done = services.dissolve_organization(organization=tree.sibling, by=street_official)
    assert done.dissolved_on == dt.date(2026, 5, 1)
    assert counts(tree.xianlin)[2] == branches_before - 1
    rollups_match_rebuild()
    with pytest.raises(InvalidInput, match="已于2026年05月01日撤销"):
        services.dissolve_organization(organization=done, by=street_official)
    with pytest.raises(InvalidInput, match="已撤销，不能在其下设立或移入"):
        services.move_organization(organization=tree.branch, new_parent=done, by=None)


def test_elect_committee_sets_due_date_and_ends_previous(tree: Tree) -> None:
    members = [add_member(tree.branch, name=n) for n in ("甲", "乙", "丙")]
    seats = [
        (members[0], Post.SECRETARY),
        (members[1], Post.ORGANIZATION),
        (members[2], Post.PUBLICITY),
    ]
    first = services.elect_committee(
        organization=tree.branch, term_start=dt.date(2020, 1, 10), seats=seats, by=None
    )
    assert first.term_due == dt.date(2025, 1, 10)  # community branch: 5 years
    second = services.elect_committee(
        organization=tree.branch, term_start=dt.date(2025, 1, 8), seats=seats, by=None
    )
    first.refresh_from_db()
    assert first.ended_on == dt.date(2025, 1, 8)
    assert Committee.objects.filter(organization=tree.branch, ended_on__isnull=True).get() == second


def test_committee_needs_exactly_one_secretary(tree: Tree) -> None:
    a, b = add_member(tree.branch, name="甲"), add_member(tree.branch, name="乙")
    with pytest.raises(InvalidInput, match="有且只有一名书记"):
        services.elect_committee(
            organization=tree.branch,
            term_start=dt.date(2024, 1, 1),
            seats=[(a, Post.SECRETARY), (b, Post.SECRETARY)],
            by=None,
        )
    outsider = add_member(tree.sibling, name="丙")
    with pytest.raises(InvalidInput, match="不是本组织的在册党员"):
        services.elect_committee(
            organization=tree.branch,
            term_start=dt.date(2024, 1, 1),
            seats=[(outsider, Post.SECRETARY)],
            by=None,
        )
    assert not Committee.objects.exists()


@pytest.mark.parametrize("big", [False, True], ids=["read-from-the-subtree", "walk-term-due"])
def test_terms_due_lists_overdue_and_soon_within_subtree(
    tree: Tree, street_official, yaohua_official, monkeypatch, big: bool
) -> None:
    # both ways of reading (a small subtree's organizations first, a large one's terms in
    # term_due order) give the same terms
    if big:
        monkeypatch.setattr(subtrees, "BIG_REACH", 0)
    secretary = add_member(tree.branch, name="甲")
    other = add_member(tree.sibling, name="乙")
    yaohua = add_member(tree.yaohua_branch, name="丙")
    services.elect_committee(
        organization=tree.branch,
        term_start=dt.date(2021, 1, 1),
        seats=[(secretary, Post.SECRETARY)],
        by=None,
    )
    services.elect_committee(
        organization=tree.sibling,
        term_start=dt.date(2025, 1, 1),
        seats=[(other, Post.SECRETARY)],
        by=None,
    )
    services.elect_committee(
        organization=tree.yaohua_branch,
        term_start=dt.date(2021, 1, 1),
        seats=[(yaohua, Post.SECRETARY)],
        by=None,
    )
    today = dt.date(2025, 11, 15)  # first branch due 2026-01-01 (47 days), sibling 2030
    due = list(queries.terms_due(street_official, under=tree.xianlin, today=today))
    assert [c.organization_id for c in due] == [tree.branch.pk]
    assert (
        list(queries.terms_due(street_official, under=tree.xianlin, today=dt.date(2025, 6, 1)))
        == []
    )
    assert [
        c.organization_id
        for c in queries.terms_due(yaohua_official, under=tree.yaohua, today=today)
    ] == [tree.yaohua_branch.pk]


def test_names_are_unique_among_active_siblings(tree: Tree, street_official) -> None:
    with pytest.raises(InvalidInput, match="下已有名为“文苑社区第二党支部”的党组织"):
        services.create_organization(
            parent=tree.community,
            name="文苑社区第二党支部",
            kind=OrgKind.BRANCH,
            by=street_official,
        )
    with pytest.raises(InvalidInput, match="下已有名为“文苑社区第二党支部”的党组织"):
        services.rename_organization(
            organization=tree.branch, name="文苑社区第二党支部", by=street_official
        )
    services.dissolve_organization(organization=tree.sibling, by=street_official)
    again = services.create_organization(
        parent=tree.community, name="文苑社区第二党支部", kind=OrgKind.BRANCH, by=street_official
    )
    assert again.founded_on is None  # not given: unknown, not today
