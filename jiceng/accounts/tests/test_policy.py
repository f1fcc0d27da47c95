"""The security administrator's sign-in policy takes effect at once, in place of the defaults."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from jiceng.accounts.models import SecurityPolicy, User
from jiceng.core import clock
from jiceng.core.models import AuditEvent, AuditRecord
from jiceng.testing.personas import PASSWORD, verified_client


def fail(client: Client, username: str, times: int) -> int:
    status = 0
    for _ in range(times):
        status = client.post(
            "/accounts/login/", {"username": username, "password": "wrong-Pa55!"}
        ).status_code
    return status


def test_a_stricter_lockout_set_by_the_security_admin_applies(
    secretary: User, security_admin: User
) -> None:
    admin_client = verified_client(security_admin)
    response = admin_client.post(
        "/admin/accounts/securitypolicy/add/",
        {"lockout_failures": "3", "lockout_minutes": "60", "idle_minutes": ""},
    )
    assert response.status_code == 302
    assert SecurityPolicy.objects.get().lockout_failures == 3
    assert AuditRecord.objects.filter(event=AuditEvent.POLICY_CHANGE).exists()

    client = Client()
    assert fail(client, secretary.username, 2) == 200  # the form again, not yet locked
    assert fail(client, secretary.username, 1) == 429
    refused = client.post(
        "/accounts/login/", {"username": secretary.username, "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert "60" in refused.content.decode()


def test_the_policy_refuses_values_outside_its_bounds(security_admin: User) -> None:
    response = verified_client(security_admin).post(
        "/admin/accounts/securitypolicy/add/",
        {"lockout_failures": "50", "lockout_minutes": "1", "idle_minutes": "600"},
    )
    assert response.status_code == 200
    assert not SecurityPolicy.objects.exists()


def test_a_shorter_idle_timeout_applies(secretary: User) -> None:
    SecurityPolicy.objects.create(idle_minutes=10)
    client = Client()
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)
    with clock.frozen(start):
        client.force_login(secretary)
        assert client.get("/orgs/").status_code == 200
    with clock.frozen(start + dt.timedelta(minutes=11)):
        response = client.get("/orgs/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_only_the_security_admin_sets_it(system_admin: User, audit_admin: User) -> None:
    for admin in (system_admin, audit_admin):
        assert verified_client(admin).get("/admin/accounts/securitypolicy/").status_code == 403
