"""The workflow as data: moves, escalation and deadlines, without a database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.cases import workflow
from jiceng.cases.workflow import DeadlineClass, Level, Move, Satisfaction, Status

CHINA = dt.timezone(dt.timedelta(hours=8))
moments = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1), timezones=st.just(CHINA)
)


def test_the_happy_path_is_allowed_in_order() -> None:
    status = Status.RECEIVED
    for move in [Move.DISPATCH, Move.ACCEPT, Move.START, Move.RESOLVE, Move.FOLLOW_UP, Move.CLOSE]:
        status = workflow.check_move(move, status)
    assert status == Status.CLOSED


@pytest.mark.parametrize(
    ("move", "status"),
    [
        (Move.ACCEPT, Status.RECEIVED),
        (Move.ACCEPT, Status.ACCEPTED),
        (Move.RESOLVE, Status.DISPATCHED),
        (Move.CLOSE, Status.IN_PROGRESS),
        (Move.MERGE, Status.RESOLVED),
        (Move.REOPEN, Status.MERGED),
        (Move.FOLLOW_UP, Status.CLOSED),
    ],
)
def test_moves_from_the_wrong_status_are_refused(move: Move, status: Status) -> None:
    with pytest.raises(workflow.MoveRefused, match="不能"):
        workflow.check_move(move, status)


def test_final_statuses_go_nowhere_but_a_closed_case_may_reopen() -> None:
    assert workflow.TRANSITIONS[Status.MERGED] == frozenset()
    assert workflow.TRANSITIONS[Status.CLOSED] == frozenset({Status.DISPATCHED})


@given(st.sampled_from(list(Move)), st.sampled_from(list(Status)))
def test_check_move_agrees_with_the_transition_table(move: Move, status: Status) -> None:
    sources, target = workflow.MOVES[move]
    if status in sources:
        assert workflow.check_move(move, status) == target
        assert target in workflow.TRANSITIONS[status]
    else:
        with pytest.raises(workflow.MoveRefused):
            workflow.check_move(move, status)


def test_escalation_climbs_grid_station_department_then_stops() -> None:
    assert workflow.next_level(Level.GRID) == Level.STATION
    assert workflow.next_level(Level.STATION) == Level.DEPARTMENT
    assert workflow.next_level(Level.DEPARTMENT) is None


@pytest.mark.parametrize(
    ("deadline_class", "within"),
    [
        (DeadlineClass.EMERGENCY, dt.timedelta(hours=2)),
        (DeadlineClass.UTILITIES, dt.timedelta(hours=24)),
        (DeadlineClass.GENERAL, dt.timedelta(days=7)),
        (DeadlineClass.COMPLEX, dt.timedelta(days=15)),
    ],
)
def test_resolution_deadlines_by_class(deadline_class: DeadlineClass, within: dt.timedelta) -> None:
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CHINA)
    assert workflow.resolve_due(start, deadline_class) == start + within


@given(moments, st.sampled_from(list(DeadlineClass)))
def test_acceptance_comes_within_two_hours_and_before_resolution(
    start: dt.datetime, deadline_class: DeadlineClass
) -> None:
    accept = workflow.accept_due(start, deadline_class)
    assert start < accept <= start + dt.timedelta(hours=2)
    assert accept <= workflow.resolve_due(start, deadline_class)


@given(moments, st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=30))
def test_reopening_is_possible_exactly_within_the_period(
    resolved: dt.datetime, days_later: int, period: int
) -> None:
    now = resolved + dt.timedelta(days=days_later)
    assert workflow.may_reopen(resolved, now, period) == (days_later <= period)


def test_unsatisfied_or_unresolved_feedback_reopens() -> None:
    assert workflow.reopens(True, Satisfaction.UNSATISFIED)
    assert workflow.reopens(False, Satisfaction.SATISFIED)
    assert not workflow.reopens(True, Satisfaction.BASICALLY_SATISFIED)


def test_a_department_reports_within_thirty_minutes_by_default() -> None:
    at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CHINA)
    assert workflow.report_due(at) == at + dt.timedelta(minutes=30)
    assert workflow.report_due(at, dt.timedelta(hours=1)) == at + dt.timedelta(hours=1)
