"""The scope: the one answer to where a user may act, read from one read of the role rows,
and the shape the apps' queries consult (nothing else)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission, has_permission, roles_of
from jiceng.accounts.scoping import Reach, Scope, scope_of
from jiceng.cases import queries as case_queries
from jiceng.grid import queries as grid_queries
from jiceng.members.queries import members_for
from jiceng.orgs.queries import organizations_for
from jiceng.testing.cases_personas import Units
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import Tree, add_member

pytestmark = pytest.mark.django_db
P = Permission


def fresh(user: User) -> User:
    """The user as a new request sees them: nothing read yet."""
    return User.objects.get(pk=user.pk)


def test_an_empty_scope_has_no_grants_and_reaches_nowhere(
    nobody: User, secretary: User, grid_worker: User
) -> None:
    assert Scope().grants == ()
    assert Scope().reach(P.VIEW_ORGANIZATIONS) == Reach()
    assert scope_of(AnonymousUser()) == Scope()
    assert scope_of(nobody) == Scope()
    # No relation opens a view across subtrees yet: roles give reaches, never grants.
    assert scope_of(secretary).grants == () and scope_of(grid_worker).grants == ()


def test_the_queries_consult_the_scope_and_nothing_else(
    tree: Tree, nobody: User, grids: Grids
) -> None:
    """A user without a role row, given a scope by hand: every app's reads follow it. A grant
    added to the scope later is seen by the queries the same way, with no role filter of
    their own to change."""
    member = add_member(tree.branch)
    add_member(tree.yaohua_branch)
    nobody._jiceng_scope = Scope(  # type: ignore[attr-defined]
        reaches={
            P.VIEW_ORGANIZATIONS: Reach(paths=(tree.branch.path,)),
            P.VIEW_MEMBERS: Reach(paths=(tree.branch.path,)),
            P.VIEW_GRIDS: Reach(grid_ids=frozenset({grids.yaohua.pk})),
        }
    )
    assert list(organizations_for(nobody)) == [tree.branch]
    assert list(members_for(nobody)) == [member]
    assert list(grid_queries.grids_for(nobody)) == [grids.yaohua]
    assert not has_permission(nobody, P.VIEW_ORGANIZATIONS)  # what it may do is the roles'


def test_one_read_of_the_role_rows_answers_what_and_where(
    division_official: User, django_assert_num_queries: Any
) -> None:
    user = fresh(division_official)
    with django_assert_num_queries(1):
        assert has_permission(user, P.MANAGE_GRIDS)
        assert scope_of(user).reach(P.MANAGE_GRIDS).division_prefixes == ("320113007",)
        assert roles_of(user) == {"STREET_OFFICIAL"}
        assert scope_of(user) is scope_of(user)  # kept for the request


def test_a_grid_worker_reaches_the_grids_they_work_not_the_community(
    grids: Grids, grid_worker: User, django_assert_num_queries: Any
) -> None:
    user = fresh(grid_worker)
    with django_assert_num_queries(2):  # the role rows, then the grids
        handling = scope_of(user).reach(P.HANDLE_CASES)
    assert handling == Reach(grid_ids=frozenset({grids.wenyuan.pk}))
    assert scope_of(user).reach(P.VIEW_GRIDS) == handling
    assert list(grid_queries.grids_for(user)) == [grids.wenyuan]


def test_department_staff_handle_for_their_department_and_see_its_district(
    units: Units, urban_staff: User
) -> None:
    scope = scope_of(fresh(urban_staff))
    departments = Reach(department_ids=frozenset({units.urban.pk}))
    assert scope.reach(P.HANDLE_CASES) == departments
    assert scope.reach(P.ANSWER_SUMMONS) == departments
    assert scope.reach(P.VIEW_GRIDS).division_prefixes == ("320113",)
    assert case_queries.my_departments(urban_staff) == {units.urban.pk}


def test_a_street_official_handles_for_the_street_and_its_stations(
    grids: Grids, division_official: User, wenyuan_official: User
) -> None:
    street = scope_of(division_official).reach(P.HANDLE_CASES)
    assert street.division_prefixes == street.station_prefixes == ("320113007",)
    community = scope_of(wenyuan_official).reach(P.HANDLE_CASES)
    assert community.division_prefixes == ("320113007001",)
    assert community.station_prefixes == ()
    assert not community.covers_stations_of("320113007000")


def test_a_reach_key_names_what_it_selects() -> None:
    one = Reach(paths=("0001", "0002"), division_prefixes=("3201",))
    same = Reach(paths=("0002", "0001"), division_prefixes=("3201",), grid_ids=frozenset({5}))
    assert one.key() == same.key()
    assert one.key() != Reach(paths=("0001",), division_prefixes=("3201",)).key()
    assert one.key() != Reach(paths=("0001", "0002")).key()
    assert Reach(paths=("00010002",)).key() != Reach(division_prefixes=("00010002",)).key()
