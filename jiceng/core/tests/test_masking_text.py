"""Numbers in free text are masked however they are written: spaced, dashed, dotted, with
+86 or 0086, in full-width or Chinese digits. Each one keeps no more in sight than the field
masks show (a mobile's first 3 and last 4 digits, an ID number's area code)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core import idnumbers
from jiceng.core.masking import mask_text

SCRIPTS = {
    "ascii": "0123456789",
    "full-width": "０１２３４５６７８９",
    "chinese": "〇一二三四五六七八九",
    "chinese upper": "零壹贰叁肆伍陆柒捌玖",
    "spoken": "零幺二三四五六七八九",  # 幺 for 1, as a number is read out
}
SEPARATORS = [" ", "-", ".", "－", "．", "\u3000", " - ", "·"]
PREFIXES = ["", "+86 ", "+86-", "+86", "0086 ", "0086-", "(+86) ", "＋８６ ", "86 "]
# Text around a number: no digits of any script, and it does not end or begin with a joiner.
WORDS = ["电话", "请联系", "身份证号：", "，谢谢", "。", "居民反映", "手机", "张先生", "（", "）"]


@dataclass(frozen=True)
class Written:
    text: str
    start: int  # where the number (its prefix included) begins in text
    digits: list[int]  # the position in text of each of the number's own digits, in order


@st.composite
def written(draw: st.DrawFn, number: str, *, prefixed: bool) -> Written:
    script = draw(st.sampled_from(sorted(SCRIPTS)))
    body = ""
    positions: list[int] = []
    prefix = draw(st.sampled_from(PREFIXES)) if prefixed else ""
    for i, char in enumerate(number):
        if i and draw(st.integers(0, 3)) == 0:
            body += draw(st.sampled_from(SEPARATORS))
        positions.append(len(prefix) + len(body))
        body += "X" if char == "X" else SCRIPTS[script][int(char)]
    left = draw(st.sampled_from(WORDS))
    right = draw(st.sampled_from(WORDS))
    text = left + prefix + body + right
    return Written(text=text, start=len(left), digits=[len(left) + p for p in positions])


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest:09d}", st.integers(3, 9), st.integers(0, 10**9 - 1)
)
id_numbers = st.builds(
    lambda area, days, sequence: idnumbers.make(
        area, dt.date(1930, 1, 1) + dt.timedelta(days=days), sequence
    ),
    st.sampled_from(["320113", "110105", "440305", "510107"]),
    st.integers(0, 27_000),
    st.integers(0, 999),
)


def shown(masked: str, written: Written) -> set[int]:
    """Which of the number's digits (by their place in the number) are still in sight."""
    return {i for i, at in enumerate(written.digits) if masked[at] != "*"}


def only_hidden_characters_changed(masked: str, text: str) -> bool:
    return len(masked) == len(text) and all(
        m in ("*", t) for m, t in zip(masked, text, strict=True)
    )


@given(data=st.data(), number=mobiles)
def test_a_mobile_number_however_written_shows_at_most_its_first_3_and_last_4(
    data: st.DataObject, number: str
) -> None:
    case = data.draw(written(number, prefixed=True))

    masked = mask_text(case.text)

    assert only_hidden_characters_changed(masked, case.text)
    assert shown(masked, case) <= {0, 1, 2, 7, 8, 9, 10}, masked


@given(data=st.data(), number=id_numbers)
def test_an_id_number_however_written_shows_at_most_its_area_code(
    data: st.DataObject, number: str
) -> None:
    case = data.draw(written(number, prefixed=False))

    masked = mask_text(case.text)

    assert only_hidden_characters_changed(masked, case.text)
    assert shown(masked, case) <= set(range(6)), masked


@given(data=st.data(), first=mobiles, second=id_numbers)
def test_two_numbers_side_by_side_are_both_masked(
    data: st.DataObject, first: str, second: str
) -> None:
    one = data.draw(written(first, prefixed=True))
    two = data.draw(written(second, prefixed=False))
    text = one.text + two.text
    shifted = Written(two.text, two.start + len(one.text), [p + len(one.text) for p in two.digits])

    masked = mask_text(text)

    assert shown(masked, one) <= {0, 1, 2, 7, 8, 9, 10}, masked
    assert shown(masked, shifted) <= set(range(6)), masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话13812345678", "电话138****5678"),  # one unbroken ASCII run, as before
        ("电话 138 1234 5678。", "电话 138 **** 5678。"),
        ("电话138-1234-5678", "电话138-****-5678"),
        ("电话138.1234.5678", "电话138.****.5678"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("0086-13812345678", "0086-138****5678"),
        ("８６１３８１２３４５６７８", "８６１３８****５６７８"),
        ("手机：１３８１２３４５６７８", "手机：１３８****５６７８"),
        ("手机一三八一二三四五六七八", "手机一三八****五六七八"),
        ("幺三八 幺二三四 五六七八", "幺三八 **** 五六七八"),
        ("壹叁捌壹贰叁肆伍陆柒捌", "壹叁捌****伍陆柒捌"),
        ("座机(010) 6512-3456", "座机(010) ****-3456"),
        ("身份证320113199001011234", "身份证320113************"),
        ("身份证 320113 19900101 123X", "身份证 320113 ******** ****"),
        ("３２０１１３１９９００１０１１２３ｘ", "３２０１１３************"),
        ("老身份证320113900101123", "老身份证320113*********"),
        ("邮箱 13812345678@139.com", "邮箱 ***@***"),
        ("010 138 1234 5678", "01* *** **** 5678"),  # a landline, or a mobile after 010: both
    ],
)
def test_numbers_are_masked_in_the_forms_people_write_them(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024-07-01 上午办理",
        "二〇二四年七月一日",
        "工单号20240701000123",
        "金额12,345,678元",
        "门牌3-201室，共1200户",
        "热线12345，服务电话400-810-8888",
        "第一网格、第二网格",
    ],
)
def test_dates_amounts_and_case_numbers_are_left_alone(text: str) -> None:
    assert mask_text(text) == text
