"""No role rebuilds a member's ID or phone number from what it is shown.

Each role that can see a member reads every page, API answer and export that shows them (the
member list, the member's page, the organization's page, GET /api/v1/members and
/api/v1/members/{id}, the Excel export), without asking for the full numbers. Everything read
is put together and every ID number and mobile number consistent with all of it is counted
(jiceng.testing.rebuild): at least 10,000 of each must be left. Two members: one who joined
at 31, and one who joined in the January after turning 18, whose joining date would narrow
the birth date most.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
from html.parser import HTMLParser

import openpyxl
import pytest
from django.db import connection
from django.test import Client

from jiceng.accounts.models import Role, User
from jiceng.core import idnumbers, masking
from jiceng.core.models import AuditEvent, AuditRecord
from jiceng.members import services
from jiceng.members.models import Member
from jiceng.testing import rebuild
from jiceng.testing.personas import Tree, add_member, user_with
from jiceng.testing.rebuild import ENOUGH, Seen, id_candidates, phone_candidates

TODAY = dt.date(2026, 6, 1)


class Page(HTMLParser):
    """The facts of a page: its tables' rows (header → cell) and its <dt>/<dd> pairs."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.facts: dict[str, str] = {}
        self._headers: list[str] = []
        self._cells: list[str] = []
        self._text: list[str] | None = None
        self._term = ""
        self._in_head = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self._in_head, self._headers = True, []
        elif tag == "tr":
            self._cells = []
        elif tag in ("th", "td", "dt", "dd"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text or []).strip()
        if tag == "thead":
            self._in_head = False
        elif tag == "th" and self._in_head:
            self._headers.append(text)
        elif tag == "td":
            self._cells.append(text)
        elif tag == "tr" and not self._in_head and self._cells:
            self.rows.append(dict(zip(self._headers, self._cells, strict=False)))
        elif tag == "dt":
            self._term = text
        elif tag == "dd":
            self.facts[self._term] = text
        if tag in ("th", "td", "dt", "dd"):
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def seen_by(client: Client, member: Member) -> Seen:
    """Everything `client` can read of `member`, put together."""
    seen = Seen()
    org = member.organization_id
    for url in (f"/members/?org={org}", f"/orgs/{org}/"):
        response = client.get(url)
        if response.status_code == 200:
            for row in Page(response.content.decode()).rows:
                if row.get("姓名", "").startswith(member.name):
                    seen.add(url, row)
    response = client.get(f"/members/{member.pk}/")
    if response.status_code == 200:
        seen.add("the member's page", Page(response.content.decode()).facts)
    response = client.get(f"/api/v1/members?org={org}")
    if response.status_code == 200:
        for item in response.json()["items"]:
            if item["id"] == member.pk:
                seen.add("GET /api/v1/members", item)
    response = client.get(f"/api/v1/members/{member.pk}")
    if response.status_code == 200:
        seen.add("GET /api/v1/members/{id}", response.json())
    response = client.get(f"/members/export.xlsx?org={org}")
    if response.status_code == 200:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        for values in rows[1:]:
            record = dict(zip((str(h) for h in rows[0]), values, strict=False))
            if record.get("姓名") == member.name:
                seen.add("the export", record)
    return seen


ROLES = {
    "支部书记": (Role.BRANCH_SECRETARY, "branch", None),
    "支委": (Role.COMMITTEE_MEMBER, "branch", None),
    "区委组织部": (Role.ORGANIZATION_DEPARTMENT, "district", None),
    "街道干部": (Role.STREET_OFFICIAL, None, "320113007000"),
    "社区干部": (Role.COMMUNITY_OFFICIAL, None, "320113007001"),
}


@pytest.fixture
def members(tree: Tree) -> list[Member]:
    return [
        add_member(
            tree.branch,
            name="宋佳",
            id_number=idnumbers.make("320113", dt.date(1979, 5, 17), 246),
            phone="13812345678",
            joined_on=dt.date(2010, 7, 1),
            full_member_on=dt.date(2011, 7, 1),
        ),
        add_member(
            tree.branch,
            name="江小雨",
            id_number=idnumbers.make("320113", dt.date(2000, 1, 5), 135),
            phone="13912345678",
            joined_on=dt.date(2018, 1, 20),
            full_member_on=dt.date(2019, 1, 20),
        ),
    ]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_role_can_rebuild_an_id_or_phone_number_from_what_it_sees(
    tree: Tree, members: list[Member], role: str
) -> None:
    kind, organization, division = ROLES[role]
    user: User = user_with(
        f"rebuild-{kind.lower()}",
        kind,
        organization=getattr(tree, organization) if organization else None,
        division_id=division,
    )
    client = Client()
    client.force_login(user)

    for member in members:
        seen = seen_by(client, member)

        assert seen.id_masks, f"{role} saw nothing of {member.name}: the test would prove nothing"
        area = (member.organization.division_id or "")[:6]
        ids = id_candidates(seen, area=area, today=TODAY)
        phones = phone_candidates(seen)
        where = ", ".join(seen.sources)
        assert ids >= ENOUGH, f"{role} narrows {member.name}'s ID number to {ids} ({where})"
        assert phones >= ENOUGH, f"{role} narrows {member.name}'s phone to {phones} ({where})"
    assert not AuditRecord.objects.filter(event=AuditEvent.SENSITIVE_VIEW).exists()


def test_the_masking_policy_counts_on_the_joining_age_the_registry_checks() -> None:
    assert services.MIN_AGE_AT_JOINING == masking.MIN_AGE == rebuild.MIN_AGE_AT_JOINING


def test_masks_stored_under_the_old_policy_are_rewritten_by_the_migration(tree: Tree) -> None:
    remask = importlib.import_module(
        "jiceng.members.migrations.0003_id_numbers_masked_to_the_area_code"
    ).REMASK
    member = add_member(tree.branch, name="老数据")
    Member.objects.filter(pk=member.pk).update(id_number_masked="320113********1238")

    with connection.cursor() as cursor:
        cursor.execute(remask)

    assert Member.objects.get(pk=member.pk).id_number_masked == "320113************"
