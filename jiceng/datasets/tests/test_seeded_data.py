"""What one seed of two small real counties holds: 西盟佤族自治县 and 当雄县 (about 13,000
members). Seeded once for the module (the tests only read, or rebuild rollups to the same
values); test_seed.py covers how seeding behaves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import connection

from jiceng.core import crypto, idnumbers, masking
from jiceng.datasets import national, people, seeding
from jiceng.divisions.loading import load_divisions
from jiceng.divisions.models import Division
from jiceng.members.models import ACTIVE_STATUSES, Member, MemberStatus
from jiceng.orgs import rollups, rules
from jiceng.orgs.models import (
    BRANCH_KINDS,
    GRASSROOTS_KINDS,
    Committee,
    CommitteeSeat,
    Organization,
    OrgKind,
    PartyGroup,
    Post,
    Sector,
)

from .conftest import AS_OF, DAMXUNG, DIVISIONS, XIMENG

COUNTIES = [XIMENG, DAMXUNG]
ROLLUP_FIELDS = (
    "member_count", "full_member_count", "subtree_member_count", "subtree_branch_count",
    "subtree_org_count",
)  # fmt: skip
SEEDED_TABLES = (CommitteeSeat, Committee, Member, PartyGroup, Organization, Division)


@pytest.fixture(scope="module", autouse=True)
def seeded(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        load_divisions(path=DIVISIONS)
        seeding.seed(counties=COUNTIES, seed=11, workers=0, as_of=AS_OF)
        yield
        with connection.cursor() as cursor:  # raw: the foreign keys PROTECT, and this is all of it
            for model in SEEDED_TABLES:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


pytestmark = pytest.mark.django_db


def test_id_numbers_are_valid_and_agree_with_the_member() -> None:
    members = list(Member.objects.select_related("organization"))
    paths = county_paths()
    for member in members:
        value = crypto.unseal(member.id_number_sealed, field="id_number")
        parsed = idnumbers.parse(value, today=AS_OF)
        assert parsed.birth_date == member.birth_date
        assert parsed.gender == member.gender
        assert parsed.area_code in COUNTIES
        assert member.organization.path.startswith(paths[parsed.area_code.ljust(12, "0")])
        assert bytes(member.id_number_digest) == crypto.blind_index(value, field="id_number")
        assert member.id_number_masked == masking.mask_id_number(value)
        if member.phone_sealed and member.phone_digest:
            phone = crypto.unseal(member.phone_sealed, field="phone")
            assert len(phone) == 11 and phone[:3] in set(people.PHONE_PREFIXES.table)
            assert bytes(member.phone_digest) == crypto.blind_index(phone, field="phone")
            assert member.phone_masked == masking.mask_phone(phone)
    assert len({bytes(m.id_number_digest) for m in members}) == len(members)


def county_paths() -> dict[str, str]:
    counties = Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE, depth=4)
    return dict(counties.values_list("division_id", "path"))


def test_members_join_at_eighteen_or_later_and_become_full_a_year_after() -> None:
    members = list(Member.objects.all())
    for m in members:
        assert m.joined_on >= people.add_years(m.birth_date, 18)
        assert m.joined_on <= AS_OF
        if m.status == MemberStatus.PROBATIONARY:
            assert m.full_member_on is None
            assert (AS_OF - m.joined_on).days <= 366 + 180  # or a probation extended (延长预备期)
        else:
            assert m.full_member_on is not None
            assert 365 <= (m.full_member_on - m.joined_on).days <= 366 + 180
            assert m.full_member_on <= AS_OF
    statuses = Counter(m.status for m in members)
    assert 0 < statuses[MemberStatus.PROBATIONARY] / len(members) < 0.08
    assert set(statuses) <= set(ACTIVE_STATUSES)


def test_shares_of_age_gender_and_ethnicity_are_plausible() -> None:
    members = list(Member.objects.select_related("organization"))
    assert len(members) > 3000
    aged = sum(1 for m in members if people.add_years(m.birth_date, 61) <= AS_OF)
    assert 0.20 < aged / len(members) < 0.40
    women = sum(1 for m in members if m.gender == "F")
    assert 0.15 < women / len(members) < 0.45
    peoples = Counter(m.ethnicity for m in members)
    assert peoples["佤族"] and peoples["藏族"]  # the autonomous county's and Tibet's own
    tibetan_names = [m.name for m in members if m.ethnicity == "藏族"]
    assert sum(len(n) == 4 for n in tibetan_names) / len(tibetan_names) > 0.9  # 扎西顿珠, 次仁卓玛
    in_villages = [m for m in members if m.organization.sector == Sector.VILLAGE]
    farmers = sum(1 for m in in_villages if m.category == "FARMER")
    assert farmers / len(in_villages) > 0.7


def test_rollups_are_what_rebuild_computes() -> None:
    written = list(Organization.objects.order_by("pk").values_list("pk", *ROLLUP_FIELDS))
    rollups.rebuild()
    assert list(Organization.objects.order_by("pk").values_list("pk", *ROLLUP_FIELDS)) == written
    root = Organization.objects.get(depth=1)
    assert root.subtree_member_count == Member.objects.filter(status__in=ACTIVE_STATUSES).count()
    assert (
        root.subtree_branch_count
        == Organization.objects.filter(kind__in=BRANCH_KINDS, dissolved_on__isnull=True).count()
    )


def test_the_tree_is_valid_and_follows_the_rules() -> None:
    assert all(problems == [] for problems in Organization.objects.find_problems())
    connection.check_constraints()  # every foreign key the raw inserts wrote points somewhere
    by_path = {o.path: o for o in Organization.objects.all()}
    for org in by_path.values():
        if org.depth > 1:
            parent = by_path[org.path[: -Organization.steplen]]
            assert rules.may_contain(parent.kind, org.kind), (parent.name, org.name)
    root = by_path["0001"]
    assert (root.name, root.kind) == ("中国共产党", OrgKind.CENTRAL)
    names = {o.name for o in by_path.values()}
    assert {"中共云南省委", "中共普洱市委", "中共西盟佤族自治县委", "中共西藏自治区委员会"} <= names
    assert "中共当雄县委" in names


def test_every_grassroots_organization_has_a_current_committee_with_a_secretary() -> None:
    grassroots = Organization.objects.filter(kind__in=GRASSROOTS_KINDS, dissolved_on__isnull=True)
    without = grassroots.exclude(committees__ended_on__isnull=True)
    assert not without.exists()
    committees = list(Committee.objects.select_related("organization"))
    overdue = 0
    for committee in committees:
        org = committee.organization
        assert committee.path == org.path  # the seed's rows carry it (Committee.path)
        assert committee.term_due == rules.term_due(
            committee.term_start, kind=org.kind, sector=org.sector
        )
        years = rules.term_years(org.kind, org.sector)
        assert committee.term_start >= people.add_years(AS_OF, -years - 2)
        overdue += committee.term_due < AS_OF
    assert 0 < overdue / len(committees) < 0.2
    secretaries = CommitteeSeat.objects.filter(post=Post.SECRETARY).select_related(
        "member__organization", "committee__organization"
    )
    assert secretaries.count() == len(committees)
    for seat in secretaries:  # a member of the organization or of one below it
        assert seat.member.organization.path.startswith(seat.committee.organization.path)
    # larger branches have party groups, and members in them
    assert PartyGroup.objects.exists()
    assert Member.objects.filter(party_group__isnull=False).exists()


def test_kinds_and_sectors_are_all_there() -> None:
    kinds = Counter(Organization.objects.values_list("kind", flat=True))
    assert kinds[OrgKind.BRANCH] > kinds[OrgKind.GENERAL_BRANCH] + kinds[OrgKind.COMMITTEE]
    assert kinds[OrgKind.WORKING_COMMITTEE] >= 5 * len(COUNTIES)
    sectors = set(Organization.objects.values_list("sector", flat=True))
    assert {Sector.VILLAGE, Sector.AGENCY, Sector.INSTITUTION, Sector.STATE_ENTERPRISE,
            Sector.PRIVATE_ENTERPRISE} <= sectors  # fmt: skip
    localities = list(Division.objects.filter(level=5, code__startswith=XIMENG))
    organized = dict(
        Organization.objects.filter(division__in=localities, depth=6).values_list(
            "division_id", "sector"
        )
    )
    for place in localities:  # one organization for each village and community
        expected = (
            Sector.VILLAGE
            if national.is_village(national.Place(place.code, place.name))
            else Sector.COMMUNITY
        )
        assert organized[place.code] == expected
