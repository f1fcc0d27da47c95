"""How the audit chain's hashes are made; audit.py appends and walks the chain with them, and
audit_checkpoints.py signs the checkpoints that pin it down.

A record's hash is HMAC-SM3 under JICENG_AUDIT_KEY over its predecessor's hash and its own
fields, so someone who can write the database but has not the key cannot make a hash that
verifies: rewriting, inserting or removing records and recomputing the chain no longer hides it.
A keyed hash costs what a plain one does (an HMAC copied from one made once per key).

Records written before the chain was keyed (core migration 0004) keep their plain SM3 hashes.
They form the chain's first run, up to the head's `plain_last_id`, and the migration signed
where that run ends (`plain_seal`, keyed over that record's id and hash): a plain hash is
accepted only there, so no one can pass off records of their own as written before keying.

The same key signs each checkpoint. Every use begins with its own label, and a record's input
begins with 64 hex digits, so a value made for one use never verifies as another.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from jiceng.core.models import AuditRecord

KEY_MIN_BYTES = 16
KEYED = "v2"  # the fields' tag in a keyed record's hash input
PLAIN = "v1"  # ... and in a record hashed before keying

_PLAIN_END = b"jiceng audit plain records end\x00"
_CHECKPOINT = b"jiceng audit checkpoint\x00"


def audit_key() -> bytes:
    """JICENG_AUDIT_KEY as bytes, at least 16 of them."""
    return _parsed_key(settings.JICENG_AUDIT_KEY)


@lru_cache(maxsize=4)
def _parsed_key(text: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_MIN_BYTES:
        raise ImproperlyConfigured(
            f"JICENG_AUDIT_KEY must be at least {KEY_MIN_BYTES} bytes in hex "
            "(the key of the audit log's chain)"
        )
    return key


@lru_cache(maxsize=4)
def _keyed_start(text: str) -> hmac.HMAC:
    # Keyed once per key: each record then pays for a copy, not for the key's setup.
    return hmac.HMAC(_parsed_key(text), hashes.SM3())


def keyed(data: bytes) -> str:
    """HMAC-SM3 of `data` under JICENG_AUDIT_KEY, in hex."""
    mac = _keyed_start(settings.JICENG_AUDIT_KEY).copy()
    mac.update(data)
    return mac.finalize().hex()


def hashed_fields(row: AuditRecord, tag: str) -> str:
    """Every field but `id` and the hashes. The id is left out because the database assigns it
    on insert, after the hash is made; the order of records is still bound, through prev_hash."""
    at = row.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = [
        tag,
        at,
        row.user_id,
        row.username,
        row.ip,
        row.event,
        row.action,
        row.target_type,
        row.target_id,
        row.result,
        row.detail,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def chained(prev_hash: str, row: AuditRecord) -> str:
    """The hash of a record written now: keyed."""
    return keyed((prev_hash + hashed_fields(row, KEYED)).encode())


def plain_chained(prev_hash: str, row: AuditRecord) -> str:
    """The hash a record written before keying has: plain SM3."""
    hasher = hashes.Hash(hashes.SM3())
    hasher.update((prev_hash + hashed_fields(row, PLAIN)).encode())
    return hasher.finalize().hex()


def plain_seal(last_id: int, last_hash: str) -> str:
    """Signs the last record hashed before keying (migration 0004 writes it to the head)."""
    return keyed(_PLAIN_END + f"{last_id}:{last_hash}".encode())


def checkpoint_mac(body: str) -> str:
    return keyed(_CHECKPOINT + body.encode())
