"""The arithmetic of core.masking's policy: what is shown of a person together leaves at least
10,000 candidates for the ID number and for the phone number."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.core import idnumbers
from jiceng.core.masking import (
    birth_year,
    date_beside_birth_year,
    mask_id_number,
    mask_phone,
    mask_text,
)
from jiceng.testing.rebuild import ENOUGH, Seen, birth_fits, id_candidates, phone_candidates

TODAY = dt.date(2026, 6, 1)


def seen_of(number: str, *, joined: dt.date | None = None, full: dt.date | None = None) -> Seen:
    """What every page, answer and file shows of a member with this ID number."""
    born = idnumbers.parse(number, today=TODAY)
    seen = Seen()
    facts: dict[str, object] = {
        "身份证号": mask_id_number(number),
        "性别": born.gender,
        "出生年份": birth_year(born.birth_date),
    }
    if joined is not None:
        facts["入党日期"] = date_beside_birth_year(joined, birth_year=born.birth_date.year)
    if full is not None:
        facts["转正日期"] = date_beside_birth_year(full, birth_year=born.birth_date.year)
    seen.add("everything", facts)
    return seen


@pytest.mark.parametrize(
    ("born", "sequence"),
    [(dt.date(1985, 6, 1), 123), (dt.date(2000, 2, 29), 124), (dt.date(1949, 10, 1), 1)],
)
def test_the_masked_id_number_beside_birth_year_and_gender_leaves_every_day_of_the_year(
    born: dt.date, sequence: int
) -> None:
    number = idnumbers.make("320113", born, sequence)

    candidates = id_candidates(seen_of(number), area="320113", today=TODAY)

    days = 366 if born.year % 4 == 0 else 365
    assert candidates == days * 500 >= ENOUGH


def test_the_old_mask_beside_the_birth_date_gave_the_number_away() -> None:
    number = idnumbers.make("320113", dt.date(1985, 6, 1), 123)
    old_mask = number[:6] + "*" * 8 + number[-4:]
    seen = Seen()
    seen.add("the old member page", {"身份证号": old_mask, "出生日期": "1985-06-01", "性别": "男"})

    assert id_candidates(seen, area="320113", today=TODAY) == 1


def test_a_january_date_of_the_year_the_member_turned_18_is_shown_as_its_month() -> None:
    assert date_beside_birth_year(dt.date(2018, 1, 20), birth_year=2000) == "2018-01"
    assert date_beside_birth_year(dt.date(2018, 2, 1), birth_year=2000) == "2018-02-01"
    assert date_beside_birth_year(dt.date(2019, 1, 20), birth_year=2000) == "2019-01-20"


@pytest.mark.parametrize("year", [2000, 2001])
def test_no_joining_date_leaves_fewer_than_10000_for_a_member_who_joined_at_18(year: int) -> None:
    """Every day of the year the member turned 18 as the joining date, each with the birth
    date that allows it which the shown date narrows most (the 1st of January): the masked
    number shows only the area code, so each birth date left holds 500 numbers of a gender."""
    fewest = None
    joined = dt.date(year + 18, 1, 1)
    while joined.year == year + 18:
        born = dt.date(year, 1, 1)
        seen = seen_of(idnumbers.make("320113", born, 1), joined=joined, full=joined)
        days = sum(
            birth_fits(seen, dt.date(year, 1, 1) + dt.timedelta(days=d), TODAY)
            for d in range(366)
            if (dt.date(year, 1, 1) + dt.timedelta(days=d)).year == year
        )
        fewest = days if fewest is None else min(fewest, days)
        joined += dt.timedelta(days=1)

    assert fewest is not None and fewest * 500 >= ENOUGH


@pytest.mark.parametrize("joined", [dt.date(2018, 1, 2), dt.date(2018, 1, 31), dt.date(2018, 2, 1)])
def test_the_numbers_left_beside_a_joining_date_at_18_are_enough(joined: dt.date) -> None:
    number = idnumbers.make("320113", dt.date(2000, 1, 1), 7)

    candidates = id_candidates(seen_of(number, joined=joined), area="320113", today=TODAY)

    assert candidates >= ENOUGH


def test_the_full_joining_date_in_january_would_not_have_been_enough() -> None:
    """Why January is shown as a month: the day itself leaves a day's births, 500 numbers."""
    seen = Seen()
    seen.add(
        "a page showing the day",
        {
            "身份证号": "320113************",
            "性别": "男",
            "出生年份": 2000,
            "入党日期": "2018-01-02",
        },
    )

    assert id_candidates(seen, area="320113", today=TODAY) < ENOUGH


def test_a_masked_mobile_number_leaves_10000() -> None:
    seen = Seen()
    seen.add("a list", {"手机号": mask_phone("13812345678")})

    assert phone_candidates(seen) == 10_000


def test_the_same_mobile_in_a_field_and_in_free_text_leaves_as_many() -> None:
    masked_text = mask_text("电话：+86 138-1234-5678")
    from_text = "".join(c for c in masked_text if c.isdigit() or c == "*")[2:]  # after 86
    seen = Seen()
    seen.add("a list", {"手机号": mask_phone("13812345678")})
    seen.add("a description", {"手机号": from_text})

    assert from_text == "138****5678"
    assert phone_candidates(seen) == 10_000


@pytest.mark.parametrize("number", ["65123456", "6512345", "0106512345", "01065123456"])
def test_a_landline_keeps_four_digits_hidden(number: str) -> None:
    assert mask_phone(number).count("*") >= 4
