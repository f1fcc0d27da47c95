"""The address gazetteer (门牌地址库): an address a caller gives, to its grid.

`resolve` reads the address (grid.addresses) and answers, in this order:

1. the gazetteer: the door plate ("学海路8号3栋", then "学海路8号") among the imported ones, held
   to the divisions the address names;
2. the community the address names: its grid if it has only one, else the community itself
   (its street dispatches the case by hand);
3. the street the address names.

Where the answer is more than one (two 文苑社区 in two streets, one door plate in two
communities) every candidate is returned, for the hotline operator to choose with the caller.

Every process keeps one `AddressBook`: the names of the divisions of the served districts
(those with active grids; all provinces, cities and districts too, so that "北京市朝阳区" reads
as a place we do not serve), the active grids, and the gazetteer's keys as a sorted array of
their hashes beside their grid ids, about 16 bytes a door plate instead of some 200 for a dict
of strings: a million door plates stay in memory in every worker. Python's string hash is
64 bits: two of a million keys share one with odds of about 1 in 10^7, and an unknown address
finds a stored key's hash with odds of 1 in 10^13. The book is rebuilt when the grids'
version (GridIndexVersion) or the gazetteer's (GazetteerVersion) changes, checked as routing
checks its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from jiceng.divisions.models import Division, Level

from .addresses import DivisionNames, ParsedAddress, parse
from .models import GazetteerAddress, GazetteerVersion, Grid, GridIndexVersion
from .rebuilt import Rebuilt

HOW_GAZETTEER, HOW_COMMUNITY, HOW_STREET, HOW_NONE = "gazetteer", "community", "street", "none"


@dataclass(frozen=True)
class Candidate:
    """One place an address may mean: a grid, or only a community or a street."""

    grid_id: int | None
    community_code: str | None
    street_code: str
    label: str

    @property
    def choice(self) -> str:
        """How a form names it: "grid:12", "community:320113007001", "street:320113007000"."""
        if self.grid_id is not None:
            return f"grid:{self.grid_id}"
        if self.community_code:
            return f"community:{self.community_code}"
        return f"street:{self.street_code}"


@dataclass(frozen=True)
class Resolution:
    how: str  # gazetteer | community | street | none
    candidates: tuple[Candidate, ...]
    parsed: ParsedAddress

    @property
    def is_ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def place(self) -> Candidate | None:
        return self.candidates[0] if len(self.candidates) == 1 else None


@dataclass(frozen=True)
class GridRow:
    name: str
    community: str
    street: str


def street_of(code: str) -> str:
    return code[:9] + "000"


class AddressBook:
    """Division names, grids and door plates of one version, ready to resolve addresses."""

    def __init__(
        self,
        *,
        version: tuple[int, int],
        divisions: Iterable[tuple[str, str, int]],
        grids: Iterable[tuple[int, str, str, str]],
        keys: Sequence[str],
        grid_ids: Sequence[int] | np.ndarray,
    ) -> None:
        self.version = version
        self.names = DivisionNames(divisions)
        self.grids = {pk: GridRow(name, community, street) for pk, name, community, street in grids}
        self.community_grids: dict[str, list[int]] = {}
        for pk, row in sorted(self.grids.items()):
            self.community_grids.setdefault(row.community, []).append(pk)
        ids = np.asarray(grid_ids, dtype=np.int64)
        hashes = np.fromiter((hash(k) for k in keys), dtype=np.int64, count=len(keys))
        active = np.isin(ids, np.fromiter(self.grids, dtype=np.int64, count=len(self.grids)))
        hashes, ids = hashes[active], ids[active]
        order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[order]
        self.key_grids = ids[order]
        self.size = len(self.hashes)
        # Each place's candidate, made once (its label is read from the names).
        self._candidates: dict[int | str, Candidate] = {}

    def grids_of_key(self, key: str) -> list[int]:
        """The grids holding a door plate of this key (usually one; one per street)."""
        h = hash(key)
        at = int(self.hashes.searchsorted(h))
        found = []
        while at < self.size and self.hashes[at] == h:
            found.append(int(self.key_grids[at]))
            at += 1
        return found

    def resolve(self, address: str) -> Resolution:
        parsed = parse(address, self.names)
        tries = [(parsed.parts, parsed.door)]
        if parsed.fallback is not None:
            tries.append(parsed.fallback)
        for parts, door in tries:
            prefixes = parts[-1].prefixes if parts else ()
            for key in door.keys:
                grids = [
                    g
                    for g in self.grids_of_key(key)
                    if not prefixes or self.grids[g].community.startswith(prefixes)
                ]
                if grids:
                    found = tuple(self._grid(g) for g in grids)
                    return Resolution(HOW_GAZETTEER, found, parsed)
        communities = parsed.codes_at(Level.VILLAGE)
        if communities:
            return Resolution(HOW_COMMUNITY, tuple(self._community(c) for c in communities), parsed)
        streets = parsed.codes_at(Level.TOWNSHIP)
        if streets:
            return Resolution(HOW_STREET, tuple(self._street(s) for s in streets), parsed)
        return Resolution(HOW_NONE, (), parsed)

    def _grid(self, pk: int) -> Candidate:
        found = self._candidates.get(pk)
        if found is None:
            row = self.grids[pk]
            label = f"{self._place_name(row.community)} · {row.name}"
            found = self._candidates[pk] = Candidate(pk, row.community, row.street, label)
        return found

    def _community(self, code: str) -> Candidate:
        grids = self.community_grids.get(code, [])
        if len(grids) == 1:
            return self._grid(grids[0])
        found = self._candidates.get(code)
        if found is None:
            label = self._place_name(code)
            found = self._candidates[code] = Candidate(None, code, street_of(code), label)
        return found

    def _street(self, code: str) -> Candidate:
        found = self._candidates.get(code)
        if found is None:
            found = self._candidates[code] = Candidate(None, None, code, self._place_name(code))
        return found

    def _place_name(self, code: str) -> str:
        """区 街道 社区, as far as the code goes."""
        codes = [code[:6] + "000000", street_of(code), code]
        known = [self.names.name_of(c) for c in codes if c in self.names.names]
        return " ".join(dict.fromkeys(known))

    def candidate(self, choice: str) -> Candidate | None:
        """The place a form's choice names ("grid:12" ...), if the book knows it."""
        kind, _, value = choice.partition(":")
        if kind == "grid" and value.isdigit() and int(value) in self.grids:
            return self._grid(int(value))
        if kind == "community" and value in self.names.names:
            return self._community(value)
        if kind == "street" and value in self.names.names:
            return self._street(value)
        return None


