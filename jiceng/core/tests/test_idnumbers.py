from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core.idnumbers import (
    CHECK_CHARS,
    EARLIEST_BIRTH,
    InvalidIdNumber,
    check_char,
    make,
    parse,
)

TODAY = dt.date(2026, 6, 1)

areas = st.from_regex(r"[1-9][0-9]{5}", fullmatch=True)
births = st.dates(min_value=EARLIEST_BIRTH, max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


def test_the_example_of_the_standard_parses() -> None:
    parsed = parse("11010519491231002X", today=TODAY)

    assert parsed.area_code == "110105"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.gender == "F"
    assert str(parsed) == "11010519491231002X"


@given(area=areas, birth=births, sequence=sequences)
def test_a_made_number_parses_back_to_its_birth_date_and_gender(
    area: str, birth: dt.date, sequence: int
) -> None:
    parsed = parse(make(area, birth, sequence), today=TODAY)

    assert parsed.area_code == area
    assert parsed.birth_date == birth
    assert parsed.gender == ("M" if sequence % 2 == 1 else "F")
    assert len(parsed.value) == 18


@given(
    area=areas,
    birth=births,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=16),
    shift=st.integers(min_value=1, max_value=9),
)
def test_changing_any_one_digit_breaks_the_check_digit(
    area: str, birth: dt.date, sequence: int, position: int, shift: int
) -> None:
    number = make(area, birth, sequence)
    digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + digit + number[position + 1 :]

    assert check_char(changed[:17]) != number[17]
    with pytest.raises(InvalidIdNumber):
        parse(changed, today=TODAY)


@given(area=areas, birth=births, sequence=sequences, data=st.data())
def test_any_other_check_character_is_refused(
    area: str, birth: dt.date, sequence: int, data: st.DataObject
) -> None:
    number = make(area, birth, sequence)
    wrong = data.draw(st.sampled_from([c for c in CHECK_CHARS if c != number[17]]))

    with pytest.raises(InvalidIdNumber, match=r"^身份证号校验位错误$"):
        parse(number[:17] + wrong, today=TODAY)


def test_blanks_full_width_digits_and_a_small_x_are_accepted() -> None:
    parsed = parse(" １１０１０５ 19491231002x ", today=TODAY)

    assert parsed.value == "11010519491231002X"


def test_someone_born_today_is_accepted() -> None:
    assert parse(make("320113", TODAY, 1), today=TODAY).birth_date == TODAY


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("11010519491231002", "身份证号应为18位，实际为17位"),
        ("11010519491231002X1", "身份证号应为18位，实际为19位"),
        ("", "身份证号应为18位，实际为0位"),
        ("1101051949123100X2", "身份证号前17位应为数字，末位应为数字或X"),
        ("11010519491231002Y", "身份证号前17位应为数字，末位应为数字或X"),
        (with_check("32011319990230123"), "身份证号第7至14位的出生日期不存在"),
        (with_check("32011319991301123"), "身份证号第7至14位的出生日期不存在"),
        (with_check("32011320270101123"), "身份证号第7至14位的出生日期晚于今天"),
        (with_check("32011320260602123"), "身份证号第7至14位的出生日期晚于今天"),
        (with_check("32011318991231123"), "身份证号第7至14位的出生日期早于1900年"),
        ("110105194912310021", "身份证号校验位错误"),
    ],
)
def test_a_bad_number_is_refused_saying_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidIdNumber) as refused:
        parse(raw, today=TODAY)

    assert str(refused.value) == message
