"""Every JICENG_* tunable is declared once, in config/settings/base.py, read from the
environment there, and read by the code at call time: set through the environment, each one
changes what the code that uses it does."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PACKAGE = Path(settings.BASE_DIR) / "jiceng"
BASE_SETTINGS = PACKAGE / "config" / "settings" / "base.py"

# What each variable changes, as an expression evaluated after django.setup(), the value the
# environment below gives it, and what the expression must then be.
EFFECTS: dict[str, tuple[str, str, object]] = {
    "JICENG_MINUTES_LOCK_DAYS": ("jiceng.orglife.minutes.lock_days()", "3", 3),
    "JICENG_MINUTES_PHOTO_MAX_BYTES": ("jiceng.orglife.minutes.photo_max_bytes()", "1000", 1000),
    "JICENG_ONLINE_MIN_MINUTES": ("jiceng.orglife.attendance.online_min_minutes()", "45", 45),
    "JICENG_ORGLIFE_MONTH_CLOSE_DAY": ("jiceng.orglife.checks.month_close_day()", "10", 10),
    "JICENG_CASE_REOPEN_DAYS": ("jiceng.cases.services.reopen_days()", "14", 14),
    "JICENG_CASE_PHOTO_MAX_BYTES": ("jiceng.cases.intake.photo_max_bytes()", "2048", 2048),
    "JICENG_CASE_SCORE_WEIGHTS": (
        "jiceng.cases.metrics.weights().response",
        "response=0.5,resolution=0.25,satisfaction=0.25",
        0.5,
    ),
    "JICENG_GRID_THREADS": ("jiceng.grid.routing._threads()", "2", 2),
    "JICENG_STATION_SEARCH_METERS": ("jiceng.stations.finder.search_metres()", "800", 800.0),
    "JICENG_STATION_WALK_URL": (
        "jiceng.stations.queries.walk_url(lon=1.5, lat=2.5, name='x')",
        "https://walk.example/?p={lon},{lat}",
        "https://walk.example/?p=1.5,2.5",
    ),
    "JICENG_FEDERATION_PROVINCE": (
        "jiceng.federation.keys.province_code()",
        "330000000000",
        "330000000000",
    ),
    "JICENG_FEDERATION_KEY": (
        "jiceng.federation.keys.public_key_text()",
        "-PVGZF2TgSHAom2gVDuuLMtQe_MgI8mKtJEATVtaQF0",
        "7eXnRjBQooMcyKOESnkVytvM2ce8tA_7r9bBGUbP7Gs",
    ),
    "JICENG_FEDERATION_PEER_KEYS": (
        "jiceng.federation.keys.peers()",
        "330000000000:abc",
        {"330000000000": "abc"},
    ),
    "JICENG_FEDERATION_PEER_DATABASES": (
        "settings.JICENG_FEDERATION_PEER_DATABASES",
        "330000000000=postgres://x@h/db",
        {"330000000000": "postgres://x@h/db"},
    ),
    "JICENG_FEDERATION_RETRY_SECONDS": (
        "jiceng.federation.exchange.backoff(2).total_seconds()",
        "7",
        14.0,
    ),
    "JICENG_FEDERATION_RETRY_MAX_SECONDS": (
        "jiceng.federation.exchange.backoff(20).total_seconds()",
        "100",
        100.0,
    ),
    "JICENG_FEDERATION_CONNECT_TIMEOUT": ("settings.JICENG_FEDERATION_CONNECT_TIMEOUT", "2", 2),
    "JICENG_GRID_NEAREST_METERS": ("settings.JICENG_GRID_NEAREST_METERS", "350", 350.0),
    "JICENG_GRID_RECHECK_SECONDS": ("settings.JICENG_GRID_RECHECK_SECONDS", "0.5", 0.5),
    "JICENG_SQLITE_CHECKPOINT_SECONDS": ("jiceng.core.sqlite.checkpoints.interval()", "0.5", 0.5),
    "JICENG_AUDIT_RETENTION_DAYS": ("jiceng.core.audit.retention_days()", "400", 400),
    "JICENG_CASE_EVENT_RETENTION_MONTHS": (
        "importlib.import_module('jiceng.core.partitions').retention_months('cases_caseevent')",
        "36",
        36,
    ),
    "JICENG_CASE_NOTICE_RETENTION_MONTHS": (
        "importlib.import_module('jiceng.core.partitions').retention_months('cases_notice')",
        "6",
        6,
    ),
    "JICENG_ATTENDANCE_RETENTION_MONTHS": (
        "importlib.import_module('jiceng.core.partitions').retention_months('orglife_attendance')",
        "120",
        120,
    ),
    "JICENG_AUDIT_KEY": ("jiceng.core.audit_chain.audit_key().hex()", "5e" * 32, "5e" * 32),
    "JICENG_AUDIT_CHECKPOINT_DIR": (
        "str(jiceng.core.audit_checkpoints.path())",
        "/srv/jiceng/audit-checkpoints",
        "/srv/jiceng/audit-checkpoints/checkpoints.jsonl",
    ),
    "JICENG_OPEN311_KEYS": (
        "jiceng.cases.open311.keys.client_of('k' * 20)",
        "city-app:" + "k" * 20,
        "city-app",
    ),
    "JICENG_MACHINE_PATHS": (
        "jiceng.web.middleware.MachineEndpointsMiddleware(lambda r: None).prefixes",
        "/open311/,/feeds/",
        ["/open311/", "/feeds/"],
    ),
    "JICENG_PROXY_COUNT": ("settings.JICENG_PROXY_COUNT", "2", 2),
    "JICENG_PAGE_SIZE": ("settings.JICENG_PAGE_SIZE", "20", 20),
    "JICENG_DASHBOARD_CACHE_SECONDS": ("jiceng.dashboard.queries.cache_seconds()", "60", 60),
    "JICENG_IMPORT_MAX_BYTES": ("settings.JICENG_IMPORT_MAX_BYTES", "1024", 1024),
    "JICENG_IMPORT_MAX_ROWS": ("settings.JICENG_IMPORT_MAX_ROWS", "10", 10),
    "JICENG_EXPORT_INLINE_ROWS": (
        "importlib.import_module('jiceng.exports.services').inline_rows()",
        "200",
        200,
    ),
    "JICENG_EXPORT_KEEP_HOURS": (
        "importlib.import_module('jiceng.exports.jobs').keep_hours()",
        "6",
        6,
    ),
    "JICENG_EXPORT_DIR": (
        "str(importlib.import_module('jiceng.exports.jobs').export_dir())",
        "/srv/jiceng/exports",
        "/srv/jiceng/exports",
    ),
    "JICENG_MAP_TILE_URL": (
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1]",
        "https://t{s}.tiles.example/{z}/{x}/{y}.png",
        "https://*.tiles.example",
    ),
    "JICENG_MAP_LABEL_TILE_URL": (
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-2]",
        "https://labels.example/{z}/{x}/{y}.png",
        "https://labels.example",
    ),
    "JICENG_MAP_TILE_ATTRIBUTION": (
        "importlib.import_module('jiceng.grid.maps').basemap()['attribution']",
        "© 天地图",
        "© 天地图",
    ),
    "JICENG_MAP_TILE_SUBDOMAINS": (
        "importlib.import_module('jiceng.grid.maps').basemap()['subdomains']",
        "01234567",
        "01234567",
    ),
    "JICENG_CONN_MAX_AGE": ("settings.CONN_MAX_AGE", "60", 60),
    "JICENG_SCHEDULE": (
        "{j.name: j.every.total_seconds() for j in jiceng.core.scheduler.jobs()}",
        "tick=5,audit_checkpoint=0",
        {
            "tick": 5.0,
            "case_notices": 10.0,
            "meeting_reminders": 60.0,
            "meeting_warnings": 86400.0,
            "purge_exports": 3600.0,
            "dues_bills": 86400.0,
            "transfer_receipts": 86400.0,
            "points": 3600.0,
            "appraisal": 86400.0,
            "weak_organizations": 86400.0,
            "village_presence": 86400.0,
            "taskforce_notices": 10.0,
            "consent_rounds": 300.0,
            "heartbeat": 30.0,
            "partitions": 86400.0,
            "federation_outbox": 60.0,
            "federation_inbox": 60.0,
        },
    ),
    "JICENG_TASKFORCE_CHECKIN_METERS": (
        "importlib.import_module('jiceng.taskforces.checkin').checkin_meters()",
        "500",
        500,
    ),
    "JICENG_TASKFORCE_CHECKIN_EARLY_MINUTES": (
        "importlib.import_module('jiceng.taskforces.checkin').early().total_seconds()",
        "10",
        600.0,
    ),
    "JICENG_MEETING_REMINDER_LEAD": (
        "jiceng.orglife.reminders.reminder_lead().total_seconds()",
        "90",
        5400.0,
    ),
    "JICENG_MEETING_WARNING_DAY": ("jiceng.orglife.reminders.warning_day()", "25", 25),
    "JICENG_TRANSFER_RECEIPT_DAYS": ("jiceng.transfers.services.receipt_days()", "45", 45),
    "JICENG_HOUSEHOLD_VISIT_DAYS": ("jiceng.households.queries.visit_days()", "60", 60),
    "JICENG_WEAK_COLLECTIVE_TOTAL": (
        "int(jiceng.cooperatives.services.line_for(None).total_below)",
        "200000",
        200000,
    ),
    "JICENG_WEAK_COLLECTIVE_OPERATING": (
        "int(jiceng.cooperatives.services.line_for(None).operating_below)",
        "80000",
        80000,
    ),
    "JICENG_NOTICE_CHANNELS": ("sorted(jiceng.notices.channels.channels())", "sms", ["sms"]),
    "JICENG_SMS_BACKEND": (
        "type(jiceng.notices.sms.backend()).__name__",
        "jiceng.notices.sms.NullBackend",
        "NullBackend",
    ),
    "JICENG_EMAIL_BACKEND": (
        "type(django.core.mail.get_connection()).__module__",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.console",
    ),
    "JICENG_EMAIL_HOST": ("settings.EMAIL_HOST", "smtp.example", "smtp.example"),
    "JICENG_EMAIL_PORT": ("settings.EMAIL_PORT", "587", 587),
    "JICENG_EMAIL_USER": ("settings.EMAIL_HOST_USER", "jiceng", "jiceng"),
    "JICENG_EMAIL_PASSWORD": ("settings.EMAIL_HOST_PASSWORD", "s3cret", "s3cret"),
    "JICENG_EMAIL_USE_TLS": ("settings.EMAIL_USE_TLS", "true", True),
    "JICENG_EMAIL_FROM": ("settings.DEFAULT_FROM_EMAIL", "tz@example.cn", "tz@example.cn"),
    "JICENG_METRICS_ALLOW": (
        "[str(n) for n in jiceng.ops.guard.allowed_networks()]",
        "10.1.2.0/24,::1",
        ["10.1.2.0/24", "::1/128"],
    ),
    "JICENG_METRICS_TOKEN": ("settings.JICENG_METRICS_TOKEN", "t0ken", "t0ken"),
    "JICENG_ALLOWED_HOSTS": (
        "settings.ALLOWED_HOSTS",
        "a.example,b.example",
        ["a.example", "b.example"],
    ),
    "JICENG_REPLICA_URL": (
        "(settings.DATABASES['replica']['HOST'], settings.DATABASES['replica']['OPTIONS'])",
        "postgresql://jiceng@10.0.0.12:6432,10.0.0.11:6432/jiceng?target_session_attrs=standby",
        ["10.0.0.12,10.0.0.11", {"target_session_attrs": "standby"}],
    ),
    "JICENG_REPLICA_MAX_LAG_SECONDS": (
        "importlib.import_module('jiceng.core.replicas').max_lag_seconds()",
        "2.5",
        2.5,
    ),
    "JICENG_PRIMARY_STICKY_SECONDS": (
        "importlib.import_module('jiceng.core.replicas').sticky_seconds()",
        "30",
        30,
    ),
}


def declared() -> set[str]:
    return set(re.findall(r"^(JICENG_[A-Z0-9_]+)\b", BASE_SETTINGS.read_text(), re.MULTILINE))


def app_sources() -> list[Path]:
    return [
        path
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts
        and "settings" not in path.parts
        and "migrations" not in path.parts
    ]


def test_every_setting_the_code_reads_is_declared_in_the_base_settings() -> None:
    used: dict[str, str] = {}
    for path in app_sources():
        for name in re.findall(r"settings\.(JICENG_[A-Z0-9_]+)", path.read_text()):
            used.setdefault(name, str(path.relative_to(PACKAGE)))
    assert used, "the scan found no setting: it reads the wrong files"
    missing = {name: where for name, where in used.items() if name not in declared()}
    assert missing == {}


def test_no_app_reads_a_setting_with_a_default_of_its_own() -> None:
    readers = [
        str(path.relative_to(PACKAGE))
        for path in app_sources()
        if re.search(r"getattr\(\s*settings\s*,", path.read_text())
    ]
    assert readers == []


def test_each_tunable_set_through_the_environment_takes_effect(tmp_path: Path) -> None:
    expressions = {name: effect[0] for name, effect in EFFECTS.items()}
    code = (
        "import json, importlib, django; django.setup(); from django.conf import settings\n"
        "import jiceng.cases.intake, jiceng.cases.services, jiceng.cases.metrics\n"
        "import jiceng.orglife.attendance, jiceng.orglife.checks, jiceng.orglife.minutes\n"
        "import jiceng.grid.routing, jiceng.core.audit, jiceng.cases.open311.keys\n"
        "import jiceng.web.middleware, jiceng.core.scheduler, jiceng.orglife.reminders\n"
        "import jiceng.notices.channels, jiceng.notices.sms, django.core.mail\n"
        "import jiceng.transfers.services\n"
        "import jiceng.households.queries\n"
        "import jiceng.cooperatives.services\n"
        "import jiceng.ops.guard, jiceng.core.sqlite.checkpoints\n"
        "import jiceng.federation.keys, jiceng.federation.exchange\n"
        f"print(json.dumps({{n: eval(e) for n, e in {expressions!r}.items()}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.test",
            "JICENG_VAR_DIR": str(tmp_path),
            **{name: effect[1] for name, effect in EFFECTS.items()},
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen == {name: effect[2] for name, effect in EFFECTS.items()}


def test_every_tunable_of_the_environment_is_covered_here() -> None:
    from_environment = set(
        re.findall(r'env_\w+\(\s*"(JICENG_[A-Z0-9_]+)"', BASE_SETTINGS.read_text())
    )
    # read elsewhere or tested elsewhere: the keys (test_settings), the log level, the
    # lockout and idle settings and the rates (test_deploy), the debug switch
    tested_elsewhere = {
        "JICENG_DEBUG",
        "JICENG_LOG_LEVEL",
        "JICENG_LOCKOUT_FAILURES",
        "JICENG_LOCKOUT_MINUTES",
        "JICENG_IDLE_MINUTES",
        "JICENG_RATES",
    }
    assert from_environment - tested_elsewhere == set(EFFECTS)
