"""The keys belong to the data: the database remembers which keys it was written with.

Personal data is sealed with JICENG_FIELD_KEYS, looked up through blind indexes made with
JICENG_INDEX_KEY, and the audit chain is keyed with JICENG_AUDIT_KEY. A database that runs
with other keys (a copy restored without its keys file, next to a var/secrets.json made anew)
cannot open what it holds and finds no duplicate ID number. So `migrate` records a fingerprint
of each key in the database (KeyFingerprint, after every migrate, for keys not yet recorded:
a new field key added for rotation is recorded at the next migrate), and the platform refuses
to run with keys that do not match:

- the system check `core.E001`, run by `jiceng migrate` and `jiceng check --database default`
  (a check that reads the database runs only when a command names one, as Django's own do);
- the web: the first request of each process compares them, and with other keys every request
  fails with the message in the log until the right keys are back;
- `jiceng backup` compares them before it copies anything.

A fingerprint is HMAC-SM3 of a fixed label under the key: it names the key without telling it.
The secret key of sessions and signed links is left out: it may rotate (SECRET_KEY_FALLBACKS),
and data does not depend on it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from jiceng.core import clock

logger = logging.getLogger(__name__)

_LABEL = b"jiceng key fingerprint"
GUARD_ID = "jiceng.core.keys.refuse_requests_with_other_keys"


def _fingerprint(key: bytes) -> str:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(_LABEL)
    return mac.finalize()[:16].hex()


def configured() -> dict[str, str]:
    """The fingerprint of each configured key, by name: "field:1", "field:2" ..., "index",
    "audit". A key that is not valid hex is left out (crypto and audit_chain refuse it)."""
    found: dict[str, str] = {}
    for item in str(settings.JICENG_FIELD_KEYS).split(","):
        version, _, key_hex = item.strip().partition(":")
        if version.strip().isdigit() and (key := _bytes(key_hex)):
            found[f"field:{int(version)}"] = _fingerprint(key)
    for name, text in (("index", settings.JICENG_INDEX_KEY), ("audit", settings.JICENG_AUDIT_KEY)):
        if key := _bytes(str(text)):
            found[name] = _fingerprint(key)
    return found


def _bytes(text: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        return b""


def recorded(using: str = DEFAULT_DB_ALIAS) -> dict[str, str] | None:
    """The fingerprints the database holds; None when it cannot say (not reachable, or not
    migrated yet)."""
    from jiceng.core.models import KeyFingerprint

    # Inside a transaction, a savepoint keeps PostgreSQL's transaction usable after an error.
    inside = connections[using].in_atomic_block
    try:
        with transaction.atomic(using=using) if inside else nullcontext():
            return dict(KeyFingerprint.objects.using(using).values_list("name", "fingerprint"))
    except DatabaseError:
        return None


def mismatches(stored: dict[str, str], current: dict[str, str]) -> list[str]:
    """What differs, for each key the data was written with. A configured key the data does not
    know yet (a new field key, before the next migrate records it) is fine."""
    found = []
    for name, fingerprint in sorted(stored.items()):
        if name not in current:
            found.append(f"{_named(name)}不在配置中")
        elif current[name] != fingerprint:
            found.append(f"{_named(name)}与数据的不同")
    return found


def _named(name: str) -> str:
    if name.startswith("field:"):
        return f"JICENG_FIELD_KEYS 的第 {name.partition(':')[2]} 版密钥"
    return {"index": "JICENG_INDEX_KEY 的密钥", "audit": "JICENG_AUDIT_KEY 的密钥"}.get(name, name)


def source() -> str:
    """Where the keys came from, as the operator would look for them."""
    keys_file: str = settings.JICENG_KEYS_FILE
    if keys_file:
        return f"密钥文件 {keys_file}"
    return "环境变量 JICENG_FIELD_KEYS、JICENG_INDEX_KEY、JICENG_AUDIT_KEY"


def problem(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Why the configured keys cannot run this database; "" when they can, or when the database
    has no fingerprints yet; None when it cannot be asked."""
    stored = recorded(using)
    if not stored:
        return None if stored is None else ""
    found = mismatches(stored, configured())
    if not found:
        return ""
    database = connections[using].settings_dict.get("NAME")
    return (
        f"密钥与数据不符：{'；'.join(found)}。数据库 {database} 是用另一套密钥写入的，"
        f"用{source()} 里的密钥，个人信息解不开，重复的身份证号也查不出。"
        f"请放回与这个数据库配套的{source()}（从备份恢复：jiceng restore），"
        "不要用新生成的密钥启动。"
    )


def ensure_keys_fit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Raises ImproperlyConfigured when the keys are not the data's."""
    if message := problem(using):
        raise ImproperlyConfigured(message)


def check_keys_fit_data(
    *,
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """core.E001. Reads the database, so runs only for a command that names databases
    (`migrate`, `check --database default`); a lint run on a developer's var/ database with the
    test settings' keys must not fail on it."""
    if not databases:
        return []
    return [
        checks.Error(message, hint=f"检查{source()}", id="core.E001")
        for alias in databases
        if (message := problem(alias))
    ]


def record_fingerprints(
    *, using: str = DEFAULT_DB_ALIAS, apps: Apps = global_apps, **kwargs: Any
) -> None:
    """post_migrate (after `migrate`, and after `flush`, which names no migration state):
    records the fingerprint of each configured key the database does not know; one it knows
    is never changed here (the check reports a difference instead)."""
    try:
        model = apps.get_model("core", "KeyFingerprint")
    except LookupError:  # migrated back to before 0004
        return
    known = set(model._default_manager.using(using).values_list("name", flat=True))
    model._default_manager.using(using).bulk_create(
        model(name=name, fingerprint=fingerprint, recorded_at=clock.now())
        for name, fingerprint in configured().items()
        if name not in known
    )


def refuse_requests_with_other_keys(**kwargs: Any) -> None:
    """request_started, until the first request that finds the keys fit: each web process
    compares the keys once. With other keys it raises on every request (the server answers 500
    and logs the message) rather than serve pages that cannot open their data."""
    try:
        message = problem()
    except RuntimeError:  # pytest-django forbids the database to a test without one
        message = None
    if message is None:  # no verdict: the next request asks again
        return
    if message:
        logger.critical(message)
        raise ImproperlyConfigured(message)
    request_started.disconnect(dispatch_uid=GUARD_ID)


def guard_requests() -> None:
    request_started.connect(refuse_requests_with_other_keys, dispatch_uid=GUARD_ID)
