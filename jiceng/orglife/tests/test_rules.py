"""The pure rules: periods, quorum, online presence, locks, closed months, recurrence."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from jiceng.core import clock
from jiceng.orglife import rules
from jiceng.orglife.models import MeetingKind, Period

months = st.builds(lambda y, m: y * 100 + m, st.integers(2000, 2100), st.integers(1, 12))


@given(months, st.sampled_from(list(Period)))
def test_period_contains_its_month(month: int, period: Period) -> None:
    first, last = rules.period_bounds(period, month)
    assert first <= month <= last
    assert first // 100 == last // 100 == month // 100


@given(months, st.integers(-50, 50))
def test_add_months_round_trips(month: int, count: int) -> None:
    assert rules.add_months(rules.add_months(month, count), -count) == month
    assert 1 <= rules.add_months(month, count) % 100 <= 12


def test_parse_month_refuses_nonsense() -> None:
    assert rules.parse_month("2025-03") == 202503
    for bad in ("2025-13", "25-03", "abc", "2025/03"):
        try:
            rules.parse_month(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_quarterly_requirement_is_pending_until_the_quarter_ends() -> None:
    assert rules.kind_status(held=0, times=1, period=Period.QUARTER, month=202504) == "PENDING"
    assert rules.kind_status(held=0, times=1, period=Period.QUARTER, month=202506) == "MISSING"
    assert rules.kind_status(held=1, times=1, period=Period.QUARTER, month=202504) == "MET"
    assert rules.kind_status(held=0, times=1, period=Period.MONTH, month=202504) == "MISSING"


@given(st.integers(0, 200), st.integers(1, 200))
def test_committee_quorum_is_at_least_half(present: int, size: int) -> None:
    present = min(present, size)
    assert rules.committee_quorum(present=present, committee_size=size) == (present >= size / 2)


@given(st.integers(0, 500), st.integers(1, 500))
def test_general_meeting_quorum_is_more_than_half_of_full_members(present: int, full: int) -> None:
    present = min(present, full)
    assert rules.general_quorum(present_full=present, full_members=full) == (present > full / 2)


def test_exactly_half_is_a_committee_quorum_but_not_a_general_one() -> None:
    assert rules.committee_quorum(present=3, committee_size=6)
    assert not rules.general_quorum(present_full=3, full_members=6)
    assert not rules.general_quorum(present_full=0, full_members=0)


def test_probationary_members_do_not_make_a_general_quorum() -> None:
    tally = {"present": 4, "expected": 6, "present_full": 2, "expected_full": 5}
    assert not rules.quorum_met(MeetingKind.THEME_DAY, **tally)
    assert rules.quorum_met(MeetingKind.PARTY_LECTURE, **tally)


@given(st.integers(0, 7200), st.integers(60, 14400), st.integers(0, 120))
def test_online_presence_counts_past_the_threshold(
    seconds: int, meeting: int, minimum: int
) -> None:
    counted = rules.online_counts(seconds=seconds, meeting_seconds=meeting, min_minutes=minimum)
    assert counted == (seconds >= min(minimum * 60, meeting // 2))


def test_checkin_window_opens_half_an_hour_early() -> None:
    start = dt.datetime(2025, 5, 15, 15, tzinfo=clock.CHINA)
    end = start + dt.timedelta(hours=2)
    early = start - dt.timedelta(minutes=30)
    assert rules.in_checkin_window(at=early, starts_at=start, ends_at=end)
    assert not rules.in_checkin_window(
        at=start - dt.timedelta(minutes=31), starts_at=start, ends_at=end
    )
    assert not rules.in_checkin_window(
        at=end + dt.timedelta(seconds=1), starts_at=start, ends_at=end
    )


def test_month_closes_on_the_close_day_of_the_next_month() -> None:
    assert not rules.month_closed(month=202505, today=dt.date(2025, 6, 4), close_day=5)
    assert rules.month_closed(month=202505, today=dt.date(2025, 6, 5), close_day=5)
    assert rules.month_closed(month=202412, today=dt.date(2025, 1, 5), close_day=5)


def test_minutes_lock_seven_days_after_the_meeting() -> None:
    end = dt.datetime(2025, 5, 15, 17, tzinfo=clock.CHINA)
    assert rules.minutes_lock_at(ends_at=end, lock_days=7) == end + dt.timedelta(days=7)


def test_monthly_dates_on_the_fifteenth() -> None:
    days = rules.monthly_dates(first=dt.date(2025, 11, 20), day=15, count=3)
    assert days == [dt.date(2025, 12, 15), dt.date(2026, 1, 15), dt.date(2026, 2, 15)]
    assert rules.monthly_dates(first=dt.date(2025, 1, 1), day=31, count=3)[1] == dt.date(
        2025, 3, 31
    )


def test_nearest_rule_wins() -> None:
    found = {"0001": "national-ish", "00010002": "street"}
    assert rules.nearest_rule("000100020003", found) == "street"
    assert rules.nearest_rule("000100030001", found) == "national-ish"
    assert rules.nearest_rule("0002", found) is None


def test_branch_without_committee_or_groups_needs_neither() -> None:
    met, missing, pending = rules.evaluate_branch(
        requirements=rules.DEFAULT_RULES,
        held={MeetingKind.THEME_DAY: 1},
        month=202505,
        has_committee=False,
        party_groups=0,
        members_without_talk=2,
    )
    assert rules.kinds_in(met) == [MeetingKind.THEME_DAY]
    assert set(rules.kinds_in(pending)) == {
        MeetingKind.GENERAL_MEETING,
        MeetingKind.PARTY_LECTURE,
        MeetingKind.LIFE_MEETING,
        MeetingKind.DEMOCRATIC_REVIEW,
        MeetingKind.HEART_TO_HEART_TALK,
    }
    assert missing == 0


def test_heart_to_heart_talk_is_met_only_when_no_member_lacks_one() -> None:
    talk = rules.KIND_BITS[MeetingKind.HEART_TO_HEART_TALK]

    def judge(month: int, without: int) -> tuple[int, int, int]:
        return rules.evaluate_branch(
            requirements={
                MeetingKind.HEART_TO_HEART_TALK: rules.DEFAULT_RULES[
                    MeetingKind.HEART_TO_HEART_TALK
                ]
            },
            held={},
            month=month,
            has_committee=True,
            party_groups=1,
            members_without_talk=without,
        )

    assert judge(202506, 0) == (talk, 0, 0)
    assert judge(202506, 1) == (0, 0, talk)
    assert judge(202512, 1) == (0, talk, 0)
    assert MeetingKind.HEART_TO_HEART_TALK not in rules.MEETING_KINDS


def test_group_meeting_is_met_only_when_every_party_group_held_one() -> None:
    group = rules.KIND_BITS[MeetingKind.GROUP_MEETING]

    def judge(groups_held: int, party_groups: int) -> int:
        met, _, _ = rules.evaluate_branch(
            requirements={
                MeetingKind.GROUP_MEETING: rules.DEFAULT_RULES[MeetingKind.GROUP_MEETING]
            },
            held={MeetingKind.GROUP_MEETING: groups_held},
            month=202505,
            has_committee=True,
            party_groups=party_groups,
        )
        return met & group

    assert judge(1, 2) == 0
    assert judge(2, 2) == group
    assert judge(0, 0) == 0  # no party groups: not required at all
