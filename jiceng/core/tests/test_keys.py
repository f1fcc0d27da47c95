"""The keys belong to the data: migrate records their fingerprints, and the check, migrate and
the web refuse a database with keys other than its own (a copy restored without its keys file,
next to new ones)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.core.signals import request_started
from django.test import Client, override_settings

from jiceng.core import keys
from jiceng.core.models import KeyFingerprint

pytestmark = pytest.mark.django_db

NEW_FIELD_KEY = "1:" + "3c" * 16  # what a fresh var/secrets.json would hold instead
NEW_INDEX_KEY = "c3" * 32


def errors_of_the_database_checks() -> list[checks.CheckMessage]:
    return checks.run_checks(databases=["default"])


def test_migrate_recorded_a_fingerprint_of_each_key() -> None:
    stored = dict(KeyFingerprint.objects.values_list("name", "fingerprint"))

    assert set(stored) == {"field:1", "field:2", "index", "audit"}
    assert stored == keys.configured()
    assert all(len(fingerprint) == 32 for fingerprint in stored.values())


def test_a_fingerprint_tells_nothing_of_its_key() -> None:
    stored = KeyFingerprint.objects.get(name="index").fingerprint
    with override_settings(JICENG_INDEX_KEY=NEW_INDEX_KEY):
        assert keys.configured()["index"] != stored


def test_the_keys_of_the_data_pass_the_check() -> None:
    assert [e for e in errors_of_the_database_checks() if e.id == "core.E001"] == []
    assert keys.problem() == ""


@pytest.mark.parametrize(
    "other",
    [
        {"JICENG_FIELD_KEYS": NEW_FIELD_KEY},
        {"JICENG_INDEX_KEY": NEW_INDEX_KEY},
        {"JICENG_AUDIT_KEY": "c3" * 32},
    ],
)
def test_other_keys_fail_the_check_naming_where_they_came_from(other: dict[str, str]) -> None:
    with override_settings(**other, JICENG_KEYS_FILE="/srv/jiceng/var/secrets.json"):
        found = [e for e in errors_of_the_database_checks() if e.id == "core.E001"]

    assert len(found) == 1 and found[0].level == checks.ERROR
    assert "/srv/jiceng/var/secrets.json" in found[0].msg
    assert "jiceng restore" in found[0].msg


def test_keys_from_the_environment_are_named_so() -> None:
    with override_settings(JICENG_INDEX_KEY=NEW_INDEX_KEY, JICENG_KEYS_FILE=""):
        message = keys.problem()

    assert message and "环境变量" in message and "JICENG_INDEX_KEY 的密钥与数据的不同" in message


def test_a_field_key_missing_from_the_configuration_fails_the_check() -> None:
    with override_settings(JICENG_FIELD_KEYS="2:00112233445566778899aabbccddeeff"):
        message = keys.problem()

    assert message and "第 1 版密钥不在配置中" in message


def test_a_new_field_key_for_rotation_passes_and_is_recorded_at_the_next_migrate() -> None:
    rotated = f"3:{'7e' * 16},{settings.JICENG_FIELD_KEYS}"
    with override_settings(JICENG_FIELD_KEYS=rotated):
        assert keys.problem() == ""
        call_command("migrate", verbosity=0)
        assert KeyFingerprint.objects.filter(name="field:3").exists()
        assert keys.problem() == ""

    assert "第 3 版密钥不在配置中" in (keys.problem() or "")


def test_migrate_refuses_a_database_with_other_keys() -> None:
    before = dict(KeyFingerprint.objects.values_list("name", "fingerprint"))

    with (
        override_settings(JICENG_FIELD_KEYS=NEW_FIELD_KEY, JICENG_INDEX_KEY=NEW_INDEX_KEY),
        pytest.raises(SystemCheckError, match=r"core\.E001"),
    ):
        call_command("migrate", verbosity=0, skip_checks=False)

    assert dict(KeyFingerprint.objects.values_list("name", "fingerprint")) == before


def test_a_database_without_fingerprints_is_not_judged() -> None:
    KeyFingerprint.objects.all().delete()

    with override_settings(JICENG_INDEX_KEY=NEW_INDEX_KEY):
        assert keys.problem() == ""


@pytest.fixture
def guarded() -> Iterator[None]:
    """The first-request guard, connected again for this test (a process disconnects it once
    its first request found the keys fit)."""
    keys.guard_requests()
    yield
    request_started.disconnect(dispatch_uid=keys.GUARD_ID)


@pytest.mark.usefixtures("guarded")
def test_the_web_refuses_requests_with_other_keys_until_they_are_back() -> None:
    client = Client()
    with override_settings(JICENG_INDEX_KEY=NEW_INDEX_KEY):
        for _ in range(2):
            with pytest.raises(ImproperlyConfigured, match="密钥与数据不符"):
                client.get("/accounts/login/")

    assert client.get("/accounts/login/").status_code == 200
    # Found fit, the process stops asking.
    with override_settings(JICENG_INDEX_KEY=NEW_INDEX_KEY):
        assert client.get("/accounts/login/").status_code == 200


def test_a_keys_file_made_before_the_audit_key_gets_one_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    older = {"SECRET_KEY": "s" * 50, "FIELD_KEYS": "1:" + "ab" * 16, "INDEX_KEY": "cd" * 32}
    keys_file = tmp_path / "secrets.json"
    keys_file.write_text(json.dumps(older))
    keys_file.chmod(0o600)
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.JICENG_AUDIT_KEY, settings.JICENG_INDEX_KEY, "
        "settings.JICENG_KEYS_FILE]))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.base",
            "JICENG_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    audit_key, index_key, named_file = json.loads(result.stdout.splitlines()[-1])
    kept = json.loads(keys_file.read_text())
    assert kept == older | {"AUDIT_KEY": audit_key} and len(bytes.fromhex(audit_key)) == 32
    assert (index_key, named_file) == (older["INDEX_KEY"], str(keys_file))
    assert keys_file.stat().st_mode & 0o077 == 0
