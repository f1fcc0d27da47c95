"""No unmasked ID number or mobile number anywhere but the one gated view.

Members with real-looking ID and mobile numbers are registered, then every page and API
route is read (by the district's organization department, who sees them all, and by each
administrator on their pages), every export is opened and every cell read, and every log line
written meanwhile, and every audit record, are collected. Nothing may contain an 18-digit ID
number or an 11-digit mobile number; the one route that shows them (查看完整信息) is checked
to do so, so the scan is known to be able to see them.
"""

from __future__ import annotations

import io
import json
import logging
import re

import openpyxl
import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core.models import AuditRecord
from jiceng.testing.personas import Tree, add_member, new_id_number, verified_client

from .test_url_walk import ALL

ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
GATED = {"members/<int:pk>/personal-data/", "api/v1/members/<member_id>/personal-data"}
# The import templates show how to fill a row with a made-up example, not anyone's data.
EXAMPLES = {
    "members/import/template.xlsx",
    "orgs/import/template.xlsx",
    "dues/import/bases/template.xlsx",
    "dues/import/payments/template.xlsx",
}


# SM3/SHA-256 digests in hex (the audit chain's hashes) hold runs of decimal digits by chance
# (about one hash in a hundred has 18 in a row); they are not numbers anyone could read as an
# ID, so they are taken out before the scan.
HEX_DIGEST = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{64}(?![0-9a-fA-F])")
# Likewise the digits after a decimal point (the seconds summed in /metrics, 0.0568065750121604):
# a number with a fraction is not an ID or a phone.
FRACTION = re.compile(r"(?<![0-9])[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?")


def unmasked(text: str) -> list[str]:
    text = FRACTION.sub("<fraction>", HEX_DIGEST.sub("<digest>", text))
    return ID_NUMBER.findall(text) + MOBILE.findall(text)


def readable(content: bytes, content_type: str) -> str:
    """The text a person could read: for a workbook, every cell of every sheet."""
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return content.decode("utf-8", errors="replace")


def address(route: str, *, org: int, member: int) -> str:
    route = re.sub(r"<int:pk>", str(member if route.startswith("members/") else org), route)
    route = route.replace("<org_id>", str(org)).replace("<member_id>", str(member))
    route = route.replace("<code>", "320113")
    query = f"?org={org}" if route in {"members/", "members/export.xlsx", "api/v1/members"} else ""
    return "/" + route + query


@pytest.fixture
def registered(tree: Tree) -> list[tuple[str, str]]:
    """(ID number, mobile) of the members registered for the scan."""
    numbers = []
    for i, organization in enumerate([tree.branch, tree.branch, tree.sibling, tree.yaohua_branch]):
        id_number, phone = new_id_number(), f"1391234{i:04d}"
        add_member(organization, name=f"扫描{i}", id_number=id_number, phone=phone)
        numbers.append((id_number, phone))
    return numbers


def test_nothing_shows_an_unmasked_number(
    tree: Tree,
    registered: list[tuple[str, str]],
    district_department: User,
    system_admin: User,
    security_admin: User,
    audit_admin: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    member = tree.branch.members.order_by("pk").first()
    assert member is not None
    seen: dict[str, str] = {}
    examples: list[str] = []
    client = Client()
    client.force_login(district_department)
    for route, namespace, _ in ALL:
        if namespace == "admin" or route in GATED or "<path:" in route:
            continue
        url = address(route, org=tree.branch.pk, member=member.pk)
        response = client.get(url)
        text = readable(response.content, response.get("Content-Type", ""))
        if route in EXAMPLES:
            examples.append(text)
        else:
            seen[url] = text
    assert "api/v1/members" in " ".join(seen) and "/members/export.xlsx?org" in " ".join(seen)
    assert "扫描0" in seen[f"/members/?org={tree.branch.pk}"]  # the lists did list them
    for admin in (system_admin, security_admin, audit_admin):
        admin_client = verified_client(admin)
        for name in ("accounts/user", "accounts/roleassignment", "core/auditrecord"):
            response = admin_client.get(f"/admin/{name}/")
            seen[f"{admin.username} /admin/{name}/"] = response.content.decode()
    seen["log lines"] = "\n".join(
        logging.Formatter("%(message)s %(args)s").format(record) for record in caplog.records
    )
    seen["audit records"] = "\n".join(
        json.dumps(row, default=str) for row in AuditRecord.objects.values()
    )

    leaks = {where: unmasked(text) for where, text in seen.items() if unmasked(text)}
    assert leaks == {}
    everything = "\n".join([*seen.values(), *examples])
    for id_number, phone in registered:
        assert id_number not in everything and phone not in everything


def test_the_scan_sees_the_numbers_where_they_are_shown(
    tree: Tree, registered: list[tuple[str, str]], district_department: User
) -> None:
    member = tree.branch.members.order_by("pk").first()
    assert member is not None
    client = Client()
    client.force_login(district_department)
    page = client.post(f"/members/{member.pk}/personal-data/").content.decode()
    api = client.get(f"/api/v1/members/{member.pk}/personal-data").content.decode()
    assert registered[0][0] in unmasked(page) and registered[0][1] in unmasked(page)
    assert registered[0][0] in unmasked(api)
