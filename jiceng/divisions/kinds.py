"""What kind of place a division is, read from its code alone (国家统计局《统计用区划代码和城乡
划分代码编制规则》): the township part (digits 7-9) says 街道 001-099, 镇 100-199, 乡 200-399
(民族乡, 苏木 included), and 400-599 the units run by a farm, a zone or a company (农场, 开发区,
监狱); the village part (digits 10-12) says 居民委员会 001-199 (社区), 村民委员会 200-399, and
400-599 the likes of a residents' committee (虚拟社区 and such). Names lie more often than
codes (北京's 地区办事处 are streets; a 社区 may be named 某某村), so the code decides."""

from __future__ import annotations

from django.db import models


class TownshipKind(models.TextChoices):
    STREET = "STREET", "街道"
    TOWN = "TOWN", "镇"
    TOWNSHIP = "TOWNSHIP", "乡"
    OTHER = "OTHER", "其他乡级单位"


def township_kind(code: str) -> TownshipKind:
    """The kind of the township a 9- or 12-digit code lies in."""
    part = int(code[6:9])
    if 1 <= part <= 99:
        return TownshipKind.STREET
    if 100 <= part <= 199:
        return TownshipKind.TOWN
    if 200 <= part <= 399:
        return TownshipKind.TOWNSHIP
    return TownshipKind.OTHER


def is_residents_committee(code: str) -> bool:
    """居民委员会 (an urban community) rather than a village committee or a virtual one."""
    return 1 <= int(code[9:12]) <= 199
