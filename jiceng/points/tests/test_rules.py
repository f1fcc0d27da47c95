"""The pure arithmetic of the rules: which rule is in force, caps, exemptions, the histogram."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from jiceng.members.models import Category, MemberStatus
from jiceng.points.models import CapPeriod, SourceKind
from jiceng.points.queries import histogram
from jiceng.points.rules import DEFAULTS, Rule, RuleBook, capped_points

BRANCH = "0001000200030004"


def rule(points: int, since: dt.date, path: str = "", **extra: object) -> Rule:
    fields = {
        "cap": None,
        "cap_period": CapPeriod.YEAR,
        "exempt_retired": False,
        "exempt_lost_contact": True,
    } | extra
    return Rule(SourceKind.ATTENDANCE, points, valid_from=since, path=path, **fields)  # type: ignore[arg-type]


def test_nearest_ancestor_in_force_wins():
    book = RuleBook(
        SourceKind.ATTENDANCE,
        [
            rule(1, dt.date(2025, 1, 1)),
            rule(3, dt.date(2025, 3, 1), "00010002"),
            rule(5, dt.date(2025, 6, 1), "000100020003"),
        ],
    )
    assert book.rule_for(BRANCH, dt.date(2025, 2, 1)).points == 1
    assert book.rule_for(BRANCH, dt.date(2025, 4, 1)).points == 3
    assert book.rule_for(BRANCH, dt.date(2025, 6, 1)).points == 5
    assert book.rule_for("0001000900010001", dt.date(2025, 7, 1)).points == 1
    assert book.rule_for(BRANCH, dt.date(2024, 1, 1)) == DEFAULTS[SourceKind.ATTENDANCE]


def test_later_rule_of_the_same_subtree_replaces_the_earlier():
    book = RuleBook(
        SourceKind.ATTENDANCE,
        [rule(3, dt.date(2025, 1, 1), "0001"), rule(4, dt.date(2025, 7, 1), "0001")],
    )
    assert book.rule_for(BRANCH, dt.date(2025, 6, 30)).points == 3
    assert book.rule_for(BRANCH, dt.date(2025, 7, 1)).points == 4


def test_exemptions():
    strict = rule(2, dt.date(2025, 1, 1), exempt_retired=True)
    assert strict.is_exempt(category=Category.RETIRED, status=MemberStatus.FULL)
    assert strict.is_exempt(category=Category.FARMER, status=MemberStatus.LOST_CONTACT)
    assert not strict.is_exempt(category=Category.FARMER, status=MemberStatus.FULL)
    assert not DEFAULTS[SourceKind.ATTENDANCE].is_exempt(
        category=Category.RETIRED, status=MemberStatus.FULL
    )


@given(cap=st.integers(0, 30), before=st.integers(0, 40))
def test_cap(cap: int, before: int):
    capped = rule(2, dt.date(2025, 1, 1), cap=cap)
    assert capped_points(capped, earned_before=before) == (2 if before < cap else 0)
    assert capped.period_of(202505) == 2025
    assert rule(2, dt.date(2025, 1, 1), cap_period=CapPeriod.MONTH).period_of(202505) == 202505


@given(values=st.lists(st.integers(0, 500), max_size=60), extra=st.integers(0, 20))
def test_histogram_counts_every_member_once(values: list[int], extra: int):
    labels, counts = histogram(values, len(values) + extra)
    assert sum(counts) == len(values) + extra
    assert len(labels) == len(counts) <= 12
