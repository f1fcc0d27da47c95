"""Addresses as callers give them, read and routed without a database: the parser
(grid.addresses) and the address book (grid.gazetteer.AddressBook) over real division rows
of 南京市栖霞区 (NBS 2023) and a few door plates.

The table holds the forms a hotline hears: with and without province and city, levels left
out, a community with or without 社区/居委会, a village with or without 村委会, 号/弄/栋/幢,
full-width digits, Chinese numerals, blanks, brackets, and names held by two places."""

from __future__ import annotations

import pytest

from jiceng.grid import addresses
from jiceng.grid.addresses import DivisionNames, normalize, parse
from jiceng.grid.gazetteer import AddressBook

XIANLIN, YAOHUA, BAGUAZHOU, LONGTAN, QIXIA_STREET = (
    "320113007000",
    "320113001000",
    "320113009000",
    "320113006000",
    "320113005000",
)
XINCUN, XIANHE, SHANHULU, WENLAN = "320113007001", "320113007002", "320113007003", "320113007009"
YAOHUA_XINCUN, BAGUA_GARDEN = "320113001008", "320113009001"
SHANGBA_BAGUAZHOU, SHANGBA_LONGTAN, XIABA = "320113009209", "320113006210", "320113009207"
QIXIA_COMMUNITY = "320113005003"

DIVISIONS = [
    ("320000000000", "江苏省", 1),
    ("320100000000", "南京市", 2),
    ("320113000000", "栖霞区", 3),
    ("320106000000", "鼓楼区", 3),
    ("110000000000", "北京市", 1),
    ("110105000000", "朝阳区", 3),
    (YAOHUA, "尧化街道", 4),
    ("320113001001", "尧化社区居委会", 5),
    (YAOHUA_XINCUN, "尧化新村社区居委会", 5),
    (QIXIA_STREET, "栖霞街道", 4),
    (QIXIA_COMMUNITY, "栖霞社区居委会", 5),
    (LONGTAN, "龙潭街道", 4),
    (SHANGBA_LONGTAN, "上坝村村委会", 5),
    (XIANLIN, "仙林街道", 4),
    (XINCUN, "仙林新村社区居委会", 5),
    (XIANHE, "仙鹤社区居委会", 5),
    (SHANHULU, "杉湖路社区居委会", 5),
    ("320113007004", "亚东社区居委会", 5),
    ("320113007005", "咏梅社区居委会", 5),
    (WENLAN, "文澜社区居委会", 5),
    (BAGUAZHOU, "八卦洲街道", 4),
    (BAGUA_GARDEN, "八卦花园社区居委会", 5),
    (XIABA, "下坝村村委会", 5),
    (SHANGBA_BAGUAZHOU, "上坝村村委会", 5),
    ("320106003000", "湖南路街道", 4),
    ("370681000000", "龙口市", 3),  # its short name 龙口 also begins a road below
    ("320114000000", "雨花台区", 3),
    ("320114402000", "中国（南京）软件谷", 4),
    ("320114402001", "中国（南京）软件谷一号园区社区", 5),
]


@pytest.fixture(scope="module")
def names() -> DivisionNames:
    return DivisionNames(DIVISIONS)


