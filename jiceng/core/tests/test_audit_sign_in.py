"""Sign-ins, failures, sign-outs and lockouts reach the audit log (accounts.audit_events)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core import audit
from jiceng.core.models import AuditEvent, AuditRecord, AuditResult

pytestmark = pytest.mark.django_db

PASSWORD = "Pa55word!x"  # the personas' password


def sign_in(client: Client, username: str, password: str) -> None:
    client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3"
    )


def test_a_sign_in_through_the_page_is_recorded_with_its_address(
    client: Client, secretary: User
) -> None:
    sign_in(client, "li-xiuying", PASSWORD)

    row = AuditRecord.objects.get(event=AuditEvent.SIGN_IN)
    assert (row.user_id, row.username, row.ip, row.result) == (
        secretary.pk,
        "li-xiuying",
        "10.1.2.3",
        AuditResult.SUCCESS,
    )
    assert audit.verify().ok


def test_a_failed_sign_in_is_recorded_without_the_password(client: Client, secretary: User) -> None:
    sign_in(client, "li-xiuying", "wrong-Secret-42")
    sign_in(client, "no-such-person", "other-Secret-42")

    failed = list(AuditRecord.objects.filter(event=AuditEvent.SIGN_IN_FAILED).order_by("id"))
    assert [(r.username, r.user_id, r.ip, r.result) for r in failed] == [
        ("li-xiuying", secretary.pk, "10.1.2.3", AuditResult.FAILURE),
        ("no-such-person", None, "10.1.2.3", AuditResult.FAILURE),
    ]
    stored = " ".join(str(v) for r in failed for v in vars(r).values())
    assert "Secret" not in stored and "***" not in stored


def test_signing_out_is_recorded(client: Client, secretary: User) -> None:
    client.force_login(secretary)

    client.post("/accounts/logout/", REMOTE_ADDR="10.1.2.4")

    row = AuditRecord.objects.get(event=AuditEvent.SIGN_OUT)
    assert (row.user_id, row.ip) == (secretary.pk, "10.1.2.4")


def test_a_lockout_is_recorded(client: Client, secretary: User, settings) -> None:
    if not apps.is_installed("axes"):
        pytest.skip("django-axes is not installed")
    for _ in range(settings.JICENG_LOCKOUT_FAILURES):
        sign_in(client, "li-xiuying", "wrong-Secret-42")

    row = AuditRecord.objects.filter(event=AuditEvent.LOCKED_OUT).first()
    assert row is not None
    assert (row.username, row.ip, row.result) == ("li-xiuying", "10.1.2.3", AuditResult.REFUSED)
    assert audit.verify().ok
