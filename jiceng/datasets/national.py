"""The national synthetic data set, one county at a time.

A county (县级单位) is the unit of work: everything below its committee is generated from the
county's own divisions and a random stream seeded by (seed, county code), so a county comes out
the same whichever process makes it and whatever else is generated with it.

Below each county committee (中共南京市栖霞区委):

- every township (乡级): a street's working committee (中共仙林街道工作委员会) or a town's or
  township's committee (中共XX镇委员会), holding the township's own agency branch and, for each
  village-level division, the village or community organization: a branch, or for a large one a
  general branch (党总支) or committee (党委) with branches under it;
- five working committees holding the county's agencies, schools, hospitals, state enterprises,
  and private enterprises, social organizations and the new-economy groups (快递, 外卖, 网约车);
  small private firms with fewer than three members share joint branches (联合党支部).

How many units of each kind and how large they are is set in `UNITS` and the planner, calibrated
so that the whole country (2,977 county-level units with townships) comes to about 5.2 million
grassroots organizations (0.31 million committees, 0.26 million general branches, 4.6 million
branches and joint branches) and 100.4 million members, against the bulletin's 5.25 million and
100.3 million (end of 2024); `python -m jiceng.datasets.calibrate` recomputes the national
totals from the plan alone.

Generation runs in two passes. `plan_totals` makes only the plan (organizations and how many
members each has) and returns its counts, so the caller can give each county its range of ids;
`generate_county` makes the plan again with the same stream and then the members, committees and
rollup counts, and returns the rows ready for the database, ids assigned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

from jiceng.core import crypto, idnumbers, masking
from jiceng.members.models import Category, Gender, MemberStatus
from jiceng.orgs import rules
from jiceng.orgs.models import BRANCH_KINDS, GRASSROOTS_KINDS, Organization, OrgKind, Post, Sector

from . import people
from .sealing import BatchSealer

STEP = Organization.steplen
ALPHABET = Organization.alphabet
ROOT_NAME = "中国共产党"

# --- Places --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # 12 digits, as in the Division table
    name: str


@dataclass(frozen=True)
class Township:
    division: Place
    localities: tuple[Place, ...]  # its village-level divisions (村委会, 居委会, 社区 ...)


@dataclass(frozen=True)
class County:
    """A county-level unit: a county, district or county-level city, or a prefecture-level city
    without counties (东莞市), with what lies above and below it."""

    division: Place
    province: Place
    city: Place | None  # None where no prefecture-level body sits between (北京市 > 朝阳区)
    townships: tuple[Township, ...]

    @property
    def area_code(self) -> str:
        """The first six digits of its residents' ID numbers."""
        return self.division.code[:6]


# Prefecture-level rows of the code table that are groupings, not places with a committee.
TOWNSHIP_LEVEL = 4
CITY_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

VILLAGE_NAME = re.compile(r"(村委会|村民委员会|村)$")
LOCALITY_SUFFIX = re.compile(r"(村民委员会|居民委员会|村委会|居委会)$")
_AUTONOMY = "|".join(sorted(people.MINORITIES, key=len, reverse=True))
SHORT_NAME_SUFFIX = re.compile(rf"(({_AUTONOMY})+)?(自治县|自治旗|林区|特区|新区|区|县|市|旗)$")


def is_village(place: Place) -> bool:
    return VILLAGE_NAME.search(place.name) is not None


def locality_label(place: Place) -> str:
    """仙林社区居委会 → 仙林社区; 东庄村民委员会 → 东庄村; 铁东社区 stays."""
    name = LOCALITY_SUFFIX.sub("", place.name)
    if place.name.endswith(("村委会", "村民委员会")) and not name.endswith("村"):
        name += "村"
    elif place.name.endswith(("居委会", "居民委员会")) and not name.endswith(("社区", "居")):
        name += "社区"
    return name or place.name


def short_name(name: str) -> str:
    """The name without its level: 栖霞区 → 栖霞, 孟连傣族拉祜族佤族自治县 → 孟连."""
    stripped = SHORT_NAME_SUFFIX.sub("", name)
    return stripped if len(stripped) >= 2 else name


def province_committee_name(province: Place) -> str:
    if province.name.endswith("自治区"):
        return f"中共{province.name}委员会"
    return f"中共{province.name}委"


def city_committee_name(city: Place) -> str:
    if city.name.endswith("地区"):
        return f"中共{city.name[:-2]}地委"
    return f"中共{city.name}委"


def county_full_name(county: County) -> str:
    """A district with its city (南京市栖霞区, 北京市朝阳区); counties and county-level cities
    are known by their own name (沛县, 昆山市)."""
    name = county.division.name
    if name.endswith("区") and not name.endswith(("林区", "特区")):
        above = county.city.name if county.city is not None else county.province.name
        if above.endswith("市"):
            return above + name
    return name


def county_committee_name(county: County) -> str:
    """中共南京市栖霞区委, 中共北京市朝阳区委, 中共昆山市委, 中共沛县县委, 中共睢宁县委."""
    name = county.division.name
    if name.endswith("县") and len(name) == 2:
        return f"中共{name}县委"
    return f"中共{county_full_name(county)}委"


def township_committee(place: Place) -> tuple[str, str]:
    """(name, kind): a street's working committee, a town's or township's committee."""
    if place.name.endswith(("镇", "乡", "苏木", "农场", "林场", "牧场")):
        return f"中共{place.name}委员会", OrgKind.COMMITTEE
    return f"中共{place.name}工作委员会", OrgKind.WORKING_COMMITTEE


CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三 (ordinals of branches and groups)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")
    return str(n)


def path_step(n: int) -> str:
    """The n-th child's step of a materialized path (1 → '0001'), in treebeard's alphabet."""
    digits = ""
    while n:
        n, r = divmod(n, len(ALPHABET))
        digits = ALPHABET[r] + digits
    if len(digits) > STEP:
        raise ValueError("too many children under one organization")
    return digits.rjust(STEP, ALPHABET[0])


