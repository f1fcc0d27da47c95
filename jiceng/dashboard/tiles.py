"""The tiles of the leaders' dashboard (党建驾驶舱): each app says what it has to show about a
subtree in a `dashboard_tiles.py` module of its own, found at start-up (as web.workbench finds
`panels.py`), so points, appraisal or rectification add their tiles without editing this app:

    # jiceng/<app>/dashboard_tiles.py
    from jiceng.dashboard.tiles import Figure, Tile, tile

    @tile("points.distribution", title="党员积分", order=60)
    def distribution(organization: Organization, user: User) -> Tile | None:
        return Tile(figures=[Figure("本年积分", 1234, url=...)], chart={...})

A builder is called with an organization the user may see and returns None when it has
nothing to say there (no grids in the subtree, a role that may not open the list behind it).
Every figure's `url` must open for that user: show a link only where the list opens, leave it
empty otherwise. Builders read rollups or one indexed aggregate: the page is built under the
national root too. `chart` is an ECharts option (plain JSON) drawn under the figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules

from jiceng.accounts.models import User
from jiceng.orgs.models import Organization


@dataclass(frozen=True)
class Figure:
    """A number on a tile, a link to the list behind it (empty if none opens for the user)."""

    label: str
    value: int | str
    url: str = ""
    tone: str = ""  # "warn" for one that needs attention

    @property
    def shown(self) -> str:
        return f"{self.value:,}" if isinstance(self.value, int) else self.value


@dataclass
class Tile:
    figures: list[Figure] = field(default_factory=list)
    chart: dict[str, Any] | None = None  # an ECharts option
    url: str = ""  # the page the tile's title opens
    note: str = ""  # one line under the title: the month shown, a period
    # For a map (Leaflet): {"points": [{"lat", "lng", "label", "count"}]}.
    map: dict[str, Any] | None = None


Builder = Callable[[Organization, User], Tile | None]


@dataclass(frozen=True)
class Registered:
    key: str  # "<app>.<name>", unique
    title: str
    order: int
    build: Builder


@dataclass(frozen=True)
class Built:
    """A tile as one user sees it for one organization."""

    key: str
    title: str
    tile: Tile


_registry: dict[str, Registered] = {}


def tile(key: str, *, title: str, order: int) -> Callable[[Builder], Builder]:
    """Registers the decorated function as the builder of tile `key`."""

    def register(build: Builder) -> Builder:
        add(Registered(key=key, title=title, order=order, build=build))
        return build

    return register


def add(found: Registered) -> None:
    existing = _registry.get(found.key)
    if existing is not None and existing.build is not found.build:
        raise ValueError(f"dashboard tile {found.key!r} is registered twice")
    _registry[found.key] = found


def remove(key: str) -> None:
    """For tests that register a tile of their own."""
    _registry.pop(key, None)


def registered() -> list[Registered]:
    return sorted(_registry.values(), key=lambda t: (t.order, t.key))


def autodiscover() -> None:
    autodiscover_modules("dashboard_tiles")


def build_all(organization: Organization, user: User) -> list[Built]:
    """Every tile with something to say about the organization's subtree, for the user."""
    shown = []
    for found in registered():
        built = found.build(organization, user)
        if built is not None:
            shown.append(Built(key=found.key, title=found.title, tile=built))
    return shown
