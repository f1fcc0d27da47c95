"""Household contacts (党员联系户) for the synthetic data set (`jiceng seed`): in every grid of
a seeded county, two to four members who live in the grid's community each linked to five to
ten households of the grid, with a year of visits (by phone, WeChat or at the door, about every
one to three months); one household in five has fallen behind (its last visit 100 to 200 days
old, or none at all) so the overdue lists on the workbenches have something to show.

Visits are logged by a member's own account (the `visited_by` of a visit is a user): a contact
member who has none gets one, `member-<id>`, with no usable password (nobody signs in as them
until an administrator sets one), as the village teams' seed does for its cadres.

Residents' names and phones are sealed a batch at a time (sealing.BatchSealer), the masked forms
beside them; rows go through writer.BulkWriter with ids handed out here. The demo's findings
that become cases go through the cases intake one by one, so the scale seed makes none.
A county with households is left alone, so a rerun adds nothing.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.paths import under
from jiceng.grid.models import Grid
from jiceng.households.demo import FINDINGS, NOTES, SURNAMES
from jiceng.households.models import ContactRule, Household, HouseholdContact, Visit, Way
from jiceng.households.queries import NAME_FIELD, PHONE_FIELD
from jiceng.members.models import ACTIVE_STATUSES, Member

from .sealing import BatchSealer
from .writer import BulkWriter, Table

CONTACTS_PER_GRID = (2, 4)
HOUSEHOLDS_PER_CONTACT = (5, 10)
VISIT_GAP_DAYS = (30, 90)
FINDING_SHARE = 0.25
GIVEN = tuple(
    "秀英桂英建华国强玉兰红梅志强明华丽娟海燕文军春生德明淑珍凤兰永刚小燕"
    "建国淑英桂兰秀兰志明晓东丽华金凤国华玉珍春梅立新振华"[i : i + 2]
    for i in range(0, 60, 2)
)
ROADS = (
    "人民路",
    "建设路",
    "解放路",
    "中山路",
    "和平路",
    "新华路",
    "文化路",
    "胜利路",
    "团结路",
    "幸福路",
    "育才路",
    "光明街",
)
WAYS = (Way.IN_PERSON.value, Way.IN_PERSON.value, Way.PHONE.value, Way.WECHAT.value)
FLUSH_ROWS = 200_000  # visits held before they are written

USER_COLUMNS = (
    "id",
    "password",
    "username",
    "first_name",
    "last_name",
    "email",
    "display_name",
    "member_id",
    "date_joined",
)
HOUSEHOLD_COLUMNS = (
    "id",
    "grid_id",
    "address",
    "resident_name_sealed",
    "resident_name_masked",
    "phone_sealed",
    "phone_masked",
    "note",
    "lon",
    "lat",
    "last_visited_on",
    "created_at",
)
CONTACT_COLUMNS = ("id", "household_id", "member_id", "started_on")
VISIT_COLUMNS = (
    "id",
    "household_id",
    "visited_by_id",
    "member_id",
    "visited_on",
    "way",
    "finding",
    "recorded_at",
)


@dataclass
class HouseholdSeedResult:
    counties: int = 0
    households: int = 0
    contacts: int = 0
    visits: int = 0
    accounts: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.households + self.contacts + self.visits + self.accounts


def _next_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


def tables() -> dict[str, Table]:
    return {
        "users": Table.of(User, USER_COLUMNS),
        "households": Table.of(Household, HOUSEHOLD_COLUMNS),
        "contacts": Table.of(HouseholdContact, CONTACT_COLUMNS),
        "visits": Table.of(Visit, VISIT_COLUMNS),
    }


def counties_to_seed() -> list[str]:
    """The county codes with grids and no household yet."""
    counties = {
        c[:6] for c in Grid.objects.order_by().values_list("community_id", flat=True).distinct()
    }
    having = {
        c[:6]
        for c in Household.objects.order_by()
        .values_list("grid__community_id", flat=True)
        .distinct()
        if c
    }
    return sorted(counties - having)


class Maker:
    """Rows for one county after another, ids handed out in order."""

    def __init__(self, *, as_of: dt.date, seed: int) -> None:
        self.as_of = as_of
        self.seed = seed
        self.ids = {
            "users": _next_id(User),
            "households": _next_id(Household),
            "contacts": _next_id(HouseholdContact),
            "visits": _next_id(Visit),
        }
        self.first = dict(self.ids)
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.plain: list[tuple[str, str]] = []  # names and phones of the held households
        self.stamps: dict[tuple[dt.date, int], Any] = {}
        self.isos: dict[int, str] = {}
        self.evenings: dict[int, Any] = {}
        self.result = HouseholdSeedResult()
        self.names = BatchSealer(field=NAME_FIELD, length=len("王秀英".encode()))
        self.phones = BatchSealer(field=PHONE_FIELD, length=11)

    def stamp(self, day: dt.date, hour: int) -> Any:
        """A timestamp as the database takes it, made once a day and hour."""
        found = self.stamps.get((day, hour))
        if found is None:
            found = connection.ops.adapt_datetimefield_value(
                dt.datetime.combine(day, dt.time(hour), tzinfo=clock.CHINA)
            )
            self.stamps[(day, hour)] = found
        return found

    def county(self, county: str) -> None:
        rng = random.Random(f"{self.seed}-households-{county}")  # noqa: S311  # synthetic data
        grids = list(
            Grid.objects.filter(under(county, "community_id"), is_active=True)
            .order_by("code")
            .values_list("pk", "community_id", "min_lon", "min_lat", "max_lon", "max_lat")
        )
        communities = sorted({g[1] for g in grids})
        residents: dict[str, list[tuple[int, str, int | None]]] = defaultdict(list)
        for pk, name, home, account in (
            Member.objects.filter(
                residential_division_id__in=communities, status__in=ACTIVE_STATUSES
            )
            .order_by("pk")
            .values_list("pk", "name", "residential_division_id", "user")
        ):
            residents[home].append((pk, name, account))
        if not grids or not residents:
            return
        ContactRule.objects.get_or_create(
            division_id=county.ljust(12, "0"), defaults={"one_contact_per_household": True}
        )
        # Two to four residents a grid, none in two grids of their community.
        plan: list[tuple[tuple[Any, ...], int, str, int | None]] = []
        used: dict[str, int] = defaultdict(int)
        for grid in grids:
            pool = residents.get(grid[1], [])
            start = used[grid[1]]
            contacts = pool[start : start + rng.randint(*CONTACTS_PER_GRID)]
            used[grid[1]] = start + len(contacts)
            plan.extend((grid, *contact) for contact in contacts)
        taken = set(
            User.objects.filter(
                username__in=[f"member-{p[1]}" for p in plan if p[3] is None]
            ).values_list("username", flat=True)
        )
        for grid, member, name, has in plan:
            if has is None and f"member-{member}" in taken:
                continue  # an account of that name that is not this member's: skip them
            account = has or self.account(member, name, f"member-{member}")
            self.households(rng, grid, member, account)
        self.result.counties += 1

    def account(self, member: int, name: str, username: str) -> int:
        pk = self.ids["users"]
        self.ids["users"] += 1
        joined = self.stamp(self.as_of - dt.timedelta(days=365), 9)
        password = "!" + secrets.token_urlsafe(30)  # unusable: no hash scheme starts with "!"
        self.rows["users"].append((pk, password, username, "", "", "", name, member, joined))
        self.result.accounts += 1
        return pk

    def households(self, rng: random.Random, grid: tuple[Any, ...], member: int, user: int) -> None:
        """A contact member's five to ten households, each with its visits going back a year
        from its last (the loop runs for every visit: it reads locals and draws with
        `random()` alone, several times cheaper than choice and randrange)."""
        grid_id, _, min_lon, min_lat, max_lon, max_lat = grid
        rand, today = rng.random, self.as_of.toordinal()
        first = today - 365
        started = self.iso(first)
        created = self.stamp(self.as_of - dt.timedelta(days=400), 9)
        road = ROADS[grid_id % len(ROADS)]
        households, contacts, visits = (
            self.rows["households"],
            self.rows["contacts"],
            self.rows["visits"],
        )
        iso, evening, plain = self.iso, self.evening, self.plain
        gap_low, gap_span = VISIT_GAP_DAYS[0], VISIT_GAP_DAYS[1] - VISIT_GAP_DAYS[0]
        household, visit = self.ids["households"], self.ids["visits"]
        contact = self.ids["contacts"]
        low, high = HOUSEHOLDS_PER_CONTACT
        for _ in range(low + int(rand() * (high - low + 1))):
            n = household % 2400
            address = f"{road}{n // 24 + 1}号{n // 6 % 4 + 1}栋{n % 6 // 2 + 1}0{n % 2 + 1}室"
            name = SURNAMES[int(rand() * len(SURNAMES))] + GIVEN[int(rand() * len(GIVEN))]
            phone = f"1{'3589'[int(rand() * 4)]}{int(rand() * 10**9):09d}"
            roll = rand()
            if roll < 0.2 / 3:  # never visited
                last = None
            elif roll < 0.2:  # fallen behind
                last = today - 100 - int(rand() * 100)
            else:
                last = today - 2 - int(rand() * 58)
            plain.append((name, phone))
            households.append(
                (
                    household,
                    grid_id,
                    address,
                    None,  # sealed at the flush, with the rest of the batch
                    name[0] + "**",  # masking.mask_name of a three-character name
                    None,
                    phone[:3] + "****" + phone[7:],  # masking.mask_phone of a mobile number
                    NOTES[int(rand() * len(NOTES))],
                    round(min_lon + rand() * (max_lon - min_lon), 6),
                    round(min_lat + rand() * (max_lat - min_lat), 6),
                    iso(last) if last else None,
                    created,
                )
            )
            contacts.append((contact, household, member, started))
            contact += 1
            day = last or 0
            while day >= first:
                visits.append(
                    (
                        visit,
                        household,
                        user,
                        member,
                        iso(day),
                        WAYS[int(rand() * 4)],
                        FINDINGS[int(rand() * len(FINDINGS))] if rand() < FINDING_SHARE else "",
                        evening(day),
                    )
                )
                visit += 1
                day -= gap_low + int(rand() * gap_span)
            household += 1
        self.ids["households"], self.ids["visits"] = household, visit
        self.ids["contacts"] = contact

    def iso(self, ordinal: int) -> str:
        found = self.isos.get(ordinal)
        if found is None:
            found = self.isos[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return found

    def evening(self, ordinal: int) -> Any:
        """18:00 of that day as the database takes it (when the visit was written down)."""
        found = self.evenings.get(ordinal)
        if found is None:
            found = self.evenings[ordinal] = self.stamp(dt.date.fromordinal(ordinal), 18)
        return found

    def flush(self, writer: BulkWriter) -> None:
        """Seal the held households' names and phones (a batch each), write every row held."""
        if self.plain:
            names = self.names.seal([p[0] for p in self.plain])
            phones = self.phones.seal([p[1] for p in self.plain])
            self.rows["households"] = [
                (*row[:3], name, row[4], phone, *row[6:])
                for row, name, phone in zip(self.rows["households"], names, phones, strict=True)
            ]
            self.plain = []
        for table in ("users", "households", "contacts", "visits"):  # each after what it names
            writer.write(table, self.rows.pop(table, []))
        self.result.households = self.ids["households"] - self.first["households"]
        self.result.contacts = self.ids["contacts"] - self.first["contacts"]
        self.result.visits = self.ids["visits"] - self.first["visits"]

    @property
    def held(self) -> int:
        return len(self.rows.get("visits", ()))


def seed_households(*, as_of: dt.date | None = None, seed: int = 1) -> HouseholdSeedResult:
    """Households with contacts and a year of visits in every county with grids and no
    household yet."""
    started = time.perf_counter()
    maker = Maker(as_of=as_of or clock.today(), seed=seed)
    counties = counties_to_seed()
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of row tuples, no cycles (as seeding.seed does)
    try:
        if counties:
            empty = not Visit.objects.exists()
            with BulkWriter(tables(), defer_indexes=empty and len(counties) > 20) as writer:
                for county in counties:
                    maker.county(county)
                    if maker.held >= FLUSH_ROWS:
                        maker.flush(writer)
                maker.flush(writer)
    finally:
        if collecting:
            gc.enable()
    maker.result.seconds = time.perf_counter() - started
    return maker.result
