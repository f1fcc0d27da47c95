import datetime as dt

import pytest

from jiceng.core import idnumbers
from jiceng.core.errors import NotFound
from jiceng.members import queries
from jiceng.members.models import MemberStatus
from jiceng.testing.personas import Tree, add_member


@pytest.fixture
def roster(tree: Tree) -> dict[str, object]:
    return {
        "first": add_member(tree.branch, name="刘芳"),
        "first_probationary": add_member(
            tree.branch, name="刘强", status="预备党员", full_member_on=None
        ),
        "sibling": add_member(tree.sibling, name="孙伟"),
        "yaohua": add_member(tree.yaohua_branch, name="刘洋"),
    }


def names(rows) -> set[str]:
    return {m.name for m in rows}


def test_secretary_sees_her_branch_only(roster, secretary) -> None:
    assert names(queries.members_for(secretary)) == {"刘芳", "刘强"}
    with pytest.raises(NotFound):
        queries.access_member(secretary, roster["sibling"].pk)


def test_street_sees_its_subtree_and_district_sees_all(
    roster, street_official, district_department
) -> None:
    assert names(queries.members_for(street_official)) == {"刘芳", "刘强", "孙伟"}
    assert names(queries.members_for(district_department)) == {"刘芳", "刘强", "孙伟", "刘洋"}


def test_member_sees_herself_only(roster, member_user) -> None:
    assert names(queries.members_for(member_user)) == {"陈晓"}


def test_account_without_role_sees_nothing(roster, nobody) -> None:
    assert not queries.members_for(nobody).exists()


def test_filters_combine(roster, tree: Tree, district_department) -> None:
    found = queries.search_members(
        district_department, queries.MemberFilters(name="刘", organization=tree.xianlin)
    )
    assert names(found) == {"刘芳", "刘强"}
    found = queries.search_members(
        district_department, queries.MemberFilters(name="刘", status=MemberStatus.PROBATIONARY)
    )
    assert names(found) == {"刘强"}


def test_exact_id_number_lookup_through_the_blind_index(tree: Tree, district_department) -> None:
    wanted = idnumbers.make("320113", dt.date(1979, 5, 4), 441)
    add_member(tree.sibling, name="吴静", id_number=wanted)
    add_member(tree.sibling, name="吴敏")
    found = queries.search_members(
        district_department, queries.MemberFilters(id_number=wanted.lower())
    )
    assert names(found) == {"吴静"}
    assert not queries.search_members(
        district_department, queries.MemberFilters(id_number=wanted[:-1] + "0")
    ).exists()
