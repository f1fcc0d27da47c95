"""The demo seed: four years of income for each village, a cooperative in some, through the
services (so every record keeps the rules); a second run adds nothing."""

from __future__ import annotations

import pytest

from jiceng.cooperatives.demo import load_demo_cooperatives
from jiceng.cooperatives.models import Cooperative, CooperativeYear, VillageIncome
from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree, add

pytestmark = pytest.mark.usefixtures("frozen")


def test_the_demo_seeds_villages_once(tree: Tree, village: Organization) -> None:
    for n in range(2, 9):
        add(
            tree.yaohua,
            name=f"第{n}村党支部",
            kind="BRANCH",
            sector="VILLAGE",
            division_id=f"32011300120{n}",
        )
    assert load_demo_cooperatives(tree.district.path, seed=3) == 8
    assert VillageIncome.objects.count() == 8 * 4
    for cooperative in Cooperative.objects.all():
        assert cooperative.members.count() >= 8
        assert CooperativeYear.objects.filter(cooperative=cooperative).count() >= 1
    assert load_demo_cooperatives(tree.district.path, seed=3) == 0
