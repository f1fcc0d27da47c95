"""Parsing of the organization pages' forms: what a person typed, as the services take it."""

from __future__ import annotations

import datetime as dt

from django.http import QueryDict

from jiceng.core.dates import parse_date
from jiceng.core.errors import InvalidInput
from jiceng.divisions.models import Division
from jiceng.members.models import Member

from .self_government import SeatInput

SEAT_ROWS = 9  # rows a committee form offers (a committee has 3 to 9 seats)


def division_of(code: str | None, *, field: str = "division_code") -> Division | None:
    """The division with this code (2 to 12 digits, padded); None for none given."""
    code = (code or "").strip()
    if not code:
        return None
    found = None
    if code.isdigit() and 2 <= len(code) <= 12:
        found = Division.objects.filter(code=code.ljust(12, "0")).first()
    if found is None:
        raise InvalidInput(f"行政区划代码{code}不存在", fields={field: "区划代码不存在"})
    return found


def date_of(post: QueryDict, name: str, label: str) -> dt.date | None:
    try:
        return parse_date(post.get(name))
    except ValueError:
        message = f"{label}不是有效日期，请写成2024-07-01的格式"
        raise InvalidInput(message, fields={name: message}) from None


def _id(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 15 else None


def committee_seats(post: QueryDict, members: dict[int, Member]) -> list[tuple[Member, str]]:
    """The seat rows of the election form (seat-N-member, seat-N-post); blank rows are
    skipped. `members` are those the form offered: any other id is refused."""
    seats: list[tuple[Member, str]] = []
    for row in range(SEAT_ROWS):
        member_id = _id(post.get(f"seat-{row}-member"))
        post_value = post.get(f"seat-{row}-post", "")
        if member_id is None:
            continue
        if member_id not in members:
            raise InvalidInput("所选党员不是本组织党员", fields={"seats": "所选党员不是本组织党员"})
        seats.append((members[member_id], post_value))
    return seats


def self_government_seats(post: QueryDict, members: dict[int, Member]) -> list[SeatInput]:
    """The seat rows of the village or residents' committee form (seat-N-name, seat-N-member,
    seat-N-post); a row with neither a name nor a member is skipped."""
    seats: list[SeatInput] = []
    for row in range(SEAT_ROWS):
        name = post.get(f"seat-{row}-name", "").strip()
        member_id = _id(post.get(f"seat-{row}-member"))
        if not name and member_id is None:
            continue
        member = None
        if member_id is not None:
            member = members.get(member_id)
            if member is None:
                message = "所选党员不是本组织党员"
                raise InvalidInput(message, fields={"seats": message})
        seats.append(SeatInput(name=name, member=member, post=post.get(f"seat-{row}-post", "")))
    return seats
