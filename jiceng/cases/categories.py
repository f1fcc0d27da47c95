"""The active request types and subjects, read for forms and intake.

They are a few dozen rows the administrator rarely changes; each process keeps them for a
minute so that intake does not read them per case (the admin's change shows within a minute).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from jiceng.core.errors import InvalidInput

from .models import CaseType, Subject

TTL_SECONDS = 60.0


@dataclass
class _Cache:
    loaded_at: float = -1e9
    types: dict[str, CaseType] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)


_cache = _Cache()


def _fresh() -> _Cache:
    global _cache
    if time.monotonic() - _cache.loaded_at > TTL_SECONDS:
        _cache = _Cache(
            loaded_at=time.monotonic(),
            types={t.code: t for t in CaseType.objects.filter(is_active=True)},
            subjects={s.code: s for s in Subject.objects.filter(is_active=True)},
        )
    return _cache


def forget() -> None:
    """Read the categories again on next use (tests, and after an import)."""
    _cache.loaded_at = -1e9


def active_types() -> list[CaseType]:
    return sorted(_fresh().types.values(), key=lambda t: (t.position, t.code))


def active_subjects() -> list[Subject]:
    return sorted(_fresh().subjects.values(), key=lambda s: (s.position, s.code))


def type_by_code(code: str) -> CaseType:
    found = _fresh().types.get(code)
    if found is None:
        raise InvalidInput("请选择诉求类型", fields={"type": "诉求类型不存在或已停用"})
    return found


def subject_by_code(code: str) -> Subject:
    found = _fresh().subjects.get(code)
    if found is None:
        raise InvalidInput("请选择诉求事项", fields={"subject": "诉求事项不存在或已停用"})
    return found
