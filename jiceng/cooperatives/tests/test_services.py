"""Cooperatives and village collective income against the database: the 20% cap, the
distribution within the surplus, the weak-village record followed until it rises above the
line (the settings' or a province's)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from jiceng.cooperatives import services
from jiceng.cooperatives.models import (
    Cooperative,
    CooperativeMember,
    CooperativeYear,
    VillageIncome,
    WeakLine,
    WeakVillage,
)
from jiceng.core import crypto
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.orgs.models import Organization
from jiceng.testing.personas import Tree

pytestmark = pytest.mark.usefixtures("frozen")
D = Decimal


@pytest.fixture
def cooperative(village: Organization) -> Cooperative:
    return services.register_cooperative(
        village=village,
        name="青山村茶叶专业合作社",
        registered_on=dt.date(2022, 4, 1),
        business="茶叶种植与加工",
        collective_shares=D(60),
        by=None,
    )


def join(cooperative: Cooperative, head: str, shares: str) -> CooperativeMember:
    return services.add_member(
        cooperative=cooperative,
        head=head,
        land_mu=D("2.5"),
        cash=D(0),
        labour_days=D(0),
        shares=D(shares),
        by=None,
    )


def test_a_member_may_hold_exactly_a_fifth_and_not_a_share_more(cooperative: Cooperative) -> None:
    member = join(cooperative, "何国强", "15")  # 15 of 75: exactly 20%
    assert member.head_masked == "何**"
    assert crypto.unseal(member.head_sealed, field=services.HEAD_FIELD) == "何国强"
    with pytest.raises(InvalidInput) as refused:
        join(cooperative, "李四", "18.76")  # 18.76 of 93.76: just over 20%
    assert "20%" in refused.value.message and "shares" in refused.value.fields
    join(cooperative, "李四", "18.75")  # 18.75 of 93.75: exactly 20%
    assert cooperative.members.count() == 2


def test_a_household_brings_land_cash_or_labour(cooperative: Cooperative) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.add_member(
            cooperative=cooperative,
            head="王五",
            land_mu=D(0),
            cash=D(0),
            labour_days=D(0),
            shares=D(1),
            by=None,
        )
    assert "land_mu" in refused.value.fields and not cooperative.members.exists()


def test_the_distribution_cannot_exceed_the_surplus(cooperative: Cooperative) -> None:
    with pytest.raises(InvalidInput, match="分配超过当年盈余"):
        services.record_year(
            cooperative=cooperative,
            year=2025,
            income=D("800000"),
            profit=D("200000"),
            reserve=D("20000"),
            collective_share=D("90000"),
            dividends_paid=D("90000.01"),
            by=None,
        )
    services.record_year(
        cooperative=cooperative,
        year=2025,
        income=D("800000"),
        profit=D("200000"),
        reserve=D("20000"),
        collective_share=D("90000"),
        dividends_paid=D("90000"),
        by=None,
    )
    with pytest.raises(Conflict, match="2025年度已录入"):
        services.record_year(
            cooperative=cooperative,
            year=2025,
            income=D(1),
            profit=D(0),
            reserve=D(0),
            collective_share=D(0),
            dividends_paid=D(0),
            by=None,
        )
    assert CooperativeYear.objects.count() == 1


def test_a_year_before_registration_or_in_the_future_is_refused(cooperative: Cooperative) -> None:
    for year in (2021, 2027):
        with pytest.raises(InvalidInput) as refused:
            services.record_year(
                cooperative=cooperative,
                year=year,
                income=D(1),
                profit=D(0),
                reserve=D(0),
                collective_share=D(0),
                dividends_paid=D(0),
                by=None,
            )
        assert "year" in refused.value.fields


def income(village: Organization, year: int, total: str, operating: str) -> None:
    services.record_village_income(
        village=village, year=year, total=D(total), operating=D(operating), by=None
    )


def test_a_weak_village_is_followed_until_it_rises_above_the_line(village: Organization) -> None:
    income(village, 2022, "120000", "60000")
    assert not WeakVillage.objects.exists()
    income(village, 2023, "80000", "20000")
    income(village, 2024, "99999.99", "50000")  # a cent under the total line: still weak
    (weak,) = WeakVillage.objects.all()
    assert (weak.first_year, weak.cleared_year) == (2023, None)
    income(village, 2025, "100000", "50000")  # exactly on both lines: not under
    (weak,) = WeakVillage.objects.all()
    assert (weak.first_year, weak.cleared_year) == (2023, 2025)


def test_operating_income_under_its_line_is_weak_whatever_the_total(
    village: Organization,
) -> None:
    income(village, 2025, "300000", "49999.99")
    assert WeakVillage.objects.get().first_year == 2025


def test_a_provinces_own_line_replaces_the_settings(village: Organization) -> None:
    WeakLine.objects.create(
        division_id="320000000000", total_below=D("200000"), operating_below=D("100000")
    )
    income(village, 2025, "150000", "120000")
    assert WeakVillage.objects.filter(cleared_year__isnull=True).count() == 1


@override_settings(JICENG_WEAK_COLLECTIVE_TOTAL=50_000, JICENG_WEAK_COLLECTIVE_OPERATING=0)
def test_the_line_is_a_setting(village: Organization) -> None:
    income(village, 2025, "60000", "0")
    assert not WeakVillage.objects.exists()


def test_bad_income_is_refused_and_nothing_written(village: Organization, tree: Tree) -> None:
    with pytest.raises(InvalidInput) as refused:
        income(village, 2025, "1000", "2000")
    assert "operating" in refused.value.fields
    with pytest.raises(InvalidInput, match="只有村党组织"):
        income(tree.branch, 2025, "1000", "0")  # a community branch
    income(village, 2025, "1000", "0")
    with pytest.raises(Conflict, match="已录入"):
        income(village, 2025, "2000", "0")
    assert VillageIncome.objects.get().total == D(1000)


@pytest.mark.parametrize("text", ["abc", "1.234", "-5"])
def test_amounts_are_parsed_strictly(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.parse_amount(text, "total")
    assert "total" in refused.value.fields