def stream_seed(seed: int, key: str, stream: str) -> int:
    """The seed of one random stream: its own for each county and purpose."""
    digest = hashlib.sha256(f"{seed}:{key}:{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def choose_counties(weights: dict[str, int], *, scale: float, seed: int) -> list[str]:
    """Whole counties, in an order the seed shuffles, until their weight reaches `scale` of the
    total: a sample whose size tracks the scale better than a fixed count of counties would."""
    if scale >= 1:
        return sorted(weights)
    order = sorted(weights, key=lambda code: stream_seed(seed, code, "choose"))
    target = scale * sum(weights.values())
    chosen: list[str] = []
    total = 0
    for code in order:
        if total >= target and chosen:
            break
        chosen.append(code)
        total += weights[code]
    return sorted(chosen)


def build_counties(rows: Iterable[tuple[str, str, int, str | None]]) -> list[County]:
    """The county-level units among division rows (12-digit code, name, level, parent code),
    which must hold each unit's ancestors and descendants. A unit is the parent of townships:
    a county, or a city without counties; one without townships (金门县) has nothing to seed."""
    places: dict[str, tuple[str, int, str | None]] = {}
    for code, name, level, parent in rows:
        places[code] = (name, level, parent)
    townships: dict[str, list[str]] = defaultdict(list)
    localities: dict[str, list[Place]] = defaultdict(list)
    for code, (name, level, parent) in places.items():
        if level == TOWNSHIP_LEVEL and parent in places:
            townships[parent].append(code)
        elif level == TOWNSHIP_LEVEL + 1 and parent in places:
            localities[parent].append(Place(code, name))
    counties = []
    for code in sorted(townships):
        name, level, parent = places[code]
        city: Place | None = None
        if level == TOWNSHIP_LEVEL - 1 and parent in places:
            city_name, _, province_code = places[parent]
            if city_name not in CITY_PLACEHOLDERS:
                city = Place(parent, city_name)
        else:  # a prefecture-level city without counties (东莞市)
            province_code = parent
        if province_code not in places:
            continue
        counties.append(
            County(
                division=Place(code, name),
                province=Place(province_code, places[province_code][0]),
                city=city,
                townships=tuple(
                    Township(
                        Place(t, places[t][0]), tuple(sorted(localities[t], key=lambda p: p.code))
                    )
                    for t in sorted(townships[code])
                ),
            )
        )
    return counties


# --- The plan of a county -----------------------------------------------------------------------


@dataclass(slots=True)
class OrgPlan:
    name: str
    kind: str
    sector: str
    division: str
    founded_on: int  # date ordinal
    parent: int  # index in the plan, -1 for the county committee
    ordinal: int  # 1-based position among its parent's children
    members: int = 0  # members directly in it (branches only)
    mix: str = ""  # people.MIXES key of its members
    dissolved_on: int = 0  # date ordinal, 0 while active
    groups: int = 0  # party groups (党小组)
    seats: int = 0  # committee seats; 0: no committee
    seat_source: int = -1  # for a township committee: the unit whose members sit on it
    numchild: int = 0
    unit: str = ""  # on a unit's top organization: its UNITS key (for calibration)


@dataclass(frozen=True)
class UnitKind:
    """One kind of unit that has its own party organization."""

    key: str
    sector: str
    mix: str
    median: float  # members of a typical unit, before the county's size factor
    sigma: float  # spread (log-normal)
    split: int  # members per branch once a unit is split into branches
    retired: float = 0.0  # share of members in retirees' branches (离退休党支部)
    founded: tuple[int, int] = (1950, 2010)
    grows: float = 0.5  # exponent of the county's size factor on the unit's size


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# fmt: off
# key, sector, mix of members, median size, spread, members per branch, retirees' share,
# founding years, growth with the county's size
UNITS: dict[str, UnitKind] = {unit.key: unit for unit in (UnitKind(*row) for row in (
    ("village", Sector.VILLAGE, "VILLAGE", 48, 0.55, 19, 0, (1950, 1995), 0),
    ("community", Sector.COMMUNITY, "COMMUNITY", 84, 0.6, 22, 0, (1985, 2018), 0.2),
    ("township_agency", Sector.AGENCY, "AGENCY", 42, 0.35, 12, 0.15, (1950, 2005), 0.3),
    ("agency", Sector.AGENCY, "AGENCY", 58, 0.45, 11, 0.25, (1950, 2005), 0.5),
    ("institution", Sector.INSTITUTION, "INSTITUTION", 25, 0.5, 14, 0.15, (1955, 2015), 0.5),
    ("school", Sector.INSTITUTION, "SCHOOL", 60, 0.6, 14, 0.2, (1950, 2015), 0.3),
    ("university", Sector.INSTITUTION, "UNIVERSITY", 1100, 0.5, 30, 0.08, (1950, 2005), 0),
    ("hospital", Sector.INSTITUTION, "HOSPITAL", 200, 0.5, 18, 0.2, (1950, 2000), 0.5),
    ("health_center", Sector.INSTITUTION, "HOSPITAL", 15, 0.5, 18, 0.15, (1958, 2010), 0),
    ("state_enterprise", Sector.STATE_ENTERPRISE,
     "STATE_ENTERPRISE", 110, 1, 20, 0.38, (1955, 2015), 0.5),
    ("private_enterprise", Sector.PRIVATE_ENTERPRISE,
     "PRIVATE_ENTERPRISE", 12, 1.15, 22, 0, (2000, 2023), 0.5),
    ("social_organization", Sector.SOCIAL_ORGANIZATION,
     "SOCIAL_ORGANIZATION", 10, 0.9, 20, 0, (2005, 2023), 0.5),
    ("new_economy", Sector.NEW_ECONOMY, "NEW_ECONOMY", 20, 0.6, 20, 0, (2016, 2024), 0.2),
))}

# The county's own bodies (县直机关), with how large each is against a typical one.
AGENCY_BODIES: tuple[tuple[str, float], ...] = (
    ("{c}委办公室", 0.8), ("{c}人大常委会机关", 0.8), ("{c}政府办公室", 1), ("{c}政协机关", 0.6),
    ("{c}纪委监委机关", 1.8),
    ("{c}委组织部", 1), ("{c}委宣传部", 0.7), ("{c}委统战部", 0.5), ("{c}委政法委员会", 0.6),
    ("{c}委党校", 0.8),
    ("{c}发展和改革委员会", 1), ("{c}教育局", 1.2), ("{c}科学技术局", 0.5),
    ("{c}工业和信息化局", 0.7),
    ("{c}公安{police}", 9), ("{c}民政局", 0.8), ("{c}司法局", 1.2), ("{c}财政局", 1.4),
    ("{c}人力资源和社会保障局", 1.2), ("{c}自然资源和规划局", 1.3), ("{c}生态环境局", 0.8),
    ("{c}住房和城乡建设局", 1.2),
    ("{c}交通运输局", 1.3), ("{c}水务局", 1), ("{c}农业农村局", 1.6), ("{c}商务局", 0.6),
    ("{c}文化和旅游局", 0.8),
    ("{c}卫生健康委员会", 0.9), ("{c}退役军人事务局", 0.5), ("{c}应急管理局", 0.7),
    ("{c}审计局", 0.6),
    ("{c}市场监督管理局", 2.2), ("{c}统计局", 0.4), ("{c}医疗保障局", 0.5),
    ("{c}城市管理局", 1.5), ("{c}信访局", 0.4),
    ("{c}数据局", 0.4), ("{c}人民法院", 4), ("{c}人民检察院", 2), ("{c}总工会", 0.4),
    ("共青团{c}委", 0.3),
    ("{c}妇女联合会", 0.3), ("{c}科学技术协会", 0.2), ("{c}残疾人联合会", 0.3),
    ("{c}工商业联合会", 0.3),
    ("国家税务总局{full}税务局", 2.5), ("{c}消防救援大队", 0.8), ("{c}机关事务管理局", 0.5),
    ("{c}档案馆", 0.3),
    ("{c}供销合作总社", 0.6),
)
INSTITUTION_NAMES = (
    "{c}融媒体中心", "{c}图书馆", "{c}文化馆", "{c}农业技术推广中心", "{c}疾病预防控制中心",
    "{c}不动产登记中心", "{c}政务服务中心",
    "{c}城市管理综合行政执法大队", "{c}公证处", "{c}住房保障中心", "{c}水利工程管理处",
    "{c}园林绿化管理中心", "{c}社会福利院",
    "{c}就业服务中心", "{c}动物疫病预防控制中心", "{c}气象局", "{c}地震局", "{c}博物馆",
    "{c}青少年活动中心", "{c}林业工作站",
    "{c}环境监测站", "{c}国有资产管理中心",
)
HOSPITALS = (
    "{c}人民医院", "{c}中医院", "{c}妇幼保健院", "{c}第二人民医院", "{c}精神卫生中心",
    "{c}第三人民医院", "{c}口腔医院", "{c}康复医院",
    "{c}传染病医院", "{c}中西医结合医院",
)
UNIVERSITY_NAMES = (
    "{city}大学", "{city}师范学院", "{city}职业技术学院", "{city}工程学院", "{city}医学院",
    "{city}财经学院",
    "{city}理工学院", "{city}艺术学院", "{city}农业职业技术学院",
)
COLLEGES = (
    "机关", "马克思主义学院", "文学院", "外国语学院", "经济管理学院", "法学院", "教育科学学院",
    "数学与统计学院", "物理与电子工程学院", "化学化工学院",
    "生命科学学院", "信息工程学院", "机电工程学院", "建筑工程学院", "艺术学院", "体育学院",
    "医学院", "继续教育学院",
)
STATE_ENTERPRISES = (
    "{c}城市建设投资集团有限公司", "{c}交通投资集团有限公司", "{c}水务集团有限公司",
    "{c}国有资产投资经营有限公司", "国网{full}供电公司",
    "中国移动{full}分公司", "中国电信{full}分公司", "中国联通{full}分公司",
    "中国邮政集团有限公司{full}分公司", "中国工商银行{full}支行",
    "中国农业银行{full}支行", "中国建设银行{full}支行", "中国银行{full}支行",
    "{c}农村商业银行股份有限公司", "中国石化{full}石油分公司",
    "中国人寿保险股份有限公司{full}支公司", "{c}公共交通有限公司", "{c}文化旅游发展集团有限公司",
    "{c}粮食购销有限公司", "{c}城市发展集团有限公司",
    "{c}产业投资集团有限公司", "{c}农业发展集团有限公司", "{c}供销合作发展有限公司",
    "{c}燃气有限公司", "{c}环境卫生管理有限公司",
    "{c}市政工程有限公司", "{c}城乡建设开发有限公司", "中国平安财产保险股份有限公司{full}支公司",
    "中国人民财产保险股份有限公司{full}支公司",
    "中国烟草总公司{full}公司", "中国石油{full}销售分公司", "{c}自来水有限公司",
    "{c}热力有限公司", "{c}国有林场", "{c}融资担保有限公司",
    "{c}人才发展集团有限公司", "{c}城市更新有限公司", "{c}数字科技集团有限公司",
    "{c}医药有限公司", "{c}新华书店有限公司",
    "中国邮政储蓄银行{full}支行", "交通银行{full}支行", "{c}广播电视网络有限公司",
)
SOCIAL_ORGANIZATIONS = (
    "{c}个体劳动者协会", "{c}律师协会", "{c}商会", "{c}社会工作服务中心", "{c}养老服务中心",
    "{c}慈善总会", "{c}志愿者协会",
    "{c}物业管理协会", "{c}会计师协会", "{c}餐饮行业协会", "{c}建筑业协会", "{c}老年人体育协会",
    "{c}家庭服务业协会", "{c}青年创业促进会",
    "{c}红十字会", "{c}书法家协会", "{c}摄影家协会", "{c}民办教育协会",
)
NEW_ECONOMY_UNITS = (
    "顺丰速运{c}营业部", "中通快递{c}网点", "圆通速递{c}网点", "韵达快递{c}网点",
    "申通快递{c}网点", "京东物流{c}营业部", "极兔速递{c}网点",
    "中国邮政{c}揽投部", "美团外卖{c}站点", "饿了么{c}站点", "滴滴出行{c}服务站",
    "曹操出行{c}服务站", "货拉拉{c}服务站", "{c}快递物流行业",
    "{c}外卖配送行业", "{c}网约车行业",
)
FIRM_WORDS = _words(
    "恒达 华盛 永兴 金鑫 鑫源 宏远 瑞丰 华兴 天成 伟业 盛世 万通 嘉禾 新宇 东方 顺达 联创 中科"
    " 汇丰 康泰 长江 龙腾 远航 明德 正泰 海川 创新 博远 锦程"
    " 信达 润丰 通达 安泰 和信 弘毅 佳美 星辰 凯旋 天元 亿丰 金桥 百川 卓越 鼎盛 旭日 祥和 合力"
    " 宝利 恒信 兴隆 华达 金源 德润"
)
FIRM_TRADES = _words(
    "机械制造 电子科技 新材料科技 建材 纺织 食品 物流 化工 医药 智能装备 建设工程 网络科技"
    " 汽车零部件 服装 家具 环保科技 农业开发 生物科技 电气 精密机械 包装"
    " 印务 商贸 置业 物业管理 餐饮管理 人力资源 信息技术 光电科技 塑业 钢结构 装饰工程 供应链管理"
)
SOCIAL_TRADES = _words(
    "社会工作服务中心 养老服务中心 社区服务中心 公益服务中心 文化艺术团 志愿服务队"
    " 心理咨询服务中心 助残服务中心 青少年服务中心 家政服务协会 调解服务中心 健康服务中心"
    " 民办幼儿园 职业培训学校"
)
FIRM_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
# fmt: on


# Units of 50 to 99 members that keep one branch instead of forming a general branch.
BIG_BRANCH_SHARE = 0.4


def county_size(county: County) -> float:
    """How large a county is against the national average, from its divisions."""
    villages = communities = 0
    for township in county.townships:
        for place in township.localities:
            if is_village(place):
                villages += 1
            else:
                communities += 1
    return (villages + 3 * communities + 30) / 330


class Planner:
    """The organizations of one county and how many members each has."""

    def __init__(self, county: County, *, seed: int, as_of: dt.date) -> None:
        self.county = county
        # synthetic data, not secrets: a seeded generator is the point (S311)
        self.rng = random.Random(stream_seed(seed, county.division.code, "plan"))  # noqa: S311
        self.as_of = as_of.toordinal()
        self.orgs: list[OrgPlan] = []
        self.size = county_size(county)
        name = county.division.name
        self.fill = {
            "c": name,
            "full": county_full_name(county),
            "city": short_name(county.city.name if county.city else county.province.name),
            "police": "分局" if name.endswith("区") else "局",
        }
        self.used_names: set[str] = set()

    # -- pieces

    def add(
        self,
        parent: int,
        name: str,
        kind: str,
        sector: str,
        division: str,
        founded_on: int,
        **extra: Any,
    ) -> int:
        ordinal = 1
        if parent >= 0:
            self.orgs[parent].numchild += 1
            ordinal = self.orgs[parent].numchild
        # plain str, not the enum members: rows cross processes with marshal (PackedCounty)
        self.orgs.append(
            OrgPlan(name, str(kind), str(sector), division, founded_on, parent, ordinal, **extra)
        )
        return len(self.orgs) - 1

    def founded(self, years: tuple[int, int], *, after: int = 0) -> int:
        start = max(dt.date(years[0], 1, 1).toordinal(), after)
        end = min(dt.date(years[1], 12, 31).toordinal(), self.as_of - 400)
        return self.rng.randint(start, max(start, end))

    def size_of(self, unit: UnitKind, factor: float = 1.0) -> int:
        median = unit.median * factor * self.size**unit.grows
        return max(3, round(self.rng.lognormvariate(math.log(median), unit.sigma)))

    def unique(self, name: str) -> str:
        """Names stay unique inside a county (two 恒达机械 firms get told apart)."""
        candidate, n = name, 1
        while candidate in self.used_names:
            n += 1
            candidate = f"{name}（{chinese_number(n)}）"
        self.used_names.add(candidate)
        return candidate

    def split(self, total: int, parts: int) -> list[int]:
        """`total` members over `parts` branches, unevenly, each with at least 3."""
        weights = [0.6 + 0.8 * self.rng.random() for _ in range(parts)]
        scale = (total - 3 * parts) / sum(weights)
        sizes = [3 + int(w * scale) for w in weights]
        sizes[0] += total - sum(sizes)
        return sizes

    def unit(
        self,
        parent: int,
        base: str,
        members: int,
        unit: UnitKind,
        division: str,
        *,
        sub_label: str = "",
        kind: str = OrgKind.BRANCH,
    ) -> int:
        """One unit's organization: a branch, or a general branch or committee over branches
        (党员50人以上可设党总支，100人以上可设党委)."""
        top = self._unit(parent, base, members, unit, division, sub_label=sub_label, kind=kind)
        self.orgs[top].unit = unit.key
        return top

    def _unit(
        self,
        parent: int,
        base: str,
        members: int,
        unit: UnitKind,
        division: str,
        *,
        sub_label: str,
        kind: str,
    ) -> int:
        founded = self.founded(unit.founded)
        if members <= rules.GENERAL_BRANCH_ABOVE:
            return self.branch(parent, f"{base}党支部", members, unit, division, founded, kind=kind)
        retired = round(members * unit.retired * (0.7 + 0.6 * self.rng.random()))
        if retired < rules.MIN_FULL_MEMBERS:
            retired = 0
        working = members - retired
        if members < rules.PRIMARY_COMMITTEE_AT and self.rng.random() < BIG_BRANCH_SHARE:
            # The regulations allow, not require, a general branch: some stay one branch.
            return self.branch(parent, f"{base}党支部", members, unit, division, founded, kind=kind)
        if members < rules.PRIMARY_COMMITTEE_AT:
            top = self.add(
                parent,
                f"{base}党总支",
                OrgKind.GENERAL_BRANCH,
                unit.sector,
                division,
                founded,
                seats=5,
            )
        else:
            top = self.add(
                parent, f"{base}党委", OrgKind.COMMITTEE, unit.sector, division, founded, seats=7
            )
        parts = max(1, round(working / unit.split))
        retired_parts = -(-retired // 40) if retired else 0
        if parts + retired_parts < 2:
            parts = 2
        sizes = self.split(working, parts)
        holder, per_holder = top, len(sizes)
        if len(sizes) > 15:  # a large unit groups its branches under second-level bodies
            per_holder = 8
        for i, size in enumerate(sizes):
            if per_holder < len(sizes) and i % per_holder == 0:
                holder = self.second_level(
                    top,
                    base,
                    i // per_holder,
                    sum(sizes[i : i + per_holder]),
                    unit,
                    division,
                    founded,
                )
            name = f"{base}第{chinese_number(i + 1)}{sub_label}党支部"
            self.branch(holder, name, size, unit, division, founded)
        for i, size in enumerate(self.split(retired, retired_parts) if retired_parts else []):
            number = chinese_number(i + 1) if retired_parts > 1 else ""
            name = f"{base}离退休{'第' + number if number else ''}党支部"
            self.branch(top, name, size, unit, division, founded, mix="RETIRED")
        return top

    def second_level(
        self,
        top: int,
        base: str,
        number: int,
        members: int,
        unit: UnitKind,
        division: str,
        founded: int,
    ) -> int:
        """A college's committee in a university (学院党委), a second-level committee (分党委)
        or a general branch in another large unit."""
        if unit.key == "university" and number < len(COLLEGES):
            name, kind, seats = f"{base}{COLLEGES[number]}党委", OrgKind.COMMITTEE, 7
        elif members >= rules.PRIMARY_COMMITTEE_AT:
            name, kind, seats = f"{base}第{chinese_number(number + 1)}分党委", OrgKind.COMMITTEE, 7
        else:
            name, kind, seats = (
                f"{base}第{chinese_number(number + 1)}党总支",
                OrgKind.GENERAL_BRANCH,
                5,
            )
        return self.add(top, name, kind, unit.sector, division, founded, seats=seats)

    def branch(
        self,
        parent: int,
        name: str,
        members: int,
        unit: UnitKind,
        division: str,
        founded: int,
        *,
        kind: str = OrgKind.BRANCH,
        mix: str = "",
    ) -> int:
        seats = rules.MIN_COMMITTEE_SEATS if members >= rules.COMMITTEE_AT else 1
        groups = min(5, members // 10) if members >= 20 else 0
        return self.add(
            parent,
            name,
            kind,
            unit.sector,
            division,
            founded,
            members=members,
            mix=mix or unit.mix,
            seats=seats,
            groups=groups,
        )

    def count(self, expected: float) -> int:
        """A whole number of units around `expected`."""
        whole = int(expected)
        return whole + (1 if self.rng.random() < expected - whole else 0)

    # -- the county

    def plan(self) -> list[OrgPlan]:
        county, rng = self.county, self.rng
        code = county.division.code
        top = self.add(-1, county_committee_name(county), OrgKind.LOCAL_COMMITTEE, "", code, 0)
        villages = communities = 0
        for township in county.townships:
            villages += sum(1 for p in township.localities if is_village(p))
            communities += sum(1 for p in township.localities if not is_village(p))
            self.township(top, township)
        c = self.fill

        def fill(template: str) -> str:
            return template.format(**c)

        agencies = self.working_committee(top, f"中共{c['full']}直属机关工作委员会", Sector.AGENCY)
        for template, weight in AGENCY_BODIES:
            self.unit(
                agencies,
                fill(template),
                self.size_of(UNITS["agency"], weight),
                UNITS["agency"],
                code,
            )
        institutions = list(INSTITUTION_NAMES)
        rng.shuffle(institutions)
        for template in institutions[: self.count(6 + 0.03 * villages + 0.05 * communities)]:
            unit = UNITS["institution"]
            self.unit(agencies, fill(template), self.size_of(unit), unit, code)

        schools = self.working_committee(top, f"中共{c['full']}教育工作委员会", Sector.INSTITUTION)
        self.schools(schools, villages, communities)

        health = self.working_committee(
            top, f"中共{c['full']}卫生健康工作委员会", Sector.INSTITUTION
        )
        for template in HOSPITALS[: self.count(3 + communities / 25)]:
            unit = UNITS["hospital"]
            self.unit(health, fill(template), self.size_of(unit), unit, code)
        for township in county.townships:
            label = "社区卫生服务中心" if township.division.name.endswith("街道") else "卫生院"
            unit = UNITS["health_center"]
            base = township.division.name + label
            self.unit(health, base, self.size_of(unit), unit, township.division.code)

        state = self.working_committee(
            top, f"中共{c['full']}国有企业工作委员会", Sector.STATE_ENTERPRISE
        )
        names = list(STATE_ENTERPRISES)
        rng.shuffle(names)
        for template in names[: self.count(12 + 0.03 * villages + 0.25 * communities)]:
            unit = UNITS["state_enterprise"]
            self.unit(state, fill(template), self.size_of(unit), unit, code)

        private = self.working_committee(
            top, f"中共{c['full']}非公有制经济组织和社会组织工作委员会", Sector.PRIVATE_ENTERPRISE
        )
        firms = [
            self.firm_name() for _ in range(self.count(25 + 0.5 * villages + 3.5 * communities))
        ]
        self.small_units(private, firms, UNITS["private_enterprise"], "非公企业")
        social = [fill(t) for t in SOCIAL_ORGANIZATIONS]
        rng.shuffle(social)
        wanted = self.count(5 + 0.05 * villages + 0.4 * communities)
        social = social[:wanted] + [self.social_name() for _ in range(wanted - len(social))]
        self.small_units(private, social, UNITS["social_organization"], "社会组织")
        riders = [fill(t) for t in NEW_ECONOMY_UNITS]
        rng.shuffle(riders)
        riders = riders[: self.count(2 + 0.01 * villages + 0.15 * communities)]
        self.small_units(private, riders, UNITS["new_economy"], "新就业群体")
        return self.orgs

    def township(self, parent: int, township: Township) -> None:
        place = township.division
        name, kind = township_committee(place)
        founded = self.founded((1950, 2005) if kind == OrgKind.COMMITTEE else (1980, 2015))
        seats = 7 if kind == OrgKind.COMMITTEE else 0
        node = self.add(parent, name, kind, "", place.code, founded, seats=seats)
        unit = UNITS["township_agency"]
        agency = self.unit(node, f"{place.name}机关", self.size_of(unit), unit, place.code)
        if seats:
            self.orgs[node].seat_source = agency
        for locality in township.localities:
            unit = UNITS["village"] if is_village(locality) else UNITS["community"]
            label = "网格" if unit.sector == Sector.COMMUNITY else ""
            self.unit(
                node,
                locality_label(locality),
                self.size_of(unit),
                unit,
                locality.code,
                sub_label=label,
            )

    def working_committee(self, parent: int, name: str, sector: str) -> int:
        founded = self.founded((1980, 2015))
        return self.add(
            parent, name, OrgKind.WORKING_COMMITTEE, sector, self.county.division.code, founded
        )

    def schools(self, parent: int, villages: int, communities: int) -> None:
        county, code = self.county, self.county.division.code
        unit = UNITS["school"]
        for township in county.townships:
            if township.division.name.endswith(("镇", "乡")):
                short = (
                    township.division.name[:-1]
                    if len(township.division.name) > 2
                    else township.division.name
                )
                for template in ("{t}中心小学", "{t}初级中学"):
                    base = template.format(t=short)
                    self.unit(
                        parent, self.unique(base), self.size_of(unit), unit, township.division.code
                    )
        c = self.fill["c"]
        urban = [f"{c}实验小学", f"{c}第一中学", f"{c}实验幼儿园", f"{c}职业教育中心"]
        urban += [
            f"{c}第{chinese_number(i)}小学" for i in range(1, 1 + self.count(communities * 0.08))
        ]
        urban += [
            f"{c}第{chinese_number(i)}中学" for i in range(2, 2 + self.count(communities * 0.04))
        ]
        for base in urban:
            self.unit(parent, self.unique(base), self.size_of(unit), unit, code)
        if self.rng.random() < min(0.95, communities / 60):
            names = list(UNIVERSITY_NAMES)
            self.rng.shuffle(names)
            for template in names[: 1 + communities // 40]:
                base = self.unique(template.format(**self.fill))
                self.unit(
                    parent, base, self.size_of(UNITS["university"]), UNITS["university"], code
                )

    def firm_name(self) -> str:
        rng = self.rng
        words, trades = FIRM_WORDS, FIRM_TRADES
        name = (
            short_name(self.county.division.name)
            + words[int(rng.random() * len(words))]
            + trades[int(rng.random() * len(trades))]
            + FIRM_FORMS[int(rng.random() * len(FIRM_FORMS))]
        )
        return self.unique(name)

    def social_name(self) -> str:
        rng = self.rng
        words, trades = FIRM_WORDS, SOCIAL_TRADES
        name = (
            short_name(self.county.division.name)
            + words[int(rng.random() * len(words))]
            + trades[int(rng.random() * len(trades))]
        )
        return self.unique(name)

    def small_units(
        self, parent: int, names: Sequence[str], unit: UnitKind, field_name: str
    ) -> None:
        """Units with three members or more have their own organization; the smaller ones
        share joint branches (联合党支部) of a few units each."""
        code = self.county.division.code
        pending = 0
        joint = 0
        for name in names:
            members = self.size_of(unit)
            if self.rng.random() < 0.35:
                members = 1 + int(self.rng.random() * 2)
            if members >= rules.MIN_FULL_MEMBERS:
                top = self.unit(parent, name, members, unit, code)
                if unit.sector == Sector.PRIVATE_ENTERPRISE and self.rng.random() < 0.006:
                    self.dissolve(top)
                continue
            pending += members
            if pending >= 5:
                joint += 1
                base = f"{self.fill['c']}{field_name}第{chinese_number(joint)}联合"
                self.branch(
                    parent,
                    f"{base}党支部",
                    pending,
                    unit,
                    code,
                    self.founded(unit.founded),
                    kind=OrgKind.JOINT_BRANCH,
                )
                pending = 0

    def dissolve(self, index: int) -> None:
        """A firm that closed: its organization is dissolved, its members have gone elsewhere."""
        org = self.orgs[index]
        if org.numchild:
            return
        org.members = org.groups = org.seats = 0
        org.dissolved_on = self.rng.randint(
            min(org.founded_on + 365, self.as_of - 30), self.as_of - 30
        )


@dataclass(frozen=True)
class Totals:
    """What one county adds to each table; the caller hands out id ranges from these."""

    organizations: int
    party_groups: int
    members: int
    committees: int
    seats: int


@dataclass(frozen=True)
class CountyTask:
    county: County
    seed: int
    as_of: dt.date
    path: str = ""  # the county committee's materialized path
    first_ids: Totals | None = None  # the first id of each table for this county
    stamp: Any = None  # created_at / updated_at as the database takes it
    # Dates and the stamp as Python objects, not ISO text: rows a worker formats itself as
    # PostgreSQL's binary COPY (writer.format_rows); text crosses processes in marshal.
    native: bool = False


def plan_county(task: CountyTask) -> list[OrgPlan]:
    orgs = Planner(task.county, seed=task.seed, as_of=task.as_of).plan()
    # A committee needs people to sit on it: cap the seats at the members below it.
    below = [o.members for o in orgs]
    for i in range(len(orgs) - 1, 0, -1):
        if orgs[i].parent >= 0:
            below[orgs[i].parent] += below[i]
    for i, org in enumerate(orgs):
        source = below[org.seat_source] if org.seat_source >= 0 else below[i]
        org.seats = min(org.seats, source)
    return orgs


def plan_totals(task: CountyTask) -> Totals:
    """Pass one: the counts of a county's rows, without making them."""
    orgs = plan_county(task)
    return Totals(
        organizations=len(orgs),
        party_groups=sum(o.groups for o in orgs),
        members=sum(o.members for o in orgs),
        committees=sum(1 for o in orgs if o.seats),
        seats=sum(o.seats for o in orgs),
    )


# --- Members and rows ---------------------------------------------------------------------------

ORGANIZATION_COLUMNS = (
    "id",
    "path",
    "depth",
    "numchild",
    "name",
    "kind",
    "sector",
    "founded_on",
    "dissolved_on",
    "member_count",
    "full_member_count",
    "subtree_member_count",
    "subtree_branch_count",
    "subtree_org_count",
    "division_id",
)
PARTY_GROUP_COLUMNS = ("id", "name", "organization_id")
MEMBER_COLUMNS = (
    "id",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number_sealed",
    "id_number_digest",
    "id_number_masked",
    "phone_sealed",
    "phone_digest",
    "phone_masked",
    "education",
    "category",
    "joined_on",
    "full_member_on",
    "status",
    "is_mobile",
    "work_place",
    "created_at",
    "updated_at",
    "organization_id",
    "party_group_id",
    "residential_division_id",
)
COMMITTEE_COLUMNS = ("id", "term_start", "term_due", "ended_on", "organization_id", "path")
SEAT_COLUMNS = ("id", "post", "committee_id", "member_id")

# Posts of a committee by its number of seats (as plain str, like every value in a row).
COMMITTEE_POSTS = tuple(
    p.value
    for p in (Post.SECRETARY, Post.ORGANIZATION, Post.PUBLICITY, Post.DEPUTY_SECRETARY,
              Post.DISCIPLINE, Post.MEMBER, Post.MEMBER)
)  # fmt: skip
POSTS_BY_SIZE = {
    1: COMMITTEE_POSTS[:1],
    3: COMMITTEE_POSTS[:3],
    5: (Post.SECRETARY.value, Post.DEPUTY_SECRETARY.value, Post.ORGANIZATION.value,
        Post.PUBLICITY.value, Post.DISCIPLINE.value),
}  # fmt: skip
OVERDUE_SHARE = 0.06  # committees past their term (应换届未换届)
ADULT_DAYS = 18 * 365 + 5  # at least 18 years, whatever the leap days


@dataclass
class CountyRows:
    code: str
    organizations: list[tuple[Any, ...]]
    party_groups: list[tuple[Any, ...]]
    members: list[tuple[Any, ...]]
    committees: list[tuple[Any, ...]]
    seats: list[tuple[Any, ...]]
    # the county committee's rollups: members, full members, branches, grassroots organizations
    rollup: tuple[int, int, int, int]
    stats: Counter[str] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        return (
            len(self.organizations)
            + len(self.party_groups)
            + len(self.members)
            + len(self.committees)
            + len(self.seats)
        )


# The tables of a county's rows, in the order they are written (referenced rows first).
TABLE_ORDER = ("organizations", "party_groups", "members", "committees", "seats")


@dataclass(frozen=True)
class PackedCounty:
    """A county's rows as one marshal blob: what goes from a worker process to the writer.

    Pickling millions of small tuples costs more than making them, because pickle remembers
    every object it writes; marshal writes and reads plain tuples of str, bytes and int several
    times faster, so rows hold only those (dates and timestamps as text). For PostgreSQL the
    worker may instead send each table in binary COPY's format (`formatted`, from `native`
    rows): a few large bytes objects, which the writer sends on as they are.
    """

    code: str
    payload: bytes
    counts: tuple[int, ...]  # rows of each table, in TABLE_ORDER
    rollup: tuple[int, int, int, int]
    stats: Counter[str]
    formatted: bool = False

    @classmethod
    def pack(
        cls, rows: CountyRows, format_table: Callable[[str, list[Any]], bytes] | None = None
    ) -> PackedCounty:
        tables = tuple(getattr(rows, name) for name in TABLE_ORDER)
        payload: tuple[Any, ...] = tables
        if format_table is not None:
            payload = tuple(format_table(n, t) for n, t in zip(TABLE_ORDER, tables, strict=True))
        return cls(
            rows.code,
            marshal.dumps(payload),
            tuple(len(t) for t in tables),
            rows.rollup,
            rows.stats,
            formatted=format_table is not None,
        )

    def tables(self) -> tuple[Any, ...]:
        """Each table's rows (a list of tuples), or its binary COPY if `formatted`."""
        return marshal.loads(self.payload)  # type: ignore[no-any-return]  # noqa: S302 - our own worker's output

    def unpack(self) -> CountyRows:
        assert not self.formatted
        organizations, party_groups, members, committees, seats = self.tables()
        return CountyRows(
            self.code,
            organizations,
            party_groups,
            members,
            committees,
            seats,
            self.rollup,
            self.stats,
        )


def generate_packed(task: CountyTask) -> PackedCounty:
    return PackedCounty.pack(generate_county(task))


_sealers: dict[str, BatchSealer] = {}


def sealer(field_name: str, length: int) -> BatchSealer:
    """One sealer per process and field (its tables take a few milliseconds to build)."""
    if field_name not in _sealers:
        _sealers[field_name] = BatchSealer(field=field_name, length=length)
    return _sealers[field_name]


_ID_WEIGHTS = idnumbers.WEIGHTS
_SEQUENCE_SUMS = [
    sum(int(d) * w for d, w in zip(f"{s:03d}", _ID_WEIGHTS[14:], strict=True)) for s in range(1000)
]


class Days:
    """Dates by ordinal, made once per process: ISO text or date objects, and for birth dates
    the YYYYMMDD digits of an ID number with their share of its check sum."""

    def __init__(self) -> None:
        self.text: dict[int, str] = {}
        self.dates: dict[int, dt.date] = {}
        self.births: dict[int, tuple[str, int, int]] = {}

    def iso(self, ordinal: int) -> str:
        found = self.text.get(ordinal)
        if found is None:
            found = self.text[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return found

    def day(self, ordinal: int) -> dt.date:
        found = self.dates.get(ordinal)
        if found is None:
            found = self.dates[ordinal] = dt.date.fromordinal(ordinal)
        return found

    def birth(self, ordinal: int) -> tuple[str, int, int]:
        """(YYYYMMDD, weighted digit sum, year)."""
        found = self.births.get(ordinal)
        if found is None:
            day = dt.date.fromordinal(ordinal)
            digits = f"{day.year:04d}{day.month:02d}{day.day:02d}"
            weighted = sum(int(d) * w for d, w in zip(digits, _ID_WEIGHTS[6:14], strict=True))
            found = self.births[ordinal] = (digits, weighted, day.year)
        return found


DAYS = Days()


def generate_county(task: CountyTask) -> CountyRows:
    """Pass two: the county's rows, with the ids from `task.first_ids`."""
    assert task.first_ids is not None
    county = task.county
    orgs = plan_county(task)
    rng = random.Random(stream_seed(task.seed, county.division.code, "members"))  # noqa: S311
    first = task.first_ids
    people_maker = MemberMaker(county, rng, task.as_of)

    # Members, organization by organization in plan order: a subtree's members are contiguous.
    first_member = [0] * len(orgs)
    full_counts = [0] * len(orgs)
    group_rows: list[tuple[Any, ...]] = []
    group_id = first.party_groups
    org_id = first.organizations
    for index, org in enumerate(orgs):
        first_member[index] = len(people_maker.drafts)
        if not org.members:
            continue
        groups = list(range(group_id, group_id + org.groups))
        for g, pk in enumerate(groups, start=1):
            group_rows.append((pk, f"第{chinese_number(g)}党小组", org_id + index))
        group_id += org.groups
        residence = org.division if org.sector in (Sector.VILLAGE, Sector.COMMUNITY) else None
        full_counts[index] = people_maker.make(
            org.members, org.mix, org_id + index, groups, residence
        )
    day = DAYS.day if task.native else DAYS.iso
    member_rows = people_maker.rows(first.members, task.stamp, day)
    drafts = people_maker.drafts
    stats = people_maker.stats
    rand = rng.random
    today = task.as_of.toordinal()

    # Rollups, bottom-up: each organization adds its finished subtree to its parent's.
    count = len(orgs)
    subtree_members = [o.members for o in orgs]
    subtree_branches = [int(o.kind in BRANCH_KINDS and not o.dissolved_on) for o in orgs]
    subtree_orgs = [int(o.kind in GRASSROOTS_KINDS and not o.dissolved_on) for o in orgs]
    last = list(range(count))  # the last organization of each subtree, in plan order
    for i in range(count - 1, 0, -1):
        parent = orgs[i].parent
        subtree_members[parent] += subtree_members[i]
        subtree_branches[parent] += subtree_branches[i]
        subtree_orgs[parent] += subtree_orgs[i]
        last[parent] = max(last[parent], last[i])

    paths = [task.path] + [""] * (count - 1)
    org_rows: list[tuple[Any, ...]] = []
    for i, org in enumerate(orgs):
        if i:
            paths[i] = paths[org.parent] + path_step(org.ordinal)
        org_rows.append(
            (
                org_id + i,
                paths[i],
                len(paths[i]) // STEP,
                org.numchild,
                org.name,
                org.kind,
                org.sector,
                day(org.founded_on) if org.founded_on else None,
                day(org.dissolved_on) if org.dissolved_on else None,
                org.members,
                full_counts[i],
                subtree_members[i],
                subtree_branches[i],
                subtree_orgs[i],
                org.division,
            )
        )
        if not org.dissolved_on:
            stats[f"kind:{org.kind}"] += 1

    # Committees: one current term each, a secretary who is a full member where there is one.
    committee_rows: list[tuple[Any, ...]] = []
    seat_rows: list[tuple[Any, ...]] = []
    committee_id, seat_id = first.committees, first.seats
    statuses = [d[STATUS] for d in drafts]
    for i, org in enumerate(orgs):
        if not org.seats:
            continue
        source = org.seat_source if org.seat_source >= 0 else i
        start = first_member[source]
        end = first_member[last[source] + 1] if last[source] + 1 < count else len(drafts)
        years = rules.term_years(org.kind, org.sector)
        if rand() < OVERDUE_SHARE:
            began = today - years * 365 - 30 - int(rand() * 300)
        else:
            began = today - int(rand() * (years * 365 - 30))
        term_start = dt.date.fromordinal(max(began, org.founded_on))
        term_due = rules.term_due(term_start, kind=org.kind, sector=org.sector)
        term: tuple[Any, Any] = (term_start, term_due)
        if not task.native:
            term = (term_start.isoformat(), term_due.isoformat())
        committee_rows.append((committee_id, *term, None, org_id + i, paths[i]))
        chosen = pick_seats(rand, start, end, org.seats, statuses, MemberStatus.FULL.value)
        posts = POSTS_BY_SIZE.get(len(chosen), COMMITTEE_POSTS)
        for member, post in zip(chosen, posts, strict=False):
            seat_rows.append((seat_id, post, committee_id, first.members + member))
            seat_id += 1
        committee_id += 1

    return CountyRows(
        code=county.division.code,
        organizations=org_rows,
        party_groups=group_rows,
        members=member_rows,
        committees=committee_rows,
        seats=seat_rows,
        rollup=(subtree_members[0], full_counts[0], subtree_branches[0], subtree_orgs[0]),
        stats=stats,
    )


# Positions in a member draft.
(NAME, GENDER, ETHNICITY, BIRTH, ID_NUMBER, EDUCATION, CATEGORY, JOINED, FULL_ON, STATUS,
 MOBILE, WORK_PLACE, ORGANIZATION, GROUP, RESIDENCE, PHONE) = range(16)  # fmt: skip


class MemberMaker:
    """The members of one county, drawn from `people`'s distributions.

    Drafts first (plain values), then `rows` encrypts the ID and phone numbers of all of them
    in two batches and builds the database rows. The loop below runs 100 million times at scale
    1, so it reads the pickers' tables directly and keeps its counts in local variables.
    """

    def __init__(self, county: County, rng: random.Random, as_of: dt.date) -> None:
        self.rng = rng
        self.today = as_of.toordinal()
        self.ethnicities = people.ethnicity_picker(
            county.province.code, [county.division.name, county.city.name if county.city else ""]
        )
        self.area = county.area_code
        self.area_sum = sum(int(d) * w for d, w in zip(self.area, _ID_WEIGHTS[:6], strict=True))
        self.used_ids: set[int] = set()
        localities = [p.code for t in county.townships for p in t.localities]
        self.communities = [
            p.code for t in county.townships for p in t.localities if not is_village(p)
        ] or localities
        self.drafts: list[tuple[Any, ...]] = []
        self.stats: Counter[str] = Counter()

    def make(
        self, count: int, mix_key: str, organization: int, groups: list[int], residence: str | None
    ) -> int:
        """`count` members of one organization; returns how many are full members."""
        rand = self.rng.random
        today, area, area_sum, used = self.today, self.area, self.area_sum, self.used_ids
        mix = people.MIXES[mix_key]
        categories, female_share = mix.categories, mix.female_share
        ages, joining, education = people.AGES, people.JOINING_AGES, people.EDUCATION
        probationary_share = people.PROBATIONARY_SHARE
        ethnicities, person_name, han_name, phone_number = (
            self.ethnicities,
            people.person_name,
            people.han_name,
            people.phone_number,
        )
        birth_of, check_chars, sequence_sums = DAYS.birth, idnumbers.CHECK_CHARS, _SEQUENCE_SUMS
        female, male = Gender.FEMALE.value, Gender.MALE.value
        full, probationary, lost = (
            MemberStatus.FULL.value,
            MemberStatus.PROBATIONARY.value,
            MemberStatus.LOST_CONTACT.value,
        )
        mobile_categories = (Category.FARMER.value, Category.UNEMPLOYED.value)
        college = people.COLLEGE_OR_ABOVE
        communities = self.communities
        work_places = people.WORK_PLACES
        append = self.drafts.append
        full_count = women = aged = minority = schooled = 0
        start = len(self.drafts)
        for m in range(count):
            category = categories(rand)
            gender = female if rand() < female_share else male
            age = ages[category](rand)
            birth = today - 1 - int((age + rand()) * 365.2425)
            adult = birth + ADULT_DAYS
            if adult > today - 1:  # too young to have joined: a few weeks older
                birth, adult = birth - 30, adult - 30
            digits, birth_sum, year = birth_of(birth)
            ethnicity = ethnicities(rand)
            name = (
                han_name(rand, gender, year)
                if ethnicity == "汉族"  # what person_name does for them, one call less
                else person_name(rand, gender, year, ethnicity)
            )
            while True:
                sequence = int(rand() * 500) * 2 + (gender == male)
                key = birth * 1000 + sequence
                if key not in used:
                    used.add(key)
                    break
            id_number = (
                f"{area}{digits}{sequence:03d}"
                + check_chars[(area_sum + birth_sum + sequence_sums[sequence]) % 11]
            )
            schooling = education[category, 0 if year < 1960 else 1 if year < 1985 else 2](rand)
            if age < 45 and rand() < probationary_share[category]:
                joined = max(today - 1 - int(rand() * 360), adult)
                full_on = None
                status = probationary
            else:
                joined = min(birth + joining[category](rand) * 365 + int(rand() * 365), today - 366)
                joined = max(joined, adult)
                # probation is a calendar year at least (members.workflow); 366 days always is
                full_on = joined + 366 + (int(rand() * 180) if rand() < 0.04 else 0)
                if full_on > today:
                    full_on, status = None, probationary
                else:
                    status = full
            mobile = category in mobile_categories and age < 50 and rand() < 0.12
            if mobile and status == full and rand() < 0.02:
                status = lost
            append((
                name, gender, ethnicity, birth, id_number, schooling, category, joined, full_on,
                status, mobile, work_places(rand) if mobile else "", organization,
                groups[m % len(groups)] if groups else None,
                residence
                or (communities[int(rand() * len(communities))] if rand() < 0.7 else None),
                None if (age >= 80 and rand() < 0.35) else phone_number(rand),
            ))  # fmt: skip
            full_count += status == full
            women += gender == female
            aged += age >= 61
            minority += ethnicity != "汉族"
            schooled += schooling in college
        made = self.drafts[start:]
        self.stats.update(map(itemgetter(CATEGORY), made))
        self.stats.update(map(itemgetter(STATUS), made))
        self.stats.update(women=women, aged_61=aged, minority=minority, college=schooled)
        return full_count

    def rows(self, first_id: int, stamp: Any, day: Callable[[int], Any]) -> list[tuple[Any, ...]]:
        """The members' rows: IDs and phones sealed (a batch per field: see sealing.py), blind
        indexes and masks, dates as `day` makes them of an ordinal (Days: text or objects).
        Made a column at a time and zipped into rows: a loop over the members in Python cost
        about 5% more (6.1 against 5.8 µs a member)."""
        count = len(self.drafts)
        if not count:
            return []
        (names, genders, ethnicities, births, id_numbers, schooling, categories, joined,
         full_on, statuses, mobile, work_places, organizations, groups, residences,
         phones) = zip(*self.drafts, strict=True)  # fmt: skip
        present = [p for p in phones if p]

        def spread(values: Iterable[Any], missing: Any) -> list[Any]:
            """Values of the members with a phone, in order, and `missing` for the others."""
            found = iter(values)
            return [next(found) if p else missing for p in phones]

        return list(
            zip(
                range(first_id, first_id + count),
                names, genders, ethnicities, map(day, births),
                sealer("id_number", 18).seal(id_numbers),
                crypto.blind_indexes(id_numbers, field="id_number"),
                map(masking.mask_id_number, id_numbers),
                spread(sealer("phone", 11).seal(present), None),
                spread(crypto.blind_indexes(present, field="phone"), None),
                spread(map(masking.mask_phone, present), ""),
                schooling, categories, map(day, joined),
                [day(d) if d else None for d in full_on],
                statuses, mobile, work_places, repeat(stamp, count), repeat(stamp, count),
                organizations, groups, residences,
                strict=True,
            )
        )  # fmt: skip


def pick_seats(
    rand: Any, start: int, end: int, seats: int, statuses: list[str], full: str
) -> list[int]:
    """`seats` distinct members of [start, end), the first (the secretary) a full member if
    any is."""
    size = end - start
    at = start + int(rand() * size)
    secretary = at
    for step in range(size):
        candidate = start + (at - start + step) % size
        if statuses[candidate] == full:
            secretary = candidate
            break
    chosen = [secretary]
    taken = {secretary}
    while len(chosen) < seats:
        candidate = start + int(rand() * size)
        if candidate not in taken:
            taken.add(candidate)
            chosen.append(candidate)
    return chosen