# address → (the deepest division's candidates, the door keys)
PARSED = [
    ("仙林新村社区学海路8号", (XINCUN,), ("学海路8号",)),
    ("南京市栖霞区仙林街道仙林新村社区", (XINCUN,), ()),
    ("仙林街道", (XIANLIN,), ()),
    ("江苏省南京市栖霞区仙林街道仙林新村社区学海路8号", (XINCUN,), ("学海路8号",)),
    ("江苏南京栖霞仙林新村学海路8号", (XINCUN,), ("学海路8号",)),
    ("南京市栖霞区仙林新村社区居委会学海路8号", (XINCUN,), ("学海路8号",)),
    ("栖霞区仙林新村居委会学海路8号", (XINCUN,), ("学海路8号",)),
    ("仙林街道仙鹤社区 仙鹤门小区 12幢", (XIANHE,), ("仙鹤门小区12栋",)),
    ("仙林街道 学海路 ８ 号", (XIANLIN,), ("学海路8号",)),
    ("仙林街道办事处学海路8号", (XIANLIN,), ("学海路8号",)),
    ("栖霞区仙林学海路8号3号楼2单元502室", (XIANLIN,), ("学海路8号3栋", "学海路8号")),
    ("学海路八号三栋", (), ("学海路8号3栋", "学海路8号")),
    ("学海路8#楼", (), ("学海路8栋",)),
    ("学海路８号（南门）", (), ("学海路8号",)),
    ("学海路8号附近", (), ("学海路8号",)),
    ("学海路8号仙林新村社区", (XINCUN,), ("学海路8号",)),
    ("杉湖路12号", (), ("杉湖路12号",)),
    ("杉湖路社区杉湖路12号", (SHANHULU,), ("杉湖路12号",)),
    ("栖霞区杉湖路社区居委会杉湖路十二号", (SHANHULU,), ("杉湖路12号",)),
    ("南京栖霞仙林文澜社区文澜路8号", (WENLAN,), ("文澜路8号",)),
    ("文澜路8号", (), ("文澜路8号",)),
    ("栖霞区亚东社区亚东新城区3幢", ("320113007004",), ("亚东新城区3栋",)),
    ("咏梅 社区 第2栋", ("320113007005",), ("2栋",)),
    ("尧化新村社区尧新大道12号", (YAOHUA_XINCUN,), ("尧新大道12号",)),
    ("尧化新村社区 尧新大道 １２ 号", (YAOHUA_XINCUN,), ("尧新大道12号",)),
    ("尧化街道尧化社区", ("320113001001",), ()),
    ("尧化", (YAOHUA,), ()),
    ("八卦洲街道八卦花园社区", (BAGUA_GARDEN,), ()),
    ("八卦洲下坝村12组", (XIABA,), ("12组",)),
    ("八卦洲街道下坝村村委会", (XIABA,), ()),
    ("上坝村", (SHANGBA_LONGTAN, SHANGBA_BAGUAZHOU), ()),
    ("上坝村村委会5组", (SHANGBA_LONGTAN, SHANGBA_BAGUAZHOU), ("5组",)),
    ("八卦洲上坝村", (SHANGBA_BAGUAZHOU,), ()),
    ("龙潭街道上坝村村民委员会", (SHANGBA_LONGTAN,), ()),
    ("南京市栖霞区栖霞街道栖霞社区", (QIXIA_COMMUNITY,), ()),
    ("南京栖霞仙林街道", (XIANLIN,), ()),
    ("栖霞区", ("320113000000",), ()),
    ("北京市朝阳区建国路88号", ("110105000000",), ("建国路88号",)),
    ("康乐路100弄5号", (), ("康乐路100弄5号",)),
    ("仙林大道163号", (), ("仙林大道163号",)),
    ("栖霞区仙林大道163号", ("320113000000",), ("仙林大道163号",)),
    ("南京大学仙林校区", (), ("南京大学仙林校区",)),
    ("鼓楼区湖南路街道中山北路1号", ("320106003000",), ("中山北路1号",)),
    ("仙林街道文苑社区学海路8号", (XIANLIN,), ("学海路8号",)),  # a community not in the table
    ("雨花台区中国（南京）软件谷一号园区社区和尧府街1号", ("320114402001",), ("和尧府街1号",)),
    ("中国(南京)软件谷 和尧府街1号", ("320114402000",), ("和尧府街1号",)),
    ("", (), ()),
]


@pytest.mark.parametrize(("address", "codes", "keys"), PARSED, ids=[p[0] for p in PARSED])
def test_an_address_reads_as_its_divisions_and_door(
    names: DivisionNames, address: str, codes: tuple[str, ...], keys: tuple[str, ...]
) -> None:
    parsed = parse(address, names)
    assert parsed.codes == codes
    assert parsed.door.keys == keys


def test_the_table_holds_at_least_forty_forms() -> None:
    assert len(PARSED) >= 40


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("学海路　８号", "学海路8号"),
        ("学海路8号（南门）", "学海路8号"),
        ("学海路一百零八号", "学海路108号"),
        ("学海路二十号", "学海路20号"),
        ("学海路十二号", "学海路12号"),
        ("3号楼", "3栋"),
        ("A座", "A栋"),
        ("8-1号", "8-1号"),
        ("8—1号", "8-1号"),
    ],
)
def test_door_parts_are_normalized(text: str, normalized: str) -> None:
    assert normalize(text) == normalized


def test_the_levels_read_each_part(names: DivisionNames) -> None:
    parsed = parse("江苏省南京市栖霞区仙林街道仙林新村社区学海路８号３栋２单元５０２室", names)
    assert [(p.text, p.level) for p in parsed.parts] == [
        ("江苏省", 1),
        ("南京市", 2),
        ("栖霞区", 3),
        ("仙林街道", 4),
        ("仙林新村社区", 5),
    ]
    assert parsed.door.text == "学海路8号3栋2单元502室"


def test_a_village_reads_with_or_without_its_committee() -> None:
    found = dict(addresses.aliases("下坝村村委会", 5))
    assert {"下坝村", "下坝村村委会", "下坝村民委员会"} <= set(found)
    assert found["下坝"] is True  # the bare name is weak
    community = dict(addresses.aliases("杉湖路社区居委会", 5))
    assert "杉湖路" not in community  # a road's name, never a community's short one


