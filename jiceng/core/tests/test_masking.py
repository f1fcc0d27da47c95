from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core import masking
from jiceng.core.masking import mask_id_number, mask_phone


def test_an_id_number_shows_its_area_code_only() -> None:
    assert mask_id_number("11010519491231002X") == "110105************"


def test_an_old_fifteen_digit_id_number_is_masked_the_same_way() -> None:
    assert mask_id_number("110105491231002") == "110105*********"


def test_a_phone_number_shows_its_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize("value", ["", "1", "1234567890", "12345678901234"])
def test_an_id_number_too_short_to_mask_partly_is_hidden_whole(value: str) -> None:
    assert mask_id_number(value) == "*" * len(value)


@pytest.mark.parametrize("value", ["", "110", "1234567"])
def test_a_phone_number_too_short_to_mask_partly_is_hidden_whole(value: str) -> None:
    assert mask_phone(value) == "*" * len(value)


@given(st.text(alphabet="0123456789X", min_size=15, max_size=30))
def test_a_masked_id_number_keeps_its_length_and_hides_all_but_the_area(value: str) -> None:
    masked = mask_id_number(value)

    assert len(masked) == len(value)
    assert masked[:6] == value[:6]
    assert set(masked[6:]) == {"*"}


@given(st.text(alphabet="0123456789", min_size=8, max_size=20))
def test_a_masked_phone_number_keeps_its_length_and_hides_four_digits_or_more(
    value: str,
) -> None:
    masked = mask_phone(value)

    assert len(masked) == len(value)
    assert masked.count("*") >= 4
    assert all(m in ("*", v) for m, v in zip(masked, value, strict=True))
    # a +86 or 0086 before a number is shown and is not the number's (the policy)
    assert len(value) - masked.count("*") - masking._country_prefix(value) <= 7


@given(st.text(alphabet="0123456789X", max_size=30))
def test_a_stored_id_number_is_masked_as_the_written_form_would_be(value: str) -> None:
    assert mask_id_number(value) == masking._mask_id_number_as_written(value)


@given(
    st.one_of(
        st.text(alphabet="0123456789", max_size=22),
        st.from_regex(r"(0086|86)?1[3-9][0-9]{9}", fullmatch=True),
    )
)
def test_a_stored_phone_number_is_masked_as_the_written_form_would_be(value: str) -> None:
    assert mask_phone(value) == masking._mask_phone_as_written(value)
