import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiceng.core.errors import InvalidInput
from jiceng.stations import hours


def test_a_day_is_read_as_a_keeper_types_it() -> None:
    assert hours.parse_day("08:00-12:00，14:00-20:00") == [[480, 720], [840, 1200]]
    assert hours.parse_day("8:30至17:00") == [[510, 1020]]
    assert hours.parse_day("全天") == [[0, 1440]]
    assert hours.parse_day("休息") == []
    assert hours.parse_day("22:00-24:00") == [[1320, 1440]]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("20:00-08:00", "须晚于开门时间"),
        ("08:00-08:00", "须晚于开门时间"),
        ("25:00-26:00", "不是有效的时间"),
        ("08:00-12:00,11:00-14:00", "重叠"),
        ("早上八点", "开门-关门"),
        ("08:61-09:00", "不是有效的时间"),
    ],
)
def test_impossible_hours_are_refused_in_chinese(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        hours.parse_day(text)


def test_a_week_names_each_wrong_day() -> None:
    texts = ["08:00-20:00"] * 7
    texts[2] = "20:00-08:00"
    with pytest.raises(InvalidInput) as refused:
        hours.parse_week(texts)
    assert set(refused.value.fields) == {"hours_2"}
    assert "周三" in refused.value.message


def test_hours_as_data_are_checked_too() -> None:
    with pytest.raises(InvalidInput):
        hours.check_week([[[600, 500]]] + [[]] * 6)
    with pytest.raises(InvalidInput):
        hours.check_week([[]] * 6)


def test_a_closed_station_says_when_it_opens() -> None:
    week = [[[480, 1200]]] * 5 + [[], []]
    assert hours.open_state(week, 0, 600).text == "开放中，今天 20:00 关门"
    assert hours.open_state(week, 0, 400).text == "已关门，今天 08:00 开门"
    assert hours.open_state(week, 0, 1300).text == "已关门，明天 08:00 开门"
    assert hours.open_state(week, 4, 1300).text == "已关门，周一 08:00 开门"
    assert hours.open_state([[]] * 7, 0, 0).text == "暂停开放"


def test_a_night_across_midnight_closes_the_next_morning() -> None:
    week = [[[0, 360], [1320, 1440]]] * 7
    state = hours.open_state(week, 0, 1400)
    assert state.is_open and state.text == "开放中，明天 06:00 关门"
    assert hours.open_state([[[0, 1440]]] * 7, 3, 5).text == "24小时开放"


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 1440)), max_size=4))
def test_checked_days_are_sorted_and_apart(periods: list[tuple[int, int]]) -> None:
    try:
        day = hours.check_day([list(p) for p in periods])
    except ValueError:
        return
    for opens, closes in day:
        assert opens < closes
    for before, after in itertools.pairwise(day):
        assert before[1] <= after[0]
    assert hours.parse_day(hours.day_text(day)) == day
