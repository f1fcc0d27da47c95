"""Rebuilding a person's ID and phone number from what a user saw of them, for tests of the
masking policy (core.masking): every number consistent with everything seen together is a
candidate, and the policy wants at least 10,000 of each.

What is read, by the labels pages, answers and files give it (Chinese or the API's names):
the masked numbers, the gender, the birth date or year or age, and the dates the rules tie
to the birth date (入党日期 and 转正日期: a member joins at 18 or older).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from jiceng.core import idnumbers

ENOUGH = 10_000
MIN_AGE_AT_JOINING = 18

LABELS = {
    "性别": "gender",
    "出生日期": "birth_date",
    "出生年份": "birth_year",
    "年龄": "age",
    "身份证号": "id_number_masked",
    "手机号": "phone_masked",
    "入党日期": "joined_on",
    "转正日期": "full_member_on",
}
GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F"}
MONTH = re.compile(r"(\d{4})-(\d{2})$")
DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass
class Seen:
    """Everything a user saw of one person, from every source together."""

    id_masks: set[str] = field(default_factory=set)
    phone_masks: set[str] = field(default_factory=set)
    genders: set[str] = field(default_factory=set)
    birth_dates: set[dt.date] = field(default_factory=set)
    birth_years: set[int] = field(default_factory=set)
    ages: set[int] = field(default_factory=set)
    # The latest day each date the rules put 18 years after the birth could be.
    adult_by: set[dt.date] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)

    def add(self, source: str, facts: Mapping[str, object]) -> None:
        """Facts of one page, answer or row, by label or API name."""
        self.sources.append(source)
        for label, value in facts.items():
            name = LABELS.get(label, label)
            text = "" if value is None else str(value).strip()
            if not text or text == "—":
                continue
            if name == "gender":
                self.genders.add(GENDERS[text])
            elif name == "id_number_masked":
                self.id_masks.add(text)
            elif name == "phone_masked":
                self.phone_masks.add(text)
            elif name == "birth_year":
                self.birth_years.add(int(text))
            elif name == "age":
                self.ages.add(int(text))
            elif name == "birth_date":
                self.birth_dates.add(_day(value))
            elif name in ("joined_on", "full_member_on"):
                self.adult_by.add(_latest_day(value))


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    found = DAY.match(str(value))
    assert found, value
    return dt.date(*map(int, found.groups()))


def _latest_day(value: object) -> dt.date:
    """A date as shown: a day, or a month (whose last day it may be)."""
    month = MONTH.match(str(value).strip())
    if month:
        year, number = map(int, month.groups())
        return dt.date(year, number, calendar.monthrange(year, number)[1])
    return _day(value)


def _fits(mask: str, value: str) -> bool:
    return len(mask) == len(value) and all(m in ("*", v) for m, v in zip(mask, value, strict=True))


def _birth_dates(seen: Seen, today: dt.date) -> Iterable[dt.date]:
    years = set(seen.birth_years) | {d.year for d in seen.birth_dates}
    for age in seen.ages:
        years |= {today.year - age - 1, today.year - age}
    if not years:
        years = set(range(1900, today.year + 1))
    for year in sorted(years):
        day = dt.date(year, 1, 1)
        while day.year == year:
            yield day
            day += dt.timedelta(days=1)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def birth_fits(seen: Seen, born: dt.date, today: dt.date) -> bool:
    if seen.birth_dates and born not in seen.birth_dates:
        return False
    if seen.birth_years and born.year not in seen.birth_years:
        return False
    if seen.ages and _age(born, today) not in seen.ages:
        return False
    # members.services: (joined_on - birth).days // 365.25 must be at least 18.
    return all((by - born).days // 365.25 >= MIN_AGE_AT_JOINING for by in seen.adult_by)


def id_candidates(seen: Seen, *, area: str, today: dt.date) -> int:
    """How many 18-character ID numbers fit everything seen. `area` is taken as known (it
    follows from where the person lives or their organization)."""
    sequences = [
        (
            f"{n:03d}",
            sum(int(c) * w for c, w in zip(f"{n:03d}", idnumbers.WEIGHTS[14:], strict=True)),
        )
        for n in range(1000)
        if not seen.genders or ("M" if n % 2 else "F") in seen.genders
    ]
    tails = [mask[14:] for mask in seen.id_masks]
    tails_hidden = all(set(tail) == {"*"} and len(tail) == 4 for tail in tails)
    count = 0
    for born in _birth_dates(seen, today):
        if not birth_fits(seen, born, today):
            continue
        head = f"{area}{born:%Y%m%d}"
        if not all(len(mask) == 18 and _fits(mask[:14], head) for mask in seen.id_masks):
            continue
        if tails_hidden:  # each sequence of the gender makes one number, its check following
            count += len(sequences)
            continue
        total = sum(int(c) * w for c, w in zip(head, idnumbers.WEIGHTS[:14], strict=True))
        for digits, weight in sequences:
            tail = digits + idnumbers.CHECK_CHARS[(total + weight) % 11]
            count += all(_fits(mask, tail) for mask in tails)
    return count


def phone_candidates(seen: Seen) -> int:
    """How many mobile numbers (1, 3-9, nine digits) fit every masked phone number seen."""
    if not seen.phone_masks:
        return 7 * 10**9
    count = 1
    for place in range(11):
        shown = {mask[place] for mask in seen.phone_masks if len(mask) == 11} - {"*"}
        if any(len(mask) != 11 for mask in seen.phone_masks) or len(shown) > 1:
            return 0
        allowed = "1" if place == 0 else "3456789" if place == 1 else "0123456789"
        count *= len(set(allowed) & shown) if shown else len(allowed)
    return count
