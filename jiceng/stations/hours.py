"""Opening hours (开放时间), pure: seven lists, Monday first, of [opens, closes) periods in
minutes from midnight (0..1440). A night across midnight is two periods, 22:00-24:00 and
the next day's 00:00-06:00, so every question is asked of one day at a time.

Keepers type a day as text on a phone ("08:00-12:00，14:00-20:00", "全天", "休息");
`parse_week` turns seven such texts into the list or refuses with a Chinese message per
day; `check_week` refuses impossible hours given as data (the API)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from jiceng.core.errors import InvalidInput

DAY_MINUTES = 24 * 60
MAX_PERIODS = 4
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAY_FIELDS = tuple(f"hours_{i}" for i in range(7))
CLOSED_WORDS = frozenset({"", "休息", "不开放", "关闭", "闭站"})
ALL_DAY_WORDS = frozenset({"全天", "24小时", "24 小时", "00:00-24:00", "0:00-24:00"})
_SPLIT = re.compile(r"[,，、;；\s]+")
_DASH = re.compile(r"\s*(?:-|–|—|~|～|至|到)\s*")
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})$")

Week = list[list[list[int]]]


def _minute(text: str, *, closing: bool) -> int:
    found = _TIME.match(text.strip())
    if not found:
        raise ValueError(f"“{text}”不是时间，请写成 08:00 的样子")
    hour, minute = int(found.group(1)), int(found.group(2))
    if closing and hour == 24 and minute == 0:
        return DAY_MINUTES
    if hour > 23 or minute > 59:
        raise ValueError(f"“{text}”不是有效的时间")
    return hour * 60 + minute


def parse_day(text: str) -> list[list[int]]:
    """One day's periods from what a keeper typed; ValueError with the reason in Chinese."""
    text = text.strip()
    if text in CLOSED_WORDS:
        return []
    if text.replace(" ", "") in ALL_DAY_WORDS:
        return [[0, DAY_MINUTES]]
    periods = []
    for part in filter(None, _SPLIT.split(text)):
        ends = _DASH.split(part)
        if len(ends) != 2:
            raise ValueError(f"“{part}”请写成 开门-关门，如 08:00-20:00")
        periods.append([_minute(ends[0], closing=False), _minute(ends[1], closing=True)])
    return check_day(periods)


def check_day(periods: list[list[int]]) -> list[list[int]]:
    """The day's periods sorted, or ValueError: a period must close after it opens, within
    the day, and not overlap another."""
    if len(periods) > MAX_PERIODS:
        raise ValueError(f"一天最多填写 {MAX_PERIODS} 个时段")
    cleaned = []
    for period in periods:
        if len(period) != 2 or not all(isinstance(m, int) for m in period):
            raise ValueError("时段应为 [开门分钟, 关门分钟]")
        opens, closes = period
        if not (0 <= opens < DAY_MINUTES and 0 < closes <= DAY_MINUTES):
            raise ValueError("时间须在 00:00 到 24:00 之间")
        if closes <= opens:
            raise ValueError(
                f"关门时间 {clock_text(closes)} 须晚于开门时间 {clock_text(opens)}"
                "（跨夜开放请分两段填写，如 22:00-24:00 和次日 00:00-06:00）"
            )
        cleaned.append([opens, closes])
    cleaned.sort()
    for before, after in itertools.pairwise(cleaned):
        if after[0] < before[1]:
            raise ValueError(
                f"时段 {period_text(before)} 和 {period_text(after)} 重叠，请合并为一段"
            )
    return cleaned


def parse_week(texts: list[str]) -> Week:
    """Seven days from their texts (Monday first); InvalidInput naming each wrong day."""
    week: Week = []
    errors: dict[str, str] = {}
    for i, text in enumerate(texts):
        try:
            week.append(parse_day(text))
        except ValueError as wrong:
            errors[WEEKDAY_FIELDS[i]] = f"{WEEKDAYS[i]}：{wrong}"
            week.append([])
    if errors:
        raise InvalidInput("开放时间填写有误：" + "；".join(errors.values()), fields=errors)
    return week


def check_week(week: object) -> Week:
    """Hours given as data (the API): seven lists of [opens, closes] minute pairs."""
    if not isinstance(week, list) or len(week) != 7 or not all(isinstance(d, list) for d in week):
        raise InvalidInput(
            "开放时间须为七天（周一起）的时段列表", fields={"weekly_hours": "须为七天的时段列表"}
        )
    checked: Week = []
    errors: dict[str, str] = {}
    for i, day in enumerate(week):
        try:
            checked.append(check_day([list(p) if isinstance(p, list) else [p] for p in day]))
        except (ValueError, TypeError) as wrong:
            errors[WEEKDAY_FIELDS[i]] = f"{WEEKDAYS[i]}：{wrong}"
            checked.append([])
    if errors:
        raise InvalidInput("开放时间填写有误：" + "；".join(errors.values()), fields=errors)
    return checked


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def period_text(period: list[int]) -> str:
    return f"{clock_text(period[0])}-{clock_text(period[1])}"


def day_text(periods: list[list[int]]) -> str:
    """What a keeper typed, back: "08:00-12:00，14:00-20:00", "全天", "休息"."""
    if not periods:
        return "休息"
    if periods == [[0, DAY_MINUTES]]:
        return "全天"
    return "，".join(period_text(p) for p in periods)


def week_texts(week: Week) -> list[str]:
    return [day_text(week[i]) if i < len(week) else "休息" for i in range(7)]


def is_open(week: Week, weekday: int, minute: int) -> bool:
    return any(opens <= minute < closes for opens, closes in week[weekday])


@dataclass(frozen=True)
class OpenState:
    is_open: bool
    text: str  # 营业中，20:00 关门 / 已关门，明天 08:00 开门


def _closing(week: Week, weekday: int, minute: int) -> tuple[int, int] | None:
    """(days ahead, minute) when the period holding `minute` ends, following a night across
    midnight into the next day; None when open all week round."""
    day, at = weekday, minute
    for ahead in range(8):
        holding = next((p for p in week[day] if p[0] <= at < p[1]), None)
        if holding is None:
            return ahead - 1, DAY_MINUTES  # only a period running on past midnight gets here
        if holding[1] < DAY_MINUTES:
            return ahead, holding[1]
        day, at = (day + 1) % 7, 0
    return None


def _opening(week: Week, weekday: int, minute: int) -> tuple[int, int] | None:
    for ahead in range(8):
        day = (weekday + ahead) % 7
        for opens, _ in week[day]:
            if ahead > 0 or opens > minute:
                return ahead, opens
    return None


def _when(ahead: int, weekday: int, minute: int) -> str:
    if ahead == 0:
        return f"今天 {clock_text(minute)}"
    if ahead == 1:
        return f"明天 {clock_text(minute)}"
    return f"{WEEKDAYS[(weekday + ahead) % 7]} {clock_text(minute)}"


def open_state(week: Week, weekday: int, minute: int) -> OpenState:
    """Open now and until when, or closed and when it opens next (a closed station says when
    it opens)."""
    if len(week) != 7:
        return OpenState(False, "未登记开放时间")
    if is_open(week, weekday, minute):
        closing = _closing(week, weekday, minute)
        if closing is None:
            return OpenState(True, "24小时开放")
        ahead, at = closing
        return OpenState(True, f"开放中，{_when(ahead, weekday, at)} 关门")
    opening = _opening(week, weekday, minute)
    if opening is None:
        return OpenState(False, "暂停开放")
    return OpenState(False, f"已关门，{_when(opening[0], weekday, opening[1])} 开门")
