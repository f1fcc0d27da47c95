"""Malformed ID numbers are refused with a reason in Chinese, never with a crash, and an area
code must name a division: today's, or one of any GB/T 2260 edition since 1980."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core.idnumbers import (
    InvalidIdNumber,
    check_area,
    gb2260_area_codes,
    make,
    normalize,
    parse,
)

TODAY = dt.date(2026, 6, 1)
GOOD = make("320113", dt.date(1990, 3, 7), 123)  # 320113199003071238

# Characters for which str.isdigit() is true but which are not the digits 0-9.
DIGIT_LIKE = ["١", "٣", "۴", "²", "³", "¹", "①", "𝟙", "๑", "१"]


def with_char(position: int, char: str) -> str:
    return GOOD[:position] + char + GOOD[position + 1 :]


@pytest.mark.parametrize("char", DIGIT_LIKE)
@pytest.mark.parametrize("position", [0, 5, 10, 16, 17])
def test_a_digit_like_character_that_is_not_0_to_9_is_refused(position: int, char: str) -> None:
    with pytest.raises(InvalidIdNumber, match=f"身份证号中的“{char}”不是数字0-9"):
        parse(with_char(position, char), today=TODAY)


def test_a_number_written_all_in_arabic_indic_digits_is_refused() -> None:
    arabic = GOOD.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    with pytest.raises(InvalidIdNumber, match="不是数字0-9，请用半角数字填写"):
        parse(arabic, today=TODAY)


def test_full_width_digits_and_invisible_characters_pasted_from_a_document_are_read() -> None:
    full_width = GOOD.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    pasted = "\ufeff" + GOOD[:6] + "\u200b" + GOOD[6:] + "\u200d"

    assert parse(full_width, today=TODAY).value == GOOD
    assert parse(pasted, today=TODAY).value == GOOD
    assert normalize(pasted) == GOOD


def test_an_x_among_the_first_17_characters_is_refused() -> None:
    with pytest.raises(InvalidIdNumber, match="前17位应为数字"):
        parse(with_char(3, "X"), today=TODAY)


@given(text=st.text(min_size=18, max_size=18))
def test_any_18_characters_parse_or_are_refused_in_chinese(text: str) -> None:
    try:
        parsed = parse(text, today=TODAY)
    except InvalidIdNumber as exc:
        assert str(exc).startswith("身份证号")
    else:
        assert parsed.value.isascii() and parsed.value[:17].isdecimal()


@given(
    text=st.text(
        alphabet=st.sampled_from("0123456789X" + "".join(DIGIT_LIKE)), min_size=18, max_size=18
    )
)
def test_digit_like_text_never_crashes(text: str) -> None:
    try:
        parsed = parse(text, today=TODAY)
    except InvalidIdNumber:
        return
    assert parsed.value.isascii()


def test_the_code_of_a_county_since_merged_stays_valid() -> None:
    # 北京市崇文区 (merged into 东城区 in 2010), 南京市下关区 (into 鼓楼区 in 2013).
    for code in ("110103", "320107"):
        check_area(code, current=frozenset())


def test_a_current_division_not_yet_in_the_standard_is_valid_when_the_divisions_have_it() -> None:
    # 苏州工业园区: a statistical code of the divisions, in no GB/T 2260 edition.
    assert "320576" not in gb2260_area_codes()
    check_area("320576", current=frozenset({"320576"}))
    with pytest.raises(InvalidIdNumber):
        check_area("320576", current=frozenset())


@pytest.mark.parametrize("code", ["329999", "000000", "990000", "320199"])
def test_an_area_code_that_never_existed_is_refused(code: str) -> None:
    with pytest.raises(InvalidIdNumber, match=f"身份证号前6位{code}不是行政区划代码"):
        check_area(code, current=frozenset({"320113"}))


def test_the_standards_codes_cover_every_province_and_the_residence_permits() -> None:
    codes = gb2260_area_codes()

    assert len(codes) > 7000
    provinces = {code[:2] for code in codes}
    assert {"11", "32", "46", "50", "54", "65", "81", "82", "83"} <= provinces
    assert all(len(code) == 6 and code.isdecimal() for code in codes)
