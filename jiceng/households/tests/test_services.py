from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jiceng.cases.models import Case
from jiceng.cases.workflow import Status
from jiceng.core import clock
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.core.models import AuditRecord
from jiceng.households import queries, services
from jiceng.households.models import ContactRule, Household, HouseholdContact, Visit, Way
from jiceng.members.models import Member
from jiceng.testing.cases_personas import case_type, subject
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import Tree, add_member

from .conftest import RESIDENT_NAME, RESIDENT_PHONE, WENYUAN, Place

pytestmark = pytest.mark.django_db


def test_the_resident_is_sealed_at_rest_and_masked_in_the_row(place: Place) -> None:
    household = Household.objects.get(pk=place.first.pk)
    assert household.resident_name_masked == "张**"
    assert household.phone_masked == "139****5678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM households_household WHERE id = %s", [household.pk])
        row = " ".join(
            bytes(v).hex() if isinstance(v, (bytes, memoryview)) else str(v)
            for v in cursor.fetchone()
        )
    assert RESIDENT_NAME not in row and RESIDENT_PHONE not in row
    assert RESIDENT_NAME.encode().hex() not in row


def test_a_second_contact_is_refused_where_the_rule_says_one(place: Place) -> None:
    assert place.neighbour.member is not None
    before = HouseholdContact.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.assign_contact(
            household=place.first, member=place.neighbour.member, by=place.community
        )
    assert "每户只能有一名联系党员" in refused.value.message
    assert "陈晓" in refused.value.message
    assert refused.value.fields == {"member": "此户已有联系党员"}
    assert HouseholdContact.objects.count() == before


def test_the_most_specific_rule_holds(place: Place) -> None:
    assert place.neighbour.member is not None
    ContactRule.objects.create(division_id="320113000000", one_contact_per_household=False)
    assert services.one_contact_per_household(WENYUAN) is False
    services.assign_contact(household=place.first, member=place.neighbour.member, by=None)
    assert queries.open_contacts(place.first).count() == 2
    ContactRule.objects.create(division_id=WENYUAN, one_contact_per_household=True)
    assert services.one_contact_per_household(WENYUAN) is True
    assert services.one_contact_per_household("320113001001") is False  # 尧化: the district's


def test_a_member_living_elsewhere_is_not_linked(place: Place, tree: Tree) -> None:
    elsewhere = add_member(tree.branch, name="周末")
    Member.objects.filter(pk=elsewhere.pk).update(residential_division_id="320113001001")
    elsewhere.refresh_from_db()
    with pytest.raises(InvalidInput, match="居住的社区"):
        services.assign_contact(household=place.second, member=elsewhere, by=None)
    assert not HouseholdContact.objects.filter(member=elsewhere).exists()


def test_an_ended_contact_frees_the_household(place: Place) -> None:
    assert place.neighbour.member is not None
    contact = queries.open_contacts(place.first).get()
    services.end_contact(contact=contact, by=place.community)
    with pytest.raises(Conflict):
        services.end_contact(contact=contact, by=place.community)
    services.assign_contact(household=place.first, member=place.neighbour.member, by=None)
    assert [c.member.name for c in queries.open_contacts(place.first)] == ["赵敏"]


def test_a_visit_moves_the_last_visit_forward_only(place: Place) -> None:
    today = clock.today()
    services.log_visit(household=place.first, by=place.contact, visited_on=today, way=Way.PHONE)
    services.log_visit(
        household=place.first,
        by=place.contact,
        visited_on=today - dt.timedelta(days=30),
        way=Way.IN_PERSON,
        finding="楼道灯坏了",
    )
    place.first.refresh_from_db()
    assert place.first.last_visited_on == today
    visit = Visit.objects.filter(household=place.first).first()
    assert visit is not None and visit.member == place.contact.member


@pytest.mark.parametrize(
    ("days", "way", "field"),
    [(-1, "IN_PERSON", "visited_on"), (400, "IN_PERSON", "visited_on"), (0, "FAX", "way")],
)
def test_bad_visits_are_refused_beside_their_field(
    place: Place, days: int, way: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.log_visit(
            household=place.first,
            by=place.contact,
            visited_on=clock.today() - dt.timedelta(days=days),
            way=way,
        )
    assert field in refused.value.fields
    assert not Visit.objects.exists()


def test_a_finding_becomes_a_case_in_the_same_step(place: Place, grids: Grids) -> None:
    visit = services.log_visit(
        household=place.first,
        by=place.contact,
        visited_on=clock.today(),
        way=Way.IN_PERSON,
        finding="楼下垃圾堆放三天没有清运",
        case_type=case_type(),
        subject=subject(),
    )
    assert visit.case is not None
    case = Case.objects.get(pk=visit.case.pk)
    assert case.grid_id == grids.wenyuan.pk  # routed to the household's grid
    assert case.status == Status.DISPATCHED
    assert "楼下垃圾堆放" in case.description and case.address == "学海路8号3栋301"
    assert case.entered_by == place.contact
    assert AuditRecord.objects.filter(action="households.open_case").count() == 1
    with pytest.raises(Conflict):
        services.open_case(visit=visit, case_type=case_type(), subject=subject(), by=place.contact)
    assert Case.objects.count() == 1


def test_a_refused_case_leaves_no_visit_behind(place: Place) -> None:
    inactive = subject()
    inactive.is_active = False
    inactive.save()
    with pytest.raises(InvalidInput):
        services.log_visit(
            household=place.first,
            by=place.contact,
            visited_on=clock.today(),
            way=Way.IN_PERSON,
            finding="井盖缺失",
            case_type=case_type(),
            subject=inactive,
        )
    assert not Visit.objects.exists() and not Case.objects.exists()
    place.first.refresh_from_db()
    assert place.first.last_visited_on is None


def test_a_visit_without_a_finding_does_not_become_a_case(place: Place) -> None:
    visit = services.log_visit(
        household=place.first, by=place.worker, visited_on=clock.today(), way=Way.WECHAT
    )
    assert visit.member is None  # the grid worker, not a contact
    with pytest.raises(InvalidInput, match="没有记录发现的情况"):
        services.open_case(visit=visit, case_type=case_type(), subject=subject(), by=place.worker)


def test_overdue_after_the_set_days(place: Place, settings: object) -> None:
    settings.JICENG_HOUSEHOLD_VISIT_DAYS = 30  # type: ignore[attr-defined]
    services.log_visit(
        household=place.first,
        by=place.contact,
        visited_on=clock.today() - dt.timedelta(days=31),
        way=Way.PHONE,
    )
    services.log_visit(
        household=place.second, by=place.worker, visited_on=clock.today(), way=Way.PHONE
    )
    assert [h.address for h in queries.overdue_for_workers(place.worker)] == ["学海路8号3栋301"]
    settings.JICENG_HOUSEHOLD_VISIT_DAYS = 60  # type: ignore[attr-defined]
    assert list(queries.overdue_for_workers(place.worker)) == []


def test_the_phone_must_be_a_phone(grids: Grids) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.add_household(
            grid=grids.wenyuan, address="学海路1号", resident_name="王五", phone="12345", by=None
        )
    assert refused.value.fields == {"phone": "联系电话应为 11 位手机号或带区号的固定电话"}
    assert "12345" not in refused.value.message
