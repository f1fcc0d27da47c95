"""Reading the divisions (行政区划).

Divisions are public reference data: nothing here is scoped to a user. Codes are accepted in
their short form (2/4/6/9 digits, as people write them: 320113 for 栖霞区) or in full (12 digits);
both name the same row, because the key is the short code padded with zeros.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from jiceng.core.errors import InvalidInput, NotFound
from jiceng.divisions.models import LEVEL_DIGITS, Division, DivisionShape, Level, common_name

CODE_DIGITS = 12
SEARCH_LIMIT_MAX = 100


def full_code(code: str) -> str:
    """The 12-digit key for a short or full code; NotFound if it cannot be a division code."""
    code = code.strip()
    if len(code) not in LEVEL_DIGITS.values() or not (code.isdigit() and code.isascii()):
        raise NotFound(f"区划代码“{code}”不存在：代码应为2、4、6、9或12位数字")
    return code.ljust(CODE_DIGITS, "0")


def get_division(*, code: str) -> Division:
    key = full_code(code)
    try:
        return Division.objects.get(code=key)
    except Division.DoesNotExist:
        raise NotFound(f"区划代码“{code.strip()}”不存在") from None


def provinces() -> list[Division]:
    return list(Division.objects.filter(level=Level.PROVINCE).order_by("code"))


def children(*, code: str) -> list[Division]:
    """The divisions directly under `code`, by code; NotFound for an unknown code."""
    key = full_code(code)
    found = list(Division.objects.filter(parent_id=key).order_by("code"))
    if not found and not Division.objects.filter(code=key).exists():
        raise NotFound(f"区划代码“{code.strip()}”不存在")
    return found


def ancestors(*, code: str) -> list[Division]:
    """The divisions above `code`, from the province down, without the division itself.

    Read from the code's own prefixes in one query, not by walking parents. A prefix that is not
    a division is simply absent: 东莞市's towns sit directly under the city, with no county.
    """
    key = full_code(code)
    prefixes = {key[:digits].ljust(CODE_DIGITS, "0") for digits in LEVEL_DIGITS.values()}
    found = list(Division.objects.filter(code__in=prefixes).order_by("level"))
    division = next((d for d in found if d.code == key), None)
    if division is None:
        raise NotFound(f"区划代码“{code.strip()}”不存在")
    return [d for d in found if d.level < division.level]


def search(*, name: str, limit: int = 20, under: str | None = None) -> list[Division]:
    """Divisions whose name contains `name`, higher levels first, optionally within a subtree.

    The subtree of `under` (itself included) is the codes that start with its short code.
    """
    name = name.strip()
    if not name:
        raise InvalidInput("请输入要搜索的名称")
    if "\x00" in name:  # PostgreSQL refuses it in any string; no name has it
        return []
    if not 0 < limit <= SEARCH_LIMIT_MAX:
        raise InvalidInput(f"返回条数应为1到{SEARCH_LIMIT_MAX}")
    found = Division.objects.filter(name__contains=name)
    if under is not None:
        prefix = get_division(code=under).short_code
        found = found.filter(**code_range(prefix))
    return list(found.order_by("level", "code")[:limit])


def code_range(prefix: str) -> dict[str, str]:
    """Filter arguments for the codes that start with `prefix` (digits), as a key range.

    A range on the primary key, because SQLite cannot use an index for Django's startswith
    (LIKE with an ESCAPE clause); digits compare the same way under every collation.
    """
    upper = str(int(prefix) + 1).zfill(len(prefix))
    if len(upper) > len(prefix):  # all nines: everything from the prefix on
        return {"code__gte": prefix}
    return {"code__gte": prefix, "code__lt": upper}


def outlines(codes: Iterable[str]) -> list[dict[str, Any]]:
    """The outlines of these divisions (12-digit codes) that have one, as GeoJSON features
    with the division's name as people say it (common_name), its level and the point where
    the name is written; streets first, then communities, each by code."""
    rows = (
        DivisionShape.objects.filter(division_id__in=set(codes))
        .select_related("division")
        .order_by("division__level", "division_id")
    )
    return [
        {
            "type": "Feature",
            "properties": {
                "code": s.division_id,
                "name": common_name(s.division.name),
                "level": s.division.level,
                "label": [s.label_lon, s.label_lat],
            },
            "geometry": json.loads(s.boundary),
        }
        for s in rows
    ]
