"""The gazetteer from an Excel (.xlsx) or CSV file (门牌地址导入): all rows or none.

Two columns: 地址 (as people write it: "仙林街道仙林新村社区学海路8号3栋", or just "学海路8号")
and 网格编码 (a grid the importer manages). Each address is read with grid.addresses: its
door part becomes the key, and the divisions it names must be the grid's own. A door plate
already in the gazetteer (same street, same key) moves to the new grid; the same door plate
twice in one file for two grids is an error. Only a file without a single error is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock, excel
from jiceng.core.excel import Column, ImportResult, RowError

from . import gazetteer
from .addresses import parse
from .models import GazetteerAddress, Grid

COLUMNS = (
    Column(
        "address",
        "地址",
        required=True,
        width=40,
        help="写到门牌号，可带楼栋，如“仙林新村社区学海路8号3栋”；前面的省市区街道社区可写可不写",
    ),
    Column("grid", "网格编码", required=True, text=True, width=16, help="该门牌所在网格的编码"),
)
HEADERS = {c.key: c.header for c in COLUMNS}
BATCH = 2000


@dataclass
class AddressImportResult(ImportResult):
    updated: int = 0
    unchanged: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def template() -> bytes:
    return excel.write_template(
        title="门牌地址",
        columns=COLUMNS,
        example=["栖霞区仙林街道仙林新村社区学海路8号3栋", "XL-XC-01"],
        notes=[
            "1. 在第一个工作表“门牌地址”中从第2行起每行填写一个门牌，不要修改表头。",
            "2. 也可以上传两列（地址、网格编码）的CSV文件（UTF-8或GBK编码）。",
            "3. 已有的门牌再次导入时改为新的网格；同一门牌在一个文件中只能对应一个网格。",
            "4. 只要有一行有错，整个文件都不会导入；请按错误报告改正后重新上传。",
        ],
    )


def _csv_rows(upload: IO[bytes]) -> Iterator[tuple[int, dict[str, object]]]:
    raw = upload.read(settings.JICENG_IMPORT_MAX_BYTES + 1)
    if len(raw) > settings.JICENG_IMPORT_MAX_BYTES:
        raise excel.refuse("文件过大，请拆分成多个文件分批导入")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise excel.refuse("CSV文件的编码无法识别，请另存为UTF-8编码后重新上传")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    positions = {}
    by_header = {c.header: c.key for c in COLUMNS}
    for index, value in enumerate(header):
        key = by_header.get(excel.normalize_header(value))
        if key is not None:
            positions[key] = index
    missing = [c.header for c in COLUMNS if c.key not in positions]
    if missing:
        raise excel.refuse(f"第1行表头缺少必填列：{'、'.join(missing)}。请使用导入模板")
    limit = settings.JICENG_IMPORT_MAX_ROWS
    for number, values in enumerate(reader, start=2):
        if number - 1 > limit:
            raise excel.refuse(f"表格超过{limit:,}行，请拆分成多个文件分批导入")
        record: dict[str, object] = {
            key: (values[i].strip() if i < len(values) else "") for key, i in positions.items()
        }
        if any(record.values()):
            yield number, record


def read(upload: IO[bytes], filename: str) -> list[tuple[int, dict[str, object]]]:
    if filename.lower().endswith(".csv"):
        return list(_csv_rows(upload))
    return list(excel.read_rows(upload, COLUMNS))


@dataclass(frozen=True)
class _Planned:
    number: int
    key: str
    text: str
    grid: Grid


def import_addresses(upload: IO[bytes], *, filename: str, by: User) -> AddressImportResult:
    """Every door plate of the file into the gazetteer, or none; InvalidInput for a file
    the reader refuses."""
    rows = read(upload, filename)
    if not rows:
        empty = RowError(None, "", "文件中没有门牌数据：请从第2行起填写")
        return AddressImportResult(errors=[empty])
    codes = {excel.text_of(r.get("grid", "")) for _, r in rows}
    managed = scope_of(by).reach(Permission.MANAGE_GRIDS).division_q("community_id")
    grids = {g.code: g for g in Grid.objects.filter(managed, code__in=codes, is_active=True)}
    names = gazetteer.current_book().names
    errors: list[RowError] = []
    planned: dict[tuple[str, str], _Planned] = {}
    for number, raw in rows:
        text = excel.text_of(raw.get("address", ""))
        code = excel.text_of(raw.get("grid", ""))
        problems: dict[str, str] = {}
        grid = grids.get(code)
        if not code:
            problems["grid"] = "请填写网格编码"
        elif grid is None:
            problems["grid"] = f"网格“{code}”不存在、已停用或不在您管理的范围内"
        key = ""
        if not text:
            problems["address"] = "请填写地址"
        elif len(text) > 200:
            problems["address"] = "地址不能超过200字"
        else:
            parsed = parse(text, names)
            key = parsed.door.key
            if not key:
                problems["address"] = "没有门牌：请写到路名和门牌号，如“学海路8号”"
            elif len(key) > 120:
                problems["address"] = "门牌过长：请只写到门牌号和楼栋"
            elif grid is not None and parsed.parts:
                part = parsed.parts[-1]
                if not grid.community_id.startswith(part.prefixes):
                    where = names.name_of(grid.community_id)
                    problems["address"] = f"地址中的“{part.text}”不是网格“{code}”所在的{where}"
        if grid is not None and key and not problems:
            seen = planned.get((grid.street_id, key))
            if seen is not None and seen.grid.pk != grid.pk:
                problems["address"] = f"与第{seen.number}行是同一门牌，但网格不同"
            elif seen is None:
                planned[(grid.street_id, key)] = _Planned(number, key, text, grid)
        errors += [RowError(number, HEADERS[k], m) for k, m in problems.items()]
    if errors:
        return AddressImportResult(errors=errors)
    result = _write(list(planned.values()))
    audit.record(
        audit.AuditEvent.WRITE,
        action="grid.import_addresses",
        user=by,
        detail={"created": result.created, "updated": result.updated},
    )
    return result


@transaction.atomic
def _write(planned: list[_Planned]) -> AddressImportResult:
    streets = {p.grid.street_id for p in planned}
    existing = {
        (street, key): (pk, grid_id)
        for pk, street, key, grid_id in GazetteerAddress.objects.filter(
            street_id__in=streets
        ).values_list("pk", "street_id", "key", "grid_id")
    }
    now = clock.now()
    new, moved, unchanged = [], [], 0
    for p in planned:
        found = existing.get((p.grid.street_id, p.key))
        if found is None:
            new.append(
                GazetteerAddress(
                    key=p.key, text=p.text, grid=p.grid, street_id=p.grid.street_id, updated_at=now
                )
            )
        elif found[1] != p.grid.pk:
            moved.append(GazetteerAddress(pk=found[0], grid=p.grid, text=p.text, updated_at=now))
        else:
            unchanged += 1
    GazetteerAddress.objects.bulk_create(new, batch_size=BATCH)
    GazetteerAddress.objects.bulk_update(moved, ["grid", "text", "updated_at"], batch_size=BATCH)
    if new or moved:
        gazetteer.bump_version()
    return AddressImportResult(created=len(new), updated=len(moved), unchanged=unchanged)
