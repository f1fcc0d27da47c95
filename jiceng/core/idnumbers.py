"""Resident identity numbers (公民身份号码), GB 11643-1999.

18 characters: 6-digit area code, 8-digit birth date, 3-digit sequence (odd for men, even for
women) and a check character from ISO 7064 MOD 11-2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class InvalidIdNumber(ValueError):
    """The number breaks GB 11643; the message says why, in Chinese."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    area_code: str
    birth_date: dt.date
    gender: str  # "M" or "F", the same codes as members.Gender

    def __str__(self) -> str:
        return self.value


def check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(raw: str) -> str:
    """Strip blanks and full-width forms people paste from documents; upper-case the X."""
    table = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
    return "".join(raw.split()).translate(table).upper()


def parse(raw: str, *, today: dt.date) -> IdNumber:
    """Validate and decode an ID number; raises InvalidIdNumber with a reason in Chinese."""
    value = normalize(raw)
    if len(value) != 18:
        raise InvalidIdNumber(f"身份证号应为18位，实际为{len(value)}位")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise InvalidIdNumber("身份证号前17位应为数字，末位应为数字或X")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(f"身份证号中的出生日期{value[6:14]}不存在") from None
    if birth > today or birth < EARLIEST_BIRTH:
        raise InvalidIdNumber(f"身份证号中的出生日期{birth:%Y-%m-%d}不合理")
    expected = check_char(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber("身份证号校验位错误")
    gender = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, area_code=value[:6], birth_date=birth, gender=gender)


def make(area_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (for the synthetic data sets); sequence is 0..999."""
    first17 = f"{area_code[:6]}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
