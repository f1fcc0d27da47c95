"""Open311 API keys the system administrator issues (issue 11): shown once, kept as their
SHA-256, each with its own rate, revoked by an action; found on a POST by one indexed query.
JICENG_OPEN311_KEYS stays as the bootstrap (test_open311's `keyed` fixture uses it)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jiceng.accounts.models import User
from jiceng.cases.models import Case, Open311Key
from jiceng.cases.open311 import keys
from jiceng.cases.tests.test_open311 import BASE, KEY, keyed, post  # noqa: F401  (keyed)
from jiceng.core import clock
from jiceng.core.models import AuditRecord
from jiceng.testing.personas import verified_client

pytestmark = pytest.mark.usefixtures("keyed")  # test_open311's key, from the environment

ADMIN = "/admin/cases/open311key/"
ISSUED = re.compile(r'<code id="issued-key"[^>]*>([A-Za-z0-9_-]+)</code>')


@pytest.fixture(autouse=True)
def fresh_rates() -> None:
    cache.clear()


def issue(admin: Client, name: str = "城市 App", rate: str = "600/m") -> str:
    page = admin.post(f"{ADMIN}add/", {"name": name, "rate": rate})
    assert page.status_code == 200, page.content.decode()[:2000]
    assert "no-store" in page["Cache-Control"]
    found = ISSUED.search(page.content.decode())
    assert found is not None
    return found.group(1)


def test_the_system_administrator_issues_a_key_that_is_shown_once(system_admin: User) -> None:
    admin = verified_client(system_admin)
    assert admin.get(f"{ADMIN}add/").status_code == 200
    api_key = issue(admin)
    assert len(api_key) >= 40
    row = Open311Key.objects.get()
    assert row.digest == hashlib.sha256(api_key.encode()).hexdigest()
    assert row.prefix == api_key[:6] and row.rate == "600/m" and not row.is_revoked
    stored = json.dumps(list(Open311Key.objects.values().get().values()), default=str)
    assert api_key not in stored
    for page in (ADMIN, f"{ADMIN}{row.pk}/change/"):
        shown = admin.get(page)
        assert shown.status_code == 200 and api_key not in shown.content.decode()
    assert AuditRecord.objects.filter(action="admin.add.open311key").exists()

    answered = post(Client(), api_key=api_key)
    assert answered.status_code == 200, answered.content
    assert Case.objects.get().open311_attributes["client"] == "城市 App"


def test_a_revoked_key_is_refused_and_stays_revoked(system_admin: User) -> None:
    admin = verified_client(system_admin)
    api_key = issue(admin)
    row = Open311Key.objects.get()
    revoked = admin.post(ADMIN, {"action": "revoke", "_selected_action": [row.pk]})
    assert revoked.status_code == 302
    row.refresh_from_db()
    assert row.is_revoked and row.revoked_at is not None
    assert AuditRecord.objects.filter(action="cases.revoke_open311_key").count() == 1
    # Revoking again changes nothing; the change form cannot lift it.
    admin.post(ADMIN, {"action": "revoke", "_selected_action": [row.pk]})
    assert AuditRecord.objects.filter(action="cases.revoke_open311_key").count() == 1
    admin.post(f"{ADMIN}{row.pk}/change/", {"name": row.name, "rate": row.rate})
    row.refresh_from_db()
    assert row.is_revoked

    refused = post(Client(), api_key=api_key)
    assert refused.status_code == 403
    assert refused.json() == [{"code": 403, "description": "API 密钥无效或缺失（api_key）"}]
    assert not Case.objects.exists()


def test_an_issued_key_is_held_to_its_own_rate(system_admin: User) -> None:
    api_key = issue(verified_client(system_admin), rate="2/m")
    with clock.frozen(clock.now()):  # one fixed window: a minute's end would reset it
        answers = [post(Client(), addr=f"10.0.1.{n}", api_key=api_key) for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) >= 1
    assert answers[2].json()[0]["code"] == 429
    # The bootstrap key has no rate of its own (the per-address one still counts).
    assert all(post(Client(), addr=f"10.0.2.{n}").status_code == 200 for n in range(3))
    assert Case.objects.count() == 5


@pytest.mark.parametrize("rate", ["0/s", "ten/m", "5/w", "5", "", "5/0m"])
def test_a_rate_that_is_no_rate_is_refused_in_the_form(system_admin: User, rate: str) -> None:
    page = verified_client(system_admin).post(f"{ADMIN}add/", {"name": "x", "rate": rate})
    assert page.status_code == 200 and 'id="issued-key"' not in page.content.decode()
    assert not Open311Key.objects.exists()


def test_other_administrators_and_visitors_cannot_manage_keys(
    security_admin: User, audit_admin: User
) -> None:
    for admin in (security_admin, audit_admin):
        client = verified_client(admin)
        assert client.get(ADMIN).status_code == 403
        assert client.post(f"{ADMIN}add/", {"name": "x", "rate": "1/s"}).status_code == 403
    assert Client().get(ADMIN).status_code == 302
    assert not Open311Key.objects.exists()


def queries_of(client: Client, **fields: Any) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        status = post(client, **fields).status_code
    return status, [q["sql"] for q in captured.captured_queries]


def test_the_key_check_is_one_indexed_query(client: Client) -> None:
    row = Open311Key(name="城市 App")
    api_key = keys.issue_key(row)
    row.save()
    queries_of(client)  # the first intake of a process loads the categories and the grids
    _, bootstrap = queries_of(client)
    status, issued = queries_of(client, api_key=api_key)
    assert status == 200
    assert len(issued) == len(bootstrap) + 1
    [lookup] = [q for q in issued if "cases_open311key" in q]
    assert "digest" in lookup and "is_revoked" in lookup
    # A wrong key costs the one lookup; one too short or too long for a key, none.
    status, wrong = queries_of(client, api_key="wrong-key-0123456789abc")
    assert status == 403 and len(wrong) == 1 and "cases_open311key" in wrong[0]
    assert queries_of(client, api_key="short") == (403, [])
    assert queries_of(client, api_key="k" * 201) == (403, [])


def test_an_issued_key_is_kept_only_as_its_digest_and_prefix() -> None:
    row = Open311Key(name="city-app")
    made = keys.issue_key(row)
    assert row.digest == keys.digest(made)
    assert row.prefix == made[: keys.PREFIX_LENGTH]
    assert made not in {str(getattr(row, f.attname)) for f in Open311Key._meta.concrete_fields}
