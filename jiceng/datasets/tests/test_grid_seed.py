"""The scale seed's grids and household contacts on real counties (西盟佤族自治县, 当雄县,
栖霞区): every community of the tree gets its grids, every grid with residents its households and
visits, and then the task forces and stations find them; a second run adds nothing."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import itertools
from collections import Counter

import pytest
import shapely

from jiceng.accounts.models import User
from jiceng.core import crypto
from jiceng.core.paths import under
from jiceng.datasets import community, grids, seeding
from jiceng.datasets.grid_households import seed_households
from jiceng.divisions.loading import default_file
from jiceng.grid import routing
from jiceng.grid.demo import grids_per_community
from jiceng.grid.models import Grid
from jiceng.households.models import ContactRule, Household, HouseholdContact, Visit
from jiceng.households.queries import NAME_FIELD, PHONE_FIELD
from jiceng.members.models import Member
from jiceng.orgs.models import Organization, Sector
from jiceng.stations.models import ServiceStation
from jiceng.taskforces.models import Shift, TaskForce

from .conftest import AS_OF, DAMXUNG, QIXIA, XIMENG

pytestmark = pytest.mark.usefixtures("divisions")


def community_codes(county: str) -> set[str]:
    return set(
        Organization.objects.filter(under(county, "division_id"), sector=Sector.COMMUNITY)
        .exclude(division__level__lt=5)
        .values_list("division_id", flat=True)
    )


def test_every_community_gets_its_grids_tiling_a_cell_of_its_own() -> None:
    seeding.seed(counties=[XIMENG, DAMXUNG], seed=5, workers=0, as_of=AS_OF)
    made = grids.seed_grids(as_of=AS_OF)
    communities = community_codes(XIMENG) | community_codes(DAMXUNG)
    assert len(communities) >= 5 and made.communities == len(communities)
    found = list(Grid.objects.order_by("code"))
    assert made.grids == len(found)
    per_community = Counter(g.community_id for g in found)
    assert per_community == {c: grids_per_community(c) for c in communities}
    shapes = []
    for grid in found:
        assert grid.code.startswith(f"{grid.community_id}-")
        assert grid.street_id == grid.community_id[:9] + "000"
        assert grid.name.endswith("网格") and "委员会" not in grid.name
        shape = shapely.from_geojson(grid.boundary)
        assert shape.is_valid and shape.area > 0
        assert shape.bounds == (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat)
        shapes.append(shape)
    # no two grids overlap (neighbours only share their edges) ...
    tree = shapely.STRtree(shapes)
    for i, shape in enumerate(shapes):
        for j in tree.query(shape):
            if j != i:
                assert shape.intersection(shapes[j]).area < 1e-12
    # ... and each county's lie in its province's box: 云南 far from 西藏
    ximeng = [s for s, g in zip(shapes, found, strict=True) if g.community_id.startswith(XIMENG)]
    damxung = [s for s, g in zip(shapes, found, strict=True) if g.community_id.startswith(DAMXUNG)]
    assert all(95 < s.centroid.x < 110 and 20 < s.centroid.y < 30 for s in ximeng)
    assert all(85 < s.centroid.x < 97 and 27 < s.centroid.y < 33 for s in damxung)
    # routing finds a grid's own centre in it
    grid = found[0]
    centre = shapely.from_geojson(grid.boundary).centroid
    placed = routing.locate(centre.x, centre.y)
    assert (placed.grid_id, placed.how) == (grid.pk, "inside")
    assert grids.seed_grids(as_of=AS_OF).grids == 0
    assert Grid.objects.count() == len(found)


def test_grid_households_have_a_contact_living_there_and_a_year_of_visits() -> None:
    seeding.seed(counties=[XIMENG], seed=5, workers=0, as_of=AS_OF)
    grids.seed_grids(as_of=AS_OF)
    made = seed_households(as_of=AS_OF, seed=5)
    assert made.counties == 1 and made.households > 20 and made.visits > made.households
    households = list(Household.objects.select_related("grid"))
    assert len(households) == made.households == made.contacts
    assert HouseholdContact.objects.count() == made.contacts
    assert Visit.objects.count() == made.visits
    assert ContactRule.objects.filter(division_id=XIMENG.ljust(12, "0")).exists()
    contacts = {
        c.household_id: c
        for c in HouseholdContact.objects.select_related("member", "household__grid")
    }
    per_member = Counter(c.member_id for c in contacts.values())
    assert all(5 <= n <= 10 for n in per_member.values())
    for household in households[:200]:
        contact = contacts[household.pk]
        assert contact.ended_on is None
        assert contact.member.residential_division_id == household.grid.community_id
        name = crypto.unseal(bytes(household.resident_name_sealed), field=NAME_FIELD)
        phone = crypto.unseal(bytes(household.phone_sealed or b""), field=PHONE_FIELD)
        assert household.resident_name_masked == name[0] + "**"
        assert household.phone_masked == phone[:3] + "****" + phone[7:]
        assert household.grid.min_lon <= (household.lon or 0) <= household.grid.max_lon
    # each visit by the contact member's own account, the household's latest kept on it
    accounts = dict(User.objects.values_list("pk", "member_id"))
    latest: dict[int, dt.date] = {}
    for visit in Visit.objects.all():
        assert accounts[visit.visited_by_id] == visit.member_id
        assert contacts[visit.household_id].member_id == visit.member_id
        latest[visit.household_id] = max(
            latest.get(visit.household_id, visit.visited_on), visit.visited_on
        )
    assert {h.pk: h.last_visited_on for h in households if h.last_visited_on} == latest
    # some fall behind (none, or no visit for 100 days and more) for the workbenches
    behind = [
        h
        for h in households
        if h.last_visited_on is None or (AS_OF - h.last_visited_on).days >= 100
    ]
    assert 0 < len(behind) < len(households) / 2
    assert made.accounts == User.objects.count() == len(per_member)
    assert not any(u.has_usable_password() for u in User.objects.all())
    assert Member.objects.filter(user__isnull=False).count() == made.accounts
    again = seed_households(as_of=AS_OF, seed=5)
    assert again.rows == 0 and Household.objects.count() == len(households)


def test_task_forces_and_stations_come_with_the_grids_and_once() -> None:
    seeding.seed(counties=[QIXIA, XIMENG], seed=5, workers=0, as_of=AS_OF)
    assert community.seed_gridded(as_of=AS_OF, seed=5)[:5] == (0, 0, 0, 0, 2)
    grids.seed_grids(as_of=AS_OF)
    seed_households(as_of=AS_OF, seed=5)
    forces, shifts, stations, visit_days, bare, _ = community.seed_gridded(as_of=AS_OF, seed=5)
    assert bare == 0 and forces >= 2 and shifts > 2 * 7 * 3
    for county in (QIXIA, XIMENG):
        organization = next(
            c for c in community.counties() if (c.division_id or "").startswith(county)
        )
        week = TaskForce.objects.filter(
            under(organization.path, "organization__path"),
            starts_on__lte=AS_OF,
            ends_on__gte=AS_OF,
        ).get()
        assert Shift.objects.filter(task_force=week).count() % (7 * 3) == 0
        assert Shift.objects.filter(under(county, "site__grid__community_id"), task_force=week)
    # stations only in the city district (栖霞区), each inside a grid of its community
    assert stations == ServiceStation.objects.count() > 0 and visit_days > 0
    for station in ServiceStation.objects.all():
        assert station.street_code.startswith(QIXIA)
        grid = Grid.objects.filter(community_id=station.community_id)
        assert any(
            shapely.from_geojson(g.boundary).covers(shapely.Point(station.lon, station.lat))
            for g in grid
        )
    before = (TaskForce.objects.count(), Shift.objects.count(), ServiceStation.objects.count())
    assert grids.seed_grids(as_of=AS_OF).grids == 0
    assert seed_households(as_of=AS_OF, seed=5).rows == 0
    assert community.seed_gridded(as_of=AS_OF, seed=5)[:4] == (0, 0, 0, 0)
    assert (
        TaskForce.objects.count(),
        Shift.objects.count(),
        ServiceStation.objects.count(),
    ) == before


def test_lattice_cells_tile_their_box() -> None:
    box = (100.0, 20.0, 101.0, 21.0)
    cells = [grids.lattice(box, 7, i) for i in range(7)]
    assert len(set(cells)) == 7
    assert all(box[0] <= c[0] < c[2] <= box[2] and box[1] <= c[1] < c[3] <= box[3] for c in cells)
    for count in range(1, 7):
        parts = grids.strips(box, count)
        assert len(parts) == count
        assert sum((p[2] - p[0]) * (p[3] - p[1]) for p in parts) == pytest.approx(1.0)


def test_no_two_provinces_boxes_overlap_with_the_real_county_counts() -> None:
    """Synthetic grids of two provinces never overlap (routing would find two grids)."""
    counts: Counter[str] = Counter()
    with gzip.open(default_file(), "rt", encoding="utf-8") as rows:
        for code, _, level, _ in csv.reader(rows):
            if level == "3":
                counts[code[:2]] += 1
    assert len(counts) == 31
    boxes = {province: grids.province_box(province, n) for province, n in counts.items()}
    assert set(boxes) == set(grids.PROVINCE_POINTS)
    for a, b in itertools.combinations(sorted(boxes), 2):
        (a0, a1, a2, a3), (b0, b1, b2, b3) = boxes[a], boxes[b]
        assert not (a0 < b2 and b0 < a2 and a1 < b3 and b1 < a3), (a, b)
