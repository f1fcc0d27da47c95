"""The count of a round at the edges of the Civil Code's thresholds (exact arithmetic)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from jiceng.consent import rules
from jiceng.consent.rules import ABSTAIN, AGREE, CIVIL_CODE, DISAGREE, Unit, tally


def units(count: int, area: str = "100") -> list[Unit]:
    return [Unit(owner=i, area=Decimal(area)) for i in range(count)]


def test_exactly_two_thirds_taking_part_and_three_quarters_agreeing_meets_the_rule() -> None:
    # 12 owners of equal area: 8 take part (exactly 2/3), 6 of them agree (exactly 3/4)
    answers = dict.fromkeys(range(6), AGREE) | {6: DISAGREE, 7: DISAGREE}
    result = tally(units(12), answers, CIVIL_CODE)
    assert [c.have for c in result.checks] == [Fraction(2, 3)] * 2 + [Fraction(3, 4)] * 2
    assert result.is_met


def test_one_owner_fewer_taking_part_misses_the_two_thirds() -> None:
    answers = dict.fromkeys(range(7), AGREE)  # 7/12 < 2/3
    result = tally(units(12), answers, CIVIL_CODE)
    assert not result.checks[1].is_met and not result.is_met


def test_one_agreement_short_of_three_quarters_fails() -> None:
    # 8 take part, 5 agree: 5/8 < 3/4
    answers = dict.fromkeys(range(5), AGREE) | {5: DISAGREE, 6: ABSTAIN, 7: DISAGREE}
    result = tally(units(12), answers, CIVIL_CODE)
    assert result.checks[3].have == Fraction(5, 8) and not result.is_met


def test_area_just_under_two_thirds_fails_although_the_heads_are_enough() -> None:
    # three owners: 0 and 1 take part with 66.66 of 100 square metres (just under 2/3)
    owners = [Unit(0, Decimal("33.33")), Unit(1, Decimal("33.33")), Unit(2, Decimal("33.34"))]
    result = tally(owners, {0: AGREE, 1: AGREE}, CIVIL_CODE)
    assert result.checks[0].have == Fraction(6666, 10000)
    assert result.checks[1].is_met and not result.checks[0].is_met and not result.is_met
    # a hundredth more is exactly 2/3 of the area: 33.34 + 33.33 = 66.67 > 2/3 * 100
    owners[1] = Unit(1, Decimal("33.34"))
    owners[2] = Unit(2, Decimal("33.33"))
    assert tally(owners, {0: AGREE, 1: AGREE}, CIVIL_CODE).is_met


def test_area_exactly_two_thirds_counts_as_reaching_it() -> None:
    owners = [Unit(0, Decimal("40")), Unit(1, Decimal("40")), Unit(2, Decimal("40"))]
    result = tally(owners, {0: AGREE, 1: AGREE}, CIVIL_CODE)
    assert result.checks[0].have == Fraction(2, 3) and result.checks[0].is_met


def test_an_owner_of_several_units_is_one_head_with_all_their_area() -> None:
    # owner 0 holds three units (300 of 500): heads 1 of 3 take part, area 3/5
    owners = [Unit(0, Decimal(100)), Unit(0, Decimal(100)), Unit(0, Decimal(100))]
    owners += [Unit(1, Decimal(100)), Unit(2, Decimal(100))]
    result = tally(owners, {0: AGREE}, CIVIL_CODE)
    assert result.owners == 3 and result.area == Decimal(500)
    assert result.participating_area == Decimal(300)
    assert result.checks[1].have == Fraction(1, 3)


def test_the_owner_of_an_occupied_unit_must_agree_whatever_the_counts() -> None:
    owners = [*units(4), Unit(4, Decimal(100), is_occupied=True)]
    everyone_else = dict.fromkeys(range(4), AGREE)
    assert not tally(owners, everyone_else | {4: DISAGREE}, CIVIL_CODE).is_met
    assert not tally(owners, everyone_else, CIVIL_CODE).is_met  # not answered: not agreed
    assert tally(owners, everyone_else | {4: AGREE}, CIVIL_CODE).is_met
    lenient = rules.Rule("某市规则", *(Fraction(1, 2),) * 4, occupied_must_agree=False)
    assert tally(owners, everyone_else | {4: DISAGREE}, lenient).is_met


def test_nobody_answering_is_not_met_and_divides_by_nothing() -> None:
    result = tally(units(3), {}, CIVIL_CODE)
    assert [c.have for c in result.checks][2:] == [None, None] and not result.is_met
    assert not tally([], {}, CIVIL_CODE).is_met


def test_a_city_rule_with_other_fractions_is_applied() -> None:
    city = rules.Rule("某市规则", Fraction(1, 2), Fraction(1, 2), Fraction(2, 3), Fraction(2, 3))
    answers = {0: AGREE, 1: AGREE, 2: AGREE, 3: DISAGREE, 4: DISAGREE, 5: DISAGREE}
    assert not tally(units(10), answers, CIVIL_CODE).is_met
    assert not tally(units(10), answers, city).is_met  # 3/6 agree < 2/3
    answers[5] = AGREE  # 4/6 = 2/3 exactly
    assert tally(units(10), answers, city).is_met


@pytest.mark.parametrize(("text", "value"), [("2/3", Fraction(2, 3)), ("1", Fraction(1))])
def test_fractions_are_read_as_written(text: str, value: Fraction) -> None:
    assert rules.parse_fraction(text) == value


@pytest.mark.parametrize("text", ["0", "3/2", "abc", "1/0"])
def test_impossible_fractions_are_refused_in_chinese(text: str) -> None:
    with pytest.raises(ValueError, match="比例"):
        rules.parse_fraction(text)


def test_percent_is_shown_to_the_hundredth() -> None:
    assert rules.percent_text(Fraction(6666, 10000)) == "66.66%"
    assert rules.percent_text(Fraction(2, 3)) == "66.67%"
    assert rules.percent_text(Fraction(3, 4)) == "75.00%"
