"""Who the synthetic members are: names, genders, ages, ethnicities, education, phones.

Pure functions of a `random.Random`, no database and no Django. The proportions follow the
party's statistical bulletin (党内统计公报, end of 2024) and the 2020 census where the bulletin
says nothing: women 30.4% of members, ethnic minorities 7.7%, 28.9% aged 61 or over, about 56%
with college education (大专) or above; farmers about 26 million and retirees about 20 million of
the 100.3 million. A data set is only as believable as its distributions, so each table below
says what it is meant to reproduce; `tests/test_people.py` checks the shares on a sample.

Every draw uses a `Picker`: a table of outcomes repeated in proportion to their weights and
indexed by one `random()`, a fifth of the cost of `random.choices`, which matters at 100
million members.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Generic, TypeVar

from jiceng.members.models import Category, Education, Gender

T = TypeVar("T")

RESOLUTION = 4096


class Picker(Generic[T]):
    """Draws outcomes in proportion to their weights with one call of `random()`."""

    __slots__ = ("size", "table")

    def __init__(self, weighted: Iterable[tuple[T, float]], resolution: int = RESOLUTION) -> None:
        pairs = [(value, weight) for value, weight in weighted if weight > 0]
        total = sum(weight for _, weight in pairs)
        table: list[T] = []
        cumulative = 0.0
        for value, weight in pairs:
            cumulative += weight
            table.extend([value] * (round(cumulative / total * resolution) - len(table)))
        self.table = table
        self.size = len(table)

    def __call__(self, random: Callable[[], float]) -> T:
        return self.table[int(random() * self.size)]


# --- Names -------------------------------------------------------------------------------------


def _weighted_words(text: str) -> list[tuple[str, float]]:
    """'王 71.2 李 70.0 ...' as [('王', 71.2), ('李', 70.0), ...]."""
    words = text.split()
    return [(name, float(weight)) for name, weight in zip(words[::2], words[1::2], strict=True)]


# The 130 most common surnames with their share (per mille) of the population, 2020 census;
# together about 88%, the rest spread over rarer ones listed with a small equal weight.
SURNAMES = Picker(
    _weighted_words(
        """
        王 71.2 李 70.0 张 67.4 刘 53.8 陈 45.3 杨 30.8 黄 22.3 赵 22.0 吴 20.2 周 19.6
        徐 15.9 孙 15.4 马 14.7 朱 14.0 胡 13.3 郭 13.0 何 11.9 林 11.8 高 11.6 罗 11.4
        郑 9.7 梁 9.4 谢 8.3 宋 7.9 唐 7.8 许 7.3 韩 7.2 邓 7.0 冯 6.9 曹 6.7
        彭 6.6 曾 6.3 肖 6.1 田 6.0 董 5.9 潘 5.6 袁 5.5 于 5.5 蒋 5.4 蔡 5.3
        余 5.2 杜 5.0 叶 4.9 程 4.9 魏 4.8 苏 4.7 吕 4.6 丁 4.5 任 4.4 卢 4.3
        姚 4.2 沈 4.1 钟 4.0 姜 4.0 崔 3.9 谭 3.8 陆 3.8 范 3.6 汪 3.6 廖 3.5
        石 3.5 金 3.4 韦 3.3 贾 3.3 夏 3.2 付 3.2 方 3.1 邹 3.0 熊 3.0 白 2.9
        孟 2.9 秦 2.8 邱 2.8 侯 2.7 江 2.7 尹 2.6 薛 2.5 闫 2.5 段 2.4 雷 2.4
        龙 2.3 黎 2.3 史 2.3 陶 2.2 贺 2.2 毛 2.1 郝 2.1 顾 2.1 龚 2.0 邵 2.0
        万 1.9 覃 1.9 武 1.9 钱 1.8 戴 1.8 严 1.7 莫 1.7 孔 1.6 向 1.6 常 1.6
        汤 1.5 康 1.5 易 1.5 乔 1.5 赖 1.4 文 1.4 施 1.4 洪 1.3 牛 1.3 樊 1.2
        葛 1.2 邢 1.2 安 1.1 齐 1.1 庞 1.1 申 1.0 鲁 0.9 倪 0.9 殷 0.8 岳 0.8
        聂 0.8 耿 0.7 柳 0.7 凌 0.6 欧阳 0.5 上官 0.05 司马 0.05 诸葛 0.03 令狐 0.02
        """
    )
    + [(name, 0.45) for name in "蓝褚卫蒙宁符车柴管关纪骆甘温游屈祝阮章解柏焦娄霍滕尤俞季"],
    resolution=RESOLUTION * 8,
)


@dataclass(frozen=True)
class GivenNames:
    """Given names of one gender and one generation: whole names people were given, and
    characters that combine into more (a name is drawn from both, so repeats stay plausible)."""

    whole: tuple[str, ...]
    first: str
    second: str
    single: str
    single_share: float


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Born before 1960: names of the new China and the land (建国, 秀英, 桂兰 ...).
# Born 1960-1984: 伟, 丽, 海燕 ... Born 1985 on: 浩然, 子涵, 欣怡 ...
GIVEN_NAMES: dict[tuple[str, int], GivenNames] = {  # by (gender, generation)
    (Gender.MALE.value, 0): GivenNames(
        _names(
            "建国 国庆 建华 国华 志刚 德明 福生 长生 永福 金福 荣华 光明 卫东 振华 建军 国强"
            " 玉林 保国 树林 德胜 广才 春生 全福 有才 文华 志明 玉山 宝山 国栋 洪亮 学文 长青"
            " 跃进 卫国 援朝 胜利 和平 新民 振国 玉明 凤山 德福 继红 庆丰 满堂 家富 立功 铁柱"
        ),
        "建国志德福永玉长金文学家宝广春树洪胜振荣庆凤立",
        "国华明林山生福才安民忠贵海祥成发荣贤勤昌田",
        "华明强军刚勇林生福贵山海忠义平安",
        0.22,
    ),
    (Gender.FEMALE.value, 0): GivenNames(
        _names(
            "秀英 桂英 秀兰 玉兰 桂兰 秀珍 凤英 玉珍 玉英 兰英 素珍 淑珍 凤兰 桂珍 淑兰 秀云"
            " 桂芳 玉梅 秀芳 秀梅 翠兰 桂香 凤琴 玉芬 淑英 素英 秀荣 桂荣 金凤 爱华 美兰 春兰"
        ),
        "秀桂玉淑素凤翠金美春兰爱月",
        "英兰珍芳梅云香琴芬荣凤华莲花霞",
        "英兰珍芳梅霞琴凤",
        0.18,
    ),
    (Gender.MALE.value, 1): GivenNames(
        _names(
            "建华 志强 建军 海涛 晓东 立新 文斌 振宇 志勇 国栋 建平 红军 卫华 永强 晓明 建伟"
            " 海波 宏伟 志伟 俊峰 德华 建新 伟东 立军 春雷 学军 海军 劲松 晓峰 永刚 志红 国平"
        ),
        "建志海晓立文振宏俊德春学永伟国红卫明",
        "华强军涛东新斌宇勇栋平伟波峰松刚雷明辉",
        "伟强磊军勇杰涛斌超明刚平辉鹏华飞波峰斌健",
        0.25,
    ),
    (Gender.FEMALE.value, 1): GivenNames(
        _names(
            "丽娟 海燕 晓燕 艳红 丽华 秀梅 春梅 晓红 雪梅 红梅 玉洁 丽萍 晓丽 美玲 丽君 小红"
            " 春燕 艳玲 丽丽 亚男 晓梅 红霞 晓静 慧敏 海霞 凤霞 丽红 文静 淑华 彩霞 秋菊 建英"
        ),
        "丽海晓艳秀春雪红玉美小亚慧文彩秋建",
        "娟燕红华梅洁萍丽玲君霞静敏英芳",
        "丽敏静艳芳娟霞燕玲红梅萍洁琳颖",
        0.22,
    ),
    (Gender.MALE.value, 2): GivenNames(
        _names(
            "浩然 子轩 宇航 俊杰 子豪 浩宇 博文 梓豪 一鸣 天宇 宇轩 思远 嘉豪 明轩 皓轩 子涵"
            " 文博 泽宇 晨阳 志远 睿哲 俊熙 家乐 浩轩 鹏飞 嘉俊 昊天 逸飞 哲瀚 子墨 宇杰 文轩"
        ),
        "浩子宇俊博梓一天思嘉明皓文泽晨志睿家鹏昊逸哲",
        "然轩航杰豪宇文鸣远明涵博阳哲熙乐飞俊天墨瀚",
        "浩宇轩博晨睿杰鑫磊帅鹏凯昊楠",
        0.08,
    ),
    (Gender.FEMALE.value, 2): GivenNames(
        _names(
            "婷婷 欣怡 雨桐 思琪 梓涵 诗涵 佳怡 可欣 雨欣 子涵 梦瑶 晓彤 佳琪 雅琪 紫怡 欣然"
            " 思雨 雨涵 一诺 语嫣 梦琪 静怡 晨曦 若曦 佳欣 馨予 雅婷 乐怡 心怡 诗雨 嘉怡 文静"
        ),
        "欣雨思梓诗佳可子梦晓雅紫语静晨若馨乐心嘉",
        "怡桐琪涵欣瑶彤然雨诺嫣曦予婷静",
        "婷欣颖雪倩琪悦璐瑶娜琳",
        0.08,
    ),
}


def generation(birth_year: int) -> int:
    return 0 if birth_year < 1960 else 1 if birth_year < 1985 else 2


def han_name(random: Callable[[], float], gender: str, birth_year: int) -> str:
    """A surname by frequency and a given name fit for the gender and the birth year."""
    names = GIVEN_NAMES[gender, generation(birth_year)]
    surname = SURNAMES(random)
    r = random()
    if r < names.single_share:
        return surname + names.single[int(random() * len(names.single))]
    if r < 0.6:
        return surname + names.whole[int(random() * len(names.whole))]
    first, second = names.first, names.second
    return surname + first[int(random() * len(first))] + second[int(random() * len(second))]


# Names of the peoples whose names are not Han-style: Uyghur and Kazakh (given name and father's
# name joined by a middle dot), Tibetan (two two-character names), Mongolian (often one).
_UYGHUR_MALE = _names(
    "艾买提 买买提 阿不都 吐尔逊 艾力 努尔 热合曼 阿布拉 伊力哈木 艾尔肯 麦麦提 亚森 阿迪力"
    " 吾斯曼 依明 阿不力孜 艾则孜 卡德尔 托合提 玉素甫"
)
_UYGHUR_FEMALE = _names(
    "古丽 阿依古丽 帕提古丽 热依拉 迪丽拜尔 努尔尼沙 阿依努尔 米热古丽 热娜 祖丽皮亚"
    " 阿依夏木 古丽娜尔 茹克亚 布海丽且姆"
)
_KAZAKH_MALE = _names("叶尔兰 努尔兰 别克 加那尔 叶尔江 阿斯哈尔 巴合提 木拉提 哈力木 吐尔洪")
_KAZAKH_FEMALE = _names("阿依达娜 古丽米拉 加娜尔 阿依登 努尔古丽 玛丽亚 萨吾列 阿丽娅")
_TIBETAN_MALE = _names("扎西 次仁 顿珠 多吉 格桑 尼玛 达瓦 平措 旦增 索朗 洛桑 边巴 普布 罗布")
_TIBETAN_FEMALE = _names("卓玛 央金 拉姆 德吉 白玛 曲珍 央宗 次珍 措姆 仁珍 桑姆 玉珍")
_MONGOL_MALE = _names("巴特尔 阿拉坦 额尔敦 那仁 布和 苏和 朝鲁 孟和 宝音 特木尔 吉日嘎拉")
_MONGOL_FEMALE = _names("乌云 其木格 斯琴 萨仁 图雅 娜仁 乌兰 高娃 塔娜 托娅")


def _one(random: Callable[[], float], names: Sequence[str]) -> str:
    return names[int(random() * len(names))]


def person_name(random: Callable[[], float], gender: str, birth_year: int, ethnicity: str) -> str:
    male = gender == Gender.MALE
    if ethnicity == "维吾尔族":
        own = _one(random, _UYGHUR_MALE if male else _UYGHUR_FEMALE)
        return f"{own}·{_one(random, _UYGHUR_MALE)}"
    if ethnicity == "哈萨克族":
        own = _one(random, _KAZAKH_MALE if male else _KAZAKH_FEMALE)
        return f"{own}·{_one(random, _KAZAKH_MALE)}"
    if ethnicity == "藏族":
        first = _one(random, _TIBETAN_MALE if random() < 0.7 else _TIBETAN_FEMALE)
        return first + _one(random, _TIBETAN_MALE if male else _TIBETAN_FEMALE)
    if ethnicity == "蒙古族" and random() < 0.4:
        return _one(random, _MONGOL_MALE if male else _MONGOL_FEMALE)
    return han_name(random, gender, birth_year)


# --- Ethnicity ---------------------------------------------------------------------------------

# The 55 minority peoples, as they appear in the names of autonomous areas (XX族自治州/县).
MINORITIES = _names(
    "蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族"
    " 哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族"
    " 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族"
    " 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族"
    " 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
)
_MINORITY_IN_NAME = re.compile("|".join(sorted(MINORITIES, key=len, reverse=True)))

# Share of members from minorities by province (2-digit code), and which peoples; from the
# census shares of each province, somewhat lower (members are more often Han than residents).
# Weighted by members this comes to about 7.7% nationally.
PROVINCE_MINORITIES: dict[str, tuple[float, dict[str, float]]] = {
    "11": (0.04, {"满族": 0.5, "回族": 0.45, "蒙古族": 0.05}),
    "12": (0.025, {"回族": 0.6, "满族": 0.35, "蒙古族": 0.05}),
    "13": (0.04, {"满族": 0.6, "回族": 0.35, "蒙古族": 0.05}),
    "15": (0.15, {"蒙古族": 0.82, "满族": 0.1, "回族": 0.08}),
    "21": (0.12, {"满族": 0.8, "蒙古族": 0.1, "回族": 0.05, "朝鲜族": 0.05}),
    "22": (0.07, {"朝鲜族": 0.6, "满族": 0.35, "蒙古族": 0.05}),
    "23": (0.04, {"满族": 0.6, "朝鲜族": 0.2, "蒙古族": 0.1, "回族": 0.1}),
    "33": (0.012, {"畲族": 0.6, "回族": 0.2, "满族": 0.2}),
    "35": (0.02, {"畲族": 0.8, "回族": 0.2}),
    "42": (0.05, {"土家族": 0.8, "苗族": 0.2}),
    "43": (0.08, {"土家族": 0.45, "苗族": 0.35, "侗族": 0.15, "瑶族": 0.05}),
    "44": (0.015, {"瑶族": 0.4, "壮族": 0.4, "畲族": 0.2}),
    "45": (0.25, {"壮族": 0.85, "瑶族": 0.06, "苗族": 0.04, "侗族": 0.05}),
    "46": (0.15, {"黎族": 0.9, "苗族": 0.1}),
    "50": (0.06, {"土家族": 0.8, "苗族": 0.2}),
    "51": (0.06, {"彝族": 0.55, "藏族": 0.4, "羌族": 0.05}),
    "52": (0.24, {"苗族": 0.35, "布依族": 0.25, "侗族": 0.2, "土家族": 0.15, "彝族": 0.05}),
    "53": (
        0.24,
        {
            "彝族": 0.3,
            "白族": 0.15,
            "哈尼族": 0.12,
            "傣族": 0.1,
            "壮族": 0.1,
            "苗族": 0.08,
            "回族": 0.05,
            "纳西族": 0.05,
            "傈僳族": 0.05,
        },
    ),
    "54": (0.85, {"藏族": 1.0}),
    "62": (0.09, {"回族": 0.5, "藏族": 0.3, "东乡族": 0.15, "裕固族": 0.05}),
    "63": (0.38, {"藏族": 0.55, "回族": 0.3, "土族": 0.1, "撒拉族": 0.05}),
    "64": (0.30, {"回族": 1.0}),
    "65": (0.36, {"维吾尔族": 0.7, "哈萨克族": 0.15, "回族": 0.1, "蒙古族": 0.05}),
}
ELSEWHERE = (0.01, {"回族": 0.6, "满族": 0.3, "蒙古族": 0.1})
# In an autonomous area the peoples it is named after are a large share of the members.
AUTONOMOUS_AREA_SHARE = 0.2


def ethnicity_picker(province_code: str, area_names: Iterable[str]) -> Picker[str]:
    """Ethnicities of a county's members: its province's mix, or the peoples an autonomous
    county or prefecture is named after (凉山彝族自治州: 彝族)."""
    share, peoples = PROVINCE_MINORITIES.get(province_code[:2], ELSEWHERE)
    named = [p for name in area_names if "自治" in name for p in _MINORITY_IN_NAME.findall(name)]
    if named:
        share = max(share, AUTONOMOUS_AREA_SHARE)
        peoples = dict.fromkeys(dict.fromkeys(named), 1.0)
    total = sum(peoples.values())
    return Picker(
        [("汉族", 1 - share), *((p, share * w / total) for p, w in peoples.items())],
        resolution=RESOLUTION * 4,
    )


# --- Categories, ages, education ----------------------------------------------------------------


@dataclass(frozen=True)
class Mix:
    """The members of one kind of unit: their categories and how many are women."""

    categories: Picker[str]
    female_share: float


def _mix(female_share: float, **shares: float) -> Mix:
    return Mix(Picker([(Category[k].value, v) for k, v in shares.items()]), female_share)


# Categories by the kind of unit a branch belongs to. Retirees mostly sit in the retirees'
# branches of their former units (离退休党支部) and in their communities.
MIXES: dict[str, Mix] = {
    "VILLAGE": _mix(0.22, FARMER=0.89, RETIRED=0.05, UNEMPLOYED=0.04, EMPLOYED=0.02),
    "COMMUNITY": _mix(0.38, RETIRED=0.66, UNEMPLOYED=0.12, EMPLOYED=0.14, FARMER=0.08),
    "AGENCY": _mix(0.30, EMPLOYED=1.0),
    "SCHOOL": _mix(0.50, EMPLOYED=1.0),
    "UNIVERSITY": _mix(0.45, EMPLOYED=0.35, STUDENT=0.65),
    "HOSPITAL": _mix(0.50, EMPLOYED=1.0),
    "INSTITUTION": _mix(0.40, EMPLOYED=1.0),
    "STATE_ENTERPRISE": _mix(0.25, EMPLOYED=1.0),
    "PRIVATE_ENTERPRISE": _mix(0.28, EMPLOYED=0.98, UNEMPLOYED=0.02),
    "SOCIAL_ORGANIZATION": _mix(0.45, EMPLOYED=0.8, RETIRED=0.1, UNEMPLOYED=0.1),
    "NEW_ECONOMY": _mix(0.10, EMPLOYED=1.0),
    "RETIRED": _mix(0.28, RETIRED=1.0),
}


def _ages(*points: tuple[int, float]) -> Picker[int]:
    """Ages from a piecewise-linear density through (age, weight) points."""
    weighted: list[tuple[int, float]] = []
    for (a0, w0), (a1, w1) in pairwise(points):
        for age in range(a0, a1):
            weighted.append((age, w0 + (w1 - w0) * (age - a0) / (a1 - a0)))
    return Picker(weighted, resolution=RESOLUTION * 2)


# Age on the data set's date, by category. Rural members are old (most joined before 2000
# and few young people stay in the villages); employed members are 22 to 60; retirees are
# mostly 60 to 85.
AGES: dict[str, Picker[int]] = {
    Category.EMPLOYED.value: _ages(
        (21, 0.2), (25, 1.0), (35, 1.3), (45, 1.2), (55, 0.9), (60, 0.4), (63, 0.02)
    ),
    Category.RETIRED.value: _ages(
        (50, 0.05), (55, 0.3), (60, 0.9), (70, 1.2), (78, 1.0), (86, 0.5), (97, 0.02)
    ),
    Category.FARMER.value: _ages(
        (22, 0.2), (30, 0.5), (45, 0.9), (55, 1.2), (62, 1.3), (72, 1.0), (82, 0.4), (93, 0.02)
    ),
    Category.STUDENT.value: _ages((18, 0.3), (20, 1.0), (22, 1.0), (24, 0.6), (28, 0.05)),
    Category.UNEMPLOYED.value: _ages(
        (20, 0.2), (25, 1.0), (35, 0.8), (50, 0.8), (60, 0.9), (70, 0.6), (85, 0.05)
    ),
}

# Age at joining the party, by category: students join at university, the employed mostly
# in their twenties and early thirties, farmers over a wider span.
JOINING_AGES: dict[str, Picker[int]] = {
    Category.EMPLOYED.value: _ages(
        (18, 0.3), (21, 1.0), (26, 1.0), (32, 0.6), (40, 0.2), (50, 0.02)
    ),
    Category.RETIRED.value: _ages(
        (18, 0.3), (21, 1.0), (28, 1.0), (35, 0.6), (45, 0.2), (55, 0.02)
    ),
    Category.FARMER.value: _ages(
        (18, 0.3), (22, 1.0), (30, 0.9), (40, 0.5), (50, 0.15), (60, 0.02)
    ),
    Category.STUDENT.value: _ages((18, 0.6), (19, 1.0), (21, 1.0), (23, 0.5), (26, 0.05)),
    Category.UNEMPLOYED.value: _ages((18, 0.3), (21, 1.0), (28, 0.9), (38, 0.4), (50, 0.02)),
}

# Probationary members (预备党员) are those who joined in the last year: about 2.5 million of
# 100 million, most of them students and young employees.
PROBATIONARY_SHARE: dict[str, float] = {
    Category.STUDENT.value: 0.25,
    Category.EMPLOYED.value: 0.03,
    Category.FARMER.value: 0.012,
    Category.UNEMPLOYED.value: 0.02,
    Category.RETIRED.value: 0.0,
}


def _education(**shares: float) -> Picker[str]:
    return Picker([(Education[k].value, v) for k, v in shares.items()])


# Education by category and generation (born before 1960, 1960-1984, 1985 on).
EDUCATION: dict[tuple[str, int], Picker[str]] = {
    (Category.EMPLOYED.value, 0): _education(
        POSTGRADUATE=0.02, BACHELOR=0.3, COLLEGE=0.3, SECONDARY=0.28, JUNIOR=0.1
    ),
    (Category.EMPLOYED.value, 1): _education(
        POSTGRADUATE=0.08, BACHELOR=0.42, COLLEGE=0.27, SECONDARY=0.17, JUNIOR=0.06
    ),
    (Category.EMPLOYED.value, 2): _education(
        POSTGRADUATE=0.15, BACHELOR=0.55, COLLEGE=0.2, SECONDARY=0.08, JUNIOR=0.02
    ),
    (Category.RETIRED.value, 0): _education(
        POSTGRADUATE=0.01, BACHELOR=0.14, COLLEGE=0.2, SECONDARY=0.35, JUNIOR=0.3
    ),
    (Category.RETIRED.value, 1): _education(
        POSTGRADUATE=0.04, BACHELOR=0.3, COLLEGE=0.3, SECONDARY=0.26, JUNIOR=0.1
    ),
    (Category.RETIRED.value, 2): _education(BACHELOR=0.4, COLLEGE=0.4, SECONDARY=0.2),
    (Category.FARMER.value, 0): _education(COLLEGE=0.01, SECONDARY=0.14, JUNIOR=0.85),
    (Category.FARMER.value, 1): _education(
        BACHELOR=0.02, COLLEGE=0.08, SECONDARY=0.35, JUNIOR=0.55
    ),
    (Category.FARMER.value, 2): _education(BACHELOR=0.12, COLLEGE=0.28, SECONDARY=0.4, JUNIOR=0.2),
    (Category.STUDENT.value, 0): _education(BACHELOR=1.0),
    (Category.STUDENT.value, 1): _education(POSTGRADUATE=0.4, BACHELOR=0.6),
    (Category.STUDENT.value, 2): _education(POSTGRADUATE=0.3, BACHELOR=0.64, COLLEGE=0.06),
    (Category.UNEMPLOYED.value, 0): _education(COLLEGE=0.05, SECONDARY=0.35, JUNIOR=0.6),
    (Category.UNEMPLOYED.value, 1): _education(
        BACHELOR=0.1, COLLEGE=0.15, SECONDARY=0.45, JUNIOR=0.3
    ),
    (Category.UNEMPLOYED.value, 2): _education(
        POSTGRADUATE=0.04, BACHELOR=0.36, COLLEGE=0.3, SECONDARY=0.25, JUNIOR=0.05
    ),
}
COLLEGE_OR_ABOVE = frozenset(
    {Education.POSTGRADUATE.value, Education.BACHELOR.value, Education.COLLEGE.value}
)


# --- Phones and mobile members -----------------------------------------------------------------

# Mobile number prefixes of the three carriers and their virtual operators, by rough share.
PHONE_PREFIXES = Picker(
    [
        (p, 3.0)
        for p in (
            "134",
            "135",
            "136",
            "137",
            "138",
            "139",
            "150",
            "151",
            "152",
            "157",
            "158",
            "159",
            "182",
            "183",
            "187",
            "188",
            "147",
            "178",
            "198",
        )
    ]
    + [(p, 2.0) for p in ("130", "131", "132", "155", "156", "185", "186", "166", "176", "175")]
    + [(p, 1.5) for p in ("133", "153", "180", "181", "189", "177", "173", "199", "191", "193")]
    + [(p, 0.3) for p in ("170", "171", "162", "165", "167", "192", "195", "196", "197")]
)


def phone_number(random: Callable[[], float]) -> str:
    return f"{PHONE_PREFIXES(random)}{int(random() * 100_000_000):08d}"


# Where mobile members (流动党员) work: the cities that draw migrant workers.
WORK_PLACES = Picker(
    [
        ("广东省深圳市", 5),
        ("广东省广州市", 5),
        ("广东省东莞市", 4),
        ("上海市", 5),
        ("北京市", 4),
        ("浙江省杭州市", 3),
        ("江苏省苏州市", 3),
        ("浙江省宁波市", 2),
        ("福建省厦门市", 2),
        ("天津市", 2),
        ("四川省成都市", 2),
        ("重庆市", 2),
        ("湖北省武汉市", 2),
        ("江苏省南京市", 2),
        ("广东省佛山市", 2),
        ("浙江省温州市", 1),
        ("山东省青岛市", 1),
        ("陕西省西安市", 1),
        ("福建省泉州市", 1),
        ("新疆维吾尔自治区乌鲁木齐市", 1),
    ]
)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