# -- routing an address through the book ---------------------------------------------------

GRIDS = [
    (1, "仙林新村第一网格", XINCUN, XIANLIN),
    (2, "仙林新村第二网格", XINCUN, XIANLIN),
    (3, "仙鹤网格", XIANHE, XIANLIN),
    (4, "杉湖路网格", SHANHULU, XIANLIN),
    (5, "尧化新村网格", YAOHUA_XINCUN, YAOHUA),
    (6, "八卦洲上坝网格", SHANGBA_BAGUAZHOU, BAGUAZHOU),
    (7, "龙潭上坝网格", SHANGBA_LONGTAN, LONGTAN),
]
DOORS = [
    ("学海路8号", 1),
    ("学海路8号3栋", 2),  # one building of the compound lies in the other grid
    ("杉湖路12号", 4),
    ("仙鹤门小区12栋", 3),
    ("尧新大道12号", 5),
    ("文苑路1号", 3),  # the same door plate in two communities
    ("文苑路1号", 4),
    ("龙口玄路1号", 3),
]


@pytest.fixture(scope="module")
def book() -> AddressBook:
    return AddressBook(
        version=(1, 1),
        divisions=DIVISIONS,
        grids=GRIDS,
        keys=[k for k, _ in DOORS],
        grid_ids=[g for _, g in DOORS],
    )


ROUTED = [
    ("仙林新村社区学海路8号", "gazetteer", ["grid:1"]),
    ("学海路8号", "gazetteer", ["grid:1"]),
    ("南京市栖霞区仙林街道学海路８号", "gazetteer", ["grid:1"]),
    ("学海路8号3栋502室", "gazetteer", ["grid:2"]),
    ("学海路8号5栋", "gazetteer", ["grid:1"]),  # no such building: the door plate
    ("学海路八号三幢", "gazetteer", ["grid:2"]),
    ("杉湖路12号", "gazetteer", ["grid:4"]),
    ("仙林街道仙鹤社区仙鹤门小区12幢", "gazetteer", ["grid:3"]),
    ("尧化新村社区 尧新大道 １２ 号", "gazetteer", ["grid:5"]),
    ("文苑路1号", "gazetteer", ["grid:3", "grid:4"]),
    ("杉湖路社区文苑路1号", "gazetteer", ["grid:4"]),
    ("仙林新村社区学海路99号", "community", ["community:" + XINCUN]),  # two grids
    ("南京市栖霞区仙林街道仙林新村社区", "community", ["community:" + XINCUN]),
    ("仙鹤社区学海路99号", "community", ["grid:3"]),  # its only grid
    ("仙林街道", "street", ["street:" + XIANLIN]),
    ("仙林街道学海路99号", "street", ["street:" + XIANLIN]),
    ("上坝村", "community", ["grid:7", "grid:6"]),
    ("八卦洲上坝村", "community", ["grid:6"]),
    ("尧化新村社区学海路8号", "community", ["grid:5"]),  # a door plate of another community
    ("北京市朝阳区建国路88号", "none", []),
    ("学海路99号", "none", []),
    ("龙口玄路1号", "gazetteer", ["grid:3"]),  # not 龙口市: the door plate decides
    ("龙口市玄路1号", "none", []),
]


@pytest.mark.parametrize(("address", "how", "choices"), ROUTED, ids=[r[0] for r in ROUTED])
def test_an_address_is_routed_gazetteer_then_community_then_street(
    book: AddressBook, address: str, how: str, choices: list[str]
) -> None:
    found = book.resolve(address)
    assert found.how == how
    assert [c.choice for c in found.candidates] == choices


def test_candidates_are_labelled_for_the_operator(book: AddressBook) -> None:
    found = book.resolve("上坝村")
    assert found.is_ambiguous and found.place is None
    assert [c.label for c in found.candidates] == [
        "栖霞区 龙潭街道 上坝村村委会 · 龙潭上坝网格",
        "栖霞区 八卦洲街道 上坝村村委会 · 八卦洲上坝网格",
    ]
    assert book.candidate("grid:6") == found.candidates[1]
    assert book.candidate("grid:99") is None and book.candidate("street:nonsense") is None


def test_a_door_plate_of_an_inactive_grid_is_not_found() -> None:
    book = AddressBook(
        version=(1, 1), divisions=DIVISIONS, grids=GRIDS[1:], keys=["学海路8号"], grid_ids=[1]
    )
    assert book.size == 0
    assert book.resolve("仙林新村社区学海路8号").how == "community"
