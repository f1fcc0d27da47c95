from __future__ import annotations

import pytest
from pytest_django import DjangoAssertNumQueries

from jiceng.core.errors import InvalidInput, NotFound
from jiceng.divisions import queries
from jiceng.divisions.models import Division

pytestmark = pytest.mark.usefixtures("sample_divisions")

XIANLIN_COMMUNITIES = [
    "仙林新村社区居委会",
    "仙鹤社区居委会",
    "杉湖路社区居委会",
    "亚东社区居委会",
    "咏梅社区居委会",
    "和园社区居委会",
    "仙龙湾社区居委会",
    "羊山湖社区居委会",
    "文澜社区居委会",
    "汇通社区居委会",
]


def names(divisions: list[Division]) -> list[str]:
    return [d.name for d in divisions]


@pytest.mark.parametrize("code", ["320113", "320113000000", " 320113 ", "320113000"])
def test_a_division_is_found_by_short_or_full_code(code: str) -> None:
    qixia = queries.get_division(code=code)

    assert (qixia.code, qixia.name, qixia.level) == ("320113000000", "栖霞区", 3)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("320199", "区划代码“320199”不存在"),
        ("320113007999", "区划代码“320113007999”不存在"),
        ("3201130", "区划代码“3201130”不存在：代码应为2、4、6、9或12位数字"),
        ("32011A", "代码应为2、4、6、9或12位数字"),
        ("３２", "代码应为2、4、6、9或12位数字"),  # full-width digits are not a code
        ("", "代码应为2、4、6、9或12位数字"),
    ],
)
def test_an_unknown_or_malformed_code_is_not_found(code: str, message: str) -> None:
    with pytest.raises(NotFound) as missing:
        queries.get_division(code=code)

    assert message in missing.value.message
    assert missing.value.status == 404


def test_provinces_are_the_divisions_without_a_parent() -> None:
    assert names(queries.provinces()) == ["北京市", "江苏省", "福建省", "广东省"]


def test_children_are_listed_by_code_in_one_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_num_queries(1):
        communities = queries.children(code="320113007")

    assert names(communities) == XIANLIN_COMMUNITIES
    assert all(c.parent_id == "320113007000" for c in communities)


def test_a_city_without_counties_has_its_towns_as_children() -> None:
    assert names(queries.children(code="4419")) == ["东城街道"]


def test_a_division_without_children_has_none() -> None:
    assert queries.children(code="320113007010") == []


def test_children_of_an_unknown_code_are_not_found() -> None:
    with pytest.raises(NotFound, match="区划代码“320199”不存在"):
        queries.children(code="320199")


def test_ancestors_run_from_the_province_down_in_one_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_num_queries(1):
        chain = queries.ancestors(code="320113007010")

    assert names(chain) == ["江苏省", "南京市", "栖霞区", "仙林街道"]
    assert [d.level for d in chain] == [1, 2, 3, 4]


def test_ancestors_skip_a_level_that_does_not_exist() -> None:
    assert names(queries.ancestors(code="441900003001")) == ["广东省", "东莞市", "东城街道"]


def test_a_province_has_no_ancestors() -> None:
    assert queries.ancestors(code="32") == []


def test_ancestors_of_an_unknown_code_are_not_found() -> None:
    with pytest.raises(NotFound, match="区划代码“320113007999”不存在"):
        queries.ancestors(code="320113007999")


def test_search_finds_a_name_substring_higher_levels_first() -> None:
    found = queries.search(name="仙林")

    assert names(found) == ["仙林街道", "南京仙林大学城", "仙林智谷", "仙林新村社区居委会"]


def test_search_orders_by_level_then_code() -> None:
    assert names(queries.search(name="东城")) == ["东城区", "东城街道"]


def test_search_stops_at_the_limit() -> None:
    assert names(queries.search(name="社区", limit=3)) == XIANLIN_COMMUNITIES[:3]


def test_search_under_a_division_stays_in_its_subtree() -> None:
    everywhere = queries.search(name="街道", limit=100)
    in_qixia = queries.search(name="街道", under="320113", limit=100)

    assert "东城街道" in names(everywhere)
    assert "东华门街道" in names(everywhere)
    assert names(in_qixia) == [
        "尧化街道",
        "马群街道",
        "迈皋桥街道",
        "燕子矶街道",
        "栖霞街道",
        "龙潭街道",
        "仙林街道",
        "八卦洲街道",
        "西岗街道",
    ]


def test_search_under_includes_the_division_itself() -> None:
    assert names(queries.search(name="仙林", under="320113007000")) == [
        "仙林街道",
        "仙林新村社区居委会",
    ]


def test_a_name_with_a_nul_character_finds_nothing() -> None:
    assert queries.search(name="仙林\x00") == []


def test_search_under_an_unknown_division_is_not_found() -> None:
    with pytest.raises(NotFound):
        queries.search(name="仙林", under="320199")


@pytest.mark.parametrize(
    ("name", "limit", "message"),
    [
        ("  ", 20, "请输入要搜索的名称"),
        ("仙林", 0, "返回条数应为1到100"),
        ("仙林", 101, "返回条数应为1到100"),
    ],
)
def test_search_refuses_an_empty_name_or_a_bad_limit(name: str, limit: int, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        queries.search(name=name, limit=limit)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("320113", {"code__gte": "320113", "code__lt": "320114"}),
        ("3209", {"code__gte": "3209", "code__lt": "3210"}),
        ("09", {"code__gte": "09", "code__lt": "10"}),
        ("99", {"code__gte": "99"}),
    ],
)
def test_code_range_covers_exactly_the_codes_with_the_prefix(
    prefix: str, expected: dict[str, str]
) -> None:
    assert queries.code_range(prefix) == expected
