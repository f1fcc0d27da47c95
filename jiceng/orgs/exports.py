"""An organization's subtree as an .xlsx file (导出Excel).

The first six columns are those of the import template, so an exported tree can be edited
and imported elsewhere; the counts after them are the rollups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db.models import QuerySet

from jiceng.core import audit, excel

from .models import Organization, OrgKind, Sector

EXPORT_MAX_ROWS = 100_000
# A background export (jiceng.exports) hears how far it got every this many rows.
PROGRESS_EVERY = 1000
Progress = Callable[[int], None]
HEADERS = (
    ("名称", 32),
    ("类型", 12),
    ("所属领域", 12),
    ("上级党组织", 32),
    ("行政区划代码", 16),
    ("成立日期", 12),
    ("撤销日期", 12),
    ("本组织党员数", 12),
    ("下辖党员数", 12),
    ("下辖支部数", 12),
    ("下辖基层党组织数", 16),
)
FIELDS = (
    "path",
    "name",
    "kind",
    "sector",
    "division_id",
    "founded_on",
    "dissolved_on",
    "member_count",
    "subtree_member_count",
    "subtree_branch_count",
    "subtree_org_count",
)
KIND_LABELS = dict(OrgKind.choices)
SECTOR_LABELS = dict(Sector.choices)


def export_organizations(
    rows: QuerySet[Organization],
    *,
    under: Organization,
    limit: int = EXPORT_MAX_ROWS,
    progress: Progress | None = None,
) -> bytes:
    """The organizations of `rows` (already scoped; in tree order, so a parent comes before
    its children), at most `limit`; a note row at the end says so when there were more.
    Every export is an audit record naming the subtree and the number of rows. `progress`,
    if given, is told the rows written so far every PROGRESS_EVERY rows."""
    values = excel.Counted(rows.values_list(*FIELDS)[: limit + 1].iterator(chunk_size=2000))
    sheet = excel.Sheet(
        title="党组织",
        headers=[header for header, _ in HEADERS],
        widths=[width for _, width in HEADERS],
        rows=_cells(values, limit, progress),
    )
    content = excel.write_workbook([sheet])
    audit.record(
        audit.AuditEvent.EXPORT,
        action="orgs.export",
        target=under,
        detail={"rows": min(values.count, limit)},
    )
    return content


def _cells(
    rows: Iterator[tuple[object, ...]], limit: int, progress: Progress | None = None
) -> Iterator[list[object] | excel.Note]:
    names: dict[str, str] = {}  # path → name of every row written so far
    step = Organization.steplen
    for count, row in enumerate(rows):
        if progress is not None and count and count % PROGRESS_EVERY == 0:
            progress(count)
        if count == limit:
            yield excel.Note(
                f"注：党组织超过{limit:,}个，本文件只包含前{limit:,}个，请从下级党组织分别导出"
            )
            return
        path, name, kind, sector, division, founded, dissolved, *counts = row
        assert isinstance(path, str) and isinstance(name, str)
        names[path] = name
        yield [
            name,
            KIND_LABELS.get(str(kind), kind),
            SECTOR_LABELS.get(str(sector), "") if sector else "",
            # Blank above the top of the export: the parent may lie outside the user's
            # scope, and a blank parent imports as "under the organization imported into".
            names.get(path[:-step], ""),
            division or "",
            founded or "",
            dissolved or "",
            *counts,
        ]
