"""Rules of the branch work regulations (中国共产党支部工作条例（试行）, 2018) and of the
election rules for grassroots organizations, as pure functions: no database here."""

from __future__ import annotations

import datetime as dt

from .models import BRANCH_KINDS, OrgKind, Sector

MIN_FULL_MEMBERS = 3  # 正式党员3人以上的，应当成立党支部
COMMITTEE_AT = 7  # 党员7人以上的党支部，设立支部委员会
MIN_COMMITTEE_SEATS = 3  # 支部委员会由3至5人组成
GENERAL_BRANCH_ABOVE = 50  # 党员50人以上的，可以成立党总支
PRIMARY_COMMITTEE_AT = 100  # 党员100人以上的，可以成立基层党委
DUE_SOON_DAYS = 90
# No term of office falls due before the Party was founded: as a lower bound it makes the due
# terms a two-sided range of the term_due index, which SQLite then walks earliest first until
# a LIMIT (with one side only, it reads the whole subtree's path range and sorts).
EARLIEST_TERM = dt.date(1921, 7, 1)

# Which kinds may sit directly under which: a branch holds party groups, never sub-organizations.
ALLOWED_CHILDREN: dict[str, frozenset[str]] = {
    OrgKind.CENTRAL: frozenset(
        {OrgKind.LOCAL_COMMITTEE, OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE}
    ),
    OrgKind.LOCAL_COMMITTEE: frozenset(
        {
            OrgKind.LOCAL_COMMITTEE,
            OrgKind.COMMITTEE,
            OrgKind.WORKING_COMMITTEE,
            OrgKind.GENERAL_BRANCH,
            *BRANCH_KINDS,
        }
    ),
    OrgKind.WORKING_COMMITTEE: frozenset(
        {OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH, *BRANCH_KINDS}
    ),
    OrgKind.COMMITTEE: frozenset({OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, *BRANCH_KINDS}),
    OrgKind.GENERAL_BRANCH: frozenset(BRANCH_KINDS),
}


def term_years(kind: str, sector: str) -> int:
    """Branches and general branches serve 3 years; primary committees and village and
    community organizations 5 (中国共产党基层组织选举工作条例, 2020)."""
    if sector in (Sector.VILLAGE, Sector.COMMUNITY):
        return 5
    if kind in BRANCH_KINDS or kind == OrgKind.GENERAL_BRANCH:
        return 3
    return 5


def term_due(start: dt.date, *, kind: str, sector: str) -> dt.date:
    years = term_years(kind, sector)
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def term_status(due: dt.date, *, today: dt.date) -> str:
    """'overdue', 'due_soon' (within DUE_SOON_DAYS) or 'ok'."""
    if due < today:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "ok"


def size_warnings(kind: str, *, members: int, full_members: int, committee_seats: int) -> list[str]:
    """Warnings, never errors: a branch below or above the sizes the regulations expect.

    `committee_seats` is the number of seats on the current committee (0 without one).
    """
    if kind not in BRANCH_KINDS:
        return []
    warnings: list[str] = []
    if full_members < MIN_FULL_MEMBERS:
        warnings.append(
            f"正式党员{full_members}人，不足{MIN_FULL_MEMBERS}人，"
            "不具备单独成立党支部的条件，可与邻近单位成立联合党支部"
        )
    if members >= COMMITTEE_AT and committee_seats < MIN_COMMITTEE_SEATS:
        warnings.append(f"党员{members}人，达到{COMMITTEE_AT}人以上，应当设立支部委员会")
    if members >= PRIMARY_COMMITTEE_AT:
        warnings.append(f"党员{members}人，达到{PRIMARY_COMMITTEE_AT}人以上，可以成立基层党委")
    elif members > GENERAL_BRANCH_ABOVE:
        warnings.append(f"党员{members}人，超过{GENERAL_BRANCH_ABOVE}人，可以成立党总支")
    return warnings


def may_contain(parent_kind: str, child_kind: str) -> bool:
    return child_kind in ALLOWED_CHILDREN.get(parent_kind, frozenset())
