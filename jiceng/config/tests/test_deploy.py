"""Deployment checks: `check --deploy` is clean with the production settings, the security
settings hold what they should, and no page needs the inline code a strict CSP forbids."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from jiceng.accounts import policy

PRODUCTION_KEYS = {
    "JICENG_SECRET_KEY": "Qm4v-7dLr0pX2sWk9yTn3bHc8fGj5uEa1zNq6oRi-VwY0eKtS4lDh7PmC2xJb9gF",
    "JICENG_FIELD_KEYS": "1:00112233445566778899aabbccddeeff",
    "JICENG_INDEX_KEY": "ab" * 32,
    "JICENG_AUDIT_KEY": "cd" * 32,
}
STRICT_POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}


def run(
    args: list[str], *, settings_module: str, env: dict[str, str], var_dir: Path
) -> subprocess.CompletedProcess[str]:
    """A new interpreter with nothing in its environment but what is given."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": settings_module,
            "JICENG_VAR_DIR": str(var_dir),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_of(
    names: list[str], *, settings_module: str, env: dict[str, str], var_dir: Path
) -> dict[str, object]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = run(["-c", code], settings_module=settings_module, env=env, var_dir=var_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_manage_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = run(
        ["-m", "jiceng.manage", "check", "--deploy", "--fail-level", "WARNING"],
        settings_module="jiceng.config.settings.prod",
        env=PRODUCTION_KEYS,
        var_dir=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_security_settings(tmp_path: Path) -> None:
    values = settings_of(
        [
            "DEBUG",
            "SESSION_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "SESSION_COOKIE_SAMESITE",
            "CSRF_COOKIE_SECURE",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "SECURE_CONTENT_TYPE_NOSNIFF",
            "X_FRAME_OPTIONS",
            "SECURE_REFERRER_POLICY",
            "MIDDLEWARE",
            "CACHES",
        ],
        settings_module="jiceng.config.settings.prod",
        env=PRODUCTION_KEYS,
        var_dir=tmp_path,
    )

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert isinstance(values["SECURE_HSTS_SECONDS"], int)
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert "csp.middleware.CSPMiddleware" in values["MIDDLEWARE"]  # type: ignore[operator]
    # a cache every worker shares, so rate limits count a client once
    caches = values["CACHES"]
    assert isinstance(caches, dict)
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_lockout_idle_and_rates_come_from_the_environment(tmp_path: Path) -> None:
    values = settings_of(
        [
            "JICENG_LOCKOUT_FAILURES",
            "JICENG_LOCKOUT_MINUTES",
            "JICENG_IDLE_MINUTES",
            "JICENG_RATES",
        ],
        settings_module="jiceng.config.settings.test",
        env={
            "JICENG_LOCKOUT_FAILURES": "3",
            "JICENG_LOCKOUT_MINUTES": "60",
            "JICENG_IDLE_MINUTES": "10",
            "JICENG_RATES": "signin=5/m,export=2/h",
        },
        var_dir=tmp_path,
    )

    assert values["JICENG_LOCKOUT_FAILURES"] == 3
    assert values["JICENG_LOCKOUT_MINUTES"] == 60
    assert values["JICENG_IDLE_MINUTES"] == 10
    assert values["JICENG_RATES"] == {
        "signin": "5/m",
        "citizen_case": "10/m",
        "open311": "100/s",
        "case_lookup": "20/h",
        "case_lookup_number": "10/d",
        "consent_answer": "30/h",
        "consent_round": "300/d",
        "export": "2/h",
    }


def test_defaults_are_five_failures_fifteen_minutes_and_thirty_idle(db: None) -> None:
    assert policy.failure_limit(None, {}) == 5
    assert policy.lockout_period().total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.JICENG_IDLE_MINUTES == 30
    assert settings.JICENG_RATES["signin"] == "20/m"
    assert settings.AUTHENTICATION_BACKENDS[0] == "jiceng.accounts.backends.LockoutBackend"


def test_every_response_carries_the_strict_content_security_policy(
    client: Client, db: None
) -> None:
    response = client.get("/accounts/login/")

    policy = {part.strip() for part in response["Content-Security-Policy"].split(";")}
    assert policy == STRICT_POLICY


TEMPLATES = sorted(Path(settings.BASE_DIR, "jiceng").glob("*/templates/**/*.html"))
INLINE = [
    (re.compile(r"""\sstyle\s*=""", re.I), "a style attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
        "an inline script",
    ),
    (re.compile(r"""\son[a-z]+\s*=""", re.I), "an inline event handler"),
    (re.compile(r"""\bhx-on""", re.I), "hx-on (evaluated as inline script)"),
    (re.compile(r"""javascript:""", re.I), "a javascript: URL"),
]


# Templates known to break the policy, each until its owner fixes it (strict: the test fails
# once the template is clean, so the entry goes too).
def template_case(path: Path) -> object:
    return pytest.param(path, id=str(path.relative_to(settings.BASE_DIR)))


@pytest.mark.parametrize("template", [template_case(path) for path in TEMPLATES])
def test_no_template_needs_what_the_policy_forbids(template: Path) -> None:
    text = template.read_text()

    found = [what for pattern, what in INLINE if pattern.search(text)]

    assert not found, (
        f"{template.name} has {', '.join(found)}: the CSP blocks it; use site.css or a static .js"
    )


def test_map_tiles_from_a_configured_host_may_load() -> None:
    from jiceng.config.settings.base import tile_source

    assert tile_source("") == []
    assert tile_source("https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}") == [
        "https://*.tianditu.gov.cn"
    ]
    assert tile_source("https://tiles.example.cn/{z}/{x}/{y}.png") == ["https://tiles.example.cn"]
