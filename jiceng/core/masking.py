"""How personal data is shown outside the permission-gated detail view (脱敏).

One policy for every place a person appears to someone who has not asked for the full numbers
(the personal-data permission, and an audit record of each look): pages, the API, exports, the
audit log, error messages, notices and the public lists. The rule: whatever a user can see of a
person *together*, on every page, answer and file open to them, leaves at least 10,000
candidates for the person's ID number and for their phone number.

ID number (GB 11643: 6-digit area code, 8-digit birth date, 3-digit sequence whose last digit
is odd for men and even for women, a check character computed from the other 17)

    Shown: the area code alone, 320113************ (`mask_id_number`). The area code is taken
    as known anyway (it follows from where a person lives or their organization), so showing
    it costs nothing; the check character is not shown, since it would divide what is left
    by 11.
    Beside it: the gender, and the birth year (`birth_year`) instead of the birth date. Never
    the age: ages read on two days give away the birthday (44 today, 45 tomorrow).
    Left: the day of the birth year (365 or 366) times the sequence numbers of that gender
    (500), the check character following from them: 365 x 500 = 182,500 candidates.

    A date the rules tie to the birth date narrows it: a member joins at 18 or older
    (members.services.MIN_AGE_AT_JOINING), so 入党日期 (and 转正日期, never earlier) falling in
    the year the member turned 18 puts the birth date in the first d days of the birth year,
    d that date's day of the year: about d x 500 candidates. From February on d >= 32, so at
    least 31 x 500 = 15,500 (the rule counts 365.25 days a year, which may cost a day). A
    January date of that year would leave as few as 500: such a date is shown as year and
    month only (`date_beside_birth_year`: 2018-01), which leaves every birth date that some
    day of that January allows, at least 30 x 500 = 15,000.

    The least of these, 15,000, is the ID number's guarantee.

Phone number (11 digits: 1, the carrier's segment, 4 digits, 4 digits)

    Shown: the first 3 and the last 4 digits, 138****5678 (`mask_phone`). Nothing else about a
    phone number is shown anywhere: 10 x 10 x 10 x 10 = 10,000 candidates. A landline keeps
    4 digits hidden too: with its area code (010 6512 3456, 11 or 12 digits) as a mobile
    number, with 8 to 10 digits by showing fewer of the first ones, with 7 or fewer none at
    all (`phone_visible`).

Free text (`mask_text`): a case's description, address and resolution, an error message, a
username typed at the sign-in, may hold these numbers however people write them: with spaces,
dashes or dots between the digits, a +86 or 0086 prefix, full-width digits (１３８), Chinese
digits (一三八, 壹叁捌, 幺 for 1). Each one found hides at least the digits the fields hide,
so the same number in a field and in a text together show no more than the field alone.
E-mail addresses are replaced whole.

Refused input: an error message never repeats a refused ID or phone number (it names the
field); what echoes other input goes through `mask_text`, as does every message the audit log
keeps of a refusal.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

# Kept as written between the digits of one number, and never hidden.
SEPARATORS = frozenset(" \t\u00a0\u3000-.·—–－．()（）+＋_/")
CHINESE_DIGITS = {
    **dict.fromkeys("零〇○", "0"),
    **dict.fromkeys("一壹幺", "1"),
    **dict.fromkeys("二贰", "2"),
    **dict.fromkeys("三叁", "3"),
    **dict.fromkeys("四肆", "4"),
    **dict.fromkeys("五伍", "5"),
    **dict.fromkeys("六陆", "6"),
    **dict.fromkeys("七柒", "7"),
    **dict.fromkeys("八捌", "8"),
    **dict.fromkeys("九玖", "9"),
}
CHECK_X = "XxＸｘ"
MIN_AGE = 18  # members.services.MIN_AGE_AT_JOINING; the policy's arithmetic rests on it

# A group: digits of any script written together (and an ID number's X right after them),
# or an X alone (320113 19900101 123 X); groups joined by at most three separators may be
# one number.
_GROUP = re.compile(r"[\d" + "".join(CHINESE_DIGITS) + r"]+[" + CHECK_X + r"]?|[" + CHECK_X + "]")
_JOINER = re.compile(r"[" + re.escape("".join(sorted(SEPARATORS))) + r"\s]{1,3}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")  # area code with its 0, then 7 or 8 digits
_ABROAD_LANDLINE = re.compile(r"[1-9][0-9]{8,10}")  # after +86 the area code drops its 0
_ID_18 = re.compile(r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-3][0-9][0-9]{3}[0-9X]")
_ID_15 = re.compile(r"[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])[0-3][0-9][0-9]{3}")
_LONGEST = 19  # digits: 0086 and a landline of 12; an ID number has 18


def digit_of(char: str) -> str | None:
    """The digit 0-9 a character is written for (ASCII, full-width or any script's decimal
    digit, a Chinese digit), or None."""
    if char in CHINESE_DIGITS:
        return CHINESE_DIGITS[char]
    value = unicodedata.decimal(char, None)
    return None if value is None else str(value)


def phone_visible(digits: int) -> tuple[int, int]:
    """(first, last): how many of a phone number's first and last digits may be shown.
    11 digits: 3 and 4; 8 to 10 digits: fewer first ones, so that 4 stay hidden; 7 or fewer
    (a number without its area code, a part of one): none."""
    last = 4 if digits >= 8 else 0
    first = min(3, max(0, digits - 8))
    return first, last


def id_visible(characters: int) -> tuple[int, int]:
    """(first, last) of an ID number: the area code of a whole number (18, or 15 for the old
    numbers), nothing of a part of one."""
    return (6, 0) if characters >= 15 else (0, 0)


def _hide(text: str, positions: Sequence[int], first: int, last: int) -> str:
    """`text` with the characters at `positions` hidden, but the first `first` and the last
    `last` of them."""
    hidden = set(positions[first : len(positions) - last])
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


def _counted(value: str) -> list[int]:
    """The positions of the characters a mask counts: all but the separators."""
    return [i for i, c in enumerate(value) if c not in SEPARATORS and not c.isspace()]


def mask_id_number(value: str) -> str:
    """The area code of a whole ID number, 320113************; nothing of anything shorter."""
    if value.isascii() and value.isalnum():
        # As stored: no separator to keep. The seed masks millions of these, so it skips the
        # walk over the characters (the same answer, a test holds them equal).
        if len(value) == 18:
            return value[:6] + "************"
        first, last = id_visible(len(value))
        return value[:first] + "*" * (len(value) - first - last) + value[len(value) - last :]
    return _mask_id_number_as_written(value)


def _mask_id_number_as_written(value: str) -> str:
    positions = _counted(value)
    return _hide(value, positions, *id_visible(len(positions)))


def mask_phone(value: str) -> str:
    """The first 3 and last 4 digits of a mobile number, 138****5678; never more than all but
    4 characters of a shorter value. A +86 or 0086 prefix is not counted as the number's."""
    if value.isascii() and value.isdigit():
        # As stored, digits only: the same answer as the walk below, without it (see above).
        if len(value) == 11 and value[0] == "1":
            return value[:3] + "****" + value[7:]
        prefix = _country_prefix(value)
        body = value[prefix:]
        first, last = phone_visible(len(body))
        hidden = "*" * (len(body) - first - last)
        return value[:prefix] + body[:first] + hidden + body[len(body) - last :]
    return _mask_phone_as_written(value)


