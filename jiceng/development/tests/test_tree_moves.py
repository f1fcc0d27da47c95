"""The admission tallies (AdmissionTally) follow a move of the organization tree at once: after
orgs.services.move_organization every row equals what tallies.rebuild() makes from the step
records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from jiceng.core import clock
from jiceng.development import tallies
from jiceng.development.models import AdmissionTally, Step
from jiceng.members.models import Member
from jiceng.orgs import rollups, services
from jiceng.orgs.models import Organization, OrgKind, Sector
from jiceng.testing.development_personas import register, walk
from jiceng.testing.personas import Tree, add_member

TODAY = dt.datetime(2026, 6, 1, 10, tzinfo=clock.CHINA)

Rows = dict[tuple[str, int], int]


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


def admit(organization: Organization, name: str, applied_on: dt.date, people: list[Member]) -> None:
    applicant = register(organization, by=None, name=name, applied_on=applied_on)
    walk(applicant, until=Step.ADMISSION_APPROVAL, secretary=None, department=None, people=people)


@pytest.fixture
def admitted(tree: Tree) -> Tree:
    """Admissions of 2025 and 2026 across the tree (approval 530 days after applying), and a
    second community under 仙林 with none, so no row of its own."""
    people = [add_member(tree.branch, name=n) for n in ("周敏", "吴刚")]
    admit(tree.branch, "赵青", dt.date(2023, 11, 1), people)
    admit(tree.branch, "钱红", dt.date(2024, 11, 1), people)
    admit(tree.sibling, "孙白", dt.date(2023, 11, 1), people)
    admit(tree.yaohua_branch, "李蓝", dt.date(2023, 11, 1), people)
    services.create_organization(
        parent=tree.xianlin,
        name="中共仙林街道东方社区委员会",
        kind=OrgKind.COMMITTEE,
        sector=Sector.COMMUNITY,
        by=None,
    )
    return tree


def rows() -> Rows:
    """Every tally, by organization path (the ids stay, the paths of the moved change)."""
    found = AdmissionTally.objects.values_list("organization__path", "year", "admitted")
    return {(path, year): count for path, year, count in found}


def of(organization: Organization, found: Rows) -> dict[int, int]:
    path = Organization.objects.get(pk=organization.pk).path
    return {year: count for (p, year), count in found.items() if p == path}


@pytest.mark.parametrize(
    ("moved", "target"),
    [
        ("branch", "yaohua"),  # a branch to another street: 仙林 and the community lose it
        ("community", "yaohua"),  # a mid-level organization with its two branches
        ("branch", "second_community"),  # within 仙林: the street and above share both sides
    ],
)
def test_a_move_carries_the_admissions_to_the_new_ancestors(
    admitted: Tree, moved: str, target: str
) -> None:
    tree = admitted
    organization = getattr(tree, moved)
    new_parent = (
        Organization.objects.get(name="中共仙林街道东方社区委员会")
        if target == "second_community"
        else getattr(tree, target)
    )
    old_parent_path = organization.path[: -Organization.steplen]
    shared = set(rollups.ancestor_paths(old_parent_path)) & set(
        rollups.ancestor_paths(new_parent.path)
    )
    before = rows()
    moving = of(organization, before)
    assert set(moving) == {2025, 2026}

    services.move_organization(organization=organization, new_parent=new_parent, by=None)

    after = rows()
    tallies.rebuild()
    assert after == rows()
    assert {k: v for k, v in after.items() if k[0] in shared} == {
        k: v for k, v in before.items() if k[0] in shared
    }
    old_parent = Organization.objects.get(path=old_parent_path)
    for year, count in moving.items():
        assert of(old_parent, after).get(year, 0) == of(old_parent, before)[year] - count
        assert of(new_parent, after)[year] == of(new_parent, before).get(year, 0) + count
    assert of(organization, after) == moving
