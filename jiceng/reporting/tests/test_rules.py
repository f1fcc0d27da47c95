"""The reporting rules and the calendar, pure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jiceng.reporting import rules
from jiceng.reporting.rules import Rule


def test_the_province_rule_wins_over_the_national_one_and_the_newest_in_force() -> None:
    book = [
        Rule(1, Decimal(12), None, 2020),
        Rule(2, Decimal(24), "320000000000", 2024),
        Rule(3, Decimal(30), "320000000000", 2027),
    ]
    assert rules.rule_for(book, community_code="320113007001", year=2026).yearly_hours == 24
    assert rules.rule_for(book, community_code="320113007001", year=2027).yearly_hours == 30
    assert rules.rule_for(book, community_code="110105001001", year=2026).yearly_hours == 12
    assert rules.rule_for([], community_code="110105001001", year=2026) == rules.DEFAULT


@given(st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2098, 12, 31)))
def test_a_day_lies_in_its_half_and_the_halves_follow_each_other(day: dt.date) -> None:
    half = rules.half_of(day)
    start, end = rules.half_range(half)
    assert start <= day < end
    before = rules.previous_half(half)
    assert rules.half_range(before)[1] == start


def test_a_quarter_without_activity_and_hours_behind_are_short() -> None:
    rule = Rule(1, Decimal(12))
    short = rules.shortfall(
        rule,
        today=dt.date(2026, 7, 10),
        reported_on=dt.date(2025, 11, 1),
        activity_days=[dt.date(2026, 2, 3), dt.date(2026, 3, 1)],
        hours=Decimal(4),
    )
    assert short.quarters_short == (2,)
    assert short.hours_due == Decimal(6)
    assert short.is_short
    assert short.reasons(rule) == [
        "第2季度参加活动少于1次",
        "本年服务4小时，按年度目标12小时到目前应达6小时",
    ]


def test_a_member_who_reported_in_may_owes_nothing_for_the_first_half() -> None:
    short = rules.shortfall(
        Rule(1, Decimal(12)),
        today=dt.date(2026, 7, 10),
        reported_on=dt.date(2026, 5, 3),
        activity_days=[],
        hours=Decimal(0),
    )
    assert not short.is_short