def _mask_phone_as_written(value: str) -> str:
    positions = _counted(value)
    digits = "".join(digit_of(value[i]) or "?" for i in positions)
    prefix = _country_prefix(digits)
    if prefix:
        positions = positions[prefix:]
    return _hide(value, positions, *phone_visible(len(positions)))


def _country_prefix(digits: str) -> int:
    """How many leading digits are China's +86 or 0086 before a phone number."""
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and (
            _MOBILE.fullmatch(rest) or _ABROAD_LANDLINE.fullmatch(rest)
        ):
            return len(prefix)
    return 0


def _kind(digits: str) -> tuple[str, int] | None:
    """What a run of digits (an ID number's X at its end) is: ("id", 0), or ("phone", the
    length of its country prefix); None for anything else (a date, an amount, a 工单号)."""
    if _ID_18.fullmatch(digits) or _ID_15.fullmatch(digits):
        return "id", 0
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return "phone", 0
    prefix = _country_prefix(digits)
    return ("phone", prefix) if prefix else None


def mask_text(text: str) -> str:
    """`text` with every ID and phone number in it masked at least as the fields are, however
    it is written, and every e-mail address replaced by ***@***. Only hidden digits change
    (each becomes one *); separators, prefixes and the rest of the text stay as they were.

    Groups of digits joined by separators are read as one number wherever some run of them
    reads as one; where runs overlap (010 138 1234 5678: a landline, or a mobile after 010?)
    every reading hides its digits, so no reading leaves a number less hidden than its own."""
    text = _EMAIL.sub("***@***", text)
    groups = list(_GROUP.finditer(text))
    hidden: set[int] = set()
    for start in range(len(groups)):
        digits = ""
        positions: list[int] = []
        for end in range(start, len(groups)):
            group = groups[end]
            if end > start and (
                digits.endswith("X")
                or not _JOINER.fullmatch(text[groups[end - 1].end() : group.start()])
            ):
                break
            for i in range(group.start(), group.end()):
                digits += "X" if text[i] in CHECK_X else digit_of(text[i]) or ""
                positions.append(i)
            if len(digits) > _LONGEST:
                break
            hidden |= _hidden_in(digits, positions)
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


def _hidden_in(digits: str, positions: list[int]) -> set[int]:
    """The positions a number's mask hides, if `digits` (written at `positions`) is one."""
    kind = _kind(digits)
    if kind is None and digits.endswith("X"):
        # An X after a phone number is a letter, not a digit of it.
        digits, positions = digits[:-1], positions[:-1]
        kind = _kind(digits)
    if kind is None:
        return set()
    what, prefix = kind
    number = positions[prefix:]
    first, last = id_visible(len(number)) if what == "id" else phone_visible(len(number))
    return set(number[first : len(number) - last])


def birth_year(birth_date: dt.date) -> int:
    """What is shown of a birth date: its year (never the date, never the age)."""
    return birth_date.year


def date_beside_birth_year(value: dt.date, *, birth_year: int) -> str:
    """A date that the rules put at least MIN_AGE years after the birth date (入党日期,
    转正日期) as shown beside the birth year: 2018-06-01, but 2018-01 for a date in January
    of the year the person turned 18, whose day would pin the birth date to a few days."""
    if value.year - birth_year <= MIN_AGE and value.month == 1:
        return f"{value:%Y-%m}"
    return value.isoformat()


def mask_name(name: str) -> str:
    """A person's name where only who is meant may be hinted (a public verification page):
    the surname kept, each other character one *. 张红梅 → 张**."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
