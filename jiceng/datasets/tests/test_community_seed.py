"""The scale seed's cooperatives, consent projects, task forces and stations on a real county
(西盟佤族自治县): rows under the seeded county, and a second run adds none. The grids and
households the scale seed draws for them: test_grid_seed."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from jiceng.consent.models import ConsentProject
from jiceng.cooperatives.models import Cooperative, VillageIncome
from jiceng.core import clock
from jiceng.core.paths import under
from jiceng.datasets import community, consent, seeding
from jiceng.divisions.models import Division, Level
from jiceng.grid.models import Grid
from jiceng.orgs.models import Organization
from jiceng.taskforces.models import Assignment, Shift, TaskForce

from .conftest import AS_OF, XIMENG

pytestmark = pytest.mark.usefixtures("divisions")
SQUARE = (
    '{"type":"Polygon","coordinates":'
    "[[[99.5,22.6],[99.6,22.6],[99.6,22.7],[99.5,22.7],[99.5,22.6]]]}"
)


def county() -> Organization:
    seeding.seed(counties=[XIMENG], seed=5, workers=0, as_of=AS_OF)
    return next(c for c in community.counties() if c.division_id == XIMENG.ljust(12, "0"))


def test_cooperatives_and_consent_projects_land_in_the_county_once() -> None:
    ximeng = county()
    villages, made, _ = community.seed_cooperatives(seed=5)
    assert villages > 20 and made > 5
    incomes = VillageIncome.objects.filter(under(ximeng.path, "village__path"))
    assert incomes.count() == villages * 4
    assert Cooperative.objects.filter(under(ximeng.path, "village__path")).count() == made
    projects, _ = community.seed_consent(seed=5)
    # 西盟 has no street: a renovation in some of its towns, nothing in its 乡 (datasets/consent)
    assert projects <= len({c.code[:9] for c, _ in consent.places(XIMENG)})
    assert ConsentProject.objects.filter(under(XIMENG, "community_id")).count() == projects
    before = (VillageIncome.objects.count(), Cooperative.objects.count())
    assert community.seed_cooperatives(seed=5)[:2] == (0, 0)
    assert community.seed_consent(seed=5)[0] == 0
    assert (VillageIncome.objects.count(), Cooperative.objects.count()) == before


def test_a_county_with_grids_gets_a_task_force_with_this_weeks_shifts_once() -> None:
    ximeng = county()
    assert community.seed_gridded(as_of=AS_OF, seed=5)[:5] == (0, 0, 0, 0, 1)
    villages = list(
        Division.objects.filter(under(XIMENG, "code"), level=Level.VILLAGE).order_by("code")[:3]
    )
    now = clock.now()
    Grid.objects.bulk_create(
        Grid(
            code=f"{v.code}-01",
            name=f"{v.name}第1网格",
            community_id=v.code,
            street_id=v.code[:9] + "000",
            boundary=SQUARE,
            min_lon=99.5,
            min_lat=22.6,
            max_lon=99.6,
            max_lat=22.7,
            created_at=now,
            updated_at=now,
        )
        for v in villages
    )
    forces, shifts, stations, _, bare, _ = community.seed_gridded(as_of=AS_OF, seed=5)
    assert forces >= 1 and shifts >= 7 * 3 and bare == 0
    assert stations == 0  # 西盟 is a county, not a city district
    week = TaskForce.objects.filter(
        under(ximeng.path, "organization__path"), starts_on__lte=AS_OF, ends_on__gte=AS_OF
    ).get()
    assert Shift.objects.filter(task_force=week).count() == 7 * 3 * len(villages)
    assert Assignment.objects.filter(task_force=week).exists()
    assert community.seed_gridded(as_of=AS_OF, seed=5)[:4] == (0, 0, 0, 0)


def test_city_districts_are_told_from_counties() -> None:
    assert community.is_city_district("320113")
    assert not community.is_city_district(XIMENG)
    assert not community.is_city_district("320181")


def test_the_command_prints_a_line_for_each(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed", "--counties", XIMENG, "--workers", "0", "--as-of", str(AS_OF))
    out = capsys.readouterr().out
    assert "党组织领办合作社" in out and "居民意见征询：项目" in out
    # 西盟 has four communities: grids, households and a task force, none skipped
    assert "网格：社区 4 个" in out and "党员联系户：住户" in out
    assert "党员突击队 0 支" not in out and "没有网格而跳过 0 个县级单位" in out