# -- the process's book -----------------------------------------------------------------------


def current_versions() -> tuple[int, int]:
    grids = GridIndexVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    book = GazetteerVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return (grids or 0, book or 0)


def build_book(*, version: tuple[int, int] | None = None) -> AddressBook:
    """Read the served divisions, the active grids and every door plate into a new book."""
    if version is None:
        version = current_versions()
    grids = list(
        Grid.objects.filter(is_active=True).values_list("pk", "name", "community_id", "street_id")
    )
    districts = sorted({street[:6] for *_, street in grids})
    served = Q(level__lte=Level.COUNTY)
    for district in districts:
        served |= Q(code__startswith=district, level__gte=Level.TOWNSHIP)
    divisions = Division.objects.filter(served).values_list("code", "name", "level")
    # One raw SELECT: a million door plates as model rows or even values_list tuples cost
    # several times more.
    quote = connection.ops.quote_name
    table, key = quote(GazetteerAddress._meta.db_table), quote("key")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, grid_id FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
    return AddressBook(
        version=version,
        divisions=divisions,
        grids=grids,
        keys=[r[0] for r in rows],
        grid_ids=[r[1] for r in rows],
    )


_book: Rebuilt[AddressBook, tuple[int, int]] = Rebuilt(
    version=lambda: current_versions(), build=lambda version: build_book(version=version)
)


def current_book() -> AddressBook:
    """The book of the current grids and gazetteer: the kept one unless out of date."""
    return _book.get()


def invalidate() -> None:
    """Read the versions again at the next call (grid changes and imports call this)."""
    _book.invalidate()


def bump_version() -> None:
    """A fresh random token (a counter could repeat after a rolled-back transaction)."""
    token = secrets.randbits(62) or 1
    if not GazetteerVersion.objects.filter(pk=1).update(version=token):
        GazetteerVersion.objects.update_or_create(pk=1, defaults={"version": token})
    invalidate()
    transaction.on_commit(invalidate)


def resolve(address: str) -> Resolution:
    return current_book().resolve(address)


def address_place(address_id: int) -> Candidate | None:
    """The place of a gazetteer entry by its id (Open311's `address_id`), if its grid is
    active."""
    grid_id = GazetteerAddress.objects.filter(pk=address_id).values_list("grid_id", flat=True)
    found = grid_id.first()
    book = current_book()
    return book.candidate(f"grid:{found}") if found is not None else None
