"""The generator's building blocks, without a database."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from jiceng.datasets import national, people
from jiceng.datasets.national import County, Place, Township
from jiceng.members.models import Category, Gender
from jiceng.orgs.models import OrgKind


def test_picker_draws_in_proportion() -> None:
    picker = people.Picker([("a", 1.0), ("b", 3.0)])
    rand = random.Random(1).random
    counts = Counter(picker(rand) for _ in range(20_000))
    assert 0.72 < counts["b"] / 20_000 < 0.78


def test_names_are_chinese_names_of_two_to_four_characters() -> None:
    rand = random.Random(2).random
    names = [people.han_name(rand, Gender.FEMALE.value, 1990) for _ in range(2000)]
    assert all(2 <= len(n) <= 4 for n in names)
    surnames = Counter(n[0] for n in names)
    assert surnames.most_common(3)[0][0] in "王李张"  # the most common surnames lead


def test_given_names_follow_gender_and_generation() -> None:
    rand = random.Random(3).random
    old_women = {people.han_name(rand, Gender.FEMALE.value, 1940)[1:] for _ in range(500)}
    young_men = {people.han_name(rand, Gender.MALE.value, 2000)[1:] for _ in range(500)}
    assert old_women & {"秀英", "桂兰", "玉兰", "秀兰"}
    assert young_men & {"浩然", "子轩", "宇航", "俊杰"}
    assert not old_women & young_men


def test_peoples_with_their_own_naming() -> None:
    rand = random.Random(4).random
    assert "·" in people.person_name(rand, Gender.MALE.value, 1980, "维吾尔族")
    tibetan = people.person_name(rand, Gender.FEMALE.value, 1980, "藏族")
    assert len(tibetan) == 4 and "·" not in tibetan


def test_autonomous_areas_are_named_after_their_peoples() -> None:
    picker = people.ethnicity_picker("53", ["西盟佤族自治县", "普洱市"])
    assert {"汉族", "佤族"} <= set(picker.table)
    share = sum(1 for e in picker.table if e != "汉族") / picker.size
    assert share >= people.AUTONOMOUS_AREA_SHARE - 0.01
    assert set(people.ethnicity_picker("32", ["栖霞区", "南京市"]).table) <= {
        "汉族",
        "回族",
        "满族",
        "蒙古族",
    }


def test_phone_numbers_have_eleven_digits_and_a_real_prefix() -> None:
    rand = random.Random(5).random
    for _ in range(500):
        phone = people.phone_number(rand)
        assert len(phone) == 11 and phone.isdigit() and phone[0] == "1"
        assert phone[:3] in set(people.PHONE_PREFIXES.table)


def test_every_category_has_ages_joining_ages_and_education() -> None:
    for category in Category.values:
        assert min(people.AGES[category].table) >= 18
        assert min(people.JOINING_AGES[category].table) >= 18
        for generation in range(3):
            assert people.EDUCATION[category, generation].size


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (35, "三十五")]
)
def test_chinese_numbers(n: int, text: str) -> None:
    assert national.chinese_number(n) == text


def test_path_steps_use_treebeards_alphabet() -> None:
    assert national.path_step(1) == "0001"
    assert national.path_step(36) == "0010"
    assert national.path_step(36**4 - 1) == "ZZZZ"
    with pytest.raises(ValueError, match="too many"):
        national.path_step(36**4)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("仙林社区居委会", "仙林社区"),
        ("东庄村民委员会", "东庄村"),
        ("柿坪村村民委员会", "柿坪村"),
        ("沃柄村委会", "沃柄村"),
        ("铁东社区", "铁东社区"),
        ("金宁新村社区居委会", "金宁新村社区"),
    ],
)
def test_locality_labels(name: str, label: str) -> None:
    assert national.locality_label(Place("x", name)) == label


def county(name: str, city: str | None, province: str = "江苏省") -> County:
    return County(
        division=Place("320113000000", name),
        province=Place("320000000000", province),
        city=Place("320100000000", city) if city else None,
        townships=(),
    )


@pytest.mark.parametrize(
    ("unit", "name"),
    [
        (county("栖霞区", "南京市"), "中共南京市栖霞区委"),
        (county("朝阳区", None, "北京市"), "中共北京市朝阳区委"),
        (county("昆山市", "苏州市"), "中共昆山市委"),
        (county("沛县", "徐州市"), "中共沛县县委"),
        (county("睢宁县", "徐州市"), "中共睢宁县委"),
        (county("神农架林区", None, "湖北省"), "中共神农架林区委"),
    ],
)
def test_county_committee_names(unit: County, name: str) -> None:
    assert national.county_committee_name(unit) == name


def test_township_committees() -> None:
    assert national.township_committee(Place("x", "仙林街道")) == (
        "中共仙林街道工作委员会",
        OrgKind.WORKING_COMMITTEE,
    )
    assert national.township_committee(Place("x", "汤山镇")) == (
        "中共汤山镇委员会",
        OrgKind.COMMITTEE,
    )


def test_short_names_drop_the_level_and_the_peoples() -> None:
    assert national.short_name("栖霞区") == "栖霞"
    assert national.short_name("孟连傣族拉祜族佤族自治县") == "孟连"
    assert national.short_name("沛县") == "沛县"  # one character left: keep the whole name


def test_county_choice_is_by_seed_and_weight() -> None:
    weights = {f"{i:06d}": 10 + i % 7 for i in range(1, 201)}
    chosen = national.choose_counties(weights, scale=0.1, seed=1)
    assert chosen == national.choose_counties(weights, scale=0.1, seed=1)
    assert chosen != national.choose_counties(weights, scale=0.1, seed=2)
    share = sum(weights[c] for c in chosen) / sum(weights.values())
    assert 0.1 <= share < 0.12
    assert national.choose_counties(weights, scale=1, seed=3) == sorted(weights)


def test_a_county_plan_is_the_same_every_time() -> None:
    townships = (
        Township(Place("320113007000", "仙林街道"), (Place("320113007001", "仙林社区居委会"),)),
        Township(Place("320113009000", "八卦洲街道"), (Place("320113009201", "中桥村委会"),)),
    )
    unit = County(Place("320113000000", "栖霞区"), Place("320000000000", "江苏省"),
                  Place("320100000000", "南京市"), townships)  # fmt: skip
    import datetime as dt

    task = national.CountyTask(unit, 7, dt.date(2025, 6, 30))
    first = [(o.name, o.kind, o.members) for o in national.plan_county(task)]
    assert first == [(o.name, o.kind, o.members) for o in national.plan_county(task)]
    assert first[0] == ("中共南京市栖霞区委", OrgKind.LOCAL_COMMITTEE, 0)
    names = [name for name, _, _ in first]
    assert "中共仙林街道工作委员会" in names
    assert any(n.startswith("仙林社区") for n in names)
    assert any(n.startswith("中桥村") for n in names)
