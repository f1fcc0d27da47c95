"""The workbench (工作台): the home page of every signed-in user, a page of panels, each a short
list of what one of the user's roles has to do now.

Each app contributes its own panels from a `panels.py` module of its own, found at start-up
as Django's admin finds `admin.py` modules (`autodiscover`, called from WebConfig.ready), so a
new app (points, appraisal, mobilization ...) adds its panels without editing `web`:

    # jiceng/<app>/panels.py
    from jiceng.web.workbench import Content, Item, panel

    @panel("cases.inbox", title="我的待办诉求", order=40, shows=lambda user: ...)
    def inbox(user: User) -> Content:
        return Content(figures=[...], items=[...], actions=[...])

A panel declares who sees it (`shows`, a cheap test of the user's roles or permissions: no
query beyond the role rows) and builds its content for that user through the app's scoped
reads. Every link in it must open for that user: the workbench test crawls them all. A panel
that has nothing to say returns an empty Content and shows its `empty` sentence; so does one
whose figures ask for nothing (none "warn" and above zero) and that has no list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.cache import cache
from django.utils.module_loading import autodiscover_modules

from jiceng.accounts.models import User


@dataclass(frozen=True)
class Figure:
    """A number at the head of a panel: 待办 3. `tone` "warn" marks one that needs action."""

    label: str
    value: int | str
    url: str = ""
    tone: str = ""

    @property
    def shown(self) -> str:
        """The value as written on the page: 45,036."""
        return f"{self.value:,}" if isinstance(self.value, int) else self.value

    @property
    def is_zero(self) -> bool:
        return self.value in (0, "0")


@dataclass(frozen=True)
class Item:
    """One line of a panel's list, a link the user may open."""

    label: str
    url: str
    note: str = ""  # a short second line: a date, a status
    tone: str = ""  # "warn" for overdue, missing; "ok" for done


@dataclass(frozen=True)
class Action:
    """A button under the panel: 安排会议, 开始巡查."""

    label: str
    url: str
    primary: bool = True


@dataclass
class Content:
    figures: list[Figure] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    more: Action | None = None  # "全部 ..." under the list
    note: str = ""  # one sentence under the title (the month shown, a period)

    @property
    def asks_nothing(self) -> bool:
        """No list and no figure that needs action: the panel may say its `empty` sentence
        (not under "11 待确认报到", which the figure's link is the way to)."""
        return not self.items and not any(f.tone == "warn" and not f.is_zero for f in self.figures)


Builder = Callable[[User], Content | list[Content]]


@dataclass(frozen=True)
class Panel:
    key: str  # "<app>.<name>", unique
    title: str
    order: int  # place on the page, lowest first
    shows: Callable[[User], bool]
    build: Builder
    empty: str = "暂无待办事项"


@dataclass(frozen=True)
class Shown:
    """A panel as one user sees it: built once for each organization or unit it covers."""

    panel: Panel
    title: str
    content: Content


_registry: dict[str, Panel] = {}


def panel(
    key: str,
    *,
    title: str,
    order: int,
    shows: Callable[[User], bool],
    empty: str = "暂无待办事项",
) -> Callable[[Builder], Builder]:
    """Registers the decorated function as the builder of panel `key`."""

    def register(build: Builder) -> Builder:
        add(Panel(key=key, title=title, order=order, shows=shows, build=build, empty=empty))
        return build

    return register


def add(found: Panel) -> None:
    existing = _registry.get(found.key)
    if existing is not None and existing.build is not found.build:
        raise ValueError(f"workbench panel {found.key!r} is registered twice")
    _registry[found.key] = found


def registered() -> list[Panel]:
    return sorted(_registry.values(), key=lambda p: (p.order, p.key))


def autodiscover() -> None:
    """Imports every installed app's `panels` module, which registers its panels."""
    autodiscover_modules("panels")


def panels_for(user: User) -> list[Shown]:
    """The panels the user's roles open, each built for the user. A builder may answer
    several contents (one per organization the role names): each is shown under its own
    title (`Content.note` names the organization)."""
    shown: list[Shown] = []
    for found in registered():
        if not found.shows(user):
            continue
        built = found.build(user)
        for content in built if isinstance(built, list) else [built]:
            shown.append(Shown(panel=found, title=found.title, content=content))
    return shown


T = TypeVar("T")

# How long a panel keeps what it read over a large reach (a city's, a province's, the nation's:
# orgs.subtrees.BIG_REACH): reads that no LIMIT stops early there cost hundreds of milliseconds
# at national scale, and what they count (terms due this quarter, members whose lost contact
# has run six months) moves by days, not minutes. A street's or a county's panel reads afresh
# on every visit, so whoever acts sees the change at once.
BIG_READ_SECONDS = 600


def kept_when_big(key: str, *, big: bool, read: Callable[[], T]) -> T:
    """`read()`, kept in the cache under `key` for BIG_READ_SECONDS when `big`."""
    if not big:
        return read()
    found: T | None = cache.get(key)
    if found is None:
        found = read()
        cache.set(key, found, BIG_READ_SECONDS)
    return found


def capped(count: int, cap: int) -> str:
    """A count read with LIMIT `cap`: "100+" once it reaches the cap (a national subtree's
    count is not worth a full scan on a home page)."""
    return f"{cap}+" if count >= cap else str(count)
