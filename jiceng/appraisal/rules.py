"""The pure rules of star rating (评星定级): the national checklist, the grade of a score, the
five-star cap, an item's points from what the records say, the types of evidence. No database."""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass

from jiceng.orglife.rules import image_type

from .models import Source

# five stars at 90 and above, four 80–89, three 70–79, two 60–69, one below
STAR_FLOORS: tuple[tuple[int, int], ...] = ((90, 5), (80, 4), (70, 3), (60, 2))
TOTAL = 100
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ItemSpec:
    text: str
    weight: int
    source: Source
    evidence_required: bool = False


# The national checklist of a year where no department adopted its own: the records answer
# 75 of the 100 points; evidence is asked only of the items they cannot answer.
DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("按规定召开“三会一课”、主题党日等组织生活", 25, Source.MEETINGS),
    ItemSpec("支部委员会（书记）配备齐全", 10, Source.COMMITTEE),
    ItemSpec("按期换届", 10, Source.TERM),
    ItemSpec("党员按时足额交纳党费", 10, Source.DUES),
    ItemSpec("发展党员按程序推进，无超期未办", 10, Source.DEVELOPMENT),
    ItemSpec("谈心谈话覆盖全体党员", 10, Source.TALKS),
    ItemSpec("阵地建设：活动场所、标识、制度上墙", 10, Source.SELF, evidence_required=True),
    ItemSpec("发挥作用：服务群众、推动中心工作", 15, Source.SELF),
)
DEFAULT_FIVE_STAR_CAP = 20


def stars_of(score: int) -> int:
    for floor, stars in STAR_FLOORS:
        if score >= floor:
            return stars
    return 1


def five_star_allowed(*, organizations: int, cap_percent: int) -> int:
    """How many of `organizations` graded under one checklist may hold five stars."""
    return math.floor(organizations * cap_percent / 100)


def check_items(items: list[ItemSpec]) -> dict[str, str]:
    """What is wrong with a checklist's items (field -> message); empty when it is sound."""
    errors: dict[str, str] = {}
    if not items:
        return {"items": "评分表至少要有一项"}
    for number, item in enumerate(items, start=1):
        if not item.text.strip():
            errors[f"items.{number}.text"] = f"第{number}项没有内容"
        if item.weight <= 0:
            errors[f"items.{number}.weight"] = f"第{number}项的分值应为正整数"
    total = sum(i.weight for i in items)
    if total != TOTAL:
        errors["items"] = f"各项分值合计应为{TOTAL}分，现为{total}分"
    return errors


def share_points(weight: int, good: int, of: int) -> int:
    """`weight` in proportion to `good` out of `of` (nothing to judge yet: the whole weight)."""
    if of <= 0:
        return weight
    return round(weight * max(0, min(good, of)) / of)


def evidence_type(head: bytes, whole: bytes | None = None) -> tuple[str, str] | None:
    """(content type, extension) of an evidence file by its bytes: a JPEG, PNG or WebP image,
    a PDF, or an Office document (docx, xlsx, pptx); else None. The name says nothing."""
    found = image_type(head)
    if found:
        return found
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"PK\x03\x04") and whole is not None:
        try:
            names = set(zipfile.ZipFile(io.BytesIO(whole)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for folder, kind, extension in (
                ("word/", "wordprocessingml.document", "docx"),
                ("xl/", "spreadsheetml.sheet", "xlsx"),
                ("ppt/", "presentationml.presentation", "pptx"),
            ):
                if any(n.startswith(folder) for n in names):
                    return f"application/vnd.openxmlformats-officedocument.{kind}", extension
    return None
