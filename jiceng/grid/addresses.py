"""Chinese addresses as callers say them (地址解析): pure code, no database.

    "江苏省南京市栖霞区仙林街道仙林新村社区学海路８号３栋"
      → province 江苏省, city 南京市, district 栖霞区, street 仙林街道,
        community 仙林新村社区居委会, door 学海路8号, building 3栋

The division part is read against `DivisionNames`, a table of the official names of the
divisions (and the shorter names people use: 栖霞 for 栖霞区, 仙林新村社区 or 仙林新村 for
仙林新村社区居委会, 八卦洲 for 八卦洲街道), matched longest first at each position, each match
held to the divisions under the one before it. Levels may be missing ("仙林新村社区学海路8号")
or the whole prefix absent ("学海路8号"); a name held by several divisions (two 文苑社区 in
two streets) stays ambiguous, every candidate kept, until a later or earlier part decides.

The rest is the door part (门牌): normalized (full-width to half-width, Chinese numerals before
号/栋/单元 to digits, 幢/座/号楼/# to 栋, blanks and brackets out) into the keys the gazetteer
stores: the door plate with its building ("学海路8号3栋") and without ("学海路8号"). Units and
rooms are dropped: they never decide a grid.

Why not a package: `cpca` (the best known) stops at the district, has had no release since
2021 and brings pandas; the streets and communities are what routing needs, and the database
already holds their names (jiceng/divisions).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from jiceng.divisions.models import LEVEL_DIGITS

# A shorter name is "weak": accepted only where it cannot be the start of a road or a house
# ("文苑" of 文苑社区 is not the one in "文苑路"), and only at the start of the address or right
# after another division.
ROAD_FOLLOWERS = frozenset("路街道巷弄大桥号栋幢楼0123456789")
ROAD_ENDINGS = ("路", "街", "道", "巷", "弄", "桥")
COMMITTEE_SUFFIXES = (
    "社区居民委员会",
    "社区居委会",
    "居民委员会",
    "居委会",
    "社区委员会",
    "村民委员会",
    "村委会",
    "委员会",
)
LONG_PROVINCES = ("内蒙古", "黑龙江")
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = re.compile(
    r"第?([零〇一二两三四五六七八九十百千]+)(?=号|弄|栋|幢|座|单元|室|楼|层|巷|组)"
)
_BRACKETS = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")
# Blanks and punctuation go, dashes become "-": one str.translate (NFKC has already made
# the full-width ones half-width).
_TRANSLATION = str.maketrans(
    {
        **dict.fromkeys(" \t\r\n\u3000\xa0,，。.、;；:：\"“”'‘’·/\\"),
        **dict.fromkeys("—–－~～", "-"),
    }
)
_HASH_BUILDING = re.compile(r"([0-9A-Z]+)#(?:楼)?")
_BUILDING_WORDS = re.compile(r"([0-9A-Z]+)(?:号楼|幢|座)")
_NO_DI = re.compile(r"第([0-9A-Z]+)(?=号|栋|单元)")
_DOOR = re.compile(r"[0-9]+(?:-[0-9]+)?号(?!楼)")
_BUILDING = re.compile(r"[0-9A-Z]+(?:-[0-9]+)?栋")
# A division the names do not hold, before the door ("某某社区学海路8号" where 某某社区 is
# not in the table): not part of the door plate.
_UNKNOWN_DIVISION = re.compile(r"^\D{2,12}?(?:社区居委会|社区|居委会|村委会|街道办事处|街道)")
_TRAILING = re.compile(r"(?:附近|门口|对面|旁边|周边|[东西南北]侧|[东西南北]门|处)+$")


def _cn_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零八 → 108; digits read alone (一二三 → 123)."""
    if all(c in _CN_DIGITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[c]
            digit = None
    return total + (digit or 0)


def normalize(text: str) -> str:
    """The text as keys are made of: half-width, upper case, no blanks, brackets or
    punctuation, digits for the Chinese numerals of numbers, one word for a building."""
    text = unicodedata.normalize("NFKC", text).upper()
    if "(" in text or "[" in text or "【" in text:
        text = _BRACKETS.sub("", text)
    text = text.translate(_TRANSLATION)
    text = _CN_NUMBER.sub(lambda m: str(_cn_number(m.group(1))), text)
    if "#" in text:
        text = _HASH_BUILDING.sub(r"\1栋", text)
    text = _BUILDING_WORDS.sub(r"\1栋", text)
    return _NO_DI.sub(r"\1", text) if "第" in text else text


@dataclass(frozen=True)
class Door:
    """The door part of an address: its text and the gazetteer keys, most specific first."""

    text: str
    keys: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.keys[0] if self.keys else ""


def door_of(text: str) -> Door:
    """The keys of a normalized door part: up to the building, then up to the door number;
    with neither, the place name itself (a landmark: 南京大学仙林校区)."""
    text = text.strip("-")
    keys: list[str] = []
    door = _DOOR.search(text)
    start = door.end() if door else 0
    building = _BUILDING.match(text, start) if door else _BUILDING.search(text)
    if building:
        keys.append(text[: building.end()])
    if door:
        keys.append(text[: door.end()])
    if not keys:
        place = _TRAILING.sub("", text)
        if len(place) >= 2:
            keys.append(place)
    return Door(text=text, keys=tuple(dict.fromkeys(keys)))


# -- division names ---------------------------------------------------------------------------


def aliases(name: str, level: int) -> list[tuple[str, bool]]:
    """The names people use for a division, each with whether it is weak (a shorter form
    that may also begin a road: accepted only where `ROAD_FOLLOWERS` says it cannot)."""
    if name in PLACEHOLDER_NAMES:
        return []
    found: list[tuple[str, bool]] = [(name, False)]

    def short(base: str) -> None:
        if len(base) >= 2 and base != name and not base.endswith(ROAD_ENDINGS):
            found.append((base, True))

    if level == 1:
        found.append((name[:3] if name.startswith(LONG_PROVINCES) else name[:2], True))
    elif level == 2:
        for suffix in ("市", "地区", "盟"):
            if name.endswith(suffix):
                short(name.removesuffix(suffix))
    elif level == 3:
        if not name.endswith("自治县") and name[-1] in "区县市旗":
            short(name[:-1])
    elif level == 4:
        if name.endswith("街道"):
            base = name.removesuffix("街道")
            found += [(base + "街道办事处", False), (base + "街道办", False)]
            short(base)
        elif name[-1] in "镇乡" and not name.endswith("民族乡"):
            short(name[:-1])
    else:
        found += _community_aliases(name, short)
    return found


def _community_aliases(name: str, short: Callable[[str], None]) -> list[tuple[str, bool]]:
    base = name
    for suffix in COMMITTEE_SUFFIXES:
        if name.endswith(suffix):
            base = name.removesuffix(suffix)
            break
    is_village = "村" in name[len(base) :] or (base == name and base.endswith("村"))
    found: list[tuple[str, bool]] = []
    if is_village:
        village = base if base.endswith("村") else base + "村"
        found += [(village, False), (village + "委会", False), (village + "民委员会", False)]
        found += [(village + "村委会", False), (village + "村民委员会", False)]
        stem = village.removesuffix("村")
    else:
        stem = base.removesuffix("社区")
        found += [(stem + "社区", False), (stem + "社区居委会", False), (stem + "居委会", False)]
    short(stem)
    return [(a, weak) for a, weak in found if a != name and len(a) >= 2]


@dataclass(frozen=True)
class Entry:
    code: str
    level: int
    weak: bool
    prefix: str  # the code's own digits: the divisions under it start with them


class DivisionNames:
    """The names of divisions, ready to read addresses against: every alias to its
    divisions, and the first two characters of every alias to skip positions quickly."""

    def __init__(self, rows: Iterable[tuple[str, str, int]]) -> None:
        self.by_alias: dict[str, list[Entry]] = {}
        self.names: dict[str, str] = {}
        for code, name, level in rows:
            self.names[code] = name
            found = aliases(name, level)
            if "（" in name or "(" in name:  # read as normalize reads an address
                found += [(normalize(a), weak) for a, weak in found if normalize(a) != a]
            for alias, weak in found:
                entries = self.by_alias.setdefault(alias, [])
                if not any(e.code == code for e in entries):
                    entries.append(Entry(code, level, weak, code[: LEVEL_DIGITS[level]]))
        # The longest alias for each first two characters: most positions of an address
        # start none, and the others try only the lengths that exist.
        # A trie of the aliases, one dict a character ("" holds a node's entries): reading
        # an address walks it once from each position instead of slicing every length.
        self.trie: dict[str, Any] = {}
        for alias, entries in self.by_alias.items():
            node = self.trie
            for char in alias:
                node = node.setdefault(char, {})
            node[""] = entries

    def name_of(self, code: str) -> str:
        return self.names.get(code, code)


# -- parsing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One division part as written: the text, its level, and the divisions it may name."""

    text: str
    level: int
    codes: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    is_weak: bool = False


@dataclass(frozen=True)
class ParsedAddress:
    text: str  # normalized
    parts: tuple[Part, ...]
    door: Door
    # The candidates of the deepest part, after every part has narrowed the others.
    codes: tuple[str, ...] = field(default=())
    # When a shorter name may have been the start of the door ("龙口玄路1号": 龙口 is also
    # 龙口市): the parts before it and the door read from it, for a second look-up.
    fallback: tuple[tuple[Part, ...], Door] | None = None

    @property
    def level(self) -> int:
        return self.parts[-1].level if self.parts else 0

    def codes_at(self, level: int) -> tuple[str, ...]:
        for part in self.parts:
            if part.level == level:
                return part.codes
        return ()


def _match(
    names: DivisionNames, text: str, at: int, context: Part | None, weak_ok: bool
) -> tuple[int, Part] | None:
    """The longest division name at `at` that fits under `context` (any, when None)."""
    n = len(text)
    node = names.trie.get(text[at]) if at < n else None
    found: list[tuple[int, list[Entry]]] = []
    end = at + 1
    while node is not None:
        entries = node.get("")
        if entries is not None:
            found.append((end, entries))
        if end >= n:
            break
        node = node.get(text[end])
        end += 1
    if not found:
        return None
    prefixes = context.prefixes if context is not None else ()
    below = context.level if context is not None else 0
    for end, entries in reversed(found):
        follows = text[end] if end < n else ""
        fits = [
            e
            for e in entries
            if (not e.weak or (weak_ok and follows not in ROAD_FOLLOWERS))
            and e.level > below
            and (not prefixes or e.code.startswith(prefixes))
        ]
        if fits:
            # The shallowest: written top down, 栖霞 after 南京 is the district, not the
            # 栖霞社区 of 栖霞街道.
            level = min(e.level for e in fits)
            chosen = sorted((e for e in fits if e.level == level), key=lambda e: e.code)
            codes = tuple(e.code for e in chosen)
            prefixes = tuple(e.prefix for e in chosen)
            weak = all(e.weak for e in chosen)
            return end, Part(text[at:end], level, codes, prefixes, weak)
    return None


def parse(text: str, names: DivisionNames) -> ParsedAddress:
    """The divisions and the door part of an address (see the module's docstring)."""
    norm = normalize(text)
    parts: list[Part] = []
    first_at, last_end, at = -1, 0, 0
    weak_at: tuple[int, int] | None = None  # (part index, position) of the first weak one
    context: Part | None = None
    while at < len(norm):
        weak_ok = at == 0 or at == last_end
        found = _match(names, norm, at, context, weak_ok)
        if found is None:
            at += 1
            continue
        end, part = found
        if part.is_weak and weak_at is None:
            weak_at = len(parts), at
        parts.append(part)
        context = part
        if first_at < 0:
            first_at = at
        at = last_end = end
        if part.level == 5:
            break
    rest = norm[last_end:]
    door = door_of(_UNKNOWN_DIVISION.sub("", rest, count=1))
    if not door.keys:
        door = door_of(rest)
    if not door.keys and first_at > 0:
        door = door_of(norm[:first_at])  # "学海路8号仙林新村社区"
    narrowed = _narrow(parts)
    fallback = None
    if weak_at is not None:
        index, start = weak_at
        fallback = (_narrow(parts[:index]), door_of(norm[start:]))
    return ParsedAddress(
        text=norm,
        parts=narrowed,
        door=door,
        codes=narrowed[-1].codes if narrowed else (),
        fallback=fallback,
    )


def _narrow(parts: list[Part]) -> tuple[Part, ...]:
    """Each part keeps only the candidates that have a candidate of the next part under
    them: "栖霞区文苑社区" leaves only the 栖霞区's 文苑社区, and the 栖霞区 that holds it."""
    narrowed = list(parts)
    for i in range(len(narrowed) - 2, -1, -1):
        below = narrowed[i + 1].codes
        if len(narrowed[i].codes) < 2:
            continue
        part = narrowed[i]
        keep = [
            (c, p)
            for c, p in zip(part.codes, part.prefixes, strict=True)
            if any(b.startswith(p) for b in below)
        ]
        if keep:
            codes = tuple(c for c, _ in keep)
            prefixes = tuple(p for _, p in keep)
            narrowed[i] = Part(part.text, part.level, codes, prefixes, part.is_weak)
    return tuple(narrowed)
