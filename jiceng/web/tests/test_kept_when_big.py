"""A panel's reads over a large reach are kept a while; a small reach's are read every time."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from jiceng.web.workbench import BIG_READ_SECONDS, kept_when_big


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    cache.clear()


def test_a_big_read_is_kept_and_a_small_one_read_again() -> None:
    reads: list[str] = []

    def read(name: str) -> tuple[int, list[str]]:
        reads.append(name)
        return len(reads), [name]

    assert kept_when_big("k:big", big=True, read=lambda: read("big")) == (1, ["big"])
    assert kept_when_big("k:big", big=True, read=lambda: read("big")) == (1, ["big"])
    assert kept_when_big("k:small", big=False, read=lambda: read("small")) == (2, ["small"])
    assert kept_when_big("k:small", big=False, read=lambda: read("small")) == (3, ["small"])
    assert reads == ["big", "small", "small"]
    assert cache.get("k:small") is None


def test_a_kept_read_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    kept: dict[str, int] = {}
    monkeypatch.setattr(cache, "set", lambda key, value, seconds: kept.update({key: seconds}))
    kept_when_big("k:expiring", big=True, read=lambda: 1)
    assert kept == {"k:expiring": BIG_READ_SECONDS}
