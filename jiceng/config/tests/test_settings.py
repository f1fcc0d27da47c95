"""The settings modules load as each environment expects, and the project passes its checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

PRODUCTION_KEYS = {
    "JICENG_SECRET_KEY": "Qm4v-7dLr0pX2sWk9yTn3bHc8fGj5uEa1zNq6oRi-VwY0eKtS4lDh7PmC2xJb9gF",
    "JICENG_FIELD_KEYS": "1:00112233445566778899aabbccddeeff",
    "JICENG_INDEX_KEY": "ab" * 32,
    "JICENG_AUDIT_KEY": "cd" * 32,
}


def run_django(
    code: str, *, settings: str, extra_env: dict[str, str], var_dir: Path
) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a new interpreter whose environment holds nothing but what is given, so
    neither the test settings' keys nor the developer's shell leak into it."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": settings,
        "JICENG_VAR_DIR": str(var_dir),
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_system_checks_pass_with_test_settings() -> None:
    call_command("check", fail_level="WARNING")


@pytest.mark.parametrize("missing", sorted(PRODUCTION_KEYS))
def test_production_settings_refuse_to_load_without_a_key(missing: str, tmp_path: Path) -> None:
    keys = {name: value for name, value in PRODUCTION_KEYS.items() if name != missing}

    result = run_django(
        "import django; django.setup()",
        settings="jiceng.config.settings.prod",
        extra_env=keys,
        var_dir=tmp_path,
    )

    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr
    assert not (tmp_path / "secrets.json").exists()  # no key was invented on the way


def test_production_settings_pass_the_deploy_checks(tmp_path: Path) -> None:
    result = run_django(
        "import django; django.setup(); from django.conf import settings; "
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING'); print(settings.DEBUG)",
        settings="jiceng.config.settings.prod",
        extra_env=PRODUCTION_KEYS,
        var_dir=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"
    assert not (tmp_path / "secrets.json").exists()


def test_embedded_installation_makes_its_keys_once(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY, settings.JICENG_INDEX_KEY)"
    )

    first = run_django(code, settings="jiceng.config.settings.base", extra_env={}, var_dir=tmp_path)
    again = run_django(code, settings="jiceng.config.settings.base", extra_env={}, var_dir=tmp_path)

    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0  # readable by its owner only


def test_openapi_schema_is_public_json(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"]


def test_api_docs_use_the_bundled_swagger_ui(client) -> None:
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
