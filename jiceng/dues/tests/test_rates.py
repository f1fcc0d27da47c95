"""The dues arithmetic of the 2008 table, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.dues import rates
from jiceng.dues.rates import TABLE_2008, monthly_amount


def employed(base_yuan: float) -> int:
    return monthly_amount(TABLE_2008, category="EMPLOYED", base=round(base_yuan * 100))


def test_employed_rates_apply_to_the_whole_base():
    assert employed(3000) == 1500  # 0.5%
    assert employed(3000.01) == 3000  # 1% of the whole base, 30.0001 → 30.00
    assert employed(5000) == 5000
    assert employed(5001) == 7502  # 1.5% of 5,001 = 75.015 → 75.02 (half up)
    assert employed(10000) == 15000
    assert employed(12000) == 24000  # 2%


def test_retired_and_fixed_categories():
    assert monthly_amount(TABLE_2008, category="RETIRED", base=500_000) == 2500
    assert monthly_amount(TABLE_2008, category="RETIRED", base=600_000) == 6000
    assert monthly_amount(TABLE_2008, category="FARMER", base=None) == 50
    assert monthly_amount(TABLE_2008, category="FARMER", base=None, fixed_amount=100) == 100
    assert monthly_amount(TABLE_2008, category="STUDENT", base=None) == 20
    assert monthly_amount(TABLE_2008, category="UNEMPLOYED", base=999_999) == 20
    assert monthly_amount(TABLE_2008, category="SUBSISTENCE", base=None) == 20


def test_a_farmers_sum_outside_the_range_is_refused():
    with pytest.raises(ValueError, match=r"0\.20元至1\.00元"):
        monthly_amount(TABLE_2008, category="FARMER", base=None, fixed_amount=150)


@pytest.mark.parametrize(
    ("base", "message"), [(-1, "不能为负数"), (rates.MAX_BASE + 1, "录入错误")]
)
def test_negative_or_absurd_base_is_refused(base, message):
    with pytest.raises(ValueError, match=message):
        monthly_amount(TABLE_2008, category="EMPLOYED", base=base)


@given(st.integers(min_value=0, max_value=rates.MAX_BASE - 1))
def test_a_higher_base_never_pays_less(base):
    assert employed(base / 100) <= employed((base + 1) / 100)


def test_table_in_force_is_the_latest_up_to_the_year():
    later = rates.RateRow(2030, "STUDENT", fixed=30)
    rows = [*TABLE_2008, later]
    assert rates.table_in_force(rows, 2029) == list(TABLE_2008)
    assert rates.table_in_force(rows, 2031) == [later]
    assert rates.table_in_force(rows, 2007) == []


def test_yuan_and_fen():
    assert rates.yuan(1500) == "15.00"
    assert rates.yuan(7) == "0.07"
    assert rates.fen_of("3,500.5") == 350050
    assert rates.fen_of("3500元") == 350000
    with pytest.raises(ValueError):
        rates.fen_of("3500.555")
    with pytest.raises(ValueError):
        rates.fen_of("三千")


def test_standing():
    assert rates.standing(2, has_reason=False) == ""
    assert rates.standing(3, has_reason=False) == "ARREARS"
    assert rates.standing(6, has_reason=False) == "LEAVING"
    assert rates.standing(6, has_reason=True) == "ARREARS"


def test_months():
    assert rates.add_months(202612, 1) == 202701
    assert rates.month_end(202602).day == 28
